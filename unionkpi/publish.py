"""Build a new warehouse file from the landing data (dbt models and tests,
with the blocking Great Expectations checks beside them) and publish it by an atomic
swap only when everything passes; the last good warehouse stays otherwise.

A build starts either from nothing (full) or from a copy of the published
warehouse with only the loads that arrived since (incremental, see
unionkpi.snapshot): only when nothing it was built from has changed, that
is, the same dbt project and reference data, no load withdrawn or altered,
and the same calendar span. Otherwise it is a full build, so a warehouse
can always be rebuilt from the landing data alone and both ways give the
same figures."""

import fcntl
import getpass
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from kernel import database, publish_log
from kernel.errors import UnionKpiError
from kernel.home import REPO, SHANGHAI, Home
from unionkpi import deliver, snapshot
from unionkpi.dbt_runner import generate_docs, run_dbt, source_freshness

KEEP_BUILDS = 3
WORK_NAME = "building.duckdb"  # the file a build writes until it is done
LANDING_CHECKS_NAME = "landing-checks.duckdb"  # the landing checks' copy of the landing data


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
    postgres = database.postgres()
    if postgres is not None:
        from unionkpi import publish_postgres

        return publish_postgres.build(home, today, postgres)
    with _one_at_a_time(home):
        basis = snapshot.fingerprint()
        result = _build(home, today, basis, None if full else snapshot.published_build(home, basis))
        if result.mode == "calendar_changed":
            result = _build(home, today, basis, None)
    if result.published:
        # Outside the lock, so the next build need not wait for the mail;
        # it never raises, so the mail cannot change what the build did.
        deliver.after_publish(home)
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


@contextmanager
def timed(result: "BuildResult", step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    result.timings[step] = time.perf_counter() - started


def _build(home: Home, today: date, basis: str, previous: Path | None) -> BuildResult:
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%dT%H%M%S%f")
    result = BuildResult(False, home.builds / f"warehouse-{stamp}.duckdb")
    # Built under one fixed name, the path dbt's profile attaches, so that
    # dbt can reuse its parse of the project from build to build; renamed to
    # its stamped name once it is done. A killed build's leftovers go first.
    work = home.builds / WORK_NAME
    snapshot.remove(work)
    with Checks(home) as checks:
        _build_and_check(home, today, basis, previous, work, result, checks)
        if result.mode == "calendar_changed":
            return result
        if not result.failures:
            with timed(result, "mart_checks"):
                checks.ask(work, "marts_", f"build {result.build_path.name} marts")
                result.failures += blocking_failures(checks.answer())
    if result.failures:
        _settle(work, result.build_path)
        publish_log.hold_back(
            home,
            {
                "at": publish_log.now(),
                "build": result.build_path.name,
                "mode": result.mode,
                "failures": result.failures,
            },
        )
        return result
    _publish(home, today, basis, work, result)
    return result


def _build_and_check(
    home: Home, today: date, basis: str, previous: Path | None, work: Path, result: BuildResult, checks: "Checks"
) -> None:
    """The new file made and dbt's models and tests run on it, while the
    checks' process checks what arrived (on its own copy of the landing
    data); the failures, what arrived first: a bad load is the cause of
    what dbt's tests say."""
    landing = home.builds / LANDING_CHECKS_NAME
    snapshot.remove(landing)
    with timed(result, "copy_landing"):
        after_load_seq = snapshot.add_new_loads(home, previous, work, landing) if previous else None
        if after_load_seq is None:
            snapshot.copy_landing(home, work, landing)
        else:
            result.mode = "incremental"
        snapshot.record_basis(work, basis, result.mode, after_load_seq)
    with timed(result, "dbt_build"):
        checks.ask(landing, "landing_", f"build {result.build_path.name} landing", after_load_seq)
        dbt_failures = run_dbt(work, home, today, incremental=result.mode == "incremental")
    if not dbt_failures:
        # still beside the landing checks, when they take longer than dbt
        with timed(result, "source_freshness"):
            result.freshness = source_freshness(work, home, today)
    with timed(result, "landing_checks"):
        result.failures += blocking_failures(checks.answer()) + dbt_failures
        snapshot.remove(landing)
    if result.mode != "incremental" or previous is None or result.failures:
        return
    if not snapshot.same_calendar(previous, work):
        # Working days to close are counted over the calendar; a new span
        # could change rows built before, so build again from scratch.
        snapshot.remove(work)
        result.mode = "calendar_changed"


def _publish(home: Home, today: date, basis: str, work: Path, result: BuildResult) -> None:
    """Settle the checked file under its stamped name, swap it in as the
    published warehouse and log it; older builds beyond the kept few go."""
    with timed(result, "dbt_docs"):
        generate_docs(work, home, today, basis)
    _carry_check_history(work, home)
    _settle(work, result.build_path)
    included = _included_loads(result.build_path)
    _link_over(result.build_path, home.warehouse)
    result.published = True
    publish_log.clear_held_back(home)
    publish_log.append(
        home,
        {
            "at": publish_log.now(),
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


class Checks:
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
        assert self.process.stdin is not None and self.process.stdout is not None  # both are pipes
        self.asking, self.answers = self.process.stdin, self.process.stdout

    def __enter__(self) -> "Checks":
        return self

    def __exit__(self, *exc: object) -> None:
        self.asking.close()
        self.process.wait()
        self.answers.close()

    def ask(
        self,
        warehouse: Path | None,
        prefix: str,
        target: str,
        after_load_seq: int | None = None,
        schemas: str | None = None,
    ) -> None:
        """Check a build: its DuckDB file, or on PostgreSQL its schemas
        (their prefix `schemas`)."""
        asked = {
            "warehouse": str(warehouse) if warehouse else None,
            "prefix": prefix,
            "after_load_seq": after_load_seq,
            "target": target,
            "schemas": schemas,
        }
        self.asking.write(json.dumps(asked) + "\n")
        self.asking.flush()

    def answer(self) -> list[dict]:
        line = self.answers.readline()
        if not line:
            self.process.wait()
            raise UnionKpiError("checks_failed_to_run")
        return json.loads(line)


def _settle(work: Path, build_path: Path) -> None:
    """Fold any write-ahead log into the finished file and give it its
    stamped name; readers only ever open a settled file."""
    with duckdb.connect(str(work)) as con:
        con.execute("checkpoint")
    os.replace(work, build_path)


def blocking_failures(checks: list[dict]) -> list[dict]:
    return [c for c in checks if c["severity"] == "blocking" and not c["success"]]


def rollback(home: Home) -> str:
    """Publish again the build before the current one (kept in builds/, or
    on PostgreSQL as schemas of its own)."""
    postgres = database.postgres()
    if postgres is not None:
        from unionkpi import publish_postgres

        return publish_postgres.rollback(home, postgres)
    with _one_at_a_time(home):
        entries = publish_log.read_log(home)
        current = entries[-1]["build"] if entries else None
        earlier = [e["build"] for e in entries if e["build"] != current and (home.builds / e["build"]).exists()]
        if not earlier:
            raise UnionKpiError("no_earlier_publish")
        previous = earlier[-1]
        _link_over(home.builds / previous, home.warehouse)
        publish_log.append(
            home,
            {
                "at": publish_log.now(),
                "by": getpass.getuser(),
                "action": "rollback",
                "build": previous,
                "replaced": current,
            },
        )
    return previous


def _included_loads(build_path: Path) -> list[str]:
    with duckdb.connect(str(build_path)) as con:
        rows = con.execute(
            "select load_id from raw.loads where status = 'loaded' "
            "and load_id not in (select load_id from raw.withdrawals) order by load_seq"
        ).fetchall()
    return [r[0] for r in rows]


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
            f"select * from read_json({snapshot.literal(str(history))}, format = 'newline_delimited', "
            "union_by_name = true, ignore_errors = true, "
            "columns = {run_id: 'varchar', \"at\": 'timestamptz', target: 'varchar', name: 'varchar', "
            "suite: 'varchar', type: 'varchar', \"column\": 'varchar', severity: 'varchar', "
            "success: 'boolean', description_zh: 'varchar', description_en: 'varchar', "
            "unexpected_count: 'bigint', offending: 'json', partial_unexpected_list: 'json', message: 'varchar'}) "
            "where run_id is not null"
        )


def _link_over(build_path: Path, published: Path) -> None:
    incoming = published.with_name(published.name + ".incoming")
    incoming.unlink(missing_ok=True)
    os.link(build_path, incoming)  # the kept build and the published file share one inode
    os.replace(incoming, published)


def _prune(home: Home) -> None:
    """Keep the last few published builds (for rollback and to reproduce a
    figure already sent) and the newest failed one (to inspect)."""
    published = {e["build"] for e in publish_log.read_log(home)}
    builds = sorted(home.builds.glob("warehouse-*.duckdb"))
    kept = [b for b in builds if b.name in published][-KEEP_BUILDS:]
    for old in builds:
        if old not in kept and old != builds[-1]:
            snapshot.remove(old)
