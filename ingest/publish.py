"""Build a new warehouse file from the landing data (dbt models and tests,
then the blocking Great Expectations checks) and publish it by an atomic
swap only when everything passes; the last good warehouse stays otherwise."""

import fcntl
import getpass
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.errors import UnionKpiError
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
    with _one_at_a_time(home):
        return _build(home, today)


@contextmanager
def _one_at_a_time(home: Home) -> Iterator[None]:
    """Builds and rollbacks wait for each other: builds share the dbt target
    folder, one build's pruning would delete another's file mid-build, and
    an older build finishing last would publish older data over newer. The
    kernel drops the lock when its holder dies, even by kill -9."""
    with (home.root / "build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(home: Home, today: date) -> BuildResult:
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%dT%H%M%S%f")
    build_path = home.builds / f"warehouse-{stamp}.duckdb"
    result = BuildResult(False, build_path)
    started = time.perf_counter()
    copy_landing(home, build_path)
    result.timings["copy_landing"] = time.perf_counter() - started

    from expectations.run import check_warehouse, record_run

    # What arrived is checked first; the model and its tests next; the
    # figures it produced last.
    started = time.perf_counter()
    checks = check_warehouse(build_path, home, prefix="landing_")
    record_run(home, checks, f"build {build_path.name} landing")
    result.failures += _blocking_failures(checks)
    result.timings["landing_checks"] = time.perf_counter() - started

    if not result.failures:
        started = time.perf_counter()
        result.failures += run_dbt(build_path, home, today)
        result.timings["dbt_build"] = time.perf_counter() - started

    if not result.failures:
        started = time.perf_counter()
        checks = check_warehouse(build_path, home, prefix="marts_")
        record_run(home, checks, f"build {build_path.name} marts")
        result.failures += _blocking_failures(checks)
        result.timings["mart_checks"] = time.perf_counter() - started

    if result.failures:
        _write_atomically(
            home.held_back,
            {
                "at": _now(),
                "build": build_path.name,
                "failures": result.failures,
            },
        )
        return result
    started = time.perf_counter()
    _generate_docs(build_path, home)
    result.timings["dbt_docs"] = time.perf_counter() - started
    included = _included_loads(build_path)
    _carry_check_history(build_path, home)
    _publish(build_path, home.warehouse)
    result.published = True
    home.held_back.unlink(missing_ok=True)
    _append_log(
        home,
        {
            "at": _now(),
            "by": getpass.getuser(),
            "action": "publish",
            "build": build_path.name,
            "loads": included,
            "checks_passed": True,
            "timings": result.timings,
        },
    )
    _prune(home)
    return result


def _blocking_failures(checks: list[dict]) -> list[dict]:
    return [c for c in checks if c["severity"] == "blocking" and not c["success"]]


def rollback(home: Home) -> str:
    """Publish again the build before the current one (kept in builds/)."""
    with _one_at_a_time(home):
        entries = read_log(home)
        current = entries[-1]["build"] if entries else None
        earlier = [e["build"] for e in entries if e["build"] != current and (home.builds / e["build"]).exists()]
        if not earlier:
            raise UnionKpiError("no_earlier_publish")
        previous = earlier[-1]
        _link_over(home.builds / previous, home.warehouse)
        _append_log(
            home, {"at": _now(), "by": getpass.getuser(), "action": "rollback", "build": previous, "replaced": current}
        )
    return previous


def read_log(home: Home) -> list[dict]:
    if not home.publish_log.exists():
        return []
    entries = []
    for line in home.publish_log.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # blank, or cut short by a crash mid-append: that entry never completed
    return entries


def _included_loads(build_path: Path) -> list[str]:
    with duckdb.connect(str(build_path)) as con:
        rows = con.execute(
            "select load_id from raw.loads where status = 'loaded' "
            "and load_id not in (select load_id from raw.withdrawals) order by load_seq"
        ).fetchall()
    return [r[0] for r in rows]


def _now() -> str:
    return datetime.now(SHANGHAI).isoformat(timespec="seconds")


def _append_log(home: Home, entry: dict) -> None:
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    with home.publish_log.open("a+b") as handle:
        if handle.seek(0, os.SEEK_END):
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                line = b"\n" + line  # after a line a crash cut short, start a new one
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def _write_atomically(path: Path, content: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(content, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(partial, path)


def copy_landing(home: Home, build_path: Path) -> None:
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


def _dbt(build_path: Path, home: Home, *command: str):
    """One dbt command on the new file, in this process, with its target and
    logs in the home folder; dbt's handle on the file is released after."""
    from dbt.cli.main import dbtRunner

    os.environ["UNIONKPI_BUILD_PATH"] = str(build_path)
    try:
        return dbtRunner().invoke(
            [
                *command,
                "--project-dir", str(DBT_PROJECT),
                "--profiles-dir", str(DBT_PROJECT),
                "--target-path", str(home.dbt_target),
                "--log-path", str(home.root / "dbt" / "logs"),
                "--quiet",
                "--no-use-colors",
            ]
        )  # fmt: skip
    finally:
        _release_dbt_handles()


def _dbt_failure(name: str, status: str, message: str) -> dict:
    return {"name": name, "kind": "dbt", "severity": "blocking", "success": False, "status": status, "message": message}


def run_dbt(build_path: Path, home: Home, today: date) -> list[dict]:
    """`dbt build` in this process; the failures of models and tests."""
    variables = {
        "today": today.isoformat(),
        "built_at": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
    }
    outcome = _dbt(build_path, home, "build", "--vars", json.dumps(variables))
    failures = [
        _dbt_failure(node.node.name, str(node.status), node.message or "")
        for node in (outcome.result.results if outcome.result is not None else [])
        if str(node.status).lower() not in {"success", "pass", "skipped", "no-op"}
    ]
    if not outcome.success and not failures:
        failures.append(_dbt_failure("dbt", "error", str(outcome.exception)))
    return failures


def _carry_check_history(build_path: Path, home: Home) -> None:
    """Every checkpoint run so far, into the new warehouse (schema quality),
    so the dashboards read it without touching a database being written."""
    history = home.root / "check_runs.jsonl"
    with duckdb.connect(str(build_path)) as con:
        con.execute("create schema if not exists quality")
        # ignore_errors: a check killed mid-append leaves a cut-short line,
        # which must not stop every later build (its row is all nulls).
        con.execute(
            "create or replace table quality.check_results as "
            "select * from read_json(?, format = 'newline_delimited', union_by_name = true, ignore_errors = true, "
            "columns = {run_id: 'varchar', \"at\": 'timestamptz', target: 'varchar', name: 'varchar', "
            "suite: 'varchar', type: 'varchar', \"column\": 'varchar', severity: 'varchar', "
            "success: 'boolean', description_zh: 'varchar', description_en: 'varchar', "
            "unexpected_count: 'bigint', offending: 'json', partial_unexpected_list: 'json', message: 'varchar'}) "
            "where run_id is not null",
            [str(history)],
        )


def _generate_docs(build_path: Path, home: Home) -> None:
    """The dbt docs site (lineage to the dashboards' exposures) as one
    static HTML file in the home folder, for the dashboards' data page."""
    _dbt(build_path, home, "docs", "generate", "--static")


def _release_dbt_handles() -> None:
    """dbt-duckdb keeps its DuckDB instance open for the life of the process;
    close it, so that the new file (soon the published warehouse, by hard
    link) is not held read-write by a process that merely ran a build."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def _publish(build_path: Path, published: Path) -> None:
    """Swap the new file in: readers holding the old file keep it, new
    connections open the new one; nobody sees half of either."""
    # Fold any write-ahead log into the file before it is linked.
    with duckdb.connect(str(build_path)) as con:
        con.execute("checkpoint")
    _link_over(build_path, published)


def _link_over(build_path: Path, published: Path) -> None:
    incoming = published.with_name(published.name + ".incoming")
    incoming.unlink(missing_ok=True)
    os.link(build_path, incoming)  # the kept build and the published file share one inode
    os.replace(incoming, published)


def _prune(home: Home) -> None:
    """Keep the last few published builds (for rollback and to reproduce a
    figure already sent) and the newest failed one (to inspect)."""
    published = {e["build"] for e in read_log(home)}
    builds = sorted(home.builds.glob("warehouse-*.duckdb"))
    kept = [b for b in builds if b.name in published][-KEEP_BUILDS:]
    for old in builds:
        if old not in kept and old != builds[-1]:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)
