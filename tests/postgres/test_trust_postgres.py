"""Users, sessions, the audit log and deliveries in PostgreSQL
(UNIONKPI_DATABASE_URL): separate OS processes, each with a home of its own,
share them through the database alone, and the store's guarantees hold
across processes (the lockout, a hand-off code claimed once, the latest
delivered month)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kernel.database import DATABASE_URL
from kernel.errors import UnionKpiError
from kernel.home import Home
from tests.conftest import run_cli
from tests.test_serve import answers, free_port
from trust import store

# How far ahead a batch of calls is scheduled, so that every process and
# thread is ready and they all start at the same moment.
LEAD_SECONDS = 1.0


def _serve_store(pipe: Any, root: str, url: str) -> None:
    """A store client in its own process: runs batches of calls of one
    store function and answers each call's outcome."""
    os.environ[DATABASE_URL] = url
    home = Home(Path(root))
    for name, calls, start_at in iter(pipe.recv, None):
        pipe.send(_run_batch(home, name, calls, start_at))


def _run_batch(home: Home, name: str, calls: list[tuple[tuple, dict]], start_at: float) -> list[tuple[str, Any]]:
    """Each call (positional and keyword arguments) in its own thread, all
    starting together at `start_at` (time.time()); each one's outcome:
    ("ok", value) or ("refused", the UnionKpiError's code)."""
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def run(index: int) -> None:
        args, kwargs = calls[index]
        time.sleep(max(0.0, start_at - time.time()))
        try:
            outcomes[index] = ("ok", os.getpid() if name == "pid" else getattr(store, name)(home, *args, **kwargs))
        except UnionKpiError as error:
            outcomes[index] = ("refused", error.code)
        except Exception as error:  # told to the test, not lost in this process
            outcomes[index] = ("error", repr(error))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@contextlib.contextmanager
def _no_main_to_run_again() -> Iterator[None]:
    """A spawned child runs the parent's __main__ module again before its
    target. In a pytest-xdist worker that has run a Streamlit AppTest,
    __main__ is the app script (Streamlit runs a page as __main__), which
    then runs in the child and fails; the child needs nothing of it."""
    main = sys.modules["__main__"]
    kept = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(kept)


class StoreProcess:
    """A separate OS process that uses the store (trust.store) of the
    database `url`, with its own home folder, on request."""

    def __init__(self, root: Path, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.root = root
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve_store, args=(child, str(root), url), daemon=True)
        with _no_main_to_run_again():
            self._process.start()

    def start(self, name: str, calls: list[tuple], start_at: float) -> None:
        """Calls of one store function (each a tuple of its arguments after
        the home), started together at `start_at`."""
        self._pipe.send((name, [(args, {}) for args in calls], start_at))

    def outcomes(self) -> list[tuple[str, Any]]:
        assert self._pipe.poll(60), "the store process did not answer"
        return self._pipe.recv()

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """One call, now: its value, or the UnionKpiError it raised."""
        self._pipe.send((name, [(args, kwargs)], 0.0))
        ((kind, value),) = self.outcomes()
        if kind == "refused":
            raise UnionKpiError(value)
        assert kind == "ok", value
        return value

    def stop(self) -> None:
        self._pipe.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def at_once(
    batches: list[tuple[StoreProcess, str, list[tuple]]], hold: tuple[str, str] | None = None
) -> list[list[tuple[str, Any]]]:
    """Each process's batch of calls, all started at one moment; the
    outcomes per process. With `hold` (a database URL and a `select ... for
    update`), those rows are held until every call waits on a lock, so that
    all of them meet at the worst moment, however the machine schedules
    them."""
    start_at = time.time() + LEAD_SECONDS
    holder = psycopg.connect(hold[0]) if hold else None
    try:
        if holder and hold:
            holder.execute(hold[1])
        for process, name, calls in batches:
            process.start(name, calls, start_at)
        if hold:
            _until_waiting(hold[0], sum(len(calls) for _, _, calls in batches))
    finally:
        if holder:
            holder.close()  # rolled back: the rows are let go
    return [process.outcomes() for process, _, _ in batches]


def _until_waiting(url: str, count: int) -> None:
    deadline = time.monotonic() + 60
    query = "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"
    while _query(url, query) < [(count,)]:
        assert time.monotonic() < deadline, f"fewer than {count} calls came to wait on the held rows"
        time.sleep(0.05)


@pytest.fixture
def database_url(postgres_server, request, monkeypatch) -> str:
    url = postgres_server.create_database(f"trust_{request.node.name}"[:63])
    monkeypatch.setenv(DATABASE_URL, url)
    return url


@pytest.fixture
def processes(database_url, tmp_path) -> Iterator[list[StoreProcess]]:
    """Three store processes on the same database, each with a home of its own."""
    started = [StoreProcess(tmp_path / name, database_url) for name in ("a", "b", "c")]
    try:
        yield started
    finally:
        for process in started:
            process.stop()


def _query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def test_two_processes_share_users_sessions_audit_and_deliveries(processes, database_url):
    a, b, _ = processes
    assert a("pid") != b("pid") != os.getpid()
    password = a("add_user", "planner-1", "planner")
    token = b("sign_in", "planner-1", password)  # added in a, signed in through b
    assert a("session_user", token) == store.User("planner-1", "planner", None)

    cookie = b("cookie_value", token)  # one signing secret, in the database
    assert a("cookie_token", cookie) == token
    assert a("cookie_token", cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None

    cookie_token, seconds_left = b("claim", a("hand_off", token))  # handed off in a, claimed in b
    assert a("session_user", cookie_token) == store.User("planner-1", "planner", None)
    assert store.SESSION_HOURS * 3600 - 60 < seconds_left <= store.SESSION_HOURS * 3600
    a("sign_out", token)  # ends both sessions of the sign-in, for b too
    assert b("session_user", token) is None and b("session_user", cookie_token) is None
    assert b("why_refused", cookie_token) == ("planner-1", "signed_out")

    a("add_user", "sso@example.org", "leader")  # single sign-on: the e-mail, compared without case
    assert a("session_user", b("sign_in_identity", "SSO@Example.org")).username == "sso@example.org"

    a("log", "planner-1", "export", True, page="from-a")
    b("log", "planner-1", "export", True, page="from-b")
    for reader in (a, b):
        entries = reader("read_audit")
        assert [e["detail"]["page"] for e in entries if e["action"] == "export"] == ["from-b", "from-a"]
        assert [(e["action"], e["ok"]) for e in entries if e["action"] in {"user_add", "sign_in"}] == [
            ("sign_in", True),
            ("user_add", True),
            ("sign_in", True),
            ("user_add", True),
        ]

    with pytest.raises(UnionKpiError) as exists:
        b("add_user", "planner-1", "leader")
    assert exists.value.code == "user_exists"
    b("set_contact", "planner-1", email="p1@example.org", lang="en")
    a("subscribe", "planner-1")
    assert b("subscribers") == [store.User("planner-1", "planner", None, "p1@example.org", "en", True)]

    # two processes record deliveries of the same user at once: the latest month stays
    for _ in range(3):
        at_once(
            [(a, "record_delivery", [("planner-1", "2026-10")]), (b, "record_delivery", [("planner-1", "2026-09")])]
        )
        assert a("last_delivered") == b("last_delivered") == {"planner-1": "2026-10"}
    assert _query(database_url, "select username, month from unionkpi.deliveries") == [("planner-1", "2026-10")]

    # nothing of it went through the homes
    assert not [path for process in (a, b) for path in process.root.rglob("app_state.sqlite*")]


def test_wrong_passwords_from_several_processes_at_once_lock_after_the_count(processes, database_url):
    """24 guesses from three processes, their verdicts all due at once (the
    user's row held until all 24 wait): exactly MAX_FAILED_SIGN_INS are
    counted as wrong passwords, every later one meets the lock, and so does
    the right password afterwards."""
    a, b, c = processes
    password = a("add_user", "target", "leader")
    guesses = [
        (process, "sign_in", [("target", f"wrong-{i}-{j}") for j in range(8)]) for i, process in enumerate(processes)
    ]
    held = (database_url, "select 1 from unionkpi.users where username = 'target' for update")
    outcomes = [outcome for per_process in at_once(guesses, held) for outcome in per_process]
    assert outcomes == [("refused", "bad_credentials")] * 24
    causes = [e["detail"]["reason"] for e in c("read_audit", 1000) if e["action"] == "sign_in"]
    assert causes.count("bad_credentials") == store.MAX_FAILED_SIGN_INS
    assert causes.count("locked") == 24 - store.MAX_FAILED_SIGN_INS
    ((failed, locked_until),) = _query(
        database_url, "select failed_attempts, locked_until from unionkpi.users where username = 'target'"
    )
    assert failed == 0 and locked_until is not None
    with pytest.raises(UnionKpiError) as refused:
        b("sign_in", "target", password)
    assert refused.value.code == "bad_credentials"
    assert a("read_audit", 1)[0]["detail"]["reason"] == "locked"


def test_a_hand_off_code_claimed_from_several_processes_at_once_is_claimed_once(processes, database_url):
    """Nine claims of one code from three processes, all due at once (the
    code's row held until all nine wait): one session is made."""
    a, b, c = processes
    password = a("add_user", "p", "planner")
    for round_ in range(4):
        token = a("sign_in", "p", password)
        code = a("hand_off", token)
        held = (database_url, "select 1 from unionkpi.handoffs for update")
        claims = at_once([(process, "claim", [(code,)] * 3) for process in processes], held)
        won = [value for per_process in claims for kind, value in per_process if value is not None]
        assert len(won) == 1, (round_, claims)
        cookie_token, _ = won[0]
        assert c("session_user", cookie_token) == store.User("p", "planner", None)
        (sessions,) = _query(database_url, "select count(*) from unionkpi.web_sessions where username = 'p'")
        assert sessions == (2 * (round_ + 1),)  # the sign-in's and one cookie's per round
    assert b("claim", code) is None  # and never again


def test_first_use_from_several_processes_at_once_makes_the_store_once(processes, database_url):
    """Three processes that each use the store for the first time, at the
    same moment, on a database whose store an earlier version made (its
    first users table): each works, the missing columns are added once."""
    with psycopg.connect(database_url) as con:
        con.execute("create schema unionkpi")
        con.execute(
            "create table unionkpi.users (username text primary key, password_hash text not null, "
            "role text not null, district_code text, failed_attempts integer not null default 0, "
            "locked_until text, created_at text not null)"
        )
        con.execute("insert into unionkpi.users values ('old', 'x', 'leader', null, 0, null, '2026-01-01T00:00:00')")
    outcomes = at_once([(process, "list_users", [()]) for process in processes])
    assert outcomes == [[("ok", [store.User("old", "leader", None, None, "zh", False)])]] * 3
    columns = _query(
        database_url,
        "select column_name from information_schema.columns where table_schema = 'unionkpi' "
        "and table_name = 'users' order by ordinal_position",
    )
    assert [name for (name,) in columns][-3:] == ["email", "lang", "is_subscribed"]
    tables = _query(
        database_url, "select table_name from information_schema.tables where table_schema = 'unionkpi' order by 1"
    )
    assert {"users", "web_sessions", "app_secrets", "handoffs", "audit", "deliveries"} <= {name for (name,) in tables}


def test_backup_on_postgres_copies_the_archive_and_says_the_database_needs_pg_dump(database_url, tmp_path):
    home = tmp_path / "home"
    run_cli(home, "users", "add", "steward-1", "--role", "steward")
    submitted = home / "archive" / "2026" / "return.csv"
    submitted.parent.mkdir(parents=True)
    submitted.write_text("案件编号,区\nP-1,黄浦\n", encoding="utf-8")

    done = run_cli(home, "backup", str(tmp_path / "backup"))
    assert "pg_dump" in done.stderr and "不在本备份中" in done.stderr and "not in this backup" in done.stderr
    copied = sorted(
        str(path.relative_to(tmp_path / "backup")) for path in (tmp_path / "backup").rglob("*") if path.is_file()
    )
    assert copied == ["MANIFEST.json", "archive/2026/return.csv"]  # no app_state.sqlite pretending to hold the users
    assert not (home / "app_state.sqlite").exists()

    done = run_cli(tmp_path / "restored", "restore", str(tmp_path / "backup"))
    assert (tmp_path / "restored" / "archive" / "2026" / "return.csv").read_text(encoding="utf-8") == (
        submitted.read_text(encoding="utf-8")
    )
    assert "pg_restore" in done.stderr
    assert "steward-1\tsteward" in run_cli(tmp_path / "restored", "users", "list").stdout  # in the database all along


@contextlib.contextmanager
def _unionkpi_serve(home: Path, log: Path) -> Iterator[str]:
    """`unionkpi serve` on a free port (the environment's database); its URL once it answers."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "unionkpi", "--home", str(home), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()  # stops the command and its server (tests/test_serve.py)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # whatever is left of it


def _wait_for(url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while not answers(int(url.rpartition(":")[2])):
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.3)


def _http(method: str, url: str, cookie: str | None = None, form: dict[str, str] | None = None) -> tuple[int, Any]:
    """The status and headers of one request, as this server's own page sends it."""
    origin = "/".join(url.split("/")[:3])
    headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers


def test_two_serve_processes_on_one_database_share_a_signed_in_session(database_url, tmp_path):
    """The cookie set by one `unionkpi serve` opens the other's exports
    (its session and its signing secret are in the database), and a
    sign-out through the second ends it on the first."""
    from dashboards.access import SESSION_COOKIE  # here: the store's processes need no Streamlit

    home = Home(tmp_path / "home")
    password = store.add_user(home, "planner-2", "planner")
    with (
        _unionkpi_serve(home.root, tmp_path / "first.log") as first,
        _unionkpi_serve(home.root, tmp_path / "second.log") as second,
    ):
        _wait_for(first, tmp_path / "first.log")
        _wait_for(second, tmp_path / "second.log")
        code = store.hand_off(home, store.sign_in(home, "planner-2", password))
        status, headers = _http("POST", f"{first}/session/start", form={"code": code})
        assert status == 204
        (cookie,) = [value.split(";")[0] for value in headers.get_all("Set-Cookie") if value.startswith(SESSION_COOKIE)]
        media = "/media/none-such.csv"  # behind the session gate; Streamlit itself answers 404
        assert _http("GET", second + media)[0] == 403  # no cookie, no way through
        assert _http("GET", second + media, cookie)[0] == 404  # the first's cookie is good on the second
        assert _http("GET", first + media, cookie)[0] == 404
        assert _http("POST", f"{second}/session/end", cookie, form={})[0] == 204  # signed out through the second
        assert _http("GET", first + media, cookie)[0] == 403  # ... is signed out on the first
        token = store.cookie_token(home, urllib.parse.unquote(cookie.partition("=")[2]))
        assert token is not None and store.why_refused(home, token) == ("planner-2", "signed_out")
    assert not home.app_state.exists()  # all of it in the database


def test_a_kept_connection_the_server_ended_is_replaced(database_url, tmp_path):
    """The store keeps idle connections for its next call; one the server
    ended meanwhile (a restart, an idle timeout) is not handed out."""
    home = Home(tmp_path / "home")
    token = store.sign_in(home, "p", store.add_user(home, "p", "planner"))
    ended = _query(
        database_url,
        "select pg_terminate_backend(pid) from pg_stat_activity "
        "where datname = current_database() and pid <> pg_backend_pid()",
    )
    assert ended and all(done for (done,) in ended)
    assert store.session_user(home, token) == store.User("p", "planner", None)
