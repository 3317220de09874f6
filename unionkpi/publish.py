"""Build a new warehouse file from the landing data (dbt models and tests,
with the blocking Great Expectations checks beside them) and publish it by an atomic
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
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.load import LOCK_WAIT_SECONDS
from kernel.errors import UnionKpiError
from kernel.home import REPO, SHANGHAI, Home

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
WORK_NAME = "building.duckdb"  # the file a build writes until it is done
LANDING_CHECKS_NAME = "landing-checks.duckdb"  # the landing checks' copy of the landing data
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
    result = BuildResult(False, home.builds / f"warehouse-{stamp}.duckdb")
    # Built under one fixed name, the path dbt's profile attaches, so that
    # dbt can reuse its parse of the project from build to build; renamed to
    # its stamped name once it is done. A killed build's leftovers go first.
    work, landing = home.builds / WORK_NAME, home.builds / LANDING_CHECKS_NAME
    _remove(work)
    _remove(landing)
    with _Checks(home) as checks:
        started = time.perf_counter()
        after_load_seq = _add_new_loads(home, previous, work, landing) if previous else None
        if after_load_seq is None:
            copy_landing(home, work, landing)
        else:
            result.mode = "incremental"
        _record_basis(work, basis, result.mode, after_load_seq)
        result.timings["copy_landing"] = time.perf_counter() - started

        # What arrived is checked (on its own copy of the landing data, in
        # the checks' process) while dbt builds the model and runs its tests;
        # the figures it produced are checked last.
        started = time.perf_counter()
        checks.ask(landing, "landing_", f"build {result.build_path.name} landing", after_load_seq)
        dbt_failures = run_dbt(work, home, today, incremental=result.mode == "incremental")
        result.timings["dbt_build"] = time.perf_counter() - started
        if not dbt_failures:
            # still beside the landing checks, when they take longer than dbt
            started = time.perf_counter()
            result.freshness = source_freshness(work, home, today)
            result.timings["source_freshness"] = time.perf_counter() - started
        started = time.perf_counter()
        # What arrived first: a bad load is the cause of what dbt's tests say.
        result.failures += _blocking_failures(checks.answer()) + dbt_failures
        _remove(landing)
        result.timings["landing_checks"] = time.perf_counter() - started
        if result.mode == "incremental" and not result.failures and not _same_calendar(previous, work):
            # Working days to close are counted over the calendar; a new span
            # could change rows built before, so build again from scratch.
            _remove(work)
            result.mode = "calendar_changed"
            return result

        if not result.failures:
            started = time.perf_counter()
            checks.ask(work, "marts_", f"build {result.build_path.name} marts")
            result.failures += _blocking_failures(checks.answer())
            result.timings["mart_checks"] = time.perf_counter() - started

    if result.failures:
        _settle(work, result.build_path)
        _write_atomically(
            home.held_back,
            {
                "at": _now(),
                "build": result.build_path.name,
                "mode": result.mode,
                "failures": result.failures,
            },
        )
        return result
    started = time.perf_counter()
    _generate_docs(work, home, today, basis)
    result.timings["dbt_docs"] = time.perf_counter() - started
    _carry_check_history(work, home)
    _settle(work, result.build_path)
    included = _included_loads(result.build_path)
    _link_over(result.build_path, home.warehouse)
    result.published = True
    home.held_back.unlink(missing_ok=True)
    _append_log(
        home,
        {
            "at": _now(),
            "by": getpass.getuser(),
            "action": "publish",
            "build": result.build_path.name,
            "loads": included,
            "checks_passed": True,
            "mode": result.mode,
            "freshness": result.freshness,
            "timings": result.timings,
        },
    )
    _prune(home)
    return result


class _Checks:
    """The Great Expectations checks of a build, in a process of their own
    (expectations/worker.py), started first so that their import and the
    landing checks run on the second core while dbt builds."""

    def __init__(self, home: Home) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "expectations.worker", str(home.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=REPO,
        )

    def __enter__(self) -> "_Checks":
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stdin.close()
        self.process.wait()
        self.process.stdout.close()

    def ask(self, warehouse: Path, prefix: str, target: str, after_load_seq: int | None = None) -> None:
        asked = {"warehouse": str(warehouse), "prefix": prefix, "after_load_seq": after_load_seq, "target": target}
        self.process.stdin.write(json.dumps(asked) + "\n")
        self.process.stdin.flush()

    def answer(self) -> list[dict]:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise UnionKpiError("checks_failed_to_run")
        return json.loads(line)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _settle(work: Path, build_path: Path) -> None:
    """Fold any write-ahead log into the finished file and give it its
    stamped name; readers only ever open a settled file."""
    with duckdb.connect(str(work)) as con:
        con.execute("checkpoint")
    os.replace(work, build_path)


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


def copy_landing(home: Home, *paths: Path) -> None:
    """Snapshot the landing database into new files, so dbt and the checks
    never hold a lock on the landing database an ingest needs. Each is a
    byte copy of the file, taken while a read-only attach keeps writers out,
    so it holds whole loads only. The landing tables keep the landing file's
    schema (main); the views raw.* over them are what dbt's sources, the
    checks and the dashboards read."""
    if home.landing.exists():
        with duckdb.connect() as con:
            _attach_landing(con, home)
            for path in paths:
                _copy_landing_file(home, path)
    for path in paths:
        _add_raw_views(path)


def _copy_landing_file(home: Home, path: Path) -> None:
    """The landing file, and its write-ahead log when its last writer died
    before folding it in; the caller holds the landing database read-only."""
    shutil.copyfile(home.landing, path)
    log = home.landing.with_name(home.landing.name + ".wal")
    if log.exists():
        shutil.copyfile(log, path.with_name(path.name + ".wal"))


def _add_raw_views(path: Path) -> None:
    """The views raw.* over the landing tables (created empty where a home
    has no landing data yet: the landing schema is `create if not exists`)."""
    from ingest.load import landing_schema

    with duckdb.connect(str(path)) as con:
        for statement in landing_schema():
            con.execute(statement)
        con.execute("create schema raw")
        for table in LANDING_TABLES:
            con.execute(f"create view raw.{table} as select * from main.{table}")


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
            f"create or replace table build.basis as select {_literal(basis)} as fingerprint, "
            f"{_literal(mode)} as mode, cast({_literal(after_load_seq)} as integer) as after_load_seq"
        )


def _literal(value: str | int | None) -> str:
    """A value written into SQL: DuckDB's parameter binding imports pandas,
    a second's start-up this process otherwise never pays."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _add_new_loads(home: Home, previous: Path, build_path: Path, landing: Path) -> int | None:
    """Start the new file as a copy of the published build and append the
    landing rows of every load since (and copy the landing data as it is
    then to `landing`, for the checks); the newest load sequence the
    published build held, or None (and no files) when a load it holds was
    withdrawn or changed since."""
    shutil.copyfile(previous, build_path)
    con = duckdb.connect(str(build_path))
    try:
        _attach_landing(con, home)
        after = con.execute("select coalesce(max(load_seq), 0) from raw.loads").fetchone()[0]
        con.execute(f"set variable after = {_literal(after)}")
        unchanged = con.execute(
            "select not exists (select load_id, load_seq, status from raw.loads "
            "  except all select load_id, load_seq, status from landing.loads where load_seq <= getvariable('after')) "
            "and (select count(*) from raw.loads) = "
            "(select count(*) from landing.loads where load_seq <= getvariable('after')) "
            "and not exists (select * from raw.withdrawals except all select * from landing.withdrawals) "
            "and (select count(*) from raw.withdrawals) = (select count(*) from landing.withdrawals)"
        ).fetchone()[0]
        if unchanged:
            new = "load_id in (select load_id from landing.loads where load_seq > getvariable('after'))"
            for table in LANDING_TABLES:
                if table != "withdrawals":
                    con.execute(f"insert into main.{table} select * from landing.{table} where {new}")
            _copy_landing_file(home, landing)
        con.execute("detach landing")
    finally:
        con.close()
    if unchanged:
        _add_raw_views(landing)
        return after
    _remove(build_path)
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


def _dbt(build_path: Path, home: Home, today: date, *command: str):
    """One dbt command on the new file, in this process, with its target and
    logs in the home folder; dbt's handle on the file is released after.
    The file and the build's today reach the project as environment
    variables, not dbt vars: a var that differs from the last command's
    makes dbt parse the whole project again (2 s), a changed env_var only
    the files that read it."""
    from dbt.cli.main import dbtRunner

    os.environ["UNIONKPI_BUILD_PATH"] = str(build_path)
    os.environ["UNIONKPI_BUILD_TODAY"] = today.isoformat()
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


def run_dbt(build_path: Path, home: Home, today: date, incremental: bool = False) -> list[dict]:
    """`dbt build` in this process; the failures of models and tests. An
    incremental build runs only what the landing data flows into: the seeds,
    the dimensions built from them alone, their tests and the unit tests
    depend on nothing but the project, which is the published build's
    (fingerprint()), so they stand as that build made and tested them."""
    selection = ("--select", "source:*+", "--exclude", "resource_type:unit_test") if incremental else ()
    outcome = _dbt(build_path, home, today, "build", *selection)
    failures = [
        _dbt_failure(node.node.name, str(node.status), node.message or "")
        for node in (outcome.result.results if outcome.result is not None else [])
        if str(node.status).lower() not in {"success", "pass", "skipped", "no-op"}
    ]
    if not outcome.success and not failures:
        failures.append(_dbt_failure("dbt", "error", str(outcome.exception)))
    return failures


def source_freshness(build_path: Path, home: Home, today: date) -> dict[str, dict]:
    """`dbt source freshness` on the landing tables in the new file: pass,
    warn or error per table, with its latest load (also in the target
    folder's sources.json). A late return is reported, never held back: the
    other districts' figures still publish, and the overview flags it."""
    outcome = _dbt(build_path, home, today, "source", "freshness")
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
    history = home.check_runs
    with duckdb.connect(str(build_path)) as con:
        con.execute("create schema if not exists quality")
        # ignore_errors: a check killed mid-append leaves a cut-short line,
        # which must not stop every later build (its row is all nulls).
        con.execute(
            "create or replace table quality.check_results as "
            f"select * from read_json({_literal(str(history))}, format = 'newline_delimited', "
            "union_by_name = true, ignore_errors = true, "
            "columns = {run_id: 'varchar', \"at\": 'timestamptz', target: 'varchar', name: 'varchar', "
            "suite: 'varchar', type: 'varchar', \"column\": 'varchar', severity: 'varchar', "
            "success: 'boolean', description_zh: 'varchar', description_en: 'varchar', "
            "unexpected_count: 'bigint', offending: 'json', partial_unexpected_list: 'json', message: 'varchar'}) "
            "where run_id is not null"
        )


def _generate_docs(build_path: Path, home: Home, today: date, basis: str) -> None:
    """The dbt docs site (lineage to the dashboards' exposures) as one
    static HTML file in the home folder, for the dashboards' data page. It
    shows the project and the SQL compiled for the build's today, nothing of
    the data (DuckDB's catalog has no table statistics), so a site already
    made from the same project and today stands."""
    site = home.dbt_docs_site
    made_from = site.with_suffix(".basis")
    wanted = f"{basis} {today.isoformat()}"
    if site.exists() and made_from.exists() and made_from.read_text(encoding="utf-8") == wanted:
        return
    made_from.unlink(missing_ok=True)
    if _dbt(build_path, home, today, "docs", "generate", "--static").success:
        made_from.write_text(wanted, encoding="utf-8")


def _release_dbt_handles() -> None:
    """dbt-duckdb keeps its DuckDB instance open for the life of the process;
    close it, so that the new file (soon the published warehouse, by hard
    link) is not held read-write by a process that merely ran a build."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


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
