"""Build a new warehouse file from the landing data (dbt models and tests,
then the blocking Great Expectations checks) and publish it by an atomic
swap only when everything passes; the last good warehouse stays otherwise.

A build starts either from nothing (full) or from a copy of the published
warehouse with only the loads that arrived since (incremental): only when
nothing it was built from has changed, that is, the same dbt project and
reference data, no load withdrawn or altered, and the same calendar span.
Otherwise it is a full build, so a warehouse can always be rebuilt from the
landing data alone and both ways give the same figures."""

import fcntl
import getpass
import hashlib
import json
import os
import shutil
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
# Whatever a built row depends on besides the landing rows themselves.
BUILT_FROM = (DBT_PROJECT, REPO / "data" / "reference")
SKIPPED_IN_FINGERPRINT = {"target", "logs", "dbt_packages", "__pycache__"}


@dataclass
class BuildResult:
    published: bool
    build_path: Path
    failures: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    mode: str = "full"
    freshness: dict[str, dict] = field(default_factory=dict)


def build(home: Home, today: date, full: bool = False) -> BuildResult:
    home.ensure()
    with _one_at_a_time(home):
        basis = fingerprint()
        result = _build(home, today, basis, None if full else _published_build(home, basis))
        if result.mode == "calendar_changed":
            result = _build(home, today, basis, None)
        return result


@contextmanager
def _one_at_a_time(home: Home) -> Iterator[None]:
    """Builds and rollbacks wait for each other: builds share the dbt target
    folder, one build's pruning would delete another's file mid-build, and
    an older build finishing last would publish older data over newer. The
    kernel drops the lock when its holder dies, even by kill -9."""
    with (home.root / "build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(home: Home, today: date, basis: str, previous: Path | None) -> BuildResult:
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%dT%H%M%S%f")
    build_path = home.builds / f"warehouse-{stamp}.duckdb"
    result = BuildResult(False, build_path)
    started = time.perf_counter()
    after_load_seq = _add_new_loads(home, previous, build_path) if previous else None
    if after_load_seq is None:
        copy_landing(home, build_path)
    else:
        result.mode = "incremental"
    _record_basis(build_path, basis, result.mode, after_load_seq)
    result.timings["copy_landing"] = time.perf_counter() - started

    from expectations.run import check_warehouse, record_run

    # What arrived is checked first; the model and its tests next; the
    # figures it produced last.
    started = time.perf_counter()
    checks = check_warehouse(build_path, home, prefix="landing_", after_load_seq=after_load_seq)
    record_run(home, checks, f"build {build_path.name} landing")
    result.failures += _blocking_failures(checks)
    result.timings["landing_checks"] = time.perf_counter() - started

    if not result.failures:
        started = time.perf_counter()
        result.failures += run_dbt(build_path, home, today)
        result.timings["dbt_build"] = time.perf_counter() - started
        if result.mode == "incremental" and not result.failures and not _same_calendar(previous, build_path):
            # Working days to close are counted over the calendar; a new span
            # could change rows built before, so build again from scratch.
            build_path.unlink(missing_ok=True)
            result.mode = "calendar_changed"
            return result

    if not result.failures:
        started = time.perf_counter()
        result.freshness = source_freshness(build_path, home)
        result.timings["source_freshness"] = time.perf_counter() - started

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
                "mode": result.mode,
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
            "mode": result.mode,
            "freshness": result.freshness,
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
        _attach_landing(con, home)
        for table in LANDING_TABLES:
            con.execute(f"create table raw.{table} as select * from landing.{table}")
        con.execute("detach landing")
    finally:
        con.close()


def _published_build(home: Home, basis: str) -> Path | None:
    """The kept build file the published warehouse is, if it was built from
    the same basis (fingerprint()); else a build starts from scratch."""
    entries = read_log(home)
    if not entries or not home.warehouse.exists():
        return None
    previous = home.builds / entries[-1]["build"]
    if not previous.exists() or not os.path.samefile(previous, home.warehouse):
        return None
    try:
        with duckdb.connect(str(previous), read_only=True) as con:
            recorded = con.execute("select fingerprint from build.basis").fetchone()
    except duckdb.Error:
        return None  # built before builds recorded their basis
    return previous if recorded and recorded[0] == basis else None


def fingerprint() -> str:
    """A hash of everything besides the landing rows that built rows depend
    on: the dbt project, the reference data, and the dbt and DuckDB versions."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"dbt-core {version('dbt-core')} duckdb {duckdb.__version__}".encode())
    for root in BUILT_FROM:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not SKIPPED_IN_FINGERPRINT.intersection(path.relative_to(root).parts):
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _record_basis(build_path: Path, basis: str, mode: str, after_load_seq: int | None) -> None:
    with duckdb.connect(str(build_path)) as con:
        con.execute("create schema if not exists build")
        con.execute(
            "create or replace table build.basis as select ? as fingerprint, ? as mode, ? as after_load_seq",
            [basis, mode, after_load_seq],
        )


def _add_new_loads(home: Home, previous: Path, build_path: Path) -> int | None:
    """Start the new file as a copy of the published build and append the
    landing rows of every load since; the newest load sequence it held, or
    None (and no file) when a load it holds was withdrawn or changed since."""
    shutil.copyfile(previous, build_path)
    con = duckdb.connect(str(build_path))
    try:
        _attach_landing(con, home)
        after = con.execute("select coalesce(max(load_seq), 0) from raw.loads").fetchone()[0]
        unchanged = con.execute(
            "select not exists (select load_id, load_seq, status from raw.loads "
            "  except all select load_id, load_seq, status from landing.loads where load_seq <= $after) "
            "and (select count(*) from raw.loads) = (select count(*) from landing.loads where load_seq <= $after) "
            "and not exists (select * from raw.withdrawals except all select * from landing.withdrawals) "
            "and (select count(*) from raw.withdrawals) = (select count(*) from landing.withdrawals)",
            {"after": after},
        ).fetchone()[0]
        if unchanged:
            new = "load_id in (select load_id from landing.loads where load_seq > $after)"
            for table in LANDING_TABLES:
                if table != "withdrawals":
                    con.execute(f"insert into raw.{table} select * from landing.{table} where {new}", {"after": after})
        con.execute("detach landing")
    finally:
        con.close()
    if unchanged:
        return after
    build_path.unlink()
    build_path.with_name(build_path.name + ".wal").unlink(missing_ok=True)
    return None


def _same_calendar(previous: Path, build_path: Path) -> bool:
    span = "select min(date_day), max(date_day) from intermediate.int_dates_classified"
    with duckdb.connect(str(previous), read_only=True) as con:
        before = con.execute(span).fetchone()
    with duckdb.connect(str(build_path), read_only=True) as con:
        return con.execute(span).fetchone() == before


def _attach_landing(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    """The landing database, read-only, as `landing`: waits while an ingest
    holds it, so the build copies whole loads only."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            con.execute(f"attach '{home.landing}' as landing (read_only)")
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


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


def source_freshness(build_path: Path, home: Home) -> dict[str, dict]:
    """`dbt source freshness` on the landing tables in the new file: pass,
    warn or error per table, with its latest load (also in the target
    folder's sources.json). A late return is reported, never held back: the
    other districts' figures still publish, and the overview flags it."""
    outcome = _dbt(build_path, home, "source", "freshness")
    judged = {}
    for source in outcome.result.results if outcome.result is not None else []:
        latest = getattr(source, "max_loaded_at", None)
        judged[source.node.name] = {
            "status": str(source.status),
            "max_loaded_at": latest.isoformat() if latest else None,
        }
    return judged


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
