"""The dashboards' queries on PostgreSQL: the demo's landing data, built
into marts on a real PostgreSQL 15 by the same dbt project, read through
every public function of dashboards/queries.py, give the same frames as
the DuckDB warehouse the demo published (for the city and for a district
user, over several periods); the cache key is the `marts` schema's OID,
which a swap of schemas changes; and no published marts is "no warehouse"
as on DuckDB."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pytest

from dashboards import data, queries
from kernel.database import DATABASE_URL
from tests.postgres.conftest import Server, dbt_on_postgres, load_landing, record_basis

Call = tuple[str, Callable[[], Any]]


def query_calls(home: Path, district: str, street: str, load_id: str, other: str) -> list[Call]:
    """Every public query function, each with arguments the pages give it:
    several years and periods, every grouping, a district's records with
    one street and with all of them, another district's asked for. `home`
    is only read on DuckDB."""
    calls: list[Call] = [
        ("meta", lambda: queries.meta(home)),
        ("years", lambda: queries.years(home)),
        ("districts", lambda: queries.districts(home)),
        ("definitions", lambda: queries.definitions(home)),
        ("dimensions", lambda: queries.dimensions(home)),
        ("kpi_lineage", lambda: queries.kpi_lineage(home)),
        ("check_results", lambda: queries.check_results(home)),
        ("quarantined", lambda: queries.quarantined(home)),
        ("quarantine_source", lambda: queries.quarantine_source(load_id, home)),
        ("record_source", lambda: queries.record_source(load_id, home)),
        ("submissions", lambda: queries.submissions(home)),
        ("submission_freshness", lambda: queries.submission_freshness(home)),
    ]
    for year in (2026, 2024):
        calls += [
            (f"city_year {year}", lambda year=year: queries.city_year(year, home)),
            (f"city_months {year}", lambda year=year: queries.city_months(year, home)),
            (f"brief_year_to_date {year}", lambda year=year: queries.brief_year_to_date(year, home)),
        ]
        for metric in ("legal_aid_cases", "wages_recovered_yuan", "avg_days_to_close"):
            calls.append((f"district_year {year} {metric}", lambda y=year, m=metric: queries.district_year(y, m, home)))
        for dimension in (None, *queries.CERTIFICATION_DIMENSIONS):
            calls.append(
                (
                    f"certification_status {year} {dimension}",
                    lambda y=year, d=dimension: queries.certification_status(d, y, (), home),
                )
            )
    periods = {
        "2026 to date": (date(2026, 1, 1), date(2026, 10, 31)),
        "2025-Q3": (date(2025, 7, 1), date(2025, 9, 30)),
        "2024-02": (date(2024, 2, 1), date(2024, 2, 29)),
        "custom days": (date(2026, 3, 17), date(2026, 8, 9)),  # the day marts; the others read the months
    }
    for name, (start, end) in periods.items():
        for dimension in (None, *queries.LEGAL_AID_DIMENSIONS):
            calls.append(
                (
                    f"legal_aid_breakdown {name} {dimension}",
                    lambda d=dimension, s=start, e=end: queries.legal_aid_breakdown(d, s, e, (), home),
                )
            )
        for dimension in (None, *queries.WAGE_DIMENSIONS):
            calls.append(
                (
                    f"wage_breakdown {name} {dimension}",
                    lambda d=dimension, s=start, e=end: queries.wage_breakdown(d, s, e, (), home),
                )
            )
        for dimension in ("district", "industry"):
            calls += [
                (
                    f"legal_aid_breakdown {name} {dimension} of one district",
                    lambda d=dimension, s=start, e=end: queries.legal_aid_breakdown(d, s, e, [district], home),
                ),
                (
                    f"certifications_in_force {end} {dimension}",
                    lambda d=dimension, e=end: queries.certifications_in_force(d, e, (), home),
                ),
            ]
        calls += [
            (
                f"wage_breakdown {name} of another district",
                lambda s=start, e=end: queries.wage_breakdown("subdistrict", s, e, [other], home),
            ),
            (f"certified_between {name}", lambda s=start, e=end: queries.certified_between(s, e, (), home)),
            (
                f"certified_between {name} of one district",
                lambda s=start, e=end: queries.certified_between(s, e, [district], home),
            ),
        ]
        for subdistrict, all_streets in ((street, False), (None, True)):
            calls += [
                (
                    f"legal_aid_records {name} {subdistrict}",
                    lambda s=start, e=end, sub=subdistrict, every=all_streets: queries.legal_aid_records(
                        district, sub, s, e, all_streets=every, home=home
                    ),
                ),
                (
                    f"wage_records {name} {subdistrict}",
                    lambda s=start, e=end, sub=subdistrict, every=all_streets: queries.wage_records(
                        district, sub, s, e, all_streets=every, limit=7, home=home
                    ),
                ),
                (
                    f"certification_records {end} {subdistrict}",
                    lambda e=end, sub=subdistrict, every=all_streets: queries.certification_records(
                        district, sub, e, all_streets=every, home=home
                    ),
                ),
            ]
    return calls


def carry_check_results(warehouse: Path, url: str) -> None:
    """The published warehouse's check history (quality.check_results), as
    a publish on PostgreSQL carries it into the schema `quality` it swaps
    in with `marts`: the same columns, JSON as jsonb."""
    spelled = {"VARCHAR": "text", "TIMESTAMP WITH TIME ZONE": "timestamptz", "BOOLEAN": "boolean",
               "BIGINT": "bigint", "JSON": "jsonb"}  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(url) as pg:
        columns = duck.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'quality' and table_name = 'check_results' order by column_index"
        ).fetchall()
        names = ", ".join(f'"{name}"' for name, _ in columns)
        pg.execute("create schema if not exists quality")
        typed = ", ".join(f'"{name}" {spelled[kind]}' for name, kind in columns)
        pg.execute(f"create table quality.check_results ({typed})")
        with pg.cursor().copy(f"copy quality.check_results ({names}) from stdin") as copy:
            for row in duck.execute(f"select {names} from quality.check_results").fetchall():
                copy.write_row(row)


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as plain comparable values, whatever integer width or
    nullable dtype each engine's column has: numbers as float64 (money as
    floats is how DuckDB gives DECIMAL to pandas; compared to the fen by
    `equal`), times as naive UTC microseconds, text and missing values as
    objects with None, lists as tuples, JSON parsed."""
    plain: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            plain[name] = column.astype("Float64").astype("float64")
        elif isinstance(column.dtype, pd.DatetimeTZDtype):
            plain[name] = column.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
        elif pd.api.types.is_datetime64_any_dtype(column):
            plain[name] = column.astype("datetime64[us]")
        else:
            plain[name] = pd.Series([_plain(value, name) for value in column], dtype=object)
    return pd.DataFrame(plain)


def _plain(value: Any, name: str) -> Any:
    if isinstance(value, (list, np.ndarray)):
        return tuple(value)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if name in {"offending", "partial_unexpected_list"}:
        return json.loads(value)  # jsonb keeps keys in its own order and spacing
    return value


def equal(on_duckdb: Any, on_postgres: Any) -> bool:
    """The same answer: frames with the same columns and rows in the same
    order, numbers equal to within half a fen (money; counts and rates
    agree far closer), other values exactly."""
    if not isinstance(on_duckdb, pd.DataFrame):
        return on_duckdb == on_postgres
    if list(on_duckdb.columns) != list(on_postgres.columns) or len(on_duckdb) != len(on_postgres):
        return False
    duck, pg = normalised(on_duckdb), normalised(on_postgres)
    for name in duck.columns:
        if duck[name].dtype == "float64" or pg[name].dtype == "float64":
            if duck[name].dtype != pg[name].dtype or not np.allclose(
                duck[name], pg[name], rtol=0, atol=0.005, equal_nan=True
            ):
                return False
        elif not duck[name].equals(pg[name]):
            return False
    return True


@pytest.fixture(scope="module")
def marts_url(postgres_server: Server, demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database whose published warehouse the dbt project built from the
    demo's landing data, with the demo's check history carried in."""
    warehouse = demo_home / "warehouse.duckdb"
    url = postgres_server.create_database("queries_postgres")
    load_landing(demo_home / "landing.duckdb", url)
    record_basis(url)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        today = con.execute("select today from marts.warehouse_meta").fetchone()[0].isoformat()
    # the models and seeds: their tests pass on PostgreSQL in test_engines_agree
    dbt_on_postgres(
        url,
        today,
        tmp_path_factory.mktemp("queries_postgres_dbt"),
        *("build", "--exclude", "resource_type:test", "resource_type:unit_test"),
    )
    carry_check_results(warehouse, url)
    return url


@pytest.fixture
def point_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], None]:
    """Point the dashboards at a PostgreSQL database's URL, or (None) at the
    DuckDB warehouse of the home."""

    def point(url: str | None) -> None:
        if url is None:
            monkeypatch.delenv(DATABASE_URL, raising=False)
        else:
            monkeypatch.setenv(DATABASE_URL, url)

    return point


def answers(calls: list[Call], scope: str | None) -> dict[str, Any]:
    token = queries.SCOPE.set(scope)
    try:
        return {label: call() for label, call in calls}
    finally:
        queries.SCOPE.reset(token)


def test_every_query_answers_on_postgres_as_on_duckdb(
    marts_url: str, demo_home: Path, point_at: Callable[[str | None], None]
) -> None:
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        district, street = con.execute(
            "select district_code, subdistrict from marts.fct_legal_aid_cases where subdistrict is not null "
            "group by all order by count(*) desc, 1, 2 limit 1"
        ).fetchone()
        (other,) = con.execute(
            "select min(district_code) from marts.fct_wage_recoveries where district_code <> ?", [district]
        ).fetchone()
        (load_id,) = con.execute("select min(load_id) from marts.fct_loads where archive_path is not null").fetchone()
    calls = query_calls(demo_home, district, street, load_id, other)
    assert len(calls) > 80
    records = "legal_aid_records 2026 to date None"

    for scope in (None, district):
        point_at(None)
        on_duckdb = answers(calls, scope)
        point_at(marts_url)
        if scope is None:
            on_postgres = answers(calls, scope)  # each query in a transaction of its own
        else:
            with queries.reading() as version:  # a page's queries in one transaction
                assert version is not None
                on_postgres = answers(calls, scope)
        # when each was built: the one thing two builds never share
        for answered in (on_duckdb, on_postgres):
            answered["meta"] = answered["meta"].data_date
        assert [label for label in on_duckdb if not equal(on_duckdb[label], on_postgres[label])] == []
        # answers, not empty frames that agree
        frames = [frame for frame in on_postgres.values() if isinstance(frame, pd.DataFrame)]
        assert sum(not frame.empty for frame in frames) > 0.8 * len(frames)
        assert street in set(on_postgres[records]["subdistrict"])
        if scope is not None:  # another district asked for: the user's own answered
            asked, own = (
                on_postgres["wage_breakdown 2026 to date of another district"],
                on_postgres["wage_breakdown 2026 to date subdistrict"],
            )
            assert not own.empty and asked.equals(own)

    # money and dates reach the pages in the dtypes DuckDB gives them
    for column in ("amount_claimed_yuan", "amount_recovered_yuan", "received_date", "closed_date"):
        assert on_postgres[records][column].dtype == on_duckdb[records][column].dtype, column

    # and the comparison sees one fen moved in one case
    case = on_postgres[records]["case_id"].iloc[0]
    moved = "update marts.fct_legal_aid_cases set amount_recovered_yuan = amount_recovered_yuan + %s where case_id = %s"
    with psycopg.connect(marts_url, autocommit=True) as con:
        con.execute(moved, [0.01, case])
        try:
            again = answers([call for call in calls if call[0] == records], district)
            assert not equal(on_duckdb[records], again[records])
        finally:
            con.execute(moved, [-0.01, case])


def swap(url: str, incoming: str, outgoing: str) -> None:
    """Publish the schema `incoming` as a publish on PostgreSQL does
    (unionkpi.publish_postgres): in one transaction, lock the published
    tables, waiting a short while at a time so that a reader who waits for
    the swap is never part of a deadlock; rename `marts` to `outgoing` and
    `incoming` to `marts`."""
    with psycopg.connect(url) as con:
        while True:
            try:
                with con.transaction():
                    con.execute("set local lock_timeout = '100ms'")
                    tables = con.execute(
                        "select format('marts.%I', tablename) from pg_tables where schemaname = 'marts' order by 1"
                    ).fetchall()
                    con.execute(f"lock table {', '.join(name for (name,) in tables)} in access exclusive mode")
                    con.execute(f'alter schema marts rename to "{outgoing}"')
                    con.execute(f'alter schema "{incoming}" rename to marts')
                return
            except psycopg.errors.LockNotAvailable:
                time.sleep(0.05)


def test_a_swap_of_the_marts_schema_changes_the_version_and_waits_for_readers(
    marts_url: str, point_at: Callable[[str | None], None]
) -> None:
    point_at(marts_url)
    first = queries.warehouse_version()
    with psycopg.connect(marts_url) as con:
        (oid,) = con.execute("select oid from pg_namespace where nspname = 'marts'").fetchone()
    assert first is not None and first[1] == oid and queries.warehouse_version() == first
    assert first[0].endswith("/" + marts_url.rsplit("/", 1)[1])
    data_date = queries.meta().data_date
    # the dashboards' connections only read
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        queries._frame("create table marts.written_by_the_dashboards (a integer)")
    # the pages' cache key, and what they cache under it
    assert data.version() == (*first, None)
    assert data.meta().data_date == data_date

    # a copy of the warehouse, a month later, renamed in as a publish does
    with psycopg.connect(marts_url) as con:
        con.execute("create schema marts_next")
        for (table,) in con.execute("select tablename from pg_tables where schemaname = 'marts'").fetchall():
            con.execute(f"create table marts_next.{table} as table marts.{table}")
        con.execute("update marts_next.warehouse_meta set data_date = data_date + 30")
    swap(marts_url, "marts_next", "marts_before")
    second = queries.warehouse_version()
    assert second is not None and second != first
    assert queries.meta().data_date == date.fromordinal(data_date.toordinal() + 30)
    assert data.version() == (*second, None)
    assert data.meta().data_date == date.fromordinal(data_date.toordinal() + 30)

    # a rollback swaps the first back: its own version again, and its data
    with queries.reading() as version:
        assert version == second
        rollback = threading.Thread(target=swap, args=(marts_url, "marts_before", "marts_next"))
        rollback.start()
        rollback.join(timeout=1)
        # it waits for the reader, who reads one warehouse to the end
        assert rollback.is_alive()
        assert queries.warehouse_version() == second
        assert queries.meta().data_date == date.fromordinal(data_date.toordinal() + 30)
        assert not queries.city_year(2026).empty
    rollback.join(timeout=30)
    assert not rollback.is_alive()
    assert queries.warehouse_version() == first
    assert queries.meta().data_date == data_date
    assert data.meta().data_date == data_date


def test_no_published_marts_is_no_warehouse(postgres_server: Server, point_at: Callable[[str | None], None]) -> None:
    url = postgres_server.create_database("queries_postgres_none")
    point_at(url.replace("@", ":not-for-messages@", 1))
    assert queries.warehouse_version() is None
    for read in (
        queries.meta,
        queries.years,
        lambda: queries.legal_aid_breakdown(None, date(2026, 1, 1), date(2026, 1, 31)),
    ):
        with pytest.raises(queries.WarehouseUnavailable) as raised:
            read()
        assert raised.value.code == "no_warehouse"
        assert "queries_postgres_none" in raised.value.en and "not-for-messages" not in str(raised.value)

    # and a database that cannot be reached is "cannot be read", naming
    # neither the user nor the password
    point_at("postgresql://reader:not-for-messages@127.0.0.1:1/queries_postgres_none")
    with pytest.raises(queries.WarehouseUnavailable) as raised:
        queries.city_year(2026)
    assert raised.value.code == "unreadable_warehouse"
    assert "127.0.0.1:1/queries_postgres_none" in raised.value.en
    assert "reader" not in str(raised.value) and "not-for-messages" not in str(raised.value)


def test_a_kept_read_connection_the_server_ended_is_replaced(
    postgres_server: Server, point_at: Callable[[str | None], None]
) -> None:
    """The dashboards keep their read connections for the next page run; one
    the server ended meanwhile (a restart, an idle timeout, an operator's
    pg_terminate_backend) is not handed out, however recently it was used
    (before, one used in the last 30 seconds was, and the page failed)."""
    url = postgres_server.create_database("queries_postgres_ended")
    point_at(url)
    assert queries.warehouse_version() is None  # a connection opened, and kept
    with psycopg.connect(url, autocommit=True) as con:
        ended = con.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'"
        ).fetchall()
    assert ended and all(done for (done,) in ended)
    assert queries.warehouse_version() is None


def end_backend(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        (ended,) = con.execute("select pg_terminate_backend(%s)", [pid]).fetchone()
    assert ended


def test_a_connection_the_server_ends_during_a_page_is_the_pages_plain_error(
    marts_url: str, point_at: Callable[[str | None], None]
) -> None:
    """A connection that answered the check before it was handed out may
    still be ended during the page (a restart, an operator). The page's next
    query, inside the page's block as every query is, gets the plain "cannot
    be reached" error (what ui.warehouse_guard shows), naming no user, not
    the driver's AdminShutdown; ended after the page's last query, the block
    ends quietly; and the next page reads again. Another operational error
    (a statement timeout) is not called "cannot be reached"."""
    point_at(marts_url)
    with queries.reading():
        queries.meta()  # the block's transaction has begun
        block = queries._READING.get()
        assert block is not None
        end_backend(marts_url, block.connection.info.backend_pid)
        with pytest.raises(queries.WarehouseUnavailable) as raised:
            queries.years()
    assert raised.value.code == "unreadable_warehouse"
    assert "cannot be reached" in raised.value.en and "无法连接数据库" in raised.value.zh
    assert isinstance(raised.value.__cause__, psycopg.OperationalError)

    with queries.reading():
        assert queries.meta().data_date is not None  # a new connection
        block = queries._READING.get()
        assert block is not None
        end_backend(marts_url, block.connection.info.backend_pid)
    # (left quietly: what the page read stands)

    with queries.reading():
        block = queries._READING.get()
        assert block is not None
        block.connection.execute("set local statement_timeout = 50")
        with pytest.raises(psycopg.errors.QueryCanceled):
            queries._read("select pg_sleep(2)", [], None)
    assert queries.meta().data_date is not None
