"""Run the Great Expectations suites (expectations/suites/*.json) on a
warehouse file and build the Data Docs into the home folder. Each
expectation carries a severity (blocking or warning) and a Chinese and
English description in its meta."""

import html
import json
import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernel import database
from kernel.home import Home

if TYPE_CHECKING:  # GX is imported only when a check runs: it is slow to import
    from great_expectations.datasource.fluent.sql_datasource import QueryAsset, TableAsset

SUITES = Path(__file__).resolve().parent / "suites"


def load_suites(prefix: str = "") -> list[dict[str, Any]]:
    """The suites whose names start with prefix: `landing_` guard what
    arrived, `marts_` the published figures."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SUITES.glob(f"{prefix}*.json"))]


# Expectations about a whole table (is it empty?) rather than its rows; an
# incremental build, which checks only the new loads' rows, leaves them out.
WHOLE_TABLE = {"expect_table_row_count_to_be_between"}


def check_warehouse(
    warehouse: Path | None,
    home: Home,
    prefix: str = "",
    after_load_seq: int | None = None,
    schemas: str | None = None,
) -> list[dict[str, Any]]:
    """One result per expectation: suite, type, severity, success, descriptions.
    The expectations run as SQL inside the database on whole tables, or with
    after_load_seq on the rows of the loads after it only (an incremental
    build: the rows before passed when they were built). On DuckDB the
    warehouse file is only ever opened read-only, and closed again before
    this returns; on PostgreSQL (kernel.database) `schemas` is the build's
    schema prefix ("" for the published warehouse and the live landing
    data), and `warehouse` is not used."""
    postgres = database.postgres()
    context = _context(home)
    sources: dict[str, Any] = {}

    def source(schema: str) -> Any:
        """One datasource per schema: GX takes a table's schema from its datasource."""
        if schema not in sources:
            sources[schema] = (
                _postgres_source(context, postgres, f"{schemas or ''}{schema}")
                if postgres is not None
                else _duckdb_source(context, warehouse, schema)
            )
        return sources[schema]

    results: list[dict[str, Any]] = []
    try:
        for spec in load_suites(prefix):
            _forget_results(home, spec["name"])
            meta = spec["meta"]
            if after_load_seq is not None:
                rows = meta.get("query") or f"select * from {meta['table']}"
                new = f"load_id in (select load_id from raw.loads where load_seq > {int(after_load_seq)})"
                meta = {"query": f"select * from ({rows}) as checked where {new}"}
                spec = {**spec, "expectations": [e for e in spec["expectations"] if e["type"] not in WHOLE_TABLE]}
            asset: QueryAsset | TableAsset
            if "query" in meta:
                # GX takes only queries that start with `select`; some start with `with`
                query = f"select * from ({_in_build(meta['query'], schemas)}) as checked"
                asset = source("main").add_query_asset(spec["name"], query=query)
            else:
                schema, table = meta["table"].split(".")
                asset = source(schema).add_table_asset(spec["name"], table_name=table)
            # Counting and naming the offending rows costs a scan per
            # expectation, passed or not: a suite runs pass-or-fail first and
            # again in detail only if it failed. A suite that lets some rows
            # fail (`mostly`) is counted in detail from the start.
            tolerant = any("mostly" in e["kwargs"] for e in spec["expectations"])
            batch = asset.add_batch_definition_whole_table("whole_table")
            checkpoint = _checkpoint(context, spec, batch, _detailed(spec) if tolerant else "BOOLEAN_ONLY")
            outcomes = _outcomes(checkpoint.run())
            if not tolerant and not all(outcome.success for outcome in outcomes):
                _forget_results(home, spec["name"])  # the Data Docs list the detailed run only
                checkpoint.result_format = _detailed(spec)
                checkpoint.save()
                outcomes = _outcomes(checkpoint.run())
            results += [_result(spec["name"], outcome) for outcome in outcomes]
        # once, after all the suites (an UpdateDataDocsAction per checkpoint
        # would rebuild the index each time)
        context.build_data_docs(site_names=["unionkpi"])
        _list_latest_results(home.data_docs)
    finally:
        for opened in sources.values():
            opened.close()
    return results


def _duckdb_source(context: Any, warehouse: Path | None, schema: str) -> Any:
    from expectations import duckdb_source  # noqa: F401 (registers add_duckdb)

    return context.data_sources.add_duckdb(
        f"warehouse_{schema}",
        connection_string=f"duckdb:///{warehouse}",
        default_schema=schema,
        # read-only: a read-write handle would block the dbt build
        kwargs={"connect_args": {"read_only": True}},
    )


class _PostgresSource:
    """GX's own PostgreSQL datasource, its table assets in one schema (as
    the DuckDB datasource's are), closed like it at the end of a run."""

    def __init__(self, datasource: Any, schema: str) -> None:
        self.datasource, self.schema = datasource, schema

    def add_table_asset(self, name: str, table_name: str) -> Any:
        return self.datasource.add_table_asset(name, table_name=table_name, schema_name=self.schema)

    def add_query_asset(self, name: str, query: str) -> Any:
        return self.datasource.add_query_asset(name, query=query)

    def close(self) -> None:
        self.datasource.get_engine().dispose()


def _postgres_source(context: Any, postgres: database.Postgres, schema: str) -> _PostgresSource:
    import sqlalchemy as sa

    url = sa.engine.URL.create(
        "postgresql+psycopg",
        username=postgres.user or None,
        password=postgres.password or None,
        host=postgres.host,
        port=postgres.port,
        database=postgres.dbname,
    )
    datasource = context.data_sources.add_postgres(
        f"warehouse_{schema}", connection_string=url.render_as_string(hide_password=False)
    )
    return _PostgresSource(datasource, schema)


# The schemas a suite's SQL names (raw.loads, marts.kpi_district_month): in
# a build on PostgreSQL, the build's own.
_SCHEMA_NAMED = re.compile(r"(?<![\w.\"])(raw|marts)\.(?=\w)")


def _in_build(query: str, schemas: str | None) -> str:
    """A suite's query on the build's schemas (prefix `schemas`)."""
    return _SCHEMA_NAMED.sub(lambda m: f'"{schemas}{m.group(1)}".', query) if schemas else query


def _forget_results(home: Home, suite: str) -> None:
    """A suite's stored result and its Data Docs page, before it runs again."""
    for earlier in (home.data_docs / "results" / suite, home.data_docs / "validations" / suite):
        shutil.rmtree(earlier, ignore_errors=True)


def _context(home: Home) -> Any:
    """An ephemeral GX context whose Data Docs and latest results live in
    the home."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.add_data_docs_site(
        site_name="unionkpi",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(home.data_docs)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    # A call validates one part (landing or marts), yet the Data Docs list
    # every suite's latest result: results are kept with the docs, the
    # latest per suite.
    context.add_store(
        "latest_results",
        {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(home.data_docs / "results"),
            },
        },
    )
    context.variables.validation_results_store_name = "latest_results"
    return context


def _checkpoint(context: Any, spec: dict[str, Any], batch: Any, result_format: Any) -> Any:
    """The suite as GX objects: suite, validation definition, checkpoint."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    expectations = [
        ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e["meta"]) for e in spec["expectations"]
    ]
    suite = context.suites.add(gx.ExpectationSuite(name=spec["name"], meta=spec["meta"], expectations=expectations))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=spec["name"], data=batch, suite=suite))
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"{spec['name']}_checkpoint",
            validation_definitions=[definition],
            result_format=result_format,
        )
    )


def _detailed(spec: dict[str, Any]) -> Any:
    """The result format that names the offending rows (district, load,
    source row), not just values."""
    index_columns = spec["meta"].get("index_columns")
    if index_columns:
        return {"result_format": "COMPLETE", "unexpected_index_column_names": index_columns}
    return "SUMMARY"


def _outcomes(run: Any) -> list[Any]:
    return [outcome for validation in run.run_results.values() for outcome in validation.results]


def _result(suite: str, outcome: Any) -> dict[str, Any]:
    config = outcome.expectation_config
    column = config.kwargs.get("column")
    # pair and compound expectations are named by their columns too, so two
    # in one suite keep apart
    columns = [config.kwargs[k] for k in ("column", "column_A", "column_B") if k in config.kwargs]
    columns = columns or config.kwargs.get("column_list", [])
    return {
        "name": f"{suite}.{config.type}" + (f"({', '.join(columns)})" if columns else ""),
        "message": f"{config.meta.get('description_zh', '')} / {config.meta.get('description_en', '')}",
        "suite": suite,
        "type": config.type,
        "column": column,
        "severity": config.meta.get("severity", "blocking"),
        "success": bool(outcome.success),
        "description_zh": config.meta.get("description_zh", ""),
        "description_en": config.meta.get("description_en", ""),
        "unexpected_count": _unexpected_count(outcome),
        "offending": [{k: str(v) for k, v in row.items()} for row in _offending_rows(outcome.result)[:50]],
        "partial_unexpected_list": [str(v) for v in (outcome.result.get("partial_unexpected_list") or [])[:10]],
    }


def _unexpected_count(outcome: Any) -> int | None:
    """The rows that failed: GX counts them only in a detailed run; a
    per-row expectation that passed in the first run (which has no `mostly`)
    had none."""
    count = outcome.result.get("unexpected_count")
    if count is None and outcome.success and outcome.expectation_config.type not in WHOLE_TABLE:
        return 0
    return count


def _list_latest_results(site: Path) -> None:
    """GX's index page draws its tables with scripts from CDNs, so on a
    network without the internet it is blank. A plain list of every suite's
    latest result, with its status, goes at the top of it."""
    described = {s["name"]: s["meta"] for s in load_suites()}
    items = []
    for stored in sorted((site / "results").glob("*/*/*/*.json")):
        suite = stored.relative_to(site / "results").parts[0]
        page = next((site / "validations" / suite).rglob("*.html"), None)
        if page is None or suite not in described:
            continue
        outcomes = json.loads(stored.read_text(encoding="utf-8"))["results"]
        failed = [o["expectation_config"]["meta"].get("severity", "blocking") for o in outcomes if not o["success"]]
        status = "✗ 未通过 / failed" if "blocking" in failed else "! 警告 / warning" if failed else "✓ 通过 / passed"
        meta = described[suite]
        about = html.escape(f"{meta['description_zh']} / {meta['description_en']}")
        items.append(f'<li>{status}: <a href="{page.relative_to(site).as_posix()}">{suite}</a> {about}</li>')
    heading = "<h2>各套检查的最新结果 / Latest result of each suite</h2>"
    listed = f'<section class="container">{heading}<ul>{"".join(items)}</ul></section>'
    index = site / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("<body>", f"<body>{listed}", 1), encoding="utf-8")


def _offending_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The offending rows by the suite's index columns. On SQL, GX gives no
    row index for compound uniqueness; its unexpected values (the repeated
    key with its load) name the rows instead."""
    values = result.get("partial_unexpected_list") or []
    return result.get("unexpected_index_list") or [v for v in values if isinstance(v, dict)]


def record_run(home: Home, results: list[dict[str, Any]], target: str) -> str:
    """Append one checkpoint run to the history: the home's check_runs.jsonl,
    or on PostgreSQL the table unionkpi.check_results. Builds carry the
    whole history into the warehouse they publish."""
    from datetime import datetime

    from kernel.home import SHANGHAI

    at = datetime.now(SHANGHAI).isoformat(timespec="seconds")
    run_id = f"{at}-{target}"
    runs = [{"run_id": run_id, "at": at, "target": target, **result} for result in results]
    postgres = database.postgres()
    if postgres is not None:
        _record_in_postgres(postgres, runs)
        return run_id
    lines = "".join(json.dumps(run, ensure_ascii=False) + "\n" for run in runs)
    # one write: a crash leaves the whole run or (at worst) one cut-off
    # line, which readers skip, never a run missing some of its results
    with home.check_runs.open("a", encoding="utf-8") as handle:
        handle.write(lines)
    return run_id


# The columns of a check's result, as the DuckDB build reads them from
# check_runs.jsonl into quality.check_results (unionkpi/publish.py).
CHECK_RESULT_COLUMNS = {
    "run_id": "text",
    "at": "timestamptz",
    "target": "text",
    "name": "text",
    "suite": "text",
    "type": "text",
    "column": "text",
    "severity": "text",
    "success": "boolean",
    "description_zh": "text",
    "description_en": "text",
    "unexpected_count": "bigint",
    "offending": "jsonb",
    "partial_unexpected_list": "jsonb",
    "message": "text",
}


def _value(value: Any, kind: str) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value) if kind == "jsonb" else value


def ensure_check_results(con: Any) -> None:
    """The table of every check's result on PostgreSQL, made on first use."""
    spelled = ", ".join(f'"{name}" {kind}' for name, kind in CHECK_RESULT_COLUMNS.items())
    con.execute(f"create schema if not exists {database.APP_SCHEMA}")
    con.execute(f"create table if not exists {database.APP_SCHEMA}.check_results ({spelled})")


def _record_in_postgres(postgres: database.Postgres, runs: list[dict[str, Any]]) -> None:
    """One run's results in one transaction: the whole run or none of it."""
    columns = ", ".join(f'"{name}"' for name in CHECK_RESULT_COLUMNS)
    with postgres.connect() as con:
        ensure_check_results(con)
        with con.cursor() as cursor:
            cursor.executemany(
                f"insert into {database.APP_SCHEMA}.check_results ({columns}) "
                f"values ({', '.join(['%s'] * len(CHECK_RESULT_COLUMNS))})",
                [[_value(run.get(name), kind) for name, kind in CHECK_RESULT_COLUMNS.items()] for run in runs],
            )
