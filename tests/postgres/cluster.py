"""A throwaway PostgreSQL cluster on loopback, for the tests and the
benchmarks: initdb in a new folder under /tmp, pg_ctl start on a free port,
removed when done. initdb refuses to run as root, so as root the cluster
belongs to the `postgres` user the Debian package creates."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg


class Unavailable(Exception):
    """No PostgreSQL can be started here; the message says why."""


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


@contextmanager
def running_cluster(durable: bool = False) -> Iterator[Server]:
    """A new cluster, stopped and removed on leaving; Unavailable when
    PostgreSQL is not installed or initdb cannot run. Not `durable` (for
    tests): no fsync, since a throwaway cluster's durability only costs time."""
    binaries = _server_binaries()
    if binaries is None:
        raise Unavailable("PostgreSQL is not installed (make system-deps installs it with apt-get when root)")
    as_root = os.geteuid() == 0
    if as_root:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable(
                "running as root, and there is no `postgres` user for initdb, which refuses root"
            ) from None
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
            raise Unavailable(f"initdb failed, so no PostgreSQL for the tests: {made.stderr.strip()[-500:]}")
        port = _free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets}"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
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
