"""Where loads are kept: landing.duckdb in the home (the default), or the
`raw` schema of the PostgreSQL database UNIONKPI_DATABASE_URL names.

DuckDB has one writer at a time (the landing file's lock). PostgreSQL has
many uploaders at once and no lock file: a file is checked and its loads
written exactly as for DuckDB, into a stage (an in-memory DuckDB with the
landing tables), and its one transaction on PostgreSQL then holds two
transaction-scoped advisory locks:

- the file's own, by its SHA-256, from before it asks whether the file was
  loaded before until it commits: the same file sent twice at once is
  loaded once, and reported `unchanged` the other time; other files do not
  wait for it;
- the numbering's, from reading the highest load_seq until the commit,
  while the staged rows are copied in (COPY). So load_seq is unique and
  follows the order loads commit: whoever reads the landing data sees loads
  1..n with no gap, the later of two loads of the same keys is the one that
  committed later (supersession, as on DuckDB, whatever the keys: districts
  or credit codes), and "the loads after n" (an incremental build) never
  misses a load that was still on its way. A narrower key cannot give that
  order; only the copying waits on it, never the reading and checking.
"""

import io
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.csv as pa_csv

from ingest.templates import KINDS, TEMPLATES
from kernel import database
from kernel.database import LANDING_SCHEMA, Postgres
from kernel.errors import UnionKpiError
from kernel.home import Home

# DuckDB's column types in the landing tables, as PostgreSQL spells them
# (DECIMAL(p, s) becomes numeric(p, s)): what the dbt project's `postgres`
# target builds from.
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "JSON": "jsonb",
    "VARCHAR[]": "text[]",
}
COPY_BATCH_ROWS = 100_000
WORK_PREFIX = ".bulk-"  # a file's work folders in the home: the bulk reader's, the stage's


def landing_schema() -> list[str]:
    statements = [
        """create table if not exists loads (
            load_id varchar primary key, load_seq integer not null,
            sha256 varchar not null, path varchar not null, sheet varchar,
            archive_path varchar, dataset varchar, status varchar not null,
            period_start date, period_end date, is_nil_return boolean,
            districts varchar[], rows_read integer, rows_loaded integer,
            rows_quarantined integer, loaded_at timestamp not null,
            errors json, submitted_by varchar)""",
        """create table if not exists quarantine (
            load_id varchar not null, source_row integer, raw json)""",
        """create table if not exists withdrawals (
            load_id varchar not null, withdrawn_by varchar not null,
            reason varchar not null, withdrawn_at timestamp not null)""",
        """create table if not exists load_errors (
            load_id varchar not null, source_row integer, column_name varchar,
            code varchar not null, message varchar, message_en varchar)""",
        # each quarantined row's own district, as far as it can be read
        # (null: it belongs to no district, and only stewards see it)
        "alter table quarantine add column if not exists district_code varchar",
        "alter table load_errors add column if not exists district_code varchar",
    ]
    for template in TEMPLATES.values():
        columns = ", ".join(f"{c.name} {KINDS[c.kind][0]}" for c in template.columns)
        statements.append(
            f"create table if not exists {template.dataset} ("
            f"load_id varchar not null, load_seq integer not null, "
            f"source_row integer not null, {columns})"
        )
    return statements


def load_id(seq: int) -> str:
    """A load's id, from its number."""
    return f"L{seq:07d}"


@cache
def landing_columns() -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Each landing table's columns (name, DuckDB type, nullable), as
    landing_schema() makes them: the one definition both engines use."""
    with duckdb.connect() as scratch:
        for statement in landing_schema():
            scratch.execute(statement)
        found = scratch.execute(
            "select table_name, column_name, data_type, is_nullable from duckdb_columns() "
            "where not internal order by table_name, column_index"
        ).fetchall()
    tables: dict[str, tuple[tuple[str, str, bool], ...]] = {}
    for table, column, kind, nullable in found:
        tables[table] = (*tables.get(table, ()), (column, kind, nullable))
    return tables


def postgres_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL("):
        return "numeric" + duckdb_type.removeprefix("DECIMAL")
    return POSTGRES_TYPES[duckdb_type]


INDEXES = {
    "loads_load_id": "create unique index {name} on {schema}.loads (load_id)",
    "loads_load_seq": "create unique index {name} on {schema}.loads (load_seq)",
    "loads_sha256": "create index {name} on {schema}.loads (sha256)",
}


def postgres_schema(columns: set[tuple[str, str]], indexes: set[str]) -> list[str]:
    """What the `raw` schema lacks of the landing tables, given the columns
    (table, column) and indexes it has: tables with PostgreSQL's types, and
    a column a newer version added, as `add column if not exists` does on
    DuckDB. Nothing when all is there: a DDL statement would wait for, and
    hold up, every reader of the table. The indexes serve the questions
    ingest asks, and make a repeated load id or number impossible whatever
    goes wrong."""
    statements = []
    tables = {table for table, _ in columns}
    for table, wanted in landing_columns().items():
        spelled = {name: f"{name} {postgres_type(kind)}" for name, kind, _ in wanted}
        if table not in tables:
            defined = [spelled[name] + ("" if nullable else " not null") for name, _, nullable in wanted]
            statements.append(f"create table {LANDING_SCHEMA}.{table} ({', '.join(defined)})")
        else:
            statements += [
                f"alter table {LANDING_SCHEMA}.{table} add column {spelled[name]}"
                for name, _, _ in wanted
                if (table, name) not in columns
            ]
    statements += [sql.format(name=name, schema=LANDING_SCHEMA) for name, sql in INDEXES.items() if name not in indexes]
    return statements


def xact_lock(con: Any, *name: str) -> None:
    """Hold the advisory lock of `name` until the transaction of `con` (a
    psycopg connection) ends."""
    con.execute("select pg_advisory_xact_lock(%s)", [database.lock_key(*name)])


def ensure_schema(con: Any) -> None:
    """The landing tables in `raw`, made or completed if they are not all
    there (a build before any ingest reads them too); `con` is a psycopg
    connection in autocommit mode."""

    def lacking() -> list[str]:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = %s",
            [LANDING_SCHEMA],
        ).fetchall()
        indexes = con.execute("select indexname from pg_indexes where schemaname = %s", [LANDING_SCHEMA])
        return postgres_schema(set(columns), {name for (name,) in indexes.fetchall()})

    if lacking():
        with con.transaction():
            xact_lock(con, "schema")  # another process may be making them at this moment
            con.execute(f"create schema if not exists {LANDING_SCHEMA}")
            for statement in lacking():
                con.execute(statement)


@dataclass
class Write:
    """One file's writes, into `stage`; after the block, `renamed` maps the
    stage's load ids to the ids they were stored under."""

    stage: duckdb.DuckDBPyConnection
    renamed: dict[str, str] = field(default_factory=dict)

    def named(self, entries: list[Any]) -> list[Any]:
        """The entries with the load ids they were stored under."""
        for entry in entries:
            entry.load_id = self.renamed.get(entry.load_id, entry.load_id)
        return entries


class PostgresLanding:
    """The `raw` schema of a PostgreSQL database, through one connection
    (autocommit: each file or withdrawal is an explicit transaction), and
    the stage files are checked into, kept from file to file (a new
    in-memory DuckDB for each costs more than a small file's checks)."""

    def __init__(self, database: Postgres, home: Home):
        import psycopg

        self._work = ExitStack()
        try:
            self.con = self._work.enter_context(database.connect(autocommit=True))
        except psycopg.OperationalError as error:  # its text may name the user: not shown
            where = f"{database.host}:{database.port}/{database.dbname}"
            raise UnionKpiError(
                "database_unavailable", f"无法连接数据库 {where}", f"cannot connect to the database {where}"
            ) from error
        try:
            ensure_schema(self.con)
            self.con.execute(f"set search_path to {LANDING_SCHEMA}")
            self._spill = self._work.enter_context(work_folder(home)) / "spill"
            self.stage = self._new_stage()
        except BaseException:
            self._work.close()
            raise

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        """A statement written for both engines (`?` placeholders, no `%`)."""
        return self.con.execute(sql.replace("?", "%s"), params)

    def lock(self, *name: str) -> None:
        """Hold the advisory lock of `name` until this transaction ends."""
        xact_lock(self.con, *name)

    def close(self) -> None:
        self.stage.close()
        self._work.close()

    @contextmanager
    def file(self, sha256: str) -> Iterator[Write]:
        """One file's transaction, holding the file's lock: the block checks
        and stages the file's loads; they are stored when it ends, or
        nothing is if it raises."""
        try:
            with self.con.transaction():
                self.lock("file", sha256)
                write = Write(self.stage)
                yield write
                write.renamed = self._store()
        finally:
            self._empty_stage()

    def _new_stage(self) -> duckdb.DuckDBPyConnection:
        stage = duckdb.connect(config={"temp_directory": str(self._spill)})
        for statement in landing_schema():
            stage.execute(statement)
        return stage

    def _staged(self) -> dict[str, int]:
        """The stage's tables that hold rows, and how many."""
        counts = {table: self.stage.execute(f"select count(*) from {table}").fetchone() for table in landing_columns()}
        return {table: found[0] for table, found in counts.items() if found and found[0]}

    def _empty_stage(self) -> None:
        """Ready for the next file: emptied, or a new one after a large file
        (an in-memory database keeps the memory of deleted rows)."""
        staged = self._staged()
        if sum(staged.values()) > COPY_BATCH_ROWS:
            self.stage.close()
            self.stage = self._new_stage()
            return
        for table in staged:
            self.stage.execute(f"delete from {table}")

    def _store(self) -> dict[str, str]:
        """Copy the staged loads in, numbered after the loads stored before
        (under the numbering's lock, held to the commit); their new ids. The
        loads table last: a load is listed only with all its rows."""
        staged = self._staged()
        if "loads" not in staged:
            return {}
        self.lock("load_seq")
        [(last,)] = self.con.execute(f"select coalesce(max(load_seq), 0) from {LANDING_SCHEMA}.loads").fetchall()
        old_ids = [old for (old,) in self.stage.execute("select load_id from loads order by load_seq").fetchall()]
        renamed = {old: load_id(seq) for seq, old in enumerate(old_ids, start=last + 1)}
        # a table of the stage's own: a join with an Arrow table costs more
        # than a small file's other work
        self.stage.execute("create or replace temp table numbers (old_id varchar, new_id varchar, new_seq integer)")
        self.stage.executemany(
            "insert into numbers values (?, ?, ?)",
            [[old, new, seq] for seq, (old, new) in enumerate(renamed.items(), start=last + 1)],
        )
        renumbered = {"load_id": "numbers.new_id", "load_seq": "numbers.new_seq"}
        for table in sorted(staged, key=lambda name: name == "loads"):
            names = [name for name, _, _ in landing_columns()[table]]
            picked = ", ".join(f"{renumbered.get(name, 'staged.' + name)} as {name}" for name in names)
            rows = self.stage.execute(
                f"select {picked} from {table} as staged join numbers on numbers.old_id = staged.load_id"
            )
            copy_sql = f"copy {LANDING_SCHEMA}.{table} ({', '.join(names)}) from stdin"
            if table in TEMPLATES:
                _copy_csv(self.con, copy_sql, rows)
            else:
                _copy_rows(self.con, copy_sql, rows)
        return renamed


def _copy_csv(con: Any, copy_sql: str, rows: duckdb.DuckDBPyConnection) -> None:
    """A submission table's rows, which may be millions, as CSV written by
    Arrow (null unquoted, an empty text quoted, as PostgreSQL reads them)."""
    options = pa_csv.WriteOptions(include_header=False)
    with con.cursor() as cursor, cursor.copy(copy_sql + " with (format csv)") as copy:
        for batch in rows.to_arrow_reader(COPY_BATCH_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, options)
            copy.write(buffer.getbuffer())


def _copy_rows(con: Any, copy_sql: str, rows: duckdb.DuckDBPyConnection) -> None:
    """The load log's, the quarantine's and the errors' rows, fewer, with
    lists and JSON, which psycopg writes as PostgreSQL reads them."""
    with con.cursor() as cursor, cursor.copy(copy_sql) as copy:
        while batch := rows.fetchmany(COPY_BATCH_ROWS):
            for row in batch:
                copy.write_row(row)


Landing = duckdb.DuckDBPyConnection | PostgresLanding


@contextmanager
def writing(con: Landing, home: Home, sha256: str) -> Iterator[Write]:
    """A file's writes: straight into landing.duckdb, whose lock this
    process holds; or staged, then stored on PostgreSQL in one transaction
    with the file's lock (PostgresLanding.file)."""
    remove_stale_work(home, holding_the_landing=not isinstance(con, PostgresLanding))
    if isinstance(con, PostgresLanding):
        with con.file(sha256) as write:
            yield write
    else:
        yield Write(con)


def locked(con: Landing, *name: str) -> AbstractContextManager[Any]:
    """A transaction holding the advisory lock of `name` on PostgreSQL; on
    DuckDB nothing more is needed: the landing file's lock is held."""
    if not isinstance(con, PostgresLanding):
        return nullcontext()
    return _locked(con, name)


@contextmanager
def _locked(con: PostgresLanding, name: tuple[str, ...]) -> Iterator[None]:
    with con.con.transaction():
        con.lock(*name)
        yield


@contextmanager
def work_folder(home: Home) -> Iterator[Path]:
    """A folder of the home for one file's work, removed after it; named for
    this host and process, so that a folder left by a killed process can be
    told from one in use."""
    owner = f"{WORK_PREFIX}{socket.gethostname()}.{os.getpid()}."
    with tempfile.TemporaryDirectory(dir=home.root, prefix=owner) as folder:
        yield Path(folder)


def remove_stale_work(home: Home, holding_the_landing: bool) -> None:
    """Work folders left by ingests killed mid-file. A process holding the
    landing file's lock is the only ingest there can be: every folder is
    stale. On PostgreSQL other ingests run at once: only folders of this
    host's processes that are gone (another host's cannot be judged)."""
    owned = re.compile(rf"^{re.escape(WORK_PREFIX)}(.+)\.(\d+)\.[^.]+$")
    for folder in home.root.glob(WORK_PREFIX + "*"):
        match = owned.match(folder.name)
        gone = match is not None and match.group(1) == socket.gethostname() and not _alive(int(match.group(2)))
        if holding_the_landing or gone:
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
