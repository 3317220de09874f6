"""A real PostgreSQL for the test session: a throwaway cluster on loopback,
started once and removed at the end, plus the means to fill a database with
a home's landing data and run the dbt project on it.

`make test` installs PostgreSQL with apt-get (make system-deps); a machine
where it is not installed and cannot be (no root) skips these tests, saying
why. initdb refuses to run as root, so as root the cluster belongs to the
`postgres` user the Debian package creates."""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import pytest

from kernel.home import REPO

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


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str

    def url(self, dbname: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> str:
        """A new, empty database; its URL."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(f'drop database if exists "{dbname}"')
            con.execute(f'create database "{dbname}"')
        return self.url(dbname)


def _server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or where Debian puts them
    (/usr/lib/postgresql/<version>/bin, not on PATH), the newest version."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (make system-deps installs it with apt-get when root)")
    as_root = os.geteuid() == 0
    if as_root:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no `postgres` user for initdb, which refuses root")
        run_as = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    else:
        run_as = {}
    # in /tmp, not pytest's tmp_path: its folders are private to this user,
    # and the server runs as `postgres`
    root = Path(tempfile.mkdtemp(prefix="unionkpi-postgres-"))
    if as_root:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, sockets, log = root / "data", root / "sockets", root / "server.log"

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, capture_output=True, text=True, cwd=root, check=False, **run_as)

    try:
        run("mkdir", str(sockets))
        made = run(
            str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"
        )
        if made.returncode != 0:
            pytest.skip(f"initdb failed, so no PostgreSQL for the tests: {made.stderr.strip()[-500:]}")
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} "
            # a throwaway cluster: durability only costs time
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        if started.returncode != 0:
            server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{server_log}")
        try:
            yield Server("127.0.0.1", port, "postgres")
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


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
    parts = urllib.parse.urlsplit(url)
    env = {
        **os.environ,
        "UNIONKPI_PG_HOST": parts.hostname or "",
        "UNIONKPI_PG_PORT": str(parts.port or 5432),
        "UNIONKPI_PG_USER": urllib.parse.unquote(parts.username or ""),
        "UNIONKPI_PG_PASSWORD": urllib.parse.unquote(parts.password or ""),
        "UNIONKPI_PG_DBNAME": parts.path.lstrip("/"),
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
