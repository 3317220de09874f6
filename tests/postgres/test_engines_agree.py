"""One dbt project, two engines: the demo's landing data, copied into a real
PostgreSQL 15, builds there (models, seeds, data tests, unit tests and the
reconciliation tests) into marts equal row for row and value for value to
the DuckDB warehouse the demo published, whether built in full or in two
steps with the later loads added incrementally."""

import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import psycopg

from tests.postgres.conftest import Server, dbt_on_postgres, load_landing, record_basis

# Differ between any two builds, whatever the engine: when it was built.
BUILD_STAMPED = {("warehouse_meta", "built_at")}
# What an incremental build runs (unionkpi.dbt_runner.run_dbt): what the
# landing data flows into; the seeds and unit tests stand as built before.
INCREMENTAL = ("--select", "source:*+", "--exclude", "resource_type:unit_test")


def duckdb_today(warehouse: Path) -> str:
    """The "today" the DuckDB warehouse was built with."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select today from marts.warehouse_meta").fetchone()[0].isoformat()


def same_kind(duckdb_type: str, postgres_type: str) -> bool:
    """A column type on DuckDB and its counterpart on PostgreSQL: money and
    rates keep their DECIMAL precision and scale, dates stay dates."""
    if duckdb_type.startswith("DECIMAL("):
        return postgres_type == "numeric" + duckdb_type.removeprefix("DECIMAL")
    counterparts = {
        "VARCHAR": {"text", "character varying"},
        "VARCHAR[]": {"text[]", "character varying[]"},
        "DATE": {"date"},
        "TIMESTAMP": {"timestamp without time zone"},
        "BOOLEAN": {"boolean"},
        "DOUBLE": {"double precision"},
        # sums of integers: HUGEINT on DuckDB, bigint or numeric on PostgreSQL
        "INTEGER": {"integer", "bigint"},
        "BIGINT": {"integer", "bigint", "numeric"},
        "HUGEINT": {"bigint", "numeric"},
    }
    return postgres_type in counterparts.get(duckdb_type, set())


def _row(values: tuple) -> tuple:
    """A row as comparable values: Python compares Decimal, int and float by
    value (Decimal('2.50') == 2.5), dates with dates; lists become tuples."""
    return tuple(tuple(value) if isinstance(value, list) else value for value in values)


def of_the_run(name: str, kind: str) -> bool:
    """Differ between two runs of the demo, whatever the engine: when each
    file was loaded, and where its home was."""
    return kind.startswith("TIMESTAMP") or "path" in name


def marts_differences(warehouse: Path, url: str, separate_runs: bool = False) -> dict[str, object]:
    """Every table of the `marts` schema, DuckDB's against PostgreSQL's: the
    tables, each one's columns and their types, and its rows as a multiset
    of values. Empty when they agree; else, per table, what differs (with a
    few rows found on one side only)."""
    found: dict[str, object] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(url) as pg:
        duck_tables = [t for (t,) in duck.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        pg_tables = [t for (t,) in pg.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        assert len(duck_tables) > 15
        if duck_tables != pg_tables:
            found["tables"] = (duck_tables, pg_tables)
        for table in sorted(set(duck_tables) & set(pg_tables)):
            duck_columns = duck.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = 'marts' and table_name = ? order by column_index",
                [table],
            ).fetchall()
            pg_columns = pg.execute(
                "select attname, format_type(atttypid, atttypmod) from pg_attribute "
                "where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
                [f"marts.{table}"],
            ).fetchall()
            if [name for name, _ in duck_columns] != [name for name, _ in pg_columns]:
                found[table] = ("columns", duck_columns, pg_columns)
                continue
            unlike = [
                (name, kind, pg_kind)
                for (name, kind), (_, pg_kind) in zip(duck_columns, pg_columns, strict=True)
                if not same_kind(kind, pg_kind)
            ]
            if unlike:
                found[table] = ("types", unlike)
                continue
            compared = ", ".join(
                f'"{name}"'
                for name, kind in duck_columns
                if (table, name) not in BUILD_STAMPED and not (separate_runs and of_the_run(name, kind))
            )
            on_duckdb = Counter(_row(row) for row in duck.execute(f"select {compared} from marts.{table}").fetchall())
            on_postgres = Counter(_row(row) for row in pg.execute(f"select {compared} from marts.{table}").fetchall())
            if on_duckdb != on_postgres:
                only_duckdb, only_postgres = on_duckdb - on_postgres, on_postgres - on_duckdb
                found[table] = {
                    "rows": (on_duckdb.total(), on_postgres.total()),
                    "only_on_duckdb": (only_duckdb.total(), list(only_duckdb)[:3]),
                    "only_on_postgres": (only_postgres.total(), list(only_postgres)[:3]),
                }
    return found


def ran(work: Path) -> Counter:
    """What the dbt command whose target folder is `work`/target ran, by
    kind of node, and that every node passed."""
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    passed = {"success", "pass", "no-op"}
    failed = [(r["unique_id"], r["status"], r["message"]) for r in results if r["status"] not in passed]
    assert not failed, failed
    return Counter(result["unique_id"].split(".")[0] for result in results)


def test_the_project_builds_on_postgres_with_the_same_marts(
    postgres_server: Server, demo_home: Path, tmp_path: Path
) -> None:
    warehouse = demo_home / "warehouse.duckdb"
    url = postgres_server.create_database("engines_agree")
    load_landing(demo_home / "landing.duckdb", url)
    record_basis(url)

    dbt_on_postgres(url, duckdb_today(warehouse), tmp_path, "build")
    nodes = ran(tmp_path)
    assert nodes["model"] >= 30 and nodes["seed"] >= 5 and nodes["unit_test"] >= 8 and nodes["test"] >= 100
    results = (tmp_path / "target" / "run_results.json").read_text(encoding="utf-8")
    for reconciliation in ("assert_marts_reconcile_with_staging", "assert_year_actuals_match_months"):
        assert f"test.unionkpi.{reconciliation}" in results

    assert marts_differences(warehouse, url) == {}

    # and the comparison sees one fen moved in one row of one table
    with psycopg.connect(url) as con:
        con.execute(
            "update marts.kpi_district_month set legal_aid_recovered_yuan = legal_aid_recovered_yuan + 0.01 "
            "where (district_code, month) = (select district_code, min(month) from marts.kpi_district_month "
            "group by district_code order by district_code limit 1)"
        )
    assert list(marts_differences(warehouse, url)) == ["kpi_district_month"]


def first_correction(landing: Path) -> int:
    """The load_seq of the first load that brings a new version of a case an
    earlier load holds (the demo's correction file)."""
    with duckdb.connect(str(landing), read_only=True) as con:
        (seq,) = con.execute(
            "select min(later.load_seq) from legal_aid as later join legal_aid as earlier "
            "using (district_code, case_id) where earlier.load_seq < later.load_seq"
        ).fetchone()
    assert seq is not None, "the demo's landing data has no correction load to build incrementally"
    return seq


def test_later_loads_build_incrementally_on_postgres_as_in_full(
    postgres_server: Server, demo_home: Path, tmp_path: Path
) -> None:
    warehouse, landing = demo_home / "warehouse.duckdb", demo_home / "landing.duckdb"
    today = duckdb_today(warehouse)
    after = first_correction(landing) - 1
    url = postgres_server.create_database("incremental")

    # the loads before the correction, built in full
    load_landing(landing, url, loads=(0, after))
    record_basis(url)
    dbt_on_postgres(url, today, tmp_path / "first", "build")
    calendar = "select min(date_day), max(date_day) from intermediate.int_dates_classified"
    with psycopg.connect(url) as pg, duckdb.connect(str(warehouse), read_only=True) as duck:
        # (a build whose calendar would change is a full one: unionkpi.publish)
        assert pg.execute(calendar).fetchone() == duck.execute(calendar).fetchone()
        newer = f"select count(*) from marts.fct_legal_aid_cases where load_seq > {after}"
        assert pg.execute(newer).fetchone() == (0,)
        assert duck.execute(newer).fetchone()[0] > 0

    # then the rest, the correction first among them, added incrementally
    load_landing(landing, url, loads=(after + 1, 2**31 - 1))
    record_basis(url, "incremental", after)
    dbt_on_postgres(url, today, tmp_path / "second", "build", *INCREMENTAL)
    nodes = ran(tmp_path / "second")
    assert "seed" not in nodes and "unit_test" not in nodes and nodes["test"] > 50
    compiled = {
        result["unique_id"].split(".")[-1]: result.get("compiled_code") or ""
        for result in json.loads((tmp_path / "second" / "target" / "run_results.json").read_text())["results"]
    }
    for model in ("stg_landing__legal_aid_cases", "fct_legal_aid_cases", "fct_certification_history"):
        # only the rows of loads newer than the model's newest (one of the first build's)
        newest = re.search(r"where load_seq > (\d+)", compiled[model])
        assert newest and int(newest.group(1)) <= after, model

    assert marts_differences(warehouse, url) == {}
