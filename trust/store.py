"""The app's own state: users, sessions and the audit log. It is written
while the dashboards read, by several processes at once, so it lives apart
from the warehouse in SQLite (WAL mode), with argon2 password hashes."""

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from kernel.errors import UnionKpiError
from kernel.home import SHANGHAI, Home
from kernel.reference import district_code as district_code_of

ROLES = ("leader", "planner", "steward", "district")
SESSION_HOURS = 8
MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15
# A sign-in made in a page run reaches the browser's cookie through a
# one-time hand-off code, claimed within this many seconds.
HANDOFF_SECONDS = 60
# Ended sessions are kept this long, so a cookie reused after sign-out is
# told apart from a forged one in the audit log.
ENDED_KEPT_DAYS = 30
_HASHER = PasswordHasher()
# Checked against when the user does not exist, so that the answer takes as long.
_UNKNOWN_USER_HASH = _HASHER.hash(secrets.token_urlsafe(16))

_SCHEMA = """
create table if not exists users (
    username text primary key, password_hash text not null, role text not null,
    district_code text, failed_attempts integer not null default 0,
    locked_until text, created_at text not null);
create table if not exists web_sessions (
    token_sha256 text primary key, username text not null references users(username) on delete cascade,
    created_at text not null, expires_at text not null, ended_at text, ended_why text, family text);
create table if not exists app_secrets (name text primary key, value text not null);
create table if not exists handoffs (
    code_sha256 text primary key, token_sha256 text not null, expires_at text not null);
create table if not exists audit (
    id integer primary key autoincrement, at text not null, username text,
    action text not null, ok integer not null, detail text);
drop table if exists sessions;
"""
# The last line retires the table of an earlier version, which held the
# tokens themselves; sessions now keep only each token's SHA-256, so a copy
# of this file (a backup) opens no session.


@dataclass(frozen=True)
class User:
    username: str
    role: str
    district_code: str | None

    @property
    def district_scope(self) -> str | None:
        """The one district this user may see rows of, or None for all."""
        return self.district_code if self.role == "district" else None

    def may(self, action: str) -> bool:
        allowed = {
            "leader": {"read"},
            "planner": {"read", "export"},
            "steward": {"read", "export", "ingest", "check", "publish", "manage_users", "read_audit"},
            "district": {"read", "export", "ingest"},
        }
        return action in allowed[self.role]


def _now() -> datetime:
    return datetime.now(SHANGHAI).replace(tzinfo=None)


@contextmanager
def connect(home: Home) -> Iterator[sqlite3.Connection]:
    home.ensure()
    con = sqlite3.connect(home.app_state, timeout=10, isolation_level=None)
    try:
        con.execute("pragma journal_mode = wal")
        con.execute("pragma foreign_keys = on")
        con.executescript(_SCHEMA)
        yield con
    finally:
        con.close()


def log(home: Home, actor: str | None, action: str, ok: bool = True, **detail: Any) -> None:
    with connect(home) as con:
        con.execute(
            "insert into audit (at, username, action, ok, detail) values (?, ?, ?, ?, ?)",
            [_now().isoformat(timespec="seconds"), actor, action, int(ok), json.dumps(detail, ensure_ascii=False)],
        )


def read_audit(home: Home, limit: int = 500) -> list[dict[str, Any]]:
    with connect(home) as con:
        rows = con.execute(
            "select at, username, action, ok, detail from audit order by id desc limit ?", [limit]
        ).fetchall()
    return [
        {"at": at, "username": user, "action": action, "ok": bool(ok), "detail": json.loads(detail or "{}")}
        for at, user, action, ok, detail in rows
    ]


def new_password() -> str:
    return secrets.token_urlsafe(12)


def add_user(home: Home, username: str, role: str, district: str | None = None, password: str | None = None) -> str:
    """Create a user and return the password (generated when not given)."""
    if role not in ROLES:
        raise UnionKpiError("unknown_role", f"未知角色：{role}", f"unknown role: {role}")
    district_code = district_code_of(district or "") if role == "district" else None
    if role == "district" and district_code is None:
        raise UnionKpiError(
            "unknown_district",
            f"区县用户需要有效的区：{district}",
            f"a district user needs a valid district: {district}",
        )
    password = password or new_password()
    with connect(home) as con:
        try:
            con.execute(
                "insert into users (username, password_hash, role, district_code, created_at) values (?, ?, ?, ?, ?)",
                [username, _HASHER.hash(password), role, district_code, _now().isoformat(timespec="seconds")],
            )
        except sqlite3.IntegrityError as exc:
            raise UnionKpiError("user_exists", f"用户已存在：{username}", f"user exists: {username}") from exc
    log(home, None, "user_add", username=username, role=role, district_code=district_code)
    return password


def remove_user(home: Home, username: str) -> None:
    with connect(home) as con:
        if con.execute("delete from users where username = ?", [username]).rowcount == 0:
            raise UnionKpiError("no_such_user", f"没有该用户：{username}", f"no such user: {username}")
    log(home, None, "user_remove", username=username)


def reset_password(home: Home, username: str, password: str | None = None) -> str:
    password = password or new_password()
    with connect(home) as con:
        changed = con.execute(
            "update users set password_hash = ?, failed_attempts = 0, locked_until = null where username = ?",
            [_HASHER.hash(password), username],
        ).rowcount
        con.execute(
            "update web_sessions set ended_at = ?, ended_why = 'password_reset' "
            "where ended_at is null and username = ?",
            [_now().isoformat(), username],
        )
    if not changed:
        raise UnionKpiError("no_such_user", f"没有该用户：{username}", f"no such user: {username}")
    log(home, None, "user_reset", username=username)
    return password


def list_users(home: Home) -> list[User]:
    with connect(home) as con:
        rows = con.execute("select username, role, district_code from users order by username").fetchall()
    return [User(*row) for row in rows]


def sign_in(home: Home, username: str, password: str) -> str:
    """A session token, or UnionKpiError("bad_credentials") whatever the
    cause (unknown user, wrong password, locked account), answered after the
    same work; the audit log records the real cause. The password is checked
    first, outside any transaction; the verdict is then taken in one write
    transaction, so simultaneous guesses are counted one by one and none
    gets past the lock."""
    with connect(home) as con:
        row = con.execute("select password_hash from users where username = ?", [username]).fetchone()
    try:  # an unknown user costs the same hashing as a real one
        _HASHER.verify(row[0] if row else _UNKNOWN_USER_HASH, password)
        verified = row is not None
    except VerificationError:
        verified = False
    now = _now()
    token = None
    with connect(home) as con:
        con.execute("begin immediate")  # one verdict at a time
        state = con.execute("select failed_attempts, locked_until from users where username = ?", [username]).fetchone()
        if state is None:
            reason = "unknown_user"
        elif state[1] and datetime.fromisoformat(state[1]) > now:
            reason = "locked"
        elif not verified:
            reason = "bad_credentials"
            failures = state[0] + 1
            locked = (now + timedelta(minutes=LOCKOUT_MINUTES)).isoformat() if failures >= MAX_FAILED_SIGN_INS else None
            con.execute(
                "update users set failed_attempts = ?, locked_until = ? where username = ?",
                [0 if locked else failures, locked, username],
            )
        else:
            reason = None
            con.execute("update users set failed_attempts = 0, locked_until = null where username = ?", [username])
            token = _new_session(con, username, now + timedelta(hours=SESSION_HOURS))
        con.execute("commit")
    log(home, username, "sign_in", ok=token is not None, reason=reason)
    if token is None:
        raise UnionKpiError("bad_credentials")
    return token


def sign_in_identity(home: Home, email: str | None, *, email_verified: bool | None = None) -> str:
    """A session token for someone the identity provider signed in (single
    sign-on): the user whose user name is that e-mail address, compared
    without regard to case; role and district come from that user. Unknown,
    unverified and locked identities are refused; every attempt is audited.
    No password is involved, so failures here do not count towards a
    lockout (the provider guards its own sign-in)."""
    address = (email or "").strip()
    now = _now()
    with connect(home) as con:
        row = (
            con.execute(
                "select username, locked_until from users where lower(username) = lower(?) order by username limit 1",
                [address],
            ).fetchone()
            if address
            else None
        )
        username: str | None = row[0] if row else None
        reason = None
        if row is None:
            reason = "unknown_identity"
        elif email_verified is False:
            reason = "unverified_identity"
        elif row[1] and datetime.fromisoformat(row[1]) > now:
            reason = "locked"
        else:
            token = _new_session(con, row[0], now + timedelta(hours=SESSION_HOURS))
    if reason is not None:
        log(home, username or address or None, "sign_in", ok=False, reason=reason, method="sso", email=address)
        if reason == "locked":
            raise UnionKpiError("account_locked")
        raise UnionKpiError(
            reason,
            f"单点登录的身份未获授权：{address or '（无邮箱）'}。请联系数据管理员开通。",
            f"This single sign-on identity is not authorised: {address or '(no e-mail)'}. Ask a data steward.",
        )
    log(home, username, "sign_in", ok=True, method="sso", email=address)
    return token


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_session(con: sqlite3.Connection, username: str, expires: datetime, family: str | None = None) -> str:
    """A new session's token; only its digest is stored. A session handed to
    a browser's cookie joins the family of the sign-in it came from, and
    ends with it. Sessions ended long ago are pruned here."""
    now = _now()
    con.execute(
        "delete from web_sessions where coalesce(ended_at, expires_at) < ?",
        [(now - timedelta(days=ENDED_KEPT_DAYS)).isoformat()],
    )
    token = secrets.token_urlsafe(32)
    con.execute(
        "insert into web_sessions (token_sha256, username, created_at, expires_at, family) values (?, ?, ?, ?, ?)",
        [_digest(token), username, now.isoformat(), expires.isoformat(), family or _digest(token)],
    )
    return token


def _end_session(con: sqlite3.Connection, token_sha256: str, why: str) -> None:
    """End the session and its family: the page run's session and the one
    in the browser's cookie that was handed off from it."""
    con.execute(
        "update web_sessions set ended_at = ?, ended_why = ? where ended_at is null and family in "
        "(select coalesce(family, token_sha256) from web_sessions where token_sha256 = ?)",
        [_now().isoformat(), why, token_sha256],
    )


def _signature(home: Home, token: str) -> str:
    """The token's HMAC under the secret that signs session cookies, kept
    with the users (so every server of this home accepts them, and a
    restored backup keeps them); made on first use, read after that."""
    with connect(home) as con:
        query = "select value from app_secrets where name = 'session_cookie'"
        row = con.execute(query).fetchone()
        if row is None:
            con.execute("insert or ignore into app_secrets values ('session_cookie', ?)", [secrets.token_hex(32)])
            row = con.execute(query).fetchone()
    return hmac.new(bytes.fromhex(row[0]), token.encode(), hashlib.sha256).hexdigest()


def cookie_value(home: Home, token: str) -> str:
    """What the browser's cookie holds: the token and its signature."""
    return f"{token}.{_signature(home, token)}"


def cookie_token(home: Home, value: str) -> str | None:
    """The token of a cookie this store signed; None for one altered."""
    token, _, signature = value.rpartition(".")
    return token if token and hmac.compare_digest(signature, _signature(home, token)) else None


def session_user(home: Home, token: str | None) -> User | None:
    """The user of a live session, or None (unknown, ended or expired)."""
    if not token:
        return None
    with connect(home) as con:
        row = con.execute(
            "select u.username, u.role, u.district_code, s.expires_at from web_sessions s "
            "join users u using (username) where s.token_sha256 = ? and s.ended_at is null",
            [_digest(token)],
        ).fetchone()
        if row is None:
            return None
        if datetime.fromisoformat(row[3]) <= _now():
            _end_session(con, _digest(token), "expired")
            return None
    return User(row[0], row[1], row[2])


def why_refused(home: Home, token: str) -> tuple[str | None, str]:
    """Whose a refused token was and why it is refused: ``signed_out``,
    ``expired``, ``password_reset`` (ended), or ``unknown`` (never issued,
    tampered with, or its user removed)."""
    with connect(home) as con:
        row = con.execute(
            "select username, ended_why, expires_at from web_sessions where token_sha256 = ?", [_digest(token)]
        ).fetchone()
    if row is None:
        return None, "unknown"
    username, ended_why, expires_at = row
    return username, ended_why or ("expired" if datetime.fromisoformat(expires_at) <= _now() else "live")


def sign_out(home: Home, token: str) -> None:
    """End the session, in every tab and browser that holds it."""
    with connect(home) as con:
        _end_session(con, _digest(token), "signed_out")


def hand_off(home: Home, token: str) -> str:
    """A one-time code for a live session, good for HANDOFF_SECONDS: the
    browser posts it to the server's session route, which claims it and
    sets the session cookie. The code is not the token, and only its digest
    is stored."""
    code = secrets.token_urlsafe(32)
    now = _now()
    with connect(home) as con:
        con.execute("delete from handoffs where expires_at < ?", [now.isoformat()])
        con.execute(
            "insert into handoffs values (?, ?, ?)",
            [_digest(code), _digest(token), (now + timedelta(seconds=HANDOFF_SECONDS)).isoformat()],
        )
    return code


def claim(home: Home, code: str) -> tuple[str, int] | None:
    """The token of a new session for the browser's cookie, in the family of
    the handed-off one (same user, same expiry: a sign-out of either ends
    both), and its seconds left; None for a code unknown, used or too old."""
    now = _now()
    with connect(home) as con:
        con.execute("begin immediate")  # a code is claimed once
        row = con.execute(
            "select coalesce(s.family, s.token_sha256), s.username, s.expires_at from handoffs h "
            "join web_sessions s using (token_sha256) "
            "where h.code_sha256 = ? and h.expires_at >= ? and s.ended_at is null and s.expires_at > ?",
            [_digest(code), now.isoformat(), now.isoformat()],
        ).fetchone()
        con.execute("delete from handoffs where code_sha256 = ?", [_digest(code)])
        token = None
        if row is not None:
            token = _new_session(con, row[1], datetime.fromisoformat(row[2]), family=row[0])
        con.execute("commit")
    if token is None:
        return None
    return token, max(0, int((datetime.fromisoformat(row[2]) - now).total_seconds()))


def backup_to(home: Home, target: Path) -> None:
    """A consistent copy of the app state while others write (SQLite's
    online backup)."""
    with connect(home) as con, sqlite3.connect(target) as copy:
        con.backup(copy)
