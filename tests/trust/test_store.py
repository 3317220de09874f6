"""Users, sessions, lockout and the audit log, on a real SQLite file."""

import sqlite3
from datetime import datetime, timedelta

import pytest

from ingest.errors import UnionKpiError
from ingest.paths import Home
from trust import store


@pytest.fixture
def home(tmp_path) -> Home:
    return Home(tmp_path / "home").ensure()


def test_passwords_are_salted_argon2_hashes(home):
    first = store.add_user(home, "a", "leader", password="same-password")
    store.add_user(home, "b", "planner", password="same-password")
    assert first == "same-password"
    with sqlite3.connect(home.root / "app_state.sqlite") as con:
        hashes = [h for (h,) in con.execute("select password_hash from users order by username")]
        mode = con.execute("pragma journal_mode").fetchone()[0]
    assert all(h.startswith("$argon2") for h in hashes) and hashes[0] != hashes[1]
    assert "same-password" not in "".join(hashes)
    assert mode == "wal"


def test_sign_in_session_and_scope(home):
    password = store.add_user(home, "minhang", "district", district="闵行")
    token = store.sign_in(home, "minhang", password)
    user = store.session_user(home, token)
    assert user == store.User("minhang", "district", "310112")
    assert user.district_scope == "310112" and user.may("export") and not user.may("publish")
    steward = store.User("s", "steward", None)
    assert steward.district_scope is None and steward.may("manage_users")
    store.sign_out(home, token)
    assert store.session_user(home, token) is None


def test_sessions_expire(home, monkeypatch):
    password = store.add_user(home, "p", "planner")
    token = store.sign_in(home, "p", password)
    later = datetime.now() + timedelta(hours=store.SESSION_HOURS + 9)
    monkeypatch.setattr(store, "_now", lambda: later)
    assert store.session_user(home, token) is None


def test_repeated_failures_lock_the_account_and_everything_is_audited(home):
    password = store.add_user(home, "l", "leader")
    for _ in range(store.MAX_FAILED_SIGN_INS):
        with pytest.raises(UnionKpiError) as caught:
            store.sign_in(home, "l", "wrong")
        assert caught.value.code == "bad_credentials"
    with pytest.raises(UnionKpiError) as caught:
        store.sign_in(home, "l", password)  # right password, but locked
    assert caught.value.code == "account_locked"
    store.reset_password(home, "l", "new-one")
    assert store.session_user(home, store.sign_in(home, "l", "new-one")).username == "l"
    sign_ins = [(e["ok"], e["detail"].get("reason")) for e in store.read_audit(home) if e["action"] == "sign_in"]
    assert sign_ins[::-1] == [(False, "bad_credentials")] * 5 + [(False, "locked"), (True, None)]


def test_unknown_user_fails_like_a_wrong_password(home):
    with pytest.raises(UnionKpiError) as caught:
        store.sign_in(home, "nobody", "x")
    assert caught.value.code == "bad_credentials"


def test_district_users_need_a_real_district(home):
    with pytest.raises(UnionKpiError):
        store.add_user(home, "x", "district", district="火星")
    with pytest.raises(UnionKpiError):
        store.add_user(home, "x", "admin")
