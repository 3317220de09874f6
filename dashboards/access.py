"""Who is looking: the signed-in user of this Streamlit session, their
district scope for the data-access layer, and the sign-in form. Sessions,
users and the audit log live in the app-state store (trust.store).

Single sign-on is an option: when Streamlit's secrets have an ``[auth]``
section, the form also offers ``st.login()`` (OpenID Connect), and the
identity the provider returns is mapped to a user of the store by e-mail
(docs/trust.md)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.i18n import Lang, t
from ingest.errors import UnionKpiError
from ingest.paths import Home
from trust import store

TOKEN_KEY = "session_token"
# The e-mail of a single sign-on identity already refused in this session
# (refused and audited once, not on every rerun), and why.
SSO_REFUSED_KEY = "sso_refused"


def home(root: str | Path | None = None) -> Home:
    from dashboards.queries import home_dir

    return Home(home_dir(root))


def current_user() -> store.User | None:
    token = st.session_state.get(TOKEN_KEY)
    user = store.session_user(home(), token)
    if user is None and token:
        st.session_state.pop(TOKEN_KEY, None)  # expired
    if user is None and sso_configured() and st.user.get("is_logged_in"):
        user = _sso_user()
    return user


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
            st.error(refused[1] if lang == "zh" else refused[2])
            if st.button(t("signin.sso_switch", lang), key="sso_switch"):
                st.session_state.pop(SSO_REFUSED_KEY, None)
                st.logout()
        elif st.button(t("signin.sso", lang), key="sso_login", type="primary"):
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
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        store.sign_out(home(), token)
    if st.user.get("is_logged_in"):
        st.logout()  # else the provider's identity signs the session straight back in


def audit(user: store.User | None, action: str, **detail: object) -> None:
    store.log(home(), user.username if user else None, action, **detail)


def role_label(user: store.User, lang: Lang) -> str:
    label = t(f"role.{user.role}", lang)
    return f"{label} · {user.district_code}" if user.district_code else label
