"""Users, sessions, lockout and the audit log, on a real SQLite file."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest

from kernel.errors import UnionKpiError
from kernel.home import Home
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
        store.sign_in(home, "l", password)  # right password, but locked: told no more than a wrong one
    assert caught.value.code == "bad_credentials"
    store.reset_password(home, "l", "new-one")
    assert store.session_user(home, store.sign_in(home, "l", "new-one")).username == "l"
    sign_ins = [(e["ok"], e["detail"].get("reason")) for e in store.read_audit(home) if e["action"] == "sign_in"]
    assert sign_ins[::-1] == [(False, "bad_credentials")] * 5 + [(False, "locked"), (True, None)]


def test_unknown_user_fails_like_a_wrong_password(home):
    """The same answer after the same work: an unknown name costs a password
    hash too (before, 24 ms against 400 ms told which names exist)."""
    store.add_user(home, "real", "leader")
    with pytest.raises(UnionKpiError) as caught:
        store.sign_in(home, "nobody", "x")
    assert caught.value.code == "bad_credentials"

    def slowest_of_three(name: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            with pytest.raises(UnionKpiError):
                store.sign_in(home, name, "wrong")
            times.append(time.perf_counter() - started)
        return min(times)

    unknown, known = slowest_of_three("nobody"), slowest_of_three("real")
    assert unknown > known / 3, (unknown, known)
    causes = [e["detail"]["reason"] for e in store.read_audit(home) if e["action"] == "sign_in"]
    assert set(causes) == {"unknown_user", "bad_credentials"}


@pytest.mark.parametrize("guesses", [40, 100])
def test_simultaneous_wrong_passwords_lock_the_account(home, guesses):
    """Guesses sent all at once are counted one by one: five lock the
    account, every later one meets the lock, and so does the right password
    (before, 40 at once left the count at 1 and 100 never locked it)."""
    password = store.add_user(home, "target", "leader")
    barrier = threading.Barrier(guesses)
    codes: list[str] = []

    def guess(attempt: str) -> None:
        barrier.wait()
        with pytest.raises(UnionKpiError) as refused:
            store.sign_in(home, "target", attempt)
        codes.append(refused.value.code)

    threads = [threading.Thread(target=guess, args=(f"wrong-{i}",)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == ["bad_credentials"] * guesses
    causes = [e["detail"]["reason"] for e in store.read_audit(home, limit=1000) if e["action"] == "sign_in"]
    assert causes.count("bad_credentials") == store.MAX_FAILED_SIGN_INS
    assert causes.count("locked") == guesses - store.MAX_FAILED_SIGN_INS
    with pytest.raises(UnionKpiError):
        store.sign_in(home, "target", password)
    assert store.read_audit(home, limit=1)[0]["detail"]["reason"] == "locked"


def test_district_users_need_a_real_district(home):
    with pytest.raises(UnionKpiError):
        store.add_user(home, "x", "district", district="火星")
    with pytest.raises(UnionKpiError):
        store.add_user(home, "x", "admin")


def test_the_home_and_everything_in_it_is_private_to_its_owner(tmp_path):
    """Password hashes, sessions, the landing data and every return: no
    other local user may read them, in a new home or one made open before."""
    root = tmp_path / "home"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    good = tmp_path / "return.csv"
    good.write_text(
        "案件编号,区,受理日期,争议类型,涉及职工人数,办理结果\nP-1,黄浦,2026-03-05,工伤,1,办理中\n", encoding="utf-8"
    )
    env = {**os.environ, "UNIONKPI_TODAY": "2026-11-22"}
    for args in (["ingest", str(good)], ["users", "add", "someone", "--role", "leader"]):
        done = subprocess.run(
            [sys.executable, "-m", "unionkpi", "--home", str(root), *args], env=env, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stderr
    made = [root, *root.rglob("*")]
    assert {p.name for p in made} >= {"home", "landing.duckdb", "app_state.sqlite", "archive"}
    open_to_others = {
        str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in made if p.stat().st_mode & 0o077
    }
    assert open_to_others == {}


def test_a_hand_off_code_is_claimed_once_for_a_session_of_the_same_user_and_expiry(home, monkeypatch):
    password = store.add_user(home, "p", "planner")
    token = store.sign_in(home, "p", password)
    code = store.hand_off(home, token)
    claimed = store.claim(home, code)
    assert claimed is not None
    cookie_token, seconds_left = claimed
    assert cookie_token not in (token, code)
    assert store.session_user(home, cookie_token) == store.User("p", "planner", None)
    assert store.SESSION_HOURS * 3600 - 60 < seconds_left <= store.SESSION_HOURS * 3600
    assert store.session_user(home, token) is not None  # the page run keeps its own
    assert store.claim(home, code) is None  # once
    store.sign_out(home, token)  # a sign-out in the page ends the cookie's session too
    assert store.session_user(home, cookie_token) is None
    assert store.why_refused(home, cookie_token) == ("p", "signed_out")
    token = store.sign_in(home, "p", password)
    cookie_token = store.claim(home, store.hand_off(home, token))[0]
    store.sign_out(home, cookie_token)  # and the other way round
    assert store.session_user(home, token) is None

    late = store.hand_off(home, store.sign_in(home, "p", password))
    later = store._now() + timedelta(seconds=store.HANDOFF_SECONDS + 5)
    monkeypatch.setattr(store, "_now", lambda: later)
    assert store.claim(home, late) is None  # too old
    assert store.claim(home, "made-up") is None


def test_a_refused_token_says_why(home, monkeypatch):
    password = store.add_user(home, "p", "planner")
    signed_out, expired = (store.sign_in(home, "p", password) for _ in range(2))
    store.sign_out(home, signed_out)
    assert store.why_refused(home, signed_out) == ("p", "signed_out")
    assert store.why_refused(home, signed_out[:-1] + "x") == (None, "unknown")  # tampered
    later = store._now() + timedelta(hours=store.SESSION_HOURS + 1)
    monkeypatch.setattr(store, "_now", lambda: later)
    assert store.session_user(home, expired) is None
    assert store.why_refused(home, expired) == ("p", "expired")
    monkeypatch.undo()
    password = store.add_user(home, "q", "planner")
    live = store.sign_in(home, "q", password)
    store.reset_password(home, "q")
    assert store.session_user(home, live) is None and store.why_refused(home, live) == ("q", "password_reset")


def test_sessions_keep_only_a_digest_of_their_token(home):
    password = store.add_user(home, "p", "planner")
    token = store.sign_in(home, "p", password)
    code = store.hand_off(home, token)
    stored = b"".join(path.read_bytes() for path in home.root.glob("app_state.sqlite*"))
    assert len(stored) > 4096
    assert token.encode() not in stored and code.encode() not in stored


def test_a_cookie_is_signed_with_a_secret_kept_with_the_users(home, tmp_path):
    password = store.add_user(home, "p", "planner")
    token = store.sign_in(home, "p", password)
    value = store.cookie_value(home, token)
    assert value.startswith(f"{token}.") and store.cookie_token(home, value) == token
    assert store.cookie_token(home, value[:-1] + ("0" if value[-1] != "0" else "1")) is None  # altered signature
    assert store.cookie_token(home, f"{token[:-1]}x.{value.rpartition('.')[2]}") is None  # altered token
    assert store.cookie_token(home, token) is None  # no signature at all
    other = Home(tmp_path / "other").ensure()  # another warehouse's store signs differently
    assert store.cookie_token(other, value) is None
