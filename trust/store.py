"""The app's own state: users (with their mail address, language and
subscription to the monthly brief), sessions, the audit log and what was
last mailed to whom, with argon2 password hashes. It is written while the
dashboards read, by several processes at once: so on one machine it lives
apart from the warehouse in SQLite (WAL mode), and with
UNIONKPI_DATABASE_URL in the PostgreSQL database's `unionkpi` schema, which
every app server of the warehouse shares. One set of statements serves both
engines; the little that differs is named in _Db."""

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from kernel import database
from kernel.errors import UnionKpiError
from kernel.home import SHANGHAI, Home
from kernel.reference import district_code as district_code_of

ROLES = ("leader", "planner", "steward", "district")
LANGS = ("zh", "en")
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

# The tables, for either engine ({id} is the audit's growing id). Times are
# ISO text in Shanghai time on both, so every comparison is the same SQL.
_TABLES = (
    """create table if not exists users (
    username text primary key, password_hash text not null, role text not null,
    district_code text, failed_attempts integer not null default 0,
    locked_until text, created_at text not null)""",
    """create table if not exists web_sessions (
    token_sha256 text primary key, username text not null references users(username) on delete cascade,
    created_at text not null, expires_at text not null, ended_at text, ended_why text, family text)""",
    "create table if not exists app_secrets (name text primary key, value text not null)",
    """create table if not exists handoffs (
    code_sha256 text primary key, token_sha256 text not null, expires_at text not null)""",
    """create table if not exists audit (
    id {id}, at text not null, username text,
    action text not null, ok integer not null, detail text)""",
    """create table if not exists deliveries (
    username text primary key references users(username) on delete cascade,
    month text not null, delivered_at text not null)""",
)
# An earlier version's SQLite table, which held the tokens themselves:
# sessions now keep only each token's SHA-256, so a copy of the file (a
# backup) opens no session. (PostgreSQL never had it.)
_RETIRED = "drop table if exists sessions"

# Columns the users table gained after its first version: a store made
# before them gets them on first open (see _migrate). A new store is made
# by the first version's table and migrated too, so both take one path.
_ADDED_USER_COLUMNS = {
    "email": "text",
    "lang": "text not null default 'zh'",
    "is_subscribed": "integer not null default 0",
}
_USER_COLUMNS = "username, role, district_code, email, lang, is_subscribed"
# A plain address: something@domain.tld, ASCII, no spaces, commas or angle
# brackets (the address goes into a To header as it is).
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    district_code: str | None
    email: str | None = None
    lang: str = "zh"
    is_subscribed: bool = False

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


class _Db:
    """One connection to the store, SQLite or PostgreSQL (psycopg 3), in
    autocommit mode, so that a statement outside write() is a transaction of
    its own on both. The statements are written once, with ``?``
    placeholders; what differs between the engines is named here."""

    def __init__(self, con: Any, engine: str) -> None:
        self.con = con
        self.engine = engine
        self.is_postgres = engine == "postgresql"
        # Appended to a select whose rows a write transaction then changes:
        # PostgreSQL locks just those rows; SQLite's `begin immediate`
        # already holds the whole database.
        self.lock_rows = " for update" if self.is_postgres else ""
        # The audit's growing id.
        self.identity = (
            "bigint generated by default as identity primary key"
            if self.is_postgres
            else "integer primary key autoincrement"
        )
        if self.is_postgres:
            import psycopg

            self.IntegrityError: type[Exception] = psycopg.IntegrityError
        else:
            self.IntegrityError = sqlite3.IntegrityError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A cursor (both drivers' have fetchone, fetchall, rowcount and
        description). psycopg's placeholders are ``%s``; no statement here
        has a ``?`` or ``%`` of its own."""
        if self.is_postgres:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return self.con.execute(sql, params)

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction, committed at the end or rolled back. On
        SQLite it takes the database's write lock at once (`begin
        immediate`), so two verdicts never read the same state; on
        PostgreSQL the rows read with lock_rows are locked until the end
        (nested: a savepoint)."""
        if self.is_postgres:
            with self.con.transaction():
                yield
            return
        self.execute("begin immediate")
        try:
            yield
        except BaseException:
            self.execute("rollback")
            raise
        self.execute("commit")


# PostgreSQL databases whose store this process has made or found ready
# (by conninfo): the tables are checked once per process, not per call.
_READY: set[str] = set()
# The advisory lock under which processes make the store's tables, so that
# two first uses at once do not race on PostgreSQL's catalogue (a key of its
# own: a build holds another one for minutes).
_SCHEMA_LOCK = database.lock_key("trust store schema")


@contextmanager
def connect(home: Home) -> Iterator[_Db]:
    """The store of this warehouse: the PostgreSQL database of
    UNIONKPI_DATABASE_URL when set, else the home's SQLite file."""
    postgres = database.postgres()
    if postgres is not None:
        with database.kept_connection(postgres, _set_search_path) as con:
            db = _Db(con, "postgresql")
            if postgres.conninfo not in _READY:
                _make_postgres_schema(db)
                _READY.add(postgres.conninfo)
            yield db
        return
    home.ensure()
    con = sqlite3.connect(home.app_state, timeout=10, isolation_level=None)
    try:
        db = _Db(con, "sqlite")
        db.execute("pragma journal_mode = wal")
        db.execute("pragma foreign_keys = on")
        _make_tables(db)
        db.execute(_RETIRED)
        _migrate(db)
        yield db
    finally:
        con.close()


def _set_search_path(con: Any) -> None:
    """A new connection of the store's: its schema first on the path."""
    con.execute(f"set search_path to {database.APP_SCHEMA}")


def _make_postgres_schema(db: _Db) -> None:
    """The `unionkpi` schema and the store's tables, made by one process at
    a time. `create schema if not exists` run by other parts of the app at
    the same moment can still collide on the catalogue: then again, up to
    three times."""
    import psycopg

    for attempt in range(3):
        try:
            with db.write():
                db.execute("select pg_advisory_xact_lock(?)", [_SCHEMA_LOCK])
                db.execute(f"create schema if not exists {database.APP_SCHEMA}")
                _make_tables(db)
                _migrate(db)
            return
        except psycopg.errors.UniqueViolation:
            if attempt == 2:
                raise


def _make_tables(db: _Db) -> None:
    for statement in _TABLES:
        db.execute(statement.format(id=db.identity))


def _migrate(db: _Db) -> None:
    """Add the users' columns a store made by an earlier version lacks. Two
    processes may open an old store at once: the check is repeated inside
    one write transaction, so each column is added once."""
    if not _missing_user_columns(db):
        return
    with db.write():
        for column in _missing_user_columns(db):
            db.execute(f"alter table users add column {column} {_ADDED_USER_COLUMNS[column]}")


def _missing_user_columns(db: _Db) -> list[str]:
    present = {column[0] for column in db.execute("select * from users where 1 = 0").description}
    return [column for column in _ADDED_USER_COLUMNS if column not in present]


def _user(row: tuple[Any, ...]) -> User:
    username, role, district_code, email, lang, is_subscribed = row
    return User(username, role, district_code, email, lang or "zh", bool(is_subscribed))


def valid_email(address: str | None) -> str | None:
    """The address, stripped, or UnionKpiError("invalid_email"). None and ""
    mean no address."""
    text = (address or "").strip()
    if not text:
        return None
    if len(text) > 254 or parseaddr(text)[1] != text or not _EMAIL.fullmatch(text):
        raise UnionKpiError(
            "invalid_email",
            f"邮箱地址无效：{text}（应形如 name@example.org）",
            f"not a valid e-mail address: {text} (it should look like name@example.org)",
        )
    return text


def _valid_lang(lang: str) -> str:
    if lang not in LANGS:
        raise UnionKpiError("unknown_lang", f"语言应为 zh 或 en：{lang}", f"the language must be zh or en: {lang}")
    return lang


def log(home: Home, actor: str | None, action: str, ok: bool = True, **detail: Any) -> None:
    with connect(home) as db:
        db.execute(
            "insert into audit (at, username, action, ok, detail) values (?, ?, ?, ?, ?)",
            [_now().isoformat(timespec="seconds"), actor, action, int(ok), json.dumps(detail, ensure_ascii=False)],
        )


def read_audit(home: Home, limit: int = 500) -> list[dict[str, Any]]:
    with connect(home) as db:
        rows = db.execute(
            "select at, username, action, ok, detail from audit order by id desc limit ?", [limit]
        ).fetchall()
    return [
        {"at": at, "username": user, "action": action, "ok": bool(ok), "detail": json.loads(detail or "{}")}
        for at, user, action, ok, detail in rows
    ]


def new_password() -> str:
    return secrets.token_urlsafe(12)


def add_user(
    home: Home,
    username: str,
    role: str,
    district: str | None = None,
    password: str | None = None,
    *,
    email: str | None = None,
    lang: str = "zh",
) -> str:
    """Create a user and return the password (generated when not given)."""
    email = valid_email(email)
    lang = _valid_lang(lang)
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
    with connect(home) as db:
        try:
            db.execute(
                "insert into users (username, password_hash, role, district_code, email, lang, created_at) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [
                    username,
                    _HASHER.hash(password),
                    role,
                    district_code,
                    email,
                    lang,
                    _now().isoformat(timespec="seconds"),
                ],
            )
        except db.IntegrityError as exc:
            raise UnionKpiError("user_exists", f"用户已存在：{username}", f"user exists: {username}") from exc
    log(home, None, "user_add", username=username, role=role, district_code=district_code, email=email, lang=lang)
    return password


def _no_such_user(username: str) -> UnionKpiError:
    return UnionKpiError("no_such_user", f"没有该用户：{username}", f"no such user: {username}")


def get_user(home: Home, username: str) -> User:
    with connect(home) as db:
        row = db.execute(f"select {_USER_COLUMNS} from users where username = ?", [username]).fetchone()
    if row is None:
        raise _no_such_user(username)
    return _user(row)


def set_contact(home: Home, username: str, *, email: str | None = None, lang: str | None = None) -> None:
    """Change a user's mail address and/or language (None: keep)."""
    changes: dict[str, Any] = {}
    if email is not None:
        changes["email"] = valid_email(email)
    if lang is not None:
        changes["lang"] = _valid_lang(lang)
    get_user(home, username)
    if not changes:
        return
    with connect(home) as db:
        assignments = ", ".join(f"{column} = ?" for column in changes)  # names from the two above
        db.execute(f"update users set {assignments} where username = ?", [*changes.values(), username])
        if changes.get("email", "") is None:  # no address, no subscription
            db.execute("update users set is_subscribed = 0 where username = ?", [username])
    log(home, None, "user_contact", username=username, **changes)


def subscribe(home: Home, username: str, on: bool = True) -> None:
    """Subscribe a user to the monthly brief by mail (on), or end it. A
    subscriber needs a mail address."""
    user = get_user(home, username)
    if on and not user.email:
        raise UnionKpiError(
            "no_email",
            f"用户 {username} 没有邮箱地址，无法订阅。请先设置：unionkpi users set {username} --email 地址",
            f"user {username} has no e-mail address, so cannot subscribe. "
            f"Set one first: unionkpi users set {username} --email ADDRESS",
        )
    with connect(home) as db:
        db.execute("update users set is_subscribed = ? where username = ?", [int(on), username])
    log(home, None, "subscribe" if on else "unsubscribe", username=username)


def subscribers(home: Home) -> list[User]:
    """The users who receive the brief by mail (subscribed, with an address)."""
    with connect(home) as db:
        rows = db.execute(
            f"select {_USER_COLUMNS} from users where is_subscribed = 1 and email is not null order by username"
        ).fetchall()
    return [_user(row) for row in rows]


def last_delivered(home: Home) -> dict[str, str]:
    """User name -> the latest data month (YYYY-MM) mailed to them."""
    with connect(home) as db:
        return dict(db.execute("select username, month from deliveries").fetchall())


def record_delivery(home: Home, username: str, month: str) -> None:
    """Note that ``month`` was mailed to the user; the latest month stays
    (a resend of an older month does not make a newer one due again)."""
    with connect(home) as db:
        db.execute(
            "insert into deliveries (username, month, delivered_at) values (?, ?, ?) "
            "on conflict (username) do update set delivered_at = excluded.delivered_at, month = "
            "case when excluded.month > deliveries.month then excluded.month else deliveries.month end",
            [username, month, _now().isoformat(timespec="seconds")],
        )


def read_deliveries(home: Home, limit: int = 100) -> list[dict[str, Any]]:
    """The latest mails sent and failed, newest first, from the audit log."""
    with connect(home) as db:
        rows = db.execute(
            "select at, ok, detail from audit where action = 'deliver' order by id desc limit ?", [limit]
        ).fetchall()
    return [{"at": at, "ok": bool(ok), **json.loads(detail or "{}")} for at, ok, detail in rows]


def remove_user(home: Home, username: str) -> None:
    with connect(home) as db:
        if db.execute("delete from users where username = ?", [username]).rowcount == 0:
            raise _no_such_user(username)
    log(home, None, "user_remove", username=username)


def reset_password(home: Home, username: str, password: str | None = None) -> str:
    password = password or new_password()
    with connect(home) as db:
        changed = db.execute(
            "update users set password_hash = ?, failed_attempts = 0, locked_until = null where username = ?",
            [_HASHER.hash(password), username],
        ).rowcount
        db.execute(
            "update web_sessions set ended_at = ?, ended_why = 'password_reset' "
            "where ended_at is null and username = ?",
            [_now().isoformat(), username],
        )
    if not changed:
        raise UnionKpiError("no_such_user", f"没有该用户：{username}", f"no such user: {username}")
    log(home, None, "user_reset", username=username)
    return password


def list_users(home: Home) -> list[User]:
    with connect(home) as db:
        rows = db.execute(f"select {_USER_COLUMNS} from users order by username").fetchall()
    return [_user(row) for row in rows]


def sign_in(home: Home, username: str, password: str) -> str:
    """A session token, or UnionKpiError("bad_credentials") whatever the
    cause (unknown user, wrong password, locked account), answered after the
    same work; the audit log records the real cause. The password is checked
    first, outside any transaction; the verdict is then taken in one write
    transaction, so simultaneous guesses are counted one by one and none
    gets past the lock."""
    with connect(home) as db:
        row = db.execute("select password_hash from users where username = ?", [username]).fetchone()
    try:  # an unknown user costs the same hashing as a real one
        _HASHER.verify(row[0] if row else _UNKNOWN_USER_HASH, password)
        verified = row is not None
    except VerificationError:
        verified = False
    now = _now()
    token = None
    with connect(home) as db, db.write():  # one verdict at a time
        state = db.execute(
            "select failed_attempts, locked_until from users where username = ?" + db.lock_rows, [username]
        ).fetchone()
        if state is None:
            reason = "unknown_user"
        elif state[1] and datetime.fromisoformat(state[1]) > now:
            reason = "locked"
        elif not verified:
            reason = "bad_credentials"
            failures = state[0] + 1
            locked = (now + timedelta(minutes=LOCKOUT_MINUTES)).isoformat() if failures >= MAX_FAILED_SIGN_INS else None
            db.execute(
                "update users set failed_attempts = ?, locked_until = ? where username = ?",
                [0 if locked else failures, locked, username],
            )
        else:
            reason = None
            db.execute("update users set failed_attempts = 0, locked_until = null where username = ?", [username])
            token = _new_session(db, username, now + timedelta(hours=SESSION_HOURS))
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
    with connect(home) as db:
        row = (
            db.execute(
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
            token = _new_session(db, row[0], now + timedelta(hours=SESSION_HOURS))
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


def _new_session(db: _Db, username: str, expires: datetime, family: str | None = None) -> str:
    """A new session's token; only its digest is stored. A session handed to
    a browser's cookie joins the family of the sign-in it came from, and
    ends with it. Sessions ended long ago are pruned here."""
    now = _now()
    db.execute(
        "delete from web_sessions where coalesce(ended_at, expires_at) < ?",
        [(now - timedelta(days=ENDED_KEPT_DAYS)).isoformat()],
    )
    token = secrets.token_urlsafe(32)
    db.execute(
        "insert into web_sessions (token_sha256, username, created_at, expires_at, family) values (?, ?, ?, ?, ?)",
        [_digest(token), username, now.isoformat(), expires.isoformat(), family or _digest(token)],
    )
    return token


def _end_session(db: _Db, token_sha256: str, why: str) -> None:
    """End the session and its family: the page run's session and the one
    in the browser's cookie that was handed off from it."""
    db.execute(
        "update web_sessions set ended_at = ?, ended_why = ? where ended_at is null and family in "
        "(select coalesce(family, token_sha256) from web_sessions where token_sha256 = ?)",
        [_now().isoformat(), why, token_sha256],
    )


def _signature(home: Home, token: str) -> str:
    """The token's HMAC under the secret that signs session cookies, kept
    with the users (so every server of this home accepts them, and a
    restored backup keeps them; on PostgreSQL every app server of the
    database); made on first use, read after that."""
    with connect(home) as db:
        query = "select value from app_secrets where name = 'session_cookie'"
        row = db.execute(query).fetchone()
        if row is None:
            db.execute(
                "insert into app_secrets values ('session_cookie', ?) on conflict (name) do nothing",
                [secrets.token_hex(32)],
            )
            row = db.execute(query).fetchone()
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
    with connect(home) as db:
        row = db.execute(
            "select u.username, u.role, u.district_code, s.expires_at from web_sessions s "
            "join users u using (username) where s.token_sha256 = ? and s.ended_at is null",
            [_digest(token)],
        ).fetchone()
        if row is None:
            return None
        if datetime.fromisoformat(row[3]) <= _now():
            _end_session(db, _digest(token), "expired")
            return None
    return User(row[0], row[1], row[2])


def why_refused(home: Home, token: str) -> tuple[str | None, str]:
    """Whose a refused token was and why it is refused: ``signed_out``,
    ``expired``, ``password_reset`` (ended), or ``unknown`` (never issued,
    tampered with, or its user removed)."""
    with connect(home) as db:
        row = db.execute(
            "select username, ended_why, expires_at from web_sessions where token_sha256 = ?", [_digest(token)]
        ).fetchone()
    if row is None:
        return None, "unknown"
    username, ended_why, expires_at = row
    return username, ended_why or ("expired" if datetime.fromisoformat(expires_at) <= _now() else "live")


def sign_out(home: Home, token: str) -> None:
    """End the session, in every tab and browser that holds it."""
    with connect(home) as db:
        _end_session(db, _digest(token), "signed_out")


def hand_off(home: Home, token: str) -> str:
    """A one-time code for a live session, good for HANDOFF_SECONDS: the
    browser posts it to the server's session route, which claims it and
    sets the session cookie. The code is not the token, and only its digest
    is stored."""
    code = secrets.token_urlsafe(32)
    now = _now()
    with connect(home) as db:
        db.execute("delete from handoffs where expires_at < ?", [now.isoformat()])
        db.execute(
            "insert into handoffs values (?, ?, ?)",
            [_digest(code), _digest(token), (now + timedelta(seconds=HANDOFF_SECONDS)).isoformat()],
        )
    return code


def claim(home: Home, code: str) -> tuple[str, int] | None:
    """The token of a new session for the browser's cookie, in the family of
    the handed-off one (same user, same expiry: a sign-out of either ends
    both), and its seconds left; None for a code unknown, used or too old.
    A code is claimed once: by whoever deletes it (two deletes at once on
    PostgreSQL: the second waits for the first and finds nothing)."""
    now = _now()
    with connect(home) as db, db.write():
        row = db.execute(
            "select coalesce(s.family, s.token_sha256), s.username, s.expires_at from handoffs h "
            "join web_sessions s using (token_sha256) "
            "where h.code_sha256 = ? and h.expires_at >= ? and s.ended_at is null and s.expires_at > ?",
            [_digest(code), now.isoformat(), now.isoformat()],
        ).fetchone()
        claimed = db.execute("delete from handoffs where code_sha256 = ?", [_digest(code)]).rowcount == 1
        token = None
        if row is not None and claimed:
            token = _new_session(db, row[1], datetime.fromisoformat(row[2]), family=row[0])
    if token is None:
        return None
    return token, max(0, int((datetime.fromisoformat(row[2]) - now).total_seconds()))


def backup_to(home: Home, target: Path) -> None:
    """A consistent copy of the app state while others write (SQLite's
    online backup). Only for the SQLite store: on PostgreSQL it is part of
    the database, which pg_dump backs up (see unionkpi.backup)."""
    with connect(home) as db, sqlite3.connect(target) as copy:
        if db.is_postgres:
            raise ValueError("the store is in PostgreSQL: back it up with pg_dump")
        db.con.backup(copy)
