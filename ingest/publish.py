"""Build a new warehouse file from the landing data (dbt models and tests,
then the blocking Great Expectations checks) and publish it by an atomic
swap only when everything passes; the last good warehouse stays otherwise."""

import json
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.load import LOCK_WAIT_SECONDS
from ingest.paths import REPO, SHANGHAI, Home

DBT_PROJECT = REPO / "dbt"
LANDING_TABLES = (
    "loads",
    "legal_aid",
    "wage_recovery",
    "certification",
    "target",
    "quarantine",
    "load_errors",
    "withdrawals",
)
KEEP_BUILDS = 3


@dataclass
class BuildResult:
    published: bool
    build_path: Path
    failures: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def build(home: Home, today: date) -> BuildResult:
    home.ensure()
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%dT%H%M%S%f")
    build_path = home.builds / f"warehouse-{stamp}.duckdb"
    result = BuildResult(False, build_path)
    started = time.perf_counter()
    _copy_landing(home, build_path)
    result.timings["copy_landing"] = time.perf_counter() - started

    started = time.perf_counter()
    result.failures += run_dbt(build_path, home, today)
    result.timings["dbt_build"] = time.perf_counter() - started

    if not result.failures:
        from expectations.run import check_warehouse

        started = time.perf_counter()
        checks = check_warehouse(build_path, home, read_only=False)
        result.failures += [c for c in checks if c["severity"] == "blocking" and not c["success"]]
        result.timings["checks"] = time.perf_counter() - started

    if not result.failures:
        _publish(build_path, home.warehouse)
        result.published = True
        _prune(home)
    return result


def _copy_landing(home: Home, build_path: Path) -> None:
    """Snapshot the landing tables into the new file's raw schema, so dbt and
    the checks never hold a lock on the landing database an ingest needs."""
    con = duckdb.connect(str(build_path))
    try:
        con.execute("create schema raw")
        if not home.landing.exists():
            from ingest.load import landing_schema

            for statement in landing_schema():
                con.execute(statement.replace("if not exists ", "if not exists raw."))
            return
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                con.execute(f"attach '{home.landing}' as landing (read_only)")
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for table in LANDING_TABLES:
            con.execute(f"create table raw.{table} as select * from landing.{table}")
        con.execute("detach landing")
    finally:
        con.close()


def run_dbt(build_path: Path, home: Home, today: date) -> list[dict]:
    """`dbt build` in this process; the failures of models and tests."""
    from dbt.cli.main import dbtRunner

    os.environ["UNIONKPI_BUILD_PATH"] = str(build_path)
    variables = {
        "today": today.isoformat(),
        "built_at": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
    }
    outcome = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(home.dbt_target),
            "--log-path",
            str(home.root / "dbt" / "logs"),
            "--vars",
            json.dumps(variables),
            "--quiet",
            "--no-use-colors",
        ]
    )
    failures = []
    if outcome.result is not None:
        for node in outcome.result.results:
            if str(node.status) not in {"success", "pass"}:
                failures.append(
                    {
                        "name": node.node.name,
                        "kind": "dbt",
                        "severity": "blocking",
                        "success": False,
                        "status": str(node.status),
                        "message": node.message or "",
                    }
                )
    if not outcome.success and not failures:
        failures.append(
            {
                "name": "dbt",
                "kind": "dbt",
                "severity": "blocking",
                "success": False,
                "status": "error",
                "message": str(outcome.exception),
            }
        )
    return failures


def _publish(build_path: Path, published: Path) -> None:
    """Swap the new file in: readers holding the old file keep it, new
    connections open the new one; nobody sees half of either."""
    # dbt-duckdb may still hold the file in this process with changes in the
    # write-ahead log; fold them into the file before it is linked.
    with duckdb.connect(str(build_path)) as con:
        con.execute("checkpoint")
    incoming = published.with_name(published.name + ".incoming")
    incoming.unlink(missing_ok=True)
    os.link(build_path, incoming)  # the kept build and the published file share one inode
    os.replace(incoming, published)


def _prune(home: Home) -> None:
    builds = sorted(home.builds.glob("warehouse-*.duckdb"))
    for old in builds[:-KEEP_BUILDS]:
        old.unlink(missing_ok=True)
