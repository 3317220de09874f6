"""Delivery by mail: the monthly brief, in each subscriber's scope and
language, mailed when a newer data month is published (after a build, or
by `unionkpi deliver`). What was last mailed to whom is kept in the trust
store; every mail sent or failed is audited there. docs/mail.md has the
rule."""

import base64
import csv
import fcntl
import logging
import os
import re
import smtplib
import ssl
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import duckdb

from kernel.errors import UnionKpiError
from kernel.home import REFERENCE, Home
from trust import store

LOG = logging.getLogger("unionkpi.deliver")
SMTP_URL = "UNIONKPI_SMTP_URL"
MAIL_FROM = "UNIONKPI_MAIL_FROM"
# Seconds one connection and each of its commands may take: a server that
# does not answer costs a build this much, once (see _Run).
TIMEOUT_SECONDS = float(os.environ.get("UNIONKPI_SMTP_TIMEOUT", "15"))
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

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings(secure={self.secure}, host={self.host!r}, port={self.port}, user={self.user!r})"


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
    User and password may be percent-encoded (p%40ss for p@ss)."""
    env = os.environ if environ is None else environ
    url = env.get(SMTP_URL, "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise _usage(
            f"{SMTP_URL} 应形如 smtp://主机:端口 或 smtps://用户:密码@主机:端口",
            f"{SMTP_URL} must look like smtp://host:port or smtps://user:password@host:port",
        )
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
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        sender=sender,
    )


def published_month(home: Home) -> str | None:
    """The data month (YYYY-MM) of the published warehouse, or None."""
    if not home.warehouse.exists():
        return None
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        row = con.execute("select max(data_date) from marts.warehouse_meta").fetchone()
    return None if row is None or row[0] is None else row[0].strftime("%Y-%m")


def after_publish(home: Home) -> None:
    """Deliver what the publish made due. Never raises: a build's exit
    status and its publish do not depend on the mail (a failure is logged
    and audited, and retried at the next build or `unionkpi deliver`)."""
    if not os.environ.get(SMTP_URL, "").strip():
        return
    try:
        report = deliver(home, trigger="build")
        if report.failed:
            LOG.warning(
                "简报邮件发送失败，将在下次构建或 unionkpi deliver 时重试 / "
                "mail failed, retried at the next build or `unionkpi deliver`: %s",
                ", ".join(report.failed),
            )
    except Exception as error:  # whatever it is, the build stands
        # One line on standard error, no traceback: the dashboards take a
        # traceback in a build's output for a crashed build. The steward
        # finds it in the audit log.
        LOG.warning("简报邮件未发送 / the brief was not mailed: %s", _said(error))
        try:
            store.log(
                home, None, "deliver", ok=False, trigger="build", error=_said(error), traceback=traceback.format_exc()
            )
        except Exception as unaudited:
            LOG.warning("审计日志写入失败 / could not audit it: %s", _said(unaudited))


def deliver(
    home: Home,
    *,
    month: str | None = None,
    to: str | None = None,
    trigger: str = "deliver",
    make_brief: BriefMaker | None = None,
) -> Report:
    """Mail the brief. Plain (no month, no user): the published data month
    to every subscriber it was not mailed to yet. With ``month``: that
    month to every subscriber, mailed before or not. With ``to``: that one
    user (a subscriber or not, with an address), even if already mailed.
    The state moves only after a successful send, and never backwards.
    Runs one at a time per home, so a build's delivery and a `deliver`
    started together do not both mail one person."""
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
    with _one_at_a_time(home):
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


@contextmanager
def _one_at_a_time(home: Home) -> Iterator[None]:
    home.ensure()
    with (home.root / "deliver.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
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


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """One message over one connection, each step bounded by the timeout.
    Over smtp:// the connection is upgraded with STARTTLS when the server
    offers it, so a password does not travel in clear where it need not."""
    context = ssl.create_default_context()
    connection: smtplib.SMTP
    if settings.secure:
        connection = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with connection:
        connection.ehlo()
        if not settings.secure and connection.has_extn("starttls"):
            connection.starttls(context=context)
            connection.ehlo()
        if settings.user is not None:
            connection.login(settings.user, settings.password or "")
        connection.send_message(message)


def _said(error: BaseException) -> str:
    """An error as one line for the log and the audit (bilingual when ours)."""
    if isinstance(error, UnionKpiError):
        return f"{error.zh} / {error.en}"
    return f"{type(error).__name__}: {error}"
