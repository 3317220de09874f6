"""Build and publish on PostgreSQL (kernel.database): a build writes schemas
of its own beside the published warehouse, is checked there by dbt's tests
and Great Expectations, and is published by renaming schemas in one
transaction, so a reader sees the old warehouse or the new one, never a mix.

A build's schemas share its prefix (`w<stamp>_marts`, `w<stamp>_staging`,
...): while it builds, the fixed prefix `building_` (so that dbt reuses its
parse of the project from build to build, as DuckDB builds reuse one work
file name); once built, its stamped prefix. Publishing renames the
published schemas (`marts`, `staging`, ...) back to their build's prefix
and the new build's to the published names; PostgreSQL binds views and
open queries to objects, not names, so a view of a kept build still reads
its own tables. Each build also keeps `<prefix>raw`, its snapshot of the
landing data (`raw`), which its models were built from and its staging
views read. A full build each time: incremental builds are for DuckDB."""

import getpass
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kernel import database, publish_log
from kernel.errors import UnionKpiError
from kernel.home import SHANGHAI, Home
from unionkpi import deliver, snapshot
from unionkpi.dbt_runner import generate_docs, run_dbt, source_freshness
from unionkpi.publish import KEEP_BUILDS, BuildResult, Checks, blocking_failures, timed

# pg_advisory_lock's key for builds and rollbacks
BUILD_LOCK_KEY = database.lock_key("build")
WORK_PREFIX = "building_"
# The schemas a publish swaps: what dbt writes, the build's basis and the
# check history it carries. `raw` is the live landing data: never swapped.
SWAPPED = ("staging", "intermediate", "reference", "marts", "build", "quality")
LANDING = database.LANDING_SCHEMA
# Waiting for readers to finish with the published tables: a short wait
# at a time, so a reader that waits on the publish is never part of a
# deadlock (PostgreSQL's deadlock_timeout is 1 s). A reader that never lets
# go (a connection left idle in a transaction) must not hold publishing
# back for ever: after LOCK_GIVE_UP_SECONDS the schemas are renamed without
# the tables locked, which no reader blocks.
LOCK_WAITS = (0.1, 0.2, 0.4, 0.8)
LOCK_GIVE_UP_SECONDS = 30


def build(home: Home, today: date, postgres: database.Postgres) -> BuildResult:
    with one_at_a_time(postgres):
        result = _build(home, today, postgres)
    if result.published:
        deliver.after_publish(home)  # outside the lock, as on DuckDB; never raises
    return result


@contextmanager
def one_at_a_time(postgres: database.Postgres) -> Iterator[None]:
    """Builds and rollbacks wait for each other, on any machine: they share
    the `building_` schemas and the dbt target folder, and an older build
    finishing last would publish older data over newer. A session's
    advisory lock: PostgreSQL drops it when its holder's connection ends,
    even by kill -9."""
    with postgres.connect(autocommit=True) as con:
        con.execute("select pg_advisory_lock(%s)", [BUILD_LOCK_KEY])
        try:
            yield
        finally:
            con.execute("select pg_advisory_unlock(%s)", [BUILD_LOCK_KEY])


def schema_prefix(build_name: str) -> str:
    """`warehouse-20261206T163817123456` -> `w20261206t163817123456_`."""
    return "w" + build_name.removeprefix("warehouse-").lower() + "_"


def _build(home: Home, today: date, postgres: database.Postgres) -> BuildResult:
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%dT%H%M%S%f")
    # build_path: the build's name (its schemas are schema_prefix(name)*)
    result = BuildResult(False, Path(f"warehouse-{stamp}"))
    name = result.build_path.name
    with postgres.connect(autocommit=True) as con:
        _drop_build(con, WORK_PREFIX)  # a killed build's leftovers
    with timed(result, "copy_landing"):
        _snapshot_landing(postgres, WORK_PREFIX, snapshot.fingerprint())
    with Checks(home) as checks:
        with timed(result, "dbt_build"):
            checks.ask(None, "landing_", f"build {name} landing", schemas=WORK_PREFIX)
            dbt_failures = run_dbt(WORK_PREFIX, home, today)
        if not dbt_failures:
            with timed(result, "source_freshness"):
                result.freshness = source_freshness(WORK_PREFIX, home, today)
        with timed(result, "landing_checks"):
            result.failures += blocking_failures(checks.answer()) + dbt_failures
        if not result.failures:
            with timed(result, "mart_checks"):
                checks.ask(None, "marts_", f"build {name} marts", schemas=WORK_PREFIX)
                result.failures += blocking_failures(checks.answer())
    if result.failures:
        _settle(postgres, schema_prefix(name))
        publish_log.hold_back(
            home, {"at": publish_log.now(), "build": name, "mode": result.mode, "failures": result.failures}
        )
        return result
    _publish(home, today, postgres, result)
    return result


def _snapshot_landing(postgres: database.Postgres, prefix: str, basis: str) -> None:
    """The landing tables as they are now, copied into `<prefix>raw` in one
    repeatable-read transaction: whole loads only (each ingest commits a
    file's rows in one transaction), and no load committed while the build
    runs reaches some models and not others. And the build's basis
    (`<prefix>build.basis`, read by the project's unique_combination test)."""
    with postgres.connect() as con:
        con.execute("set transaction isolation level repeatable read")
        for table in snapshot.LANDING_TABLES:
            if con.execute("select to_regclass(%s)", [f"{LANDING}.{table}"]).fetchone()[0] is None:
                raise UnionKpiError("no_landing_tables")
        con.execute(f'create schema "{prefix}{LANDING}"')
        for table in snapshot.LANDING_TABLES:
            con.execute(f'create table "{prefix}{LANDING}".{table} as select * from {LANDING}.{table}')
        con.execute(f'create schema "{prefix}build"')
        con.execute(
            f'create table "{prefix}build".basis as select %s::text as fingerprint, '
            "'full'::text as mode, null::integer as after_load_seq",
            [basis],
        )


def _publish(home: Home, today: date, postgres: database.Postgres, result: BuildResult) -> None:
    """Settle the checked schemas under the build's prefix, swap them in
    as the published warehouse and log it, in one transaction; builds
    beyond the kept few go. The dbt docs site follows."""
    from expectations.run import ensure_check_results

    name = result.build_path.name
    prefix = schema_prefix(name)
    with postgres.connect() as con:
        # the check history so far, carried into the build (as on DuckDB)
        ensure_check_results(con)
        con.execute(f'create schema "{WORK_PREFIX}quality"')
        con.execute(
            f'create table "{WORK_PREFIX}quality".check_results as '
            f"select * from {database.APP_SCHEMA}.check_results where run_id is not null"
        )
        included = [
            load_id
            for (load_id,) in con.execute(
                f'select load_id from "{WORK_PREFIX}{LANDING}".loads where status = %s and load_id not in '
                f'(select load_id from "{WORK_PREFIX}{LANDING}".withdrawals) order by load_seq',
                ["loaded"],
            )
        ]
    _settle(postgres, prefix)
    entry = {
        "at": publish_log.now(),
        "by": getpass.getuser(),
        "action": "publish",
        "build": name,
        "loads": included,
        "checks_passed": True,
        "mode": result.mode,
        "freshness": result.freshness,
        "timings": result.timings,
    }
    _swap(home, postgres, prefix, entry, clear_held_back=True)
    result.published = True
    _prune(home, postgres)
    with timed(result, "dbt_docs"):
        # of the published schemas, under their published names (prefix "")
        generate_docs("", home, today, snapshot.fingerprint())


def rollback(home: Home, postgres: database.Postgres) -> str:
    """Publish again the build before the current one (its schemas kept)."""
    with one_at_a_time(postgres):
        entries = publish_log.read_log(home)
        current = entries[-1]["build"] if entries else None
        with postgres.connect() as con:
            kept = _builds(con)
        earlier = [e["build"] for e in entries if e["build"] != current and schema_prefix(e["build"]) in kept]
        if not earlier:
            raise UnionKpiError("no_earlier_publish")
        previous = earlier[-1]
        entry = {
            "at": publish_log.now(),
            "by": getpass.getuser(),
            "action": "rollback",
            "build": previous,
            "replaced": current,
        }
        _swap(home, postgres, schema_prefix(previous), entry, clear_held_back=False)
    return previous


def _swap(home: Home, postgres: database.Postgres, incoming: str, entry: dict, clear_held_back: bool) -> None:
    """In one transaction: the published schemas back to their build's
    names, the incoming build's schemas to the published names, and the
    publish log's entry. The published tables are locked first (while
    readers let that be, see LOCK_GIVE_UP_SECONDS), so a query that reads
    several of them resolves them all before the swap or all after it: a
    renamed schema alone is seen by a query between two of its tables."""
    import psycopg

    entries = publish_log.read_log(home)
    outgoing = schema_prefix(entries[-1]["build"]) if entries else f"unlogged_{time.time_ns()}_"
    give_up = time.monotonic() + LOCK_GIVE_UP_SECONDS
    attempt = 0
    with postgres.connect(autocommit=True) as con:
        while True:
            wait = LOCK_WAITS[min(attempt, len(LOCK_WAITS) - 1)]
            try:
                with con.transaction():
                    if time.monotonic() < give_up:
                        con.execute(f"set local lock_timeout = '{int(wait * 1000)}ms'")
                        _lock_published(con)
                    _rename(con, "", outgoing)
                    _rename(con, incoming, "")
                    publish_log.append(home, entry, con)
                    if clear_held_back:
                        publish_log.clear_held_back(home, con)
                return
            except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
                attempt += 1
                time.sleep(wait)


def _lock_published(con: Any) -> None:
    relations = [
        name
        for (name,) in con.execute(
            "select c.oid::regclass::text from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p') order by 1",
            [list(SWAPPED)],
        )
    ]
    if relations:
        con.execute(f"lock table {', '.join(relations)} in access exclusive mode")


def _rename(con: Any, before: str, after: str) -> None:
    """The swapped schemas named `before` + schema, to `after` + schema."""
    present = {name for (name,) in con.execute("select nspname from pg_namespace")}
    for schema in SWAPPED:
        if before + schema in present:
            con.execute(f'alter schema "{before}{schema}" rename to "{after}{schema}"')


def _settle(postgres: database.Postgres, prefix: str) -> None:
    """The build's schemas under its stamped prefix, in one transaction."""
    with postgres.connect() as con:
        for (schema,) in con.execute(
            "select nspname from pg_namespace where starts_with(nspname, %s)", [WORK_PREFIX]
        ).fetchall():
            con.execute(f'alter schema "{schema}" rename to "{prefix}{schema.removeprefix(WORK_PREFIX)}"')


def _builds(con: Any) -> list[str]:
    """The prefixes of the builds kept, oldest first: each has its landing
    snapshot `<prefix>raw`, which is never renamed."""
    names = con.execute(
        "select nspname from pg_namespace where nspname ~ %s order by 1", [f"^w[0-9]{{8}}t[0-9]+_{LANDING}$"]
    ).fetchall()
    return [name.removesuffix(LANDING) for (name,) in names]


def _drop_build(con: Any, prefix: str) -> None:
    schemas = [
        name
        for (name,) in con.execute(
            "select nspname from pg_namespace where starts_with(nspname, %s)", [prefix]
        ).fetchall()
    ]
    if schemas:
        con.execute("drop schema " + ", ".join(f'"{name}"' for name in schemas) + " cascade")


def _prune(home: Home, postgres: database.Postgres) -> None:
    """Keep the last few published builds (for rollback and to reproduce a
    figure already sent) and the newest failed one (to inspect)."""
    entries = publish_log.read_log(home)
    published = {schema_prefix(e["build"]) for e in entries}
    current = schema_prefix(entries[-1]["build"]) if entries else None
    with postgres.connect(autocommit=True) as con:
        builds = _builds(con)
        kept = [b for b in builds if b in published][-KEEP_BUILDS:]
        for old in builds:
            if old not in kept and old != builds[-1] and old != current:
                _drop_build(con, old)
