"""Who is looking: the signed-in user of this Streamlit session, their
district scope for the data-access layer, and the sign-in form. Sessions,
users and the audit log live in the app-state store (trust.store).

Single sign-on is an option: when Streamlit's secrets have an ``[auth]``
section, the form also offers ``st.login()`` (OpenID Connect), and the
identity the provider returns is mapped to a user of the store by e-mail
(docs/trust.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from dashboards.i18n import Lang, t
from dashboards.ui import as_code
from kernel.errors import UnionKpiError
from kernel.home import Home
from trust import store

TOKEN_KEY = "session_token"
# The browser keeps the session in this cookie (HttpOnly: page scripts
# cannot read it), set and cleared by the server's routes (session_web.py);
# over HTTPS under the __Host- name, which only this host, over HTTPS, can set.
SESSION_COOKIE = "unionkpi_session"
SESSION_COOKIE_HTTPS = "__Host-unionkpi_session"
# Per browser session: whether the cookie was read, whether the session is
# in the cookie, and whether the browser holds a cookie to clear.
COOKIE_READ_KEY = "session_cookie_read"
IN_COOKIE_KEY = "session_in_cookie"
CLEAR_COOKIE_KEY = "session_cookie_to_clear"
# Set when this page's session ended elsewhere (a sign-out in another tab):
# the provider's identity, still cached by this page, must not sign it
# straight back in; the single sign-on button does, when clicked.
SSO_PAUSED_KEY = "sso_paused"
# How often an open page checks that its session still lives, so that a
# sign-out or expiry ends it in every tab.
SESSION_CHECK_SECONDS = 10
# The e-mail of a single sign-on identity already refused in this session
# (refused and audited once, not on every rerun), and why.
SSO_REFUSED_KEY = "sso_refused"


def home(root: str | Path | None = None) -> Home:
    return Home.from_env(root)


def current_user() -> store.User | None:
    token = st.session_state.get(TOKEN_KEY) or _token_from_cookie()
    user = store.session_user(home(), token)
    if user is None and token:
        st.session_state.pop(TOKEN_KEY, None)  # signed out (in another tab too) or expired
        st.session_state.pop(IN_COOKIE_KEY, None)
        st.session_state[SSO_PAUSED_KEY] = True
    if user is None and sso_configured() and st.user.get("is_logged_in") and not st.session_state.get(SSO_PAUSED_KEY):
        user = _sso_user()
    return user


def _token_from_cookie() -> str | None:
    """The session the browser brought in its cookie, read once per browser
    session (Streamlit has the cookies of the page's connection). A cookie
    whose session is over, or that was never issued, is refused, audited
    with the reason, and cleared."""
    if st.session_state.get(COOKIE_READ_KEY):
        return None
    st.session_state[COOKIE_READ_KEY] = True
    cookies = st.context.cookies
    value = cookies.get(SESSION_COOKIE_HTTPS) or cookies.get(SESSION_COOKIE)
    if not isinstance(value, str) or not value:  # none (AppTest has no cookies at all)
        return None
    token = store.cookie_token(home(), value)
    if token is None or store.session_user(home(), token) is None:
        username, why = store.why_refused(home(), token) if token else (None, "tampered")
        store.log(home(), username, "session_refused", ok=False, reason=why, page=st.context.url)
        st.session_state[CLEAR_COOKIE_KEY] = True
        return None
    st.session_state[TOKEN_KEY] = token
    st.session_state[IN_COOKIE_KEY] = True
    return token


def keep_cookie_in_step() -> None:
    """Once per sign-in made in this page run (a password or single sign-on),
    hand the session to the browser's cookie; after a sign-out or a refused
    cookie, clear it. The page posts to the server's session routes
    (session_web.py) with fetch, so it stays where it is."""
    token = st.session_state.get(TOKEN_KEY)
    if token and not st.session_state.get(IN_COOKIE_KEY):
        st.session_state[IN_COOKIE_KEY] = True  # once
        _post_from_page("/session/start", code=store.hand_off(home(), token))
    elif not token and st.session_state.pop(CLEAR_COOKIE_KEY, False):
        _post_from_page("/session/end")


# Where the server (server.py, session_web.dbt_docs) serves the published
# build's dbt docs site, under the base path.
DOCS_ROUTE = "/dbt-docs"


def base_path() -> str:
    """Streamlit's ``server.baseUrlPath`` as a path prefix: "" or "/kpi"."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _post_from_page(route: str, **fields: str) -> None:
    def script_literal(value: str) -> str:  # a JavaScript string that cannot end the script
        return json.dumps(value).replace("<", "\\u003c")

    st.html(
        f"<script>fetch({script_literal(base_path() + route)}, {{method: 'POST', credentials: 'same-origin', "
        "headers: {'Content-Type': 'application/x-www-form-urlencoded'}, "
        f"body: {script_literal(urlencode(fields))}}})</script>",
        unsafe_allow_javascript=True,
    )


def sso_configured() -> bool:
    """Whether single sign-on is set up: an ``[auth]`` section in
    Streamlit's secrets (.streamlit/secrets.toml)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # an unreadable secrets file: no single sign-on
        return False


def _sso_user() -> store.User | None:
    """The store's user for the identity the provider signed in, with a
    session of our own; None (refused, audited once) when there is none."""
    email = str(st.user.get("email") or "")
    if st.session_state.get(SSO_REFUSED_KEY, (None,))[0] == email:
        return None
    verified = st.user.get("email_verified")
    try:
        token = store.sign_in_identity(home(), email, email_verified=None if verified is None else bool(verified))
    except UnionKpiError as error:
        st.session_state[SSO_REFUSED_KEY] = (email, error.zh, error.en)
        return None
    st.session_state[TOKEN_KEY] = token
    return store.session_user(home(), token)


def sign_in_form(lang: Lang) -> None:
    st.title(t("signin.title", lang))
    if sso_configured():
        refused = st.session_state.get(SSO_REFUSED_KEY)
        if refused and st.user.get("is_logged_in"):
            message = refused[1] if lang == "zh" else refused[2]
            st.error(message.replace(refused[0], as_code(refused[0])) if refused[0] else message)  # as typed
            if st.button(t("signin.sso_switch", lang), key="sso_switch"):
                st.session_state.pop(SSO_REFUSED_KEY, None)
                st.logout()
        elif st.button(t("signin.sso", lang), key="sso_login", type="primary"):
            if st.session_state.pop(SSO_PAUSED_KEY, False) and st.user.get("is_logged_in"):
                st.rerun()  # the identity is still there: sign in with it again
            try:
                st.login()  # to the identity provider and back
            except Exception as error:  # Authlib missing, or an incomplete [auth] section
                st.error(t("signin.sso_unavailable", lang, error=error))
    with st.form("sign_in", border=True):
        username = st.text_input(t("signin.username", lang))
        password = st.text_input(t("signin.password", lang), type="password")
        submitted = st.form_submit_button(t("signin.submit", lang), type="primary")
    if submitted:
        try:
            st.session_state[TOKEN_KEY] = store.sign_in(home(), username.strip(), password)
        except UnionKpiError as error:
            st.error(error.zh if lang == "zh" else error.en)
            return
        st.rerun()


def sign_out() -> None:
    """End the session everywhere and clear the browser's cookie (on the
    next run, by keep_cookie_in_step)."""
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        user = store.session_user(home(), token)
        store.sign_out(home(), token)
        audit(user, "sign_out")
    st.session_state[CLEAR_COOKIE_KEY] = st.session_state.pop(IN_COOKIE_KEY, False)
    if st.user.get("is_logged_in"):
        st.logout()  # else the provider's identity signs the session straight back in


def audit(user: store.User | None, action: str, ok: bool = True, **detail: Any) -> None:
    store.log(home(), user.username if user else None, action, ok, **detail)


def role_label(user: store.User, lang: Lang) -> str:
    label = t(f"role.{user.role}", lang)
    return f"{label} · {user.district_code}" if user.district_code else label
