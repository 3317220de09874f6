"""What publishing leaves behind: the publish log (one entry per publish or
rollback) and, while the newest build was held back, why.

Embedded DuckDB (the default): files of the home folder, the log one JSON
line per entry (appended and synced), held_back.json replaced whole. On
PostgreSQL (kernel.database): tables of the `unionkpi` schema, so that every
machine building or reading the warehouse sees the same log, and a publish
writes its entry in the very transaction that swaps the schemas."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from kernel import database
from kernel.home import SHANGHAI, Home

# On PostgreSQL. The entry whole as jsonb, and what readers select by as
# columns of their own.
POSTGRES_TABLES = (
    f"create schema if not exists {database.APP_SCHEMA}",
    f"create table if not exists {database.APP_SCHEMA}.publish_log ("
    "seq bigint generated always as identity primary key, "
    "at timestamptz not null, action text not null, build text not null, entry jsonb not null)",
    # at most one row: why the newest build was held back, while it is so
    f"create table if not exists {database.APP_SCHEMA}.held_back ("
    "only_row boolean primary key default true check (only_row), at timestamptz not null, entry jsonb not null)",
)


def now() -> str:
    return datetime.now(SHANGHAI).isoformat(timespec="seconds")


def read_log(home: Home) -> list[dict]:
    postgres = database.postgres()
    if postgres is not None:
        with postgres.connect() as con:
            if not _exists(con, "publish_log"):
                return []
            logged = con.execute(f"select entry from {database.APP_SCHEMA}.publish_log order by seq")
            return [entry for (entry,) in logged]
    if not home.publish_log.exists():
        return []
    entries = []
    for line in home.publish_log.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # blank, or cut short by a crash mid-append: that entry never completed
    return entries


def append(home: Home, entry: dict, con: Any = None) -> None:
    """Add an entry to the log. On PostgreSQL `con` is the connection whose
    transaction the entry belongs to (a publish's swap), else one of its own."""
    postgres = database.postgres()
    if postgres is not None:
        with _connection(postgres, con) as writing:
            _ensure_tables(writing)
            writing.execute(
                f"insert into {database.APP_SCHEMA}.publish_log (at, action, build, entry) values (%s, %s, %s, %s)",
                [entry["at"], entry["action"], entry["build"], _jsonb(entry)],
            )
        return
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    with home.publish_log.open("a+b") as handle:
        if handle.seek(0, os.SEEK_END):
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                line = b"\n" + line  # after a line a crash cut short, start a new one
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def hold_back(home: Home, entry: dict) -> None:
    """Say why the newest build was not published (written whole: by rename,
    or as the one row of unionkpi.held_back)."""
    postgres = database.postgres()
    if postgres is not None:
        with postgres.connect() as con:
            _ensure_tables(con)
            con.execute(
                f"insert into {database.APP_SCHEMA}.held_back (at, entry) values (%s, %s) "
                "on conflict (only_row) do update set at = excluded.at, entry = excluded.entry",
                [entry["at"], _jsonb(entry)],
            )
        return
    partial = home.held_back.with_name(home.held_back.name + ".partial")
    partial.write_text(json.dumps(entry, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(partial, home.held_back)


def clear_held_back(home: Home, con: Any = None) -> None:
    """The newest build was published: nothing is held back any more (on
    PostgreSQL in the transaction of `con`, the publish's, when given)."""
    postgres = database.postgres()
    if postgres is not None:
        with _connection(postgres, con) as writing:
            _ensure_tables(writing)
            writing.execute(f"delete from {database.APP_SCHEMA}.held_back")
        return
    home.held_back.unlink(missing_ok=True)


def held_back(home: Home) -> dict[str, Any] | None:
    """Why the newest build was not published, while that is so, else None."""
    postgres = database.postgres()
    if postgres is not None:
        with postgres.connect() as con:
            if not _exists(con, "held_back"):
                return None
            row = con.execute(f"select entry from {database.APP_SCHEMA}.held_back").fetchone()
        return row[0] if row else None
    try:
        return json.loads(home.held_back.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _exists(con: Any, table: str) -> bool:
    """Readers make nothing: a reader's role need not be allowed to."""
    return con.execute("select to_regclass(%s)", [f"{database.APP_SCHEMA}.{table}"]).fetchone()[0] is not None


def _ensure_tables(con: Any) -> None:
    for statement in POSTGRES_TABLES:
        con.execute(statement)


def _jsonb(entry: dict) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(json.loads(json.dumps(entry, ensure_ascii=False, default=str)))


@contextmanager
def _connection(postgres: database.Postgres, con: Any) -> Iterator[Any]:
    """The caller's connection as it is (its transaction left open), or a
    new one, committed and closed at the end."""
    if con is not None:
        yield con
        return
    with postgres.connect() as opened:
        yield opened
