"""Delivery by mail against a real SMTP server on loopback (aiosmtpd; a
scripted raw-socket server for the misbehaving ones): after a build publishes, each subscriber gets one
mail with the brief of their scope and language; a later build does not
send the same month again; a server that is down fails no build, is
audited, and `unionkpi deliver` sends what is due afterwards. The delivery
rule, the SMTP settings, the message's headers and the users' store
(migration, addresses, subscriptions) are tested without a build."""

from __future__ import annotations

import contextlib
import email
import email.header
import email.policy
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from kernel.errors import UnionKpiError
from kernel.home import Home
from tests.conftest import run_cli
from trust import store
from unionkpi import deliver

SMTP_USER, SMTP_PASSWORD = "kpi@union", "p@ss:w/rd"
SENDER = "kpi-brief@example.org"
# pdftotext's characters of the Kangxi radicals and CJK radicals supplement
# blocks stand for a broken text layer (工 read as ⼯).
RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
# Parts of a user and a password that no message, stderr or audit entry may show.
SECRET_USER, SECRET_PASSWORD = "mailuser7", "Qz7#Wk9/x?y"
SECRET_PARTS = ("mailuser7", "Qz7", "Wk9")


class _Collect:
    """An SMTP handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # the name aiosmtpd calls
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    handler: _Collect
    port: int

    @property
    def url(self) -> str:
        # no credentials: they are never sent over plain SMTP (see
        # test_credentials_are_never_sent_without_tls)
        return f"smtp://127.0.0.1:{self.port}"

    def by_recipient(self) -> dict[str, list[EmailMessage]]:
        mails: dict[str, list[EmailMessage]] = {}
        for recipients, message in self.handler.messages:
            for recipient in recipients:
                mails.setdefault(recipient, []).append(message)
        return mails


def _start_server(port: int | None = None) -> tuple[Controller, Server]:
    handler = _Collect()
    port = port or _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, Server(handler, port)


@pytest.fixture
def smtp_server():
    controller, server = _start_server()
    try:
        yield server
    finally:
        controller.stop()


def _mail_env(mp: pytest.MonkeyPatch, url: str) -> None:
    mp.setenv("UNIONKPI_SMTP_URL", url)
    mp.setenv("UNIONKPI_MAIL_FROM", SENDER)
    mp.setenv("UNIONKPI_SMTP_TIMEOUT", "5")


def _pdf_text(pdf: bytes, folder: Path, name: str) -> str:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def _attachment(message: EmailMessage) -> tuple[str, bytes]:
    (part,) = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return part.get_filename() or "", payload


def _body(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    return body.get_content()


def _figures(body: str) -> list[str]:
    """The headline figures of a mail body's summary lines (one per metric,
    year to date): each number with its unit as written (1,234件, 51.8亿元,
    45.6%, 2.79 m)."""
    lines = [line for line in body.splitlines() if "累计 " in line or " year to date" in line]
    return [
        figure
        for line in lines
        for figure in re.findall(r"\d[\d,.]*(?:%|件|人|家|万元|亿元|元| [km]\b)?", line.partition("：")[2] or line)
    ]


# --- a build that publishes, with a real server -----------------------------


@pytest.fixture(scope="module")
def delivered(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two builds of one copy of the demo home. The first, with three
    subscribers (the city in Chinese, a district, the city in English) and
    one user with an address who is not subscribed, and the server up. The
    second, with a fourth subscriber added and the server down. Then
    `unionkpi deliver` with the server up again, twice."""
    home = tmp_path_factory.mktemp("mail") / "home"
    shutil.copytree(demo_home, home)
    run_cli(home, "users", "add", "leader_zh", "--role", "leader", "--email", "leader.zh@example.org")
    run_cli(home, "users", "add", "minhang_u", "--role", "district", "--district", "闵行", "--email", "mh@example.org")
    run_cli(home, "users", "add", "leader_en", "--role", "leader", "--email", "leader.en@example.org", "--lang", "en")
    run_cli(home, "users", "add", "quiet", "--role", "planner", "--email", "quiet@example.org")
    for name in ("leader_zh", "minhang_u", "leader_en"):
        run_cli(home, "users", "subscribe", name)
    outcome: dict = {"home": home}
    controller, server = _start_server()
    with pytest.MonkeyPatch.context() as mp:
        _mail_env(mp, server.url)
        outcome["build1"] = run_cli(home, "build", check=False)
        outcome["mails1"] = server.by_recipient()
        controller.stop()
        # the server is down: the same port, nothing listening
        run_cli(home, "users", "add", "late", "--role", "leader", "--email", "late@example.org")
        run_cli(home, "users", "subscribe", "late")
        published_before = (home / "publish_log.jsonl").read_text().count("\n")
        outcome["build2"] = run_cli(home, "build", check=False)
        outcome["published2"] = (home / "publish_log.jsonl").read_text().count("\n") > published_before
        outcome["audit2"] = store.read_deliveries(Home(home))
        controller, server = _start_server(server.port)
        try:
            outcome["deliver1"] = run_cli(home, "deliver", check=False)
            outcome["mails3"] = server.by_recipient()
            outcome["deliver2"] = run_cli(home, "deliver", check=False)
            outcome["mails4"] = server.by_recipient()
        finally:
            controller.stop()
    return outcome


def test_after_a_build_each_subscriber_gets_one_mail_addressed_right(delivered):
    assert delivered["build1"].returncode == 0, delivered["build1"].stderr[-2000:]
    mails = delivered["mails1"]
    assert sorted(mails) == ["leader.en@example.org", "leader.zh@example.org", "mh@example.org"]
    for address, received in mails.items():
        assert len(received) == 1, address
        (message,) = received
        assert message["To"] == address and message["From"] == SENDER
    month = deliver.published_month(Home(delivered["home"]))
    assert month is not None
    year, number = month.split("-")
    assert mails["leader.zh@example.org"][0]["Subject"] == f"全市工会工作指标月度简报 · {year}年{int(number)}月"
    assert mails["mh@example.org"][0]["Subject"] == f"闵行区工会工作指标月度简报 · {year}年{int(number)}月"
    subject_en = mails["leader.en@example.org"][0]["Subject"]
    assert subject_en.startswith("Union KPI monthly brief · Citywide · ") and subject_en.endswith(year)


def test_the_attachment_is_the_brief_of_the_users_scope_and_language(delivered, tmp_path):
    mails = delivered["mails1"]
    texts = {}
    for address, (message,) in mails.items():
        file_name, pdf = _attachment(message)
        assert pdf.startswith(b"%PDF") and file_name.endswith(".pdf")
        text = _pdf_text(pdf, tmp_path, address)
        assert not RADICALS.search(text), address
        flat = re.sub(r"\s+", "", text)
        body = _body(message)
        figures = _figures(body)
        assert len(figures) >= 6, body  # at least one a metric
        for figure in figures:  # the body's headline figures, as the PDF shows them
            assert re.sub(r"\s+", "", figure) in flat, (address, figure)
        texts[address] = text
    assert "闵行" in mails["mh@example.org"][0]["Subject"]
    assert "闵行区" in texts["mh@example.org"]
    assert "闵行" in _attachment(mails["mh@example.org"][0])[0]
    assert "闵行区" not in re.sub(r"\s+", "", texts["leader.zh@example.org"])[:300]  # the city's title page
    assert "Union" in texts["leader.en@example.org"] and not re.search("[\u4e00-\u9fff]{4}", _body_of(mails))
    assert re.search("[\u4e00-\u9fff]", texts["leader.zh@example.org"])


def _body_of(mails: dict[str, list[EmailMessage]]) -> str:
    return _body(mails["leader.en@example.org"][0])


def test_a_build_with_the_server_down_publishes_and_audits_only_what_is_due(delivered):
    assert delivered["build2"].returncode == 0, delivered["build2"].stderr[-2000:]
    assert delivered["published2"]
    from_build2 = [e for e in delivered["audit2"] if e.get("trigger") == "build" and not e["ok"]]
    # only the new subscriber was due: the month was mailed to the others
    assert [e["to"] for e in from_build2] == ["late"]
    assert from_build2[0]["error"] and from_build2[0]["email"] == "late@example.org"
    sent = [e["to"] for e in delivered["audit2"] if e["ok"]]
    assert sorted(sent) == ["leader_en", "leader_zh", "minhang_u"]


def test_deliver_sends_what_failed_and_then_nothing(delivered):
    assert delivered["deliver1"].returncode == 0, delivered["deliver1"].stderr
    assert list(delivered["mails3"]) == ["late@example.org"]
    assert len(delivered["mails3"]["late@example.org"]) == 1
    assert delivered["deliver2"].returncode == 0
    assert delivered["mails4"] == delivered["mails3"]  # nothing more
    audit = store.read_deliveries(Home(delivered["home"]))
    assert audit[0]["ok"] and audit[0]["to"] == "late" and audit[0]["trigger"] == "deliver"


# --- the delivery rule, without a build --------------------------------------


@dataclass(frozen=True)
class _FakeBrief:
    pdf: bytes
    file_name: str
    month: str
    summary: str


def _fake_brief(home: Home, month: str, lang: str, district: str | None) -> _FakeBrief:
    scope = district or ("city" if lang == "en" else "全市")
    return _FakeBrief(b"%PDF-1.7 fake", f"月度简报_{month}_{scope}.pdf", month, f"{scope} {lang} 1,234件")


def _small_home(tmp_path: Path, data_date: str = "2026-10-31") -> Home:
    """A home with a stand-in published warehouse: only its data date."""
    home = Home(tmp_path / "home").ensure()
    _publish_date(home, data_date)
    store.add_user(home, "a", "leader", email="a@example.org")
    store.add_user(home, "b", "district", "浦东", email="b@example.org", lang="en")
    store.add_user(home, "c", "planner", email="c@example.org")
    store.subscribe(home, "a")
    store.subscribe(home, "b")
    return home


def _publish_date(home: Home, data_date: str) -> None:
    home.warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            f"create table marts.warehouse_meta as select date '{data_date}' as data_date, "
            "cast(null as timestamp) as built_at"
        )


def test_the_delivery_rule(tmp_path, smtp_server, monkeypatch):
    home = _small_home(tmp_path)
    _mail_env(monkeypatch, smtp_server.url)

    def run(**options) -> deliver.Report:
        return deliver.deliver(home, make_brief=_fake_brief, **options)

    first = run()
    assert (first.month, sorted(first.sent), first.failed) == ("2026-10", ["a", "b"], [])
    assert run().sent == []  # nothing due
    assert sorted(run(month="2026-10").sent) == ["a", "b"]  # an explicit month: sent again
    assert run(to="c").sent == ["c"]  # one user, subscribed or not
    assert run(to="a").sent == ["a"]  # even if already sent
    assert sorted(run(month="2026-09").sent) == ["a", "b"]  # an older month
    assert store.last_delivered(home) == {"a": "2026-10", "b": "2026-10", "c": "2026-10"}  # never backwards
    _publish_date(home, "2026-11-30")
    assert sorted(run().sent) == ["a", "b"]  # a newer month is due
    mails = smtp_server.by_recipient()
    assert len(mails["a@example.org"]) == 5 and len(mails["c@example.org"]) == 1
    with pytest.raises(UnionKpiError) as later:
        run(month="2026-12")
    assert later.value.code == "no_data_for_month"
    with pytest.raises(UnionKpiError):
        run(month="2026-13")
    with pytest.raises(UnionKpiError) as unknown:
        run(to="nobody")
    assert unknown.value.code == "no_such_user"


def test_two_deliveries_at_once_send_each_mail_once(tmp_path, smtp_server, monkeypatch):
    home = _small_home(tmp_path)
    _mail_env(monkeypatch, smtp_server.url)
    reports: list[deliver.Report] = []
    runs = [threading.Thread(target=lambda: reports.append(deliver.deliver(home, make_brief=_fake_brief)))]
    runs.append(threading.Thread(target=lambda: reports.append(deliver.deliver(home, make_brief=_fake_brief))))
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert sorted(name for report in reports for name in report.sent) == ["a", "b"]
    assert {address: len(m) for address, m in smtp_server.by_recipient().items()} == {
        "a@example.org": 1,
        "b@example.org": 1,
    }


def test_a_failed_send_is_audited_and_retried(tmp_path, monkeypatch):
    home = _small_home(tmp_path)
    port = _free_port()  # nothing listens there
    _mail_env(monkeypatch, f"smtp://127.0.0.1:{port}")
    report = deliver.deliver(home, make_brief=_fake_brief)
    assert sorted(report.failed) == ["a", "b"] and report.sent == []
    failures = store.read_deliveries(home)
    assert [e["ok"] for e in failures] == [False, False] and all(e["error"] for e in failures)
    assert store.last_delivered(home) == {}
    controller = Controller(_Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("UNIONKPI_SMTP_URL", f"smtp://127.0.0.1:{port}")
        assert sorted(deliver.deliver(home, make_brief=_fake_brief).sent) == ["a", "b"]
    finally:
        controller.stop()


def test_after_publish_never_raises_and_does_nothing_without_a_url(tmp_path, monkeypatch):
    home = _small_home(tmp_path)
    monkeypatch.delenv("UNIONKPI_SMTP_URL", raising=False)
    deliver.after_publish(home)
    assert store.read_deliveries(home) == []
    monkeypatch.setenv("UNIONKPI_SMTP_URL", "http://nonsense")
    deliver.after_publish(home)  # a wrong setting: audited, not raised
    (entry,) = store.read_deliveries(home)
    assert not entry["ok"] and "UNIONKPI_SMTP_URL" in entry["error"]


def test_the_message_names_its_chinese_attachment_for_every_client():
    user = store.User("m", "district", "310112", "m@example.org", "zh", True)
    brief = _FakeBrief(b"%PDF-1.7", "工会工作指标月度简报_2026年10月_闵行区.pdf", "2026-10", "法律援助 12件")
    raw = deliver.compose(SENDER, user, brief).as_bytes(policy=email.policy.SMTP)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    head = raw.decode("ascii")  # every header is ASCII
    assert "filename*0*=utf-8''%E5%B7%A5" in head  # RFC 2231 in the disposition
    assert 'name="=?utf-8?b?' in head  # RFC 2047 in the type's name (Outlook, Foxmail)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    (part,) = list(parsed.iter_attachments())
    assert part.get_filename() == brief.file_name
    assert str(email.header.make_header(email.header.decode_header(part.get_param("name")))) == brief.file_name
    assert parsed["Subject"] == "闵行区工会工作指标月度简报 · 2026年10月"
    assert "法律援助 12件" in _body(parsed)


# --- settings and the command line -------------------------------------------


def test_smtp_settings_from_the_url():
    env = {"UNIONKPI_SMTP_URL": "smtps://kpi%40union:p%40ss%3Aw%2Frd@mail.example.org", "UNIONKPI_MAIL_FROM": SENDER}
    settings = deliver.smtp_settings(env)
    assert settings is not None
    assert (settings.secure, settings.host, settings.port) == (True, "mail.example.org", 465)
    assert (settings.user, settings.password, settings.sender) == (SMTP_USER, SMTP_PASSWORD, SENDER)
    assert SMTP_PASSWORD not in repr(settings) and "p%40ss" not in repr(settings)
    plain = deliver.smtp_settings({"UNIONKPI_SMTP_URL": "smtp://relay:2525", "UNIONKPI_MAIL_FROM": SENDER})
    assert plain is not None and (plain.secure, plain.port, plain.user, plain.password) == (False, 2525, None, None)
    assert deliver.smtp_settings({}) is None
    for wrong in (
        {"UNIONKPI_SMTP_URL": "http://relay", "UNIONKPI_MAIL_FROM": SENDER},
        {"UNIONKPI_SMTP_URL": "smtp://relay:notaport", "UNIONKPI_MAIL_FROM": SENDER},
        {"UNIONKPI_SMTP_URL": "smtp://relay"},
        {"UNIONKPI_SMTP_URL": "smtp://relay", "UNIONKPI_MAIL_FROM": "not an address"},
    ):
        with pytest.raises(UnionKpiError):
            deliver.smtp_settings(wrong)


def test_deliver_without_an_smtp_url_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("UNIONKPI_SMTP_URL", raising=False)
    done = run_cli(tmp_path / "home", "deliver", check=False)
    assert done.returncode == 2
    assert "UNIONKPI_SMTP_URL" in done.stderr and "未设置" in done.stderr and "not set" in done.stderr


def test_subscribing_needs_an_address(tmp_path):
    home = tmp_path / "home"
    run_cli(home, "users", "add", "p", "--role", "planner")
    done = run_cli(home, "users", "subscribe", "p", check=False)
    assert done.returncode == 2
    assert "没有邮箱地址" in done.stderr and "no e-mail address" in done.stderr
    bad = run_cli(home, "users", "add", "q", "--role", "planner", "--email", "q@", check=False)
    assert bad.returncode == 2 and "not a valid e-mail address" in bad.stderr
    assert run_cli(home, "users", "add", "r", "--role", "planner", "--lang", "fr", check=False).returncode == 2
    run_cli(home, "users", "set", "p", "--email", "p@example.org", "--lang", "en")
    run_cli(home, "users", "subscribe", "p")
    listed = run_cli(home, "users", "list").stdout
    assert "p\tplanner\t\tp@example.org\ten\tsubscribed" in listed
    run_cli(home, "users", "unsubscribe", "p")
    assert "subscribed" not in run_cli(home, "users", "list").stdout


# --- the users' store ----------------------------------------------------------

_OLD_USERS = """
create table users (
    username text primary key, password_hash text not null, role text not null,
    district_code text, failed_attempts integer not null default 0,
    locked_until text, created_at text not null);
insert into users (username, password_hash, role, district_code, created_at)
    values ('old', 'x', 'district', '310112', '2026-01-01T00:00:00');
"""


def test_a_store_of_an_earlier_version_gains_the_new_columns(tmp_path):
    home = Home(tmp_path / "home").ensure()
    with sqlite3.connect(home.app_state) as con:
        con.executescript(_OLD_USERS)
    # several processes' first opens at once: each column is added once
    threads = [threading.Thread(target=store.list_users, args=(home,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (old,) = store.list_users(home)
    assert old == store.User("old", "district", "310112", None, "zh", False)
    with sqlite3.connect(home.app_state) as con:
        columns = [row[1] for row in con.execute("pragma table_info(users)")]
    assert columns[-3:] == ["email", "lang", "is_subscribed"]
    store.set_contact(home, "old", email="old@example.org")
    store.subscribe(home, "old")
    assert [u.username for u in store.subscribers(home)] == ["old"]
    store.set_contact(home, "old", email="")  # no address, no subscription
    assert store.subscribers(home) == []


def test_the_home_stays_private_with_mail_state(tmp_path, smtp_server, monkeypatch):
    home = _small_home(tmp_path)
    _mail_env(monkeypatch, smtp_server.url)
    deliver.deliver(home, make_brief=_fake_brief)
    lock = home.root / "deliver.lock"
    assert lock.exists() and (os.stat(lock).st_mode & 0o077) == 0


def test_stewards_see_the_mails_on_the_data_page(delivered, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.dashboards.conftest import ensure_user, signed_in

    home = delivered["home"]
    credentials = ensure_user(home, "steward-mail", "steward", "steward-mail-1")
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app_file = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
    app = signed_in(AppTest.from_file(str(app_file), default_timeout=90), home, credentials).run()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "简报邮件（最近的发送与失败）" in [h.value for h in app.subheader]
    mails = next(f.value for f in app.dataframe if "收件人" in f.value.columns)
    assert "late late@example.org" in set(mails["收件人"]) and "mh@example.org" in " ".join(mails["收件人"])
    assert any(result.startswith("✗") for result in mails["结果"])
    assert any(result.startswith("✓") for result in mails["结果"])


# --- misbehaving servers (a scripted raw-socket server on loopback) ------------


class _Scripted:
    """A tiny SMTP server on loopback, one connection at a time, that
    records every command line it is sent. ``tarpit``: it never finishes
    its greeting (a ``220-please wait`` line every half second, so no read
    times out). ``extensions``: what EHLO offers. ``quit_reply``: its
    answer to QUIT."""

    def __init__(self, *, tarpit: bool = False, extensions=("AUTH PLAIN LOGIN",), quit_reply="221 bye") -> None:
        self.tarpit, self.extensions, self.quit_reply = tarpit, extensions, quit_reply
        self.commands: list[str] = []
        self.messages: list[bytes] = []
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(10)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        if self.tarpit:
            while not self.stopped.is_set():
                conn.sendall(b"220-please wait\r\n")
                time.sleep(0.5)
            return
        conn.settimeout(30)
        reader = conn.makefile("rb")
        conn.sendall(b"220 scripted ESMTP\r\n")
        while not self.stopped.is_set():
            line = reader.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            self.commands.append(command)
            verb = command.split(" ")[0].upper()
            if verb == "EHLO":
                offered = ["scripted", *self.extensions]
                conn.sendall(
                    "".join(f"250{'-' if i < len(offered) - 1 else ' '}{x}\r\n" for i, x in enumerate(offered)).encode()
                )
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP", "HELO"):
                conn.sendall(b"250 OK\r\n")
            elif verb == "DATA":
                conn.sendall(b"354 go on\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = reader.readline()
                    if not chunk:
                        return
                    data += chunk
                self.messages.append(data)
                conn.sendall(b"250 accepted\r\n")
            elif verb == "QUIT":
                conn.sendall(f"{self.quit_reply}\r\n".encode())
                return
            else:
                conn.sendall(b"502 not here\r\n")


@pytest.fixture
def scripted():
    servers: list[_Scripted] = []

    def start(**options) -> _Scripted:
        servers.append(_Scripted(**options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_a_tarpit_server_costs_a_build_a_bounded_time(tmp_path, monkeypatch, scripted):
    home = _small_home(tmp_path)
    tarpit = scripted(tarpit=True)
    _mail_env(monkeypatch, f"smtp://127.0.0.1:{tarpit.port}")
    monkeypatch.setenv("UNIONKPI_SMTP_TIMEOUT", "1")
    started = time.monotonic()
    report = deliver.deliver(home, make_brief=_fake_brief)
    assert time.monotonic() - started < 60
    assert sorted(report.failed) == ["a", "b"] and report.sent == []
    failures = store.read_deliveries(home)
    assert [e["ok"] for e in failures] == [False, False] and all(e["error"] for e in failures)
    assert store.last_delivered(home) == {}
    started = time.monotonic()
    deliver.after_publish(home)  # a build's delivery: bounded too, never raises
    assert time.monotonic() - started < 60
    assert [e["ok"] for e in store.read_deliveries(home)] == [False] * 4
    assert store.last_delivered(home) == {}


def test_a_build_does_not_wait_for_a_delivery_that_is_running(tmp_path, monkeypatch, smtp_server, caplog):
    import fcntl

    home = _small_home(tmp_path)
    _mail_env(monkeypatch, smtp_server.url)
    with (home.root / "deliver.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a `unionkpi deliver` stuck somewhere
        started = time.monotonic()
        deliver.after_publish(home)
        assert time.monotonic() - started < 10
    assert smtp_server.handler.messages == [] and store.last_delivered(home) == {}
    (said,) = [r for r in caplog.records if r.name == "unionkpi.deliver"]
    assert "next" in said.getMessage() and said.exc_info is None and "\n" not in said.getMessage()
    monkeypatch.setattr(deliver, "_write_brief", _fake_brief)
    deliver.after_publish(home)  # the next run sends what is due
    assert sorted(store.last_delivered(home)) == ["a", "b"]


def test_the_smtp_timeout_is_read_with_the_settings():
    done = subprocess.run(
        [sys.executable, "-c", "import unionkpi.deliver, unionkpi.publish"],
        env={**os.environ, "UNIONKPI_SMTP_TIMEOUT": "15s"},
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr  # importing (every build) does not read it
    env = {"UNIONKPI_SMTP_URL": "smtp://relay:2525", "UNIONKPI_MAIL_FROM": SENDER}
    settings = deliver.smtp_settings(env)
    assert settings is not None and settings.timeout == 15
    settings = deliver.smtp_settings({**env, "UNIONKPI_SMTP_TIMEOUT": " 2.5 "})
    assert settings is not None and settings.timeout == 2.5
    for wrong in ("15s", "0", "-3", "nan", "inf", "1e9", "abc"):
        with pytest.raises(UnionKpiError) as raised:
            deliver.smtp_settings({**env, "UNIONKPI_SMTP_TIMEOUT": wrong})
        assert raised.value.code == "mail_not_configured" and "UNIONKPI_SMTP_TIMEOUT" in raised.value.en


def test_a_wrong_smtp_timeout_is_a_usage_error_for_deliver_and_a_warning_after_a_build(tmp_path, monkeypatch):
    home = _small_home(tmp_path)
    _mail_env(monkeypatch, "smtp://127.0.0.1:25")
    monkeypatch.setenv("UNIONKPI_SMTP_TIMEOUT", "15s")
    done = run_cli(home.root, "deliver", check=False)
    assert done.returncode == 2, done.stderr
    assert "UNIONKPI_SMTP_TIMEOUT" in done.stderr and "正数" in done.stderr and "positive" in done.stderr
    assert "Traceback" not in done.stderr
    deliver.after_publish(home)  # never raises
    (entry,) = store.read_deliveries(home)
    assert not entry["ok"] and "UNIONKPI_SMTP_TIMEOUT" in entry["error"]


def test_a_mail_the_server_accepted_is_delivered_whatever_it_answers_to_quit(tmp_path, monkeypatch, scripted):
    home = _small_home(tmp_path)
    server = scripted(extensions=(), quit_reply="500 what quit")
    _mail_env(monkeypatch, f"smtp://127.0.0.1:{server.port}")
    report = deliver.deliver(home, make_brief=_fake_brief)
    assert (sorted(report.sent), report.failed) == (["a", "b"], [])
    assert store.last_delivered(home) == {"a": "2026-10", "b": "2026-10"}
    assert deliver.deliver(home, make_brief=_fake_brief).sent == []  # not mailed again
    assert len(server.messages) == 2


def test_credentials_are_never_sent_without_tls(tmp_path, monkeypatch, scripted):
    home = _small_home(tmp_path)
    server = scripted(extensions=("AUTH PLAIN LOGIN",))  # AUTH, but no STARTTLS
    user, password = SECRET_USER, "Qz7%23Wk9%2Fx%3Fy"
    _mail_env(monkeypatch, f"smtp://{user}:{password}@127.0.0.1:{server.port}")
    report = deliver.deliver(home, make_brief=_fake_brief)
    assert sorted(report.failed) == ["a", "b"] and report.sent == []
    assert [c.split(" ")[0].upper() for c in server.commands] == ["EHLO", "QUIT"]  # no AUTH, no MAIL
    assert server.messages == [] and store.last_delivered(home) == {}
    failures = store.read_deliveries(home)
    assert [e["ok"] for e in failures] == [False, False]
    assert all("STARTTLS" in e["error"] for e in failures)
    audit = repr(store.read_audit(home))
    assert not any(part in audit for part in SECRET_PARTS)


def test_a_login_parses_from_the_url_and_is_sent_over_tls_only():
    env = {"UNIONKPI_SMTP_URL": "smtp://kpi%40union:p%40ss%3Aw%2Frd@relay:587", "UNIONKPI_MAIL_FROM": SENDER}
    settings = deliver.smtp_settings(env)
    assert settings is not None and not settings.secure
    assert (settings.host, settings.port, settings.user, settings.password) == ("relay", 587, SMTP_USER, SMTP_PASSWORD)


MALFORMED = (
    "smtps://mailuser7:Qz7#Wk9@mail.example.org:465",  # an unencoded # in the password
    "smtps://mailuser7:Qz7/Wk9@mail.example.org:465",  # an unencoded /
    "smtps://mailuser7:Qz7?Wk9@mail.example.org:465",  # an unencoded ?
    "smtp://mailuser7:Qz7Wk9@mail.example.org:465/inbox",
    "smtp://mailuser7:Qz7Wk9@mail.example.org?tls=1",
    "smtp://mailuser7:Qz7Wk9@mail.example.org#x",
    "smtp://mailuser7:Qz7Wk9@mail.example.org:Wk9",
    "smtp://mailuser7:Qz7Wk9@mail.example.org:99999",
    "smtp://:Qz7Wk9@mail.example.org",  # a password without a user
)


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_a_usage_error_that_shows_no_credentials(url):
    with pytest.raises(UnionKpiError) as raised:
        deliver.smtp_settings({"UNIONKPI_SMTP_URL": url, "UNIONKPI_MAIL_FROM": SENDER})
    error = raised.value
    assert error.code == "mail_not_configured"
    said = f"{error} {error.zh} {error.en} {error.__cause__!r} {error.__context__!r}"
    assert not any(part in said for part in SECRET_PARTS), said


def test_a_malformed_url_shows_no_credentials_on_stderr_nor_in_the_audit(tmp_path, monkeypatch):
    home = _small_home(tmp_path)
    _mail_env(monkeypatch, MALFORMED[0])
    done = run_cli(home.root, "deliver", check=False)
    assert done.returncode == 2
    assert "UNIONKPI_SMTP_URL" in done.stderr
    assert not any(part in done.stderr + done.stdout for part in SECRET_PARTS), done.stderr
    deliver.after_publish(home)
    entries = store.read_audit(home)
    assert entries and not any(part in repr(entries) for part in SECRET_PARTS), entries
