"""A real PostgreSQL for the test session: a throwaway cluster on loopback
(tests/postgres/cluster.py), started once and removed at the end, plus the
means to fill a database with a home's landing data and run the dbt project
on it.

`make test` installs PostgreSQL with apt-get (make system-deps); a machine
where it is not installed and cannot be (no root) skips these tests, saying
why."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from kernel.database import parse
from kernel.home import REPO
from tests.postgres.cluster import Server, Unavailable, running_cluster

DBT_PROJECT = REPO / "dbt"
# DuckDB's column types in the landing database, as PostgreSQL spells them
LANDING_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "DOUBLE": "double precision",
    "JSON": "jsonb",
    "VARCHAR[]": "text[]",
}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    try:
        with running_cluster() as server:
            yield server
    except Unavailable as why:
        pytest.skip(str(why))


def load_landing(landing: Path, url: str, loads: tuple[int, int] = (0, 2**31 - 1)) -> None:
    """The landing tables of a DuckDB landing file, with the rows of the
    loads whose load_seq is within `loads` (bounds included), appended to
    the schema `raw` of a PostgreSQL database (made on first use) with the
    same column types: DECIMAL(p, s), DATE, TIMESTAMP, lists as arrays."""
    first, last = loads
    with duckdb.connect(str(landing), read_only=True) as source, psycopg.connect(url) as target:
        target.execute("create schema if not exists raw")
        tables = [
            name for (name,) in source.execute("select table_name from duckdb_tables() order by table_name").fetchall()
        ]
        for table in tables:
            columns = source.execute(
                "select column_name, data_type from duckdb_columns() where table_name = ? order by column_index",
                [table],
            ).fetchall()
            spelled = ", ".join(f'"{name}" {_postgres_type(kind)}' for name, kind in columns)
            target.execute(f"create table if not exists raw.{table} ({spelled})")
            of_loads = f"load_id in (select load_id from loads where load_seq between {first} and {last})"
            names = ", ".join(f'"{name}"' for name, _ in columns)
            rows = source.execute(f"select {names} from {table} where {of_loads}").fetchall()
            with target.cursor().copy(f"copy raw.{table} ({names}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)


def _postgres_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL("):
        return "numeric" + duckdb_type.removeprefix("DECIMAL")
    return LANDING_TYPES[duckdb_type]


def record_basis(url: str, mode: str = "full", after_load_seq: int | None = None) -> None:
    """The build's record of what it starts from, which the project's
    unique_combination test reads (as unionkpi.snapshot.record_basis writes
    it into a DuckDB build)."""
    with psycopg.connect(url) as con:
        con.execute("create schema if not exists build")
        con.execute("drop table if exists build.basis")
        con.execute(
            "create table build.basis as select 'tests'::text as fingerprint, %s::text as mode, "
            "%s::integer as after_load_seq",
            [mode, after_load_seq],
        )


def dbt_on_postgres(url: str, today: str, work: Path, *command: str) -> subprocess.CompletedProcess:
    """A dbt command on the project against the PostgreSQL database of `url`
    (the `postgres` target), in a child process: dbt's in-process state
    (adapters, flags) is not this test session's."""
    env = {
        **os.environ,
        **parse(url).dbt_env(),
        "UNIONKPI_BUILD_TODAY": today,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run(
        [
            str(dbt), *command,
            "--project-dir", str(DBT_PROJECT),
            "--profiles-dir", str(DBT_PROJECT),
            "--target", "postgres",
            "--target-path", str(work / "target"),
            "--log-path", str(work / "logs"),
            "--no-use-colors",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"dbt {' '.join(command)} on PostgreSQL exited {done.returncode}:\n{done.stdout[-6000:]}")
    return done
