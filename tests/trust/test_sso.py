"""Single sign-on (OpenID Connect through Streamlit's st.login): the mapping
of a provider's identity to a user of the store, and the app's use of it.
No identity provider is reachable here, so the sign-in round trip itself
is not tested; AppTest seeds the identity st.user would carry after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kernel.errors import UnionKpiError
from kernel.home import Home
from trust import store

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-secret-for-the-identity-cookie",
    "client_id": "unionkpi",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
}
EMAIL = "zhang.wei@union.example.cn"


@pytest.fixture
def home(tmp_path) -> Home:
    home = Home(tmp_path / "home").ensure()
    store.add_user(home, EMAIL, "district", district="闵行", password="unused-password-1")
    store.add_user(home, "planner1", "planner", password="planner-password-1")
    return home


def sso_attempts(home: Home) -> list[tuple[str | None, bool, str | None]]:
    return [
        (e["username"], e["ok"], e["detail"].get("reason"))
        for e in store.read_audit(home)[::-1]
        if e["action"] == "sign_in" and e["detail"].get("method") == "sso"
    ]


def test_an_identity_maps_to_the_user_named_by_its_email(home):
    token = store.sign_in_identity(home, "Zhang.Wei@Union.Example.CN", email_verified=True)
    user = store.session_user(home, token)
    assert user == store.User(EMAIL, "district", "310112")  # role and district from the store
    assert user.district_scope == "310112"
    assert sso_attempts(home) == [(EMAIL, True, None)]


@pytest.mark.parametrize(
    ("email", "verified", "reason"),
    [
        ("li.na@union.example.cn", True, "unknown_identity"),
        ("", None, "unknown_identity"),
        (None, None, "unknown_identity"),
        (EMAIL, False, "unverified_identity"),
        ("planner1' or '1'='1", None, "unknown_identity"),
        ("%", None, "unknown_identity"),
    ],
)
def test_unknown_or_unverified_identities_are_refused_and_audited(home, email, verified, reason):
    with pytest.raises(UnionKpiError) as refused:
        store.sign_in_identity(home, email, email_verified=verified)
    assert refused.value.code == reason
    assert [(ok, why) for _, ok, why in sso_attempts(home)] == [(False, reason)]
    assert [u.username for u in store.list_users(home)] == sorted([EMAIL, "planner1"])


def test_a_locked_account_is_refused_and_refusals_do_not_lock(home):
    for _ in range(store.MAX_FAILED_SIGN_INS + 1):
        with pytest.raises(UnionKpiError):
            store.sign_in_identity(home, EMAIL, email_verified=False)
    assert store.sign_in(home, "planner1", "planner-password-1")  # nobody was locked by them
    for _ in range(store.MAX_FAILED_SIGN_INS):
        with pytest.raises(UnionKpiError):
            store.sign_in(home, EMAIL, "wrong")
    with pytest.raises(UnionKpiError) as refused:
        store.sign_in_identity(home, EMAIL, email_verified=True)
    assert refused.value.code == "account_locked"


def _app(monkeypatch, home: Home, *, auth: bool, identity: dict | None) -> AppTest:
    monkeypatch.setenv("UNIONKPI_HOME", str(home.root))
    app = AppTest.from_file(str(APP), default_timeout=60)
    if auth:
        app.secrets["auth"] = AUTH
    app.user = identity or {}
    return app


def test_without_an_auth_section_there_is_no_single_sign_on(monkeypatch, home):
    app = _app(monkeypatch, home, auth=False, identity={"is_logged_in": True, "email": EMAIL}).run()
    assert not app.exception
    assert not [b for b in app.button if b.key == "sso_login"]
    assert [b.proto.label for b in app.get("form_submit_button")] == ["登录"]
    assert "session_token" not in app.session_state and not sso_attempts(home)


def test_with_an_auth_section_the_form_offers_single_sign_on(monkeypatch, home):
    app = _app(monkeypatch, home, auth=True, identity=None).run()
    assert not app.exception
    assert app.button(key="sso_login").label == "统一身份认证登录"
    assert [b.proto.label for b in app.get("form_submit_button")] == ["登录"]  # passwords still work
    # Authlib is not installed here: clicking says so instead of failing.
    app.button(key="sso_login").click().run()
    assert not app.exception and app.error[0].value.startswith("统一身份认证暂不可用")


def test_a_signed_in_identity_is_the_stores_user_until_sign_out(monkeypatch, home):
    app = _app(monkeypatch, home, auth=True, identity={"is_logged_in": True, "email": EMAIL, "email_verified": True})
    app.run()
    assert not app.exception
    assert "session_token" in app.session_state
    assert any(c.value == f"当前用户：` {EMAIL} `（区总工会 · 310112）" for c in app.caption)  # as typed
    app.run()  # one sign-in per session, not per rerun
    assert sso_attempts(home) == [(EMAIL, True, None)]
    app.button(key="sign_out").click().run()
    assert not app.exception
    assert "session_token" not in app.session_state and app.user.get("is_logged_in") is False
    assert [b.proto.label for b in app.get("form_submit_button")] == ["登录"]


def test_an_unknown_identity_sees_why_and_is_audited_once(monkeypatch, home):
    app = _app(monkeypatch, home, auth=True, identity={"is_logged_in": True, "email": "li.na@union.example.cn"})
    app.run()
    app.run()
    assert not app.exception
    assert "session_token" not in app.session_state and not app.metric
    assert "li.na@union.example.cn" in app.error[0].value
    assert app.button(key="sso_switch").label == "换一个账号登录"
    assert sso_attempts(home) == [("li.na@union.example.cn", False, "unknown_identity")]


def test_a_session_ended_in_another_tab_is_not_signed_back_in_by_the_cached_identity(monkeypatch, home):
    """Signing out in one tab ends the session in the store; another tab
    still has the provider's identity cached (its st.user), and must show
    the sign-in form, not sign itself straight back in."""
    app = _app(monkeypatch, home, auth=True, identity={"is_logged_in": True, "email": EMAIL, "email_verified": True})
    app.run()
    store.sign_out(home, app.session_state["session_token"])  # the other tab's sign-out
    app.run()
    assert not app.exception and not app.metric
    assert "session_token" not in app.session_state
    assert sso_attempts(home) == [(EMAIL, True, None)]  # no second sign-in
    app.button(key="sso_login").click().run()  # the person asks to sign in again
    assert "session_token" in app.session_state
    assert sso_attempts(home) == [(EMAIL, True, None), (EMAIL, True, None)]
