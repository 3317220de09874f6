"""Which engine keeps the warehouse, from UNIONKPI_DATABASE_URL.

Unset, the default: embedded DuckDB files in the home folder (Home). A
`postgresql://user:password@host:port/dbname` URL (or `postgres://`) puts
everything the warehouse keeps in that PostgreSQL database, except the
archive of submitted files, which stays a folder of the home:

- `raw`: the landing tables (the same tables as landing.duckdb);
- `marts` and the other schemas dbt writes: the published warehouse;
- `unionkpi`: the app's own state (publish log, held-back state, check
  results, users, sessions, audit log, deliveries).

Anything else in the variable is a usage error that names no part of the
user or password."""

import hashlib
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kernel.errors import UnionKpiError

DATABASE_URL = "UNIONKPI_DATABASE_URL"
LANDING_SCHEMA = "raw"
MARTS_SCHEMA = "marts"
APP_SCHEMA = "unionkpi"


@dataclass(frozen=True)
class Postgres:
    """A PostgreSQL database, its URL decoded into parts."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def conninfo(self) -> str:
        """For psycopg.connect: keyword parts, so a password with any
        character in it needs no escaping."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host, port=self.port, user=self.user, password=self.password or None, dbname=self.dbname
        )

    def dbt_env(self) -> dict[str, str]:
        """The variables dbt's `postgres` target reads (dbt/profiles.yml):
        the parts decoded, since a profile cannot decode a URL."""
        return {
            "UNIONKPI_PG_HOST": self.host,
            "UNIONKPI_PG_PORT": str(self.port),
            "UNIONKPI_PG_USER": self.user,
            "UNIONKPI_PG_PASSWORD": self.password,
            "UNIONKPI_PG_DBNAME": self.dbname,
        }

    def connect(self, autocommit: bool = False):  # -> psycopg.Connection
        """A new connection (psycopg 3), UTF-8, in Asia/Shanghai time."""
        import psycopg

        return psycopg.connect(
            self.conninfo, autocommit=autocommit, options="-c timezone=Asia/Shanghai -c client_encoding=UTF8"
        )


# Idle connections a process keeps, per database and per kind of use (the
# store's, the dashboards' read-only ones): a page run asks several times, and
# a new connection costs a server process, far more than the query. Keyed by
# process id, so a forked child never uses (or closes) its parent's.
KEPT_IDLE = 4
_KEPT: dict[tuple[int, str, Callable[[Any], None]], list[Any]] = {}
_KEPT_LOCK = threading.Lock()


@contextmanager
def kept_connection(postgres: Postgres, prepare: Callable[[Any], None]) -> Iterator[Any]:
    """An autocommit connection made ready by ``prepare`` when it was
    opened: one this process kept idle that still answers (the server may
    have ended it meanwhile: a restart, an idle timeout), else a new one.
    Kept again afterwards if it is idle and whole, up to KEPT_IDLE.
    ``prepare`` names the kind of use, so it must be a module's function,
    not a lambda made per call (each would keep connections of its own)."""
    import psycopg

    key = (os.getpid(), postgres.conninfo, prepare)
    con = None
    while con is None:
        with _KEPT_LOCK:
            idle = _KEPT.setdefault(key, [])
            if not idle:
                break
            con = idle.pop()
        try:
            con.execute("select 1")
        except psycopg.Error:  # ended by the server: the next one
            con.close()
            con = None
    if con is None:
        con = postgres.connect(autocommit=True)
        try:
            prepare(con)
        except BaseException:
            con.close()
            raise
    try:
        yield con
    finally:
        whole = not con.closed and con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with _KEPT_LOCK:
            idle = _KEPT.setdefault(key, [])
            keep = whole and len(idle) < KEPT_IDLE
            if keep:
                idle.append(con)
        if not keep:
            con.close()


def parse(url: str) -> Postgres:
    """A PostgreSQL URL's parts; a usage error (database_url_invalid) for
    anything else, naming no part of the user or password."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port or 5432
    except ValueError as exc:
        raise UnionKpiError("database_url_invalid") from exc
    dbname = urllib.parse.unquote(parts.path.lstrip("/"))
    if parts.scheme not in {"postgresql", "postgres"} or not parts.hostname or not dbname or "/" in dbname:
        raise UnionKpiError("database_url_invalid")
    return Postgres(
        host=parts.hostname,
        port=port,
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or ""),
        dbname=dbname,
    )


def postgres(environ: dict[str, str] | None = None) -> Postgres | None:
    """The PostgreSQL database of UNIONKPI_DATABASE_URL; None when it is
    unset or empty (embedded DuckDB, the default)."""
    url = (os.environ if environ is None else environ).get(DATABASE_URL, "").strip()
    return parse(url) if url else None


def lock_key(*name: str) -> int:
    """The PostgreSQL advisory lock of a name, the one way every part of the
    product derives one: a signed 64-bit key from the name's SHA-256, the
    same on every server, so a test can find it in pg_locks."""
    digest = hashlib.sha256(" ".join(("unionkpi", *name)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
