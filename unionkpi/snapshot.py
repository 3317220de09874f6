"""What a build starts from: a byte copy of the landing data (full), or a
copy of the published build with the loads that arrived since
(incremental), and the fingerprint of everything else built rows depend
on, which decides between the two."""

import hashlib
import os
import shutil
import time
from pathlib import Path

import duckdb

from ingest.load import LOCK_WAIT_SECONDS, landing_schema
from kernel.home import REPO, Home
from kernel.publish_log import read_log
from unionkpi.dbt_runner import DBT_PROJECT

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
# Whatever a built row depends on besides the landing rows themselves.
BUILT_FROM = (DBT_PROJECT, REPO / "data" / "reference")
SKIPPED_IN_FINGERPRINT = {"target", "logs", "dbt_packages", "__pycache__"}


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
    with duckdb.connect(str(path)) as con:
        for statement in landing_schema():
            con.execute(statement)
        con.execute("create schema raw")
        for table in LANDING_TABLES:
            con.execute(f"create view raw.{table} as select * from main.{table}")


def published_build(home: Home, basis: str) -> Path | None:
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


def record_basis(build_path: Path, basis: str, mode: str, after_load_seq: int | None) -> None:
    with duckdb.connect(str(build_path)) as con:
        con.execute("create schema if not exists build")
        con.execute(
            f"create or replace table build.basis as select {literal(basis)} as fingerprint, "
            f"{literal(mode)} as mode, cast({literal(after_load_seq)} as integer) as after_load_seq"
        )


def literal(value: str | int | None) -> str:
    """A value written into SQL: DuckDB's parameter binding imports pandas,
    a second's start-up this process otherwise never pays."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def add_new_loads(home: Home, previous: Path, build_path: Path, landing: Path) -> int | None:
    """Start the new file as a copy of the published build and append the
    landing rows of every load since (and copy the landing data as it is
    then to `landing`, for the checks); the newest load sequence the
    published build held, or None (and no files) when a load it holds was
    withdrawn or changed since."""
    shutil.copyfile(previous, build_path)
    con = duckdb.connect(str(build_path))
    try:
        _attach_landing(con, home)
        [(after,)] = con.execute("select coalesce(max(load_seq), 0) from raw.loads").fetchall()
        con.execute(f"set variable after = {literal(after)}")
        [(unchanged,)] = con.execute(
            "select not exists (select load_id, load_seq, status from raw.loads "
            "  except all select load_id, load_seq, status from landing.loads where load_seq <= getvariable('after')) "
            "and (select count(*) from raw.loads) = "
            "(select count(*) from landing.loads where load_seq <= getvariable('after')) "
            "and not exists (select * from raw.withdrawals except all select * from landing.withdrawals) "
            "and (select count(*) from raw.withdrawals) = (select count(*) from landing.withdrawals)"
        ).fetchall()
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
    remove(build_path)
    return None


def same_calendar(previous: Path, build_path: Path) -> bool:
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


def remove(path: Path) -> None:
    """A DuckDB file and its write-ahead log."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
