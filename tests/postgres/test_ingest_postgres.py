"""Ingest on PostgreSQL (issue 22, point 2), through the real command with
UNIONKPI_DATABASE_URL set: the demo's files land in `raw` as they land in
landing.duckdb, value for value, with the same report; several uploaders at
once wait on nothing but each other's commits, the same file sent twice at
once is loaded once, and load_seq follows the order loads commit; a file
that fails midway leaves nothing."""

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import duckdb
import psycopg
import pytest

from ingest import bulk, landing, load
from ingest.demo import generate
from ingest.templates import TEMPLATES
from kernel import database
from kernel.database import parse
from kernel.errors import UnionKpiError
from kernel.home import Home, sha256_of
from tests.conftest import DEMO_SCALE, DEMO_SEED, TODAY
from tests.ingest.test_bulk import ODD, good_rows, write
from tests.ingest.test_load import messy_workbook
from tests.postgres.conftest import Server, load_landing

# Differ between any two ingests of the same files: when, and which home.
STAMPED = {"loaded_at", "withdrawn_at"}
WAITING = "another writer holds the landing data"
FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
# A correction of one district's legal-aid file (keys in common), another
# district's two files, in the demo's inbox.
ORIGINAL = "2026/310112/03_legal_aid_07-10.xlsx"
CORRECTION = "2026/310112/06_legal_aid_correction_10.xlsx"
OTHERS = ("2026/310104/01_legal_aid.csv", "2026/310104/02_wage_recovery.csv")


def cli(home: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command(home, *args), capture_output=True, text=True, env=environment(url), check=False)


def command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "unionkpi", "--home", str(home), *args]


def environment(url: str | None) -> dict[str, str]:
    """The test's environment, today pinned, the engine chosen by `url`."""
    env = {k: v for k, v in os.environ.items() if k != "UNIONKPI_DATABASE_URL"}
    return {**env, "UNIONKPI_TODAY": TODAY, **({"UNIONKPI_DATABASE_URL": url} if url else {})}


def report(done: subprocess.CompletedProcess, exit_status: int = 0) -> list[dict]:
    assert done.returncode == exit_status, done.stderr[-3000:]
    return json.loads(done.stdout)["files"]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's submissions, as `unionkpi demo` writes them."""
    folder = tmp_path_factory.mktemp("ingest_pg") / "inbox"
    generate(folder, seed=DEMO_SEED, today=dt.date.fromisoformat(TODAY), scale=float(DEMO_SCALE))
    return folder


@pytest.fixture(scope="module")
def untidy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files the demo does not write: LibreOffice's (hidden sheets, merged
    headers, UTF-16 text, formulas without results, encrypted and sparse
    workbooks) and test_load's messy workbook (every reason to quarantine)."""
    folder = tmp_path_factory.mktemp("ingest_pg_untidy")
    for fixture in FIXTURES.iterdir():
        if fixture.suffix in {".xls", ".xlsx", ".ods", ".txt"}:
            shutil.copyfile(fixture, folder / fixture.name)
    messy_workbook(folder / "闵行_2026年1-3月.xlsx")
    return folder


def raw_tables(url: str) -> dict[str, object]:
    """Each table of `raw`: its columns with their types, and its rows as a
    multiset (stamps left out, the archive path relative to its home)."""
    found: dict[str, object] = {}
    with psycopg.connect(url) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        ).fetchall()]  # fmt: skip
        for table in tables:
            columns = con.execute(
                "select attname, format_type(atttypid, atttypmod) from pg_attribute "
                "where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
                [f"raw.{table}"],
            ).fetchall()
            names = sorted(name for name, _ in columns if name not in STAMPED)
            rows = con.execute(f"select {', '.join(names)} from raw.{table}").fetchall()
            comparable = (tuple(_comparable(n, v) for n, v in zip(names, row, strict=True)) for row in rows)
            found[table] = (columns, Counter(comparable))
    return found


def _comparable(name: str, value: object) -> object:
    if name == "archive_path":
        return re.sub(r"^.*/archive/", "archive/", str(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def test_the_demo_lands_in_postgres_as_in_duckdb(
    postgres_server: Server, inbox: Path, untidy: Path, tmp_path: Path
) -> None:
    """The same files, ingested by the command on each engine: the same
    report, and `raw` holds what landing.duckdb holds (copied to PostgreSQL
    with the types the dbt project's `postgres` target is tested on)."""
    on_duckdb = report(cli(tmp_path / "duckdb", "ingest", "--json", str(inbox), str(untidy)), exit_status=1)
    copied = postgres_server.create_database("ingest_pg_duckdb_copy")
    load_landing(tmp_path / "duckdb" / "landing.duckdb", copied)

    url = postgres_server.create_database("ingest_pg_demo")
    home = tmp_path / "postgres"
    on_postgres = report(cli(home, "ingest", "--json", str(inbox), str(untidy), url=url), exit_status=1)
    assert on_postgres == on_duckdb
    assert len(on_postgres) > 200
    assert Counter(e["status"] for e in on_postgres) >= Counter(loaded=200, rejected=4, skipped=5)
    assert sum(e["rows_quarantined"] for e in on_postgres) >= 3  # quarantine and errors compared too
    assert not (home / "landing.duckdb").exists() and list((home / "archive").rglob("*.xlsx"))

    expected, stored = raw_tables(copied), raw_tables(url)
    assert sorted(stored) == sorted(expected) == sorted(landing.landing_columns())
    for table in expected:
        assert stored[table] == expected[table], table
    assert sum(rows.total() for _, rows in stored.values()) > 4000

    # the same files again (this year's): each unchanged, nothing stored twice
    again = report(cli(home, "ingest", "--json", str(inbox / "2026"), url=url))
    assert {e["status"] for e in again} == {"unchanged"} and len(again) > 40
    assert raw_tables(url) == stored

    # a withdrawal, once
    withdrawn = next(e["load_id"] for e in on_postgres if e["dataset"] == "legal_aid" and e["status"] == "loaded")
    assert cli(home, "withdraw", withdrawn, "--reason", "重复报送", "--by", "steward", url=url).returncode == 0
    twice = cli(home, "withdraw", withdrawn, "--reason", "again", url=url)
    assert twice.returncode == 2 and "该批次已撤回" in twice.stderr
    with psycopg.connect(url) as con:
        assert con.execute("select load_id, withdrawn_by, reason from raw.withdrawals").fetchall() == [
            (withdrawn, "steward", "重复报送")
        ]


def lock_waiters(con: psycopg.Connection, *name: str) -> int:
    """How many sessions wait for the advisory lock of `name`."""
    key = database.lock_key(*name) & (2**64 - 1)
    [(count,)] = con.execute(
        "select count(*) from pg_locks where locktype = 'advisory' and not granted and objsubid = 1 "
        "and classid::text::bigint = %s and objid::text::bigint = %s",
        [key >> 32, key & (2**32 - 1)],
    ).fetchall()
    return count


def wait_for(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def latest_versions(con) -> list[tuple]:
    """The version of each case that supersedes the others: the newest load's
    (as dbt's latest_versions macro picks it), the same query on both engines."""
    columns = ", ".join(c.name for c in TEMPLATES["legal_aid"].columns)
    return con.execute(
        f"select distinct on (district_code, case_id) {columns} from legal_aid "
        "order by district_code, case_id, load_seq desc, source_row desc"
    ).fetchall()


def test_concurrent_ingests_wait_for_nobody_but_commit_in_turn(
    postgres_server: Server, inbox: Path, tmp_path: Path
) -> None:
    """Five uploaders at once (four files, one of them twice, a copy by
    another name): all five are mid-ingest together, none on a lock file;
    each file is loaded once, the copy reported unchanged; load_seq is
    1..n with no gap at every moment, and supersession follows it, as on
    DuckDB when the same files are ingested one after another in that order."""
    url = postgres_server.create_database("ingest_pg_concurrent")
    home = tmp_path / "home"
    landing.PostgresLanding(parse(url), Home(home).ensure()).close()  # the raw schema, as a first ingest makes it
    copy = shutil.copyfile(inbox / ORIGINAL, tmp_path / "同一文件.xlsx")
    files = [inbox / ORIGINAL, copy, inbox / CORRECTION, *(inbox / other for other in OTHERS)]

    seen: list[list[int]] = []
    done = threading.Event()

    def watch() -> None:  # what every reader sees meanwhile
        with psycopg.connect(url, autocommit=True) as con:
            while not done.is_set():
                seen.append([s for (s,) in con.execute("select load_seq from raw.loads order by 1").fetchall()])
                time.sleep(0.01)

    with psycopg.connect(url, autocommit=True) as holder, psycopg.connect(url, autocommit=True) as observer:
        with holder.transaction():
            # the numbering's lock held: each ingest gets as far as storing its loads
            holder.execute("select pg_advisory_xact_lock(%s)", [database.lock_key("load_seq")])
            uploads = [
                subprocess.Popen(
                    command(home, "ingest", "--json", str(path)),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=environment(url),
                )
                for path in files
            ]
            sha = sha256_of(copy)
            wait_for(
                lambda: lock_waiters(observer, "load_seq") == 4 and lock_waiters(observer, "file", sha) == 1,
                "four ingests waiting to store their loads and the copy waiting for the same file's",
            )
            watcher = threading.Thread(target=watch)
            watcher.start()
        outputs = [upload.communicate(timeout=120) for upload in uploads]
        done.set()
        watcher.join()

    assert [upload.returncode for upload in uploads] == [0] * 5, [err for _, err in outputs]
    assert not any(WAITING in err or "landing_busy" in err for _, err in outputs)
    assert not (home / "landing.duckdb").exists()
    reports = [json.loads(out)["files"] for out, _ in outputs]
    statuses = sorted(entry["status"] for entries in reports[:2] for entry in entries)
    assert statuses == ["loaded", "unchanged"]
    unchanged = next(e for entries in reports[:2] for e in entries if e["status"] == "unchanged")
    assert (unchanged["rows_read"], unchanged["rows_loaded"], unchanged["errors"]) == (0, 0, [])
    assert all(e["status"] == "loaded" for entries in reports[2:] for e in entries)
    loaded = [e for entries in reports for e in entries if e["status"] == "loaded"]

    with psycopg.connect(url) as con:
        loads = con.execute("select load_id, load_seq, sha256, rows_loaded from raw.loads order by load_seq").fetchall()
        assert [seq for _, seq, _, _ in loads] == list(range(1, len(loaded) + 1))
        assert sorted((e["load_id"], e["sha256"], e["rows_loaded"]) for e in loaded) == sorted(
            (load_id, sha, rows) for load_id, _, sha, rows in loads
        )
        for load_id, _, _, rows in loads:
            stored = con.execute(
                "select (select count(*) from raw.legal_aid where load_id = %s) "
                "+ (select count(*) from raw.wage_recovery where load_id = %s)",
                [load_id, load_id],
            ).fetchone()
            assert stored == (rows,)
        order = [sha for _, _, sha, _ in loads]
    assert seen and all(state == list(range(1, len(state) + 1)) for state in seen), seen[-5:]

    # the same files one after another, in the order they committed, on DuckDB
    by_sha = {sha256_of(path): path for path in files[1:]}
    duck_home = tmp_path / "duckdb"
    report(cli(duck_home, "ingest", "--json", *(str(by_sha[sha]) for sha in dict.fromkeys(order))))
    with duckdb.connect(str(duck_home / "landing.duckdb"), read_only=True) as duck:
        on_duckdb = latest_versions(duck)
    with psycopg.connect(url) as con:
        con.execute("set search_path to raw")
        on_postgres = latest_versions(con)
    assert on_postgres == on_duckdb
    with psycopg.connect(url) as con:  # the correction and its original share cases: one superseded the other
        [(shared,)] = con.execute(
            "select count(*) from (select district_code, case_id from raw.legal_aid "
            "group by 1, 2 having count(distinct load_id) > 1) as keys"
        ).fetchall()
    assert shared > 0


def raw_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as con:
        return {
            table: con.execute(f"select count(*) from raw.{table}").fetchone()[0] for table in landing.landing_columns()
        }


def test_a_file_killed_midway_leaves_nothing(postgres_server: Server, inbox: Path, tmp_path: Path) -> None:
    """kill -9 of an ingest whose rows are written but not committed (it
    waits to add its load to raw.loads, which this test keeps locked):
    nothing of the file is left, and it loads whole when sent again."""
    url = postgres_server.create_database("ingest_pg_midway")
    home = tmp_path / "home"
    landing.PostgresLanding(parse(url), Home(home).ensure()).close()
    path = inbox / ORIGINAL
    with psycopg.connect(url, autocommit=True) as observer, psycopg.connect(url) as holder:
        holder.execute("lock table raw.loads in share mode")  # readers pass, writers wait
        upload = subprocess.Popen(command(home, "ingest", str(path)), env=environment(url))
        try:

            def stuck() -> list[tuple]:
                return observer.execute(
                    "select pid from pg_stat_activity where datname = current_database() "
                    "and wait_event_type = 'Lock' and query like 'copy raw.loads %%'"
                ).fetchall()

            wait_for(lambda: bool(stuck()), "the ingest to wait for raw.loads")
            [(backend,)] = stuck()
            written = observer.execute("select pg_relation_size('raw.legal_aid')").fetchone()[0]
            assert written > 0  # its rows are in the table's pages, not yet committed
            upload.send_signal(signal.SIGKILL)
            assert upload.wait() == -signal.SIGKILL
        finally:
            upload.kill()
        holder.rollback()
        wait_for(
            lambda: not observer.execute("select 1 from pg_stat_activity where pid = %s", [backend]).fetchall(),
            "the killed ingest's session to end",
        )
    assert raw_counts(url) == dict.fromkeys(landing.landing_columns(), 0)

    [entry] = report(cli(home, "ingest", "--json", str(path), url=url))
    assert entry["status"] == "loaded" and entry["rows_loaded"] > 0
    counts = raw_counts(url)
    assert (counts["loads"], counts["legal_aid"]) == (1, entry["rows_loaded"])


def test_a_failure_while_storing_keeps_no_row(
    postgres_server: Server, inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error after a file's rows are copied in, before its load is: the
    file is rejected (ingest_failed, as on DuckDB), with its load logged and
    none of its rows kept; the next file loads."""
    url = postgres_server.create_database("ingest_pg_failure")
    home = Home(tmp_path / "home").ensure()
    copy_rows = landing._copy_rows

    def failing(con, copy_sql: str, rows) -> None:
        if copy_sql.startswith("copy raw.loads ") and not failing.done:
            failing.done = True
            raise OSError("the network went away")
        copy_rows(con, copy_sql, rows)

    failing.done = False
    monkeypatch.setattr(landing, "_copy_rows", failing)
    monkeypatch.setenv("UNIONKPI_DATABASE_URL", url)
    con = load.open_landing(home)
    try:
        [failed] = load.ingest_file(con, home, inbox / ORIGINAL, today=dt.date.fromisoformat(TODAY))
        [other] = load.ingest_file(con, home, inbox / OTHERS[0], today=dt.date.fromisoformat(TODAY))
    finally:
        con.close()
    assert failing.done
    assert (failed.status, [e["code"] for e in failed.errors]) == ("rejected", ["ingest_failed"])
    assert other.status == "loaded" and other.rows_loaded > 0
    with psycopg.connect(url) as pg:
        assert pg.execute("select load_id, status from raw.loads order by load_seq").fetchall() == [
            (failed.load_id, "rejected"),
            (other.load_id, "loaded"),
        ]
        assert pg.execute("select distinct load_id from raw.legal_aid").fetchall() == [(other.load_id,)]
    assert "the network went away" in home.ingest_failures.read_text(encoding="utf-8")


def test_the_bulk_path_lands_in_postgres_as_in_duckdb(
    postgres_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large CSV (here any CSV: the threshold lowered) read by DuckDB's
    reader, its odd rows judged in Python, a repeated key taken back out
    of the clean rows, then copied into PostgreSQL: the same entry and the
    same rows as in landing.duckdb."""
    monkeypatch.setattr(bulk, "BULK_BYTES", 0)
    streamed, stream = [], bulk.stream

    def streaming(*args, **kwargs):
        streamed.append(engine)
        return stream(*args, **kwargs)

    monkeypatch.setattr(bulk, "stream", streaming)
    path = write(tmp_path / "闵行_2026年3月.csv", good_rows(3000) + ODD)
    today = dt.date.fromisoformat(TODAY)
    entries = {}
    for engine in ("duckdb", "postgres"):
        home = Home(tmp_path / engine).ensure()
        url = postgres_server.create_database(f"ingest_pg_bulk_{engine}")
        if engine == "postgres":
            monkeypatch.setenv("UNIONKPI_DATABASE_URL", url)
        con = load.open_landing(home)
        try:
            [entries[engine]] = load.ingest_file(con, home, path, today=today)
        finally:
            con.close()
        if engine == "duckdb":
            load_landing(home.landing, url)
        entries[engine].path = url  # compared below, not here
    assert streamed == ["duckdb", "postgres"]
    assert entries["postgres"].rows_quarantined >= 8 and entries["postgres"].rows_loaded > 2900
    assert {e["code"] for e in entries["postgres"].errors} >= {"duplicate_key", "unknown_district", "date_in_future"}
    assert [e.__dict__ | {"path": None} for e in entries.values()] == [entries["duckdb"].__dict__ | {"path": None}] * 2
    stored = {engine: raw_tables(entry.path) for engine, entry in entries.items()}
    assert stored["postgres"] == stored["duckdb"]
    assert stored["postgres"]["legal_aid"][1].total() == entries["postgres"].rows_loaded


def test_no_database_is_said_without_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("UNIONKPI_DATABASE_URL", f"postgresql://steward:s3cret-pw@127.0.0.1:{port}/unionkpi")
    with pytest.raises(UnionKpiError) as raised:
        load.open_landing(Home(tmp_path / "home"))
    assert raised.value.code == "database_unavailable"
    assert f"127.0.0.1:{port}/unionkpi" in raised.value.en and "s3cret" not in str(raised.value)
    assert not (tmp_path / "home" / "landing.duckdb").exists()


def test_the_raw_schema_is_made_once_and_completed(postgres_server: Server) -> None:
    """Four first uploaders at once make the landing tables once (no
    catalogue race); a schema that lacks a newer column or an index gains
    it; a complete one is left alone (no DDL, which would wait for readers)."""
    url = postgres_server.create_database("ingest_pg_schema")
    failures: list[BaseException] = []

    def first_upload() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as con:
                landing.ensure_schema(con)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=first_upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    with psycopg.connect(url, autocommit=True) as con:

        def present() -> tuple[set, set]:
            columns = con.execute(
                "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
            ).fetchall()
            indexes = con.execute("select indexname from pg_indexes where schemaname = 'raw'").fetchall()
            return set(columns), {name for (name,) in indexes}

        complete = present()
        assert {table for table, _ in complete[0]} == set(landing.landing_columns())
        assert complete[1] == set(landing.INDEXES) and landing.postgres_schema(*complete) == []
        con.execute("alter table raw.load_errors drop column district_code")
        con.execute("drop index raw.loads_sha256")
        assert landing.postgres_schema(*present()) == [
            "alter table raw.load_errors add column district_code text",
            "create index loads_sha256 on raw.loads (sha256)",
        ]
        landing.ensure_schema(con)
        assert present() == complete
