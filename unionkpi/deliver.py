"""Delivery by mail: the monthly brief, in each subscriber's scope and
language, mailed when a newer data month is published (after a build, or
by `unionkpi deliver`). What was last mailed to whom is kept in the trust
store; every mail sent or failed is audited there. docs/mail.md has the
rule."""

import base64
import csv
import fcntl
import logging
import math
import os
import re
import smtplib
import socket
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from kernel import database
from kernel.errors import UnionKpiError
from kernel.home import REFERENCE, Home
from trust import store

LOG = logging.getLogger("unionkpi.deliver")
SMTP_URL = "UNIONKPI_SMTP_URL"
MAIL_FROM = "UNIONKPI_MAIL_FROM"
SMTP_TIMEOUT = "UNIONKPI_SMTP_TIMEOUT"
# Seconds the server may take over any one step (read with the settings);
# a whole send, connection to QUIT, gets DEADLINE_STEPS times that at most.
DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 600.0
DEADLINE_STEPS = 4
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class BriefLike(Protocol):
    """What delivery needs of dashboards.brief.Brief."""

    @property
    def pdf(self) -> bytes: ...
    @property
    def file_name(self) -> str: ...
    @property
    def month(self) -> str: ...
    @property
    def summary(self) -> str: ...


# (home, month, lang, district code or None) -> the brief
BriefMaker = Callable[[Home, str, str, str | None], BriefLike]


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send, from UNIONKPI_SMTP_URL and UNIONKPI_MAIL_FROM."""

    secure: bool  # smtps: TLS from the first byte; smtp: STARTTLS when offered
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    timeout: float = DEFAULT_TIMEOUT  # seconds for any one step

    @property
    def deadline(self) -> float:
        """Seconds one whole send may take, however the server behaves."""
        return DEADLINE_STEPS * self.timeout

    def __repr__(self) -> str:  # never print the user or the password
        user = None if self.user is None else "…"
        return f"SmtpSettings(secure={self.secure}, host={self.host!r}, port={self.port}, user={user})"


class DeliveryBusy(Exception):
    """Another delivery of this home is running (after_publish does not wait)."""


@dataclass
class Report:
    """What a delivery run did: the user names mailed and failed, and the
    month delivered (None when nothing is published)."""

    month: str | None = None
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _usage(zh: str, en: str) -> UnionKpiError:
    return UnionKpiError("mail_not_configured", zh, en)


def smtp_settings(environ: dict[str, str] | None = None) -> SmtpSettings | None:
    """The settings from the environment; None when UNIONKPI_SMTP_URL is
    unset (no mail is sent); UnionKpiError when it or the sender is wrong.
    User and password may be percent-encoded (p%40ss for p@ss); nothing
    may follow the port (no path, query or fragment). No message shows any
    part of the URL: a stray # or / would put a piece of the password there."""
    env = os.environ if environ is None else environ
    url = env.get(SMTP_URL, "").strip()
    if not url:
        return None
    malformed = _usage(
        f"{SMTP_URL} 应形如 smtp://主机:端口 或 smtps://用户:密码@主机:端口，端口后不能再有内容；"
        "用户名和密码中的 @ : / ? # % 须写成百分号编码（如 %23 表示 #）",
        f"{SMTP_URL} must look like smtp://host:port or smtps://user:password@host:port, with nothing "
        "after the port; write @ : / ? # % in the user and password percent-encoded (%23 for #)",
    )
    _, separator, rest = url.partition("://")
    if not separator or any(character in rest for character in "/?#"):
        raise malformed
    try:
        parts, port = urlsplit(url), None
        port = parts.port
        unparsed = False
    except ValueError:
        unparsed = True  # raised outside: its message may hold a piece of the password
    if unparsed or parts.scheme not in DEFAULT_PORTS or not parts.hostname or port == 0:
        raise malformed
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and user is None:
        raise malformed
    sender = env.get(MAIL_FROM, "").strip()
    try:
        sender = store.valid_email(sender) or ""
    except UnionKpiError:
        sender = ""
    if not sender:
        raise _usage(
            f"请设置 {MAIL_FROM} 为发件人邮箱地址（如 kpi@example.org）",
            f"set {MAIL_FROM} to the sender's e-mail address (such as kpi@example.org)",
        )
    return SmtpSettings(
        secure=parts.scheme == "smtps",
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        user=user,
        password=password,
        sender=sender,
        timeout=_timeout(env),
    )


def _timeout(env: Any) -> float:
    raw = env.get(SMTP_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise _usage(
            f"{SMTP_TIMEOUT} 应为不超过 {MAX_TIMEOUT:g} 的正数（秒），如 15：{raw!r}",
            f"{SMTP_TIMEOUT} must be a positive number of seconds up to {MAX_TIMEOUT:g}, such as 15: {raw!r}",
        )
    return value


def published_month(home: Home) -> str | None:
    """The data month (YYYY-MM) of the published warehouse, on either
    engine, or None when nothing is published."""
    from dashboards import queries

    try:
        return queries.meta(home.root).data_date.strftime("%Y-%m")
    except queries.WarehouseUnavailable:
        return None


def after_publish(home: Home) -> None:
    """Deliver what the publish made due. Never raises: a build's exit
    status and its publish do not depend on the mail (a failure is logged
    and audited, and retried at the next build or `unionkpi deliver`)."""
    if not os.environ.get(SMTP_URL, "").strip():
        return
    try:
        report = deliver(home, trigger="build", wait=False)
        if report.failed:
            LOG.warning(
                "简报邮件发送失败，将在下次构建或 unionkpi deliver 时重试 / "
                "mail failed, retried at the next build or `unionkpi deliver`: %s",
                ", ".join(report.failed),
            )
    except DeliveryBusy:
        # A build never waits for a delivery: what is due stays due.
        LOG.warning(
            "另一次简报发送正在进行，本次不发邮件，留待下次构建或 unionkpi deliver / "
            "another delivery is running: what is due is mailed at the next build or `unionkpi deliver`"
        )
    except Exception as error:  # whatever it is, the build stands
        # One line on standard error, no traceback: the dashboards take a
        # traceback in a build's output for a crashed build. The steward
        # finds it in the audit log.
        LOG.warning("简报邮件未发送 / the brief was not mailed: %s", _said(error))
        try:
            # A usage error (a wrong setting) needs no traceback, and its
            # chain might hold a piece of the URL.
            more = {} if isinstance(error, UnionKpiError) else {"traceback": traceback.format_exc()}
            store.log(home, None, "deliver", ok=False, trigger="build", error=_said(error), **more)
        except Exception as unaudited:
            LOG.warning("审计日志写入失败 / could not audit it: %s", _said(unaudited))


def deliver(
    home: Home,
    *,
    month: str | None = None,
    to: str | None = None,
    trigger: str = "deliver",
    make_brief: BriefMaker | None = None,
    wait: bool = True,
) -> Report:
    """Mail the brief. Plain (no month, no user): the published data month
    to every subscriber it was not mailed to yet. With ``month``: that
    month to every subscriber, mailed before or not. With ``to``: that one
    user (a subscriber or not, with an address), even if already mailed.
    The state moves only after a successful send, and never backwards.
    Runs one at a time per home, so a build's delivery and a `deliver`
    started together do not both mail one person; with ``wait`` False,
    DeliveryBusy when another is running."""
    settings = smtp_settings()
    if settings is None:
        raise _usage(
            f"未设置 {SMTP_URL}，无法发送邮件（应形如 smtp://主机:端口）",
            f"{SMTP_URL} is not set, so no mail can be sent (it looks like smtp://host:port)",
        )
    latest = published_month(home)
    if month is not None and not MONTH.fullmatch(month):
        raise UnionKpiError("bad_month", f"月份应形如 2026-10：{month}", f"the month must look like 2026-10: {month}")
    if month is not None and (latest is None or month > latest):
        raise UnionKpiError(
            "no_data_for_month",
            f"已发布的数据仓库没有 {month} 的数据（最新为 {latest or '无'}）",
            f"the published warehouse has no data for {month} (the latest is {latest or 'none'})",
        )
    chosen = month or latest
    report = Report(month=chosen)
    if chosen is None:
        return report
    with _one_at_a_time(home, wait=wait):
        run = _Run(home, settings, make_brief or _write_brief, trigger)
        for user in _recipients(home, chosen, to=to, explicit=month is not None):
            if run.send_one(user, chosen):
                report.sent.append(user.username)
            else:
                report.failed.append(user.username)
    return report


def _recipients(home: Home, month: str, *, to: str | None, explicit: bool) -> list[store.User]:
    if to is not None:
        user = store.get_user(home, to)
        if not user.email:
            raise UnionKpiError(
                "no_email",
                f"用户 {to} 没有邮箱地址：unionkpi users set {to} --email 地址",
                f"user {to} has no e-mail address: unionkpi users set {to} --email ADDRESS",
            )
        return [user]
    subscribers = store.subscribers(home)
    if explicit:
        return subscribers
    done = store.last_delivered(home)
    return [user for user in subscribers if done.get(user.username, "") < month]


class _Run:
    """One delivery run: the briefs made so far (subscribers of one scope
    and language share one) and whether the server was found unreachable
    (then the others fail at once instead of each waiting the timeout)."""

    def __init__(self, home: Home, settings: SmtpSettings, make: BriefMaker, trigger: str) -> None:
        self.home, self.settings, self.make, self.trigger = home, settings, make, trigger
        self.briefs: dict[tuple[str, str | None], BriefLike] = {}
        self.unreachable: str | None = None

    def send_one(self, user: store.User, month: str) -> bool:
        """Make (or reuse) the user's brief and mail it; record and audit
        the outcome. A failure is the user's alone: the others are tried."""
        audited: dict[str, Any] = {"to": user.username, "email": user.email, "month": month, "trigger": self.trigger}
        try:
            if self.unreachable:
                raise ConnectionError(self.unreachable)
            brief = self._brief(month, user.lang, user.district_scope)
            audited["file_name"] = brief.file_name
            message = compose(self.settings.sender, user, brief)
            try:
                send(self.settings, message)
            except _SERVER_DOWN as error:
                if not isinstance(error, _NOT_THE_SERVER):
                    self.unreachable = f"{self.settings.host}:{self.settings.port}: {_said(error)}"
                raise
        except Exception as error:
            LOG.warning("邮件发送失败 / mail failed: %s → %s: %s", month, user.username, _said(error))
            store.log(self.home, None, "deliver", ok=False, **audited, error=_said(error))
            return False
        store.record_delivery(self.home, user.username, brief.month)
        store.log(self.home, None, "deliver", ok=True, **audited)
        return True

    def _brief(self, month: str, lang: str, scope: str | None) -> BriefLike:
        if (lang, scope) not in self.briefs:
            self.briefs[lang, scope] = self.make(self.home, month, lang, scope)
        return self.briefs[lang, scope]


# A send that failed so that the next would fail too (no connection, no
# answer, refused credentials); a refused recipient or message is not that.
_SERVER_DOWN = (OSError, smtplib.SMTPException)
_NOT_THE_SERVER = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def _write_brief(home: Home, month: str, lang: str, district: str | None) -> BriefLike:
    from dashboards.brief import write_brief  # the renderer is pure and shared with the pages

    return write_brief(home, month=month, lang=lang, district=district)


# pg_advisory_lock's key for deliveries on PostgreSQL
DELIVER_LOCK_KEY = database.lock_key("deliver")


@contextmanager
def _one_at_a_time(home: Home, *, wait: bool = True) -> Iterator[None]:
    """One delivery at a time: a lock file in the home, or on PostgreSQL
    (app servers on several machines, whose shared storage may not honour
    file locks) an advisory lock, dropped with its connection."""
    postgres = database.postgres()
    if postgres is not None:
        with postgres.connect(autocommit=True) as con:
            if wait:
                con.execute("select pg_advisory_lock(%s)", [DELIVER_LOCK_KEY])
            elif not con.execute("select pg_try_advisory_lock(%s)", [DELIVER_LOCK_KEY]).fetchone()[0]:
                raise DeliveryBusy
            yield
        return
    home.ensure()
    with (home.root / "deliver.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeliveryBusy from None
        yield


def compose(sender: str, user: store.User, brief: BriefLike) -> EmailMessage:
    """The mail: subject with the brief's title, area and month; the brief's
    headline figures as the UTF-8 text body; the PDF attached under its own
    (Chinese) file name, encoded by RFC 2231 as mail programs read it."""
    lang = "en" if user.lang == "en" else "zh"
    area = district_name(user.district_scope, lang)
    year, number = (int(part) for part in brief.month.split("-"))
    message = EmailMessage()
    message["From"] = sender
    message["To"] = user.email or ""
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if lang == "en":
        period = f"{_MONTHS_EN[number - 1]} {year}"
        message["Subject"] = f"Union KPI monthly brief · {area} · {period}"
        body = (
            f"{brief.summary.strip()}\n\nAttached: {brief.file_name}\n\n"
            f"Sent by unionkpi when the data of {period} was published. "
            "To stop these mails, ask a data steward to unsubscribe you.\n"
        )
    else:
        period = f"{year}年{number}月"
        message["Subject"] = f"{area}工会工作指标月度简报 · {period}"
        body = (
            f"{brief.summary.strip()}\n\n附件：{brief.file_name}\n\n"
            f"本邮件由 unionkpi 在{period}数据发布后自动发送。如需退订，请联系数据管理员。\n"
        )
    message.set_content(body, charset="utf-8")
    message.add_attachment(brief.pdf, maintype="application", subtype="pdf", filename=brief.file_name)
    attachment = next(iter(message.iter_attachments()))
    # The standard name (RFC 2231) is the disposition's filename*; Outlook
    # and Foxmail read the type's name, which they expect as RFC 2047
    # encoded words (what they send themselves). Set raw, so it stays so.
    del attachment["Content-Type"]
    attachment.set_raw("Content-Type", _pdf_type_with_name(brief.file_name))
    return message


def _pdf_type_with_name(file_name: str) -> str:
    """``application/pdf; name="=?utf-8?b?…?="``, folded into encoded
    words of at most 39 bytes each (whole characters), each on its own
    line within 78 columns."""
    words, chunk = [], ""
    for character in file_name:
        if len((chunk + character).encode()) > 39:
            words.append(chunk)
            chunk = ""
        chunk += character
    words.append(chunk)
    encoded = [f"=?utf-8?b?{base64.b64encode(word.encode()).decode()}?=" for word in words if word]
    return 'application/pdf;\n name="' + "\n ".join(encoded) + '"'


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")  # fmt: skip


def district_name(code: str | None, lang: str) -> str:
    """The district's name from the reference data; the city for None."""
    if code is None:
        return "Citywide" if lang == "en" else "全市"
    with (REFERENCE / "districts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["district_code"] == code:
                return row["district_name_en" if lang == "en" else "district_name_zh"]
    return code


class NoStartTls(smtplib.SMTPException):
    """Credentials over smtp:// and a server that offers no STARTTLS."""


class _Talk:
    """One SMTP conversation, run by a worker thread: its connection (so
    that it can be cut), whether the server accepted the message, and how
    it ended."""

    def __init__(self) -> None:
        self.connection: smtplib.SMTP | None = None
        self.accepted = False
        self.error: BaseException | None = None
        self.settled = threading.Event()  # accepted, or ended

    def cut(self) -> None:
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """One message over one connection, each step bounded by the timeout
    and the whole by the deadline (a server that trickles its answers, a
    tarpit, never times a read out): past it, the connection is cut and the
    send failed. Once the server accepted the message, it is delivered,
    whatever it answers to QUIT. Over smtp:// the connection is upgraded
    with STARTTLS when the server offers it; a user and password are never
    sent without it (NoStartTls)."""
    talk = _Talk()
    worker = threading.Thread(target=_converse, args=(settings, message, talk), name="unionkpi-smtp", daemon=True)
    started = time.monotonic()
    worker.start()
    in_time = talk.settled.wait(settings.deadline)
    if not in_time:
        talk.cut()
        talk.settled.wait(1.0)  # a message accepted just now still counts
    if talk.accepted:
        worker.join(max(0.0, settings.deadline - (time.monotonic() - started)))  # its QUIT
        talk.cut()
        return
    if not in_time:
        raise TimeoutError(
            f"服务器未在 {settings.deadline:g} 秒内完成发送 / "
            f"the server did not finish the send within {settings.deadline:g} s"
        )
    assert talk.error is not None
    raise talk.error


def _converse(settings: SmtpSettings, message: EmailMessage, talk: _Talk) -> None:
    try:
        _conduct(settings, message, talk)
    except BaseException as error:  # handed to send, in the caller's thread
        talk.error = error
    finally:
        talk.settled.set()


def _conduct(settings: SmtpSettings, message: EmailMessage, talk: _Talk) -> None:
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if settings.secure:
        connection = smtplib.SMTP_SSL(timeout=settings.timeout, context=context)
    else:
        connection = smtplib.SMTP(timeout=settings.timeout)
    connection._host = settings.host  # type: ignore[attr-defined]  # what STARTTLS checks the certificate against
    talk.connection = connection
    try:
        code, reply = connection.connect(settings.host, settings.port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, reply)
        connection.ehlo()
        if not settings.secure:
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
            elif settings.user is not None:
                raise NoStartTls(
                    "服务器未提供 STARTTLS，用户名和密码不在明文连接上发送（请用 smtps:// 或支持 STARTTLS 的服务器）/ "
                    "the server offers no STARTTLS: the user name and password are not sent over a plain "
                    "connection (use smtps:// or a server with STARTTLS)"
                )
        if settings.user is not None:
            connection.login(settings.user, settings.password or "")
        connection.send_message(message)
        talk.accepted = True
        talk.settled.set()
    finally:
        try:
            connection.quit()
        except Exception:  # accepted is delivered: QUIT's answer changes nothing
            with suppress(Exception):
                connection.close()


def _said(error: BaseException) -> str:
    """An error as one line for the log and the audit (bilingual when ours)."""
    if isinstance(error, UnionKpiError):
        return f"{error.zh} / {error.en}"
    if isinstance(error, NoStartTls | TimeoutError):
        return str(error)
    return f"{type(error).__name__}: {error}"
