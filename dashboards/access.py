"""Who is looking: the signed-in user of this Streamlit session, their
district scope for the data-access layer, and the sign-in form. Sessions,
users and the audit log live in the app-state store (trust.store)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.i18n import Lang, t
from ingest.errors import UnionKpiError
from ingest.paths import Home
from trust import store

TOKEN_KEY = "session_token"


def home(root: str | Path | None = None) -> Home:
    from dashboards.queries import home_dir

    return Home(home_dir(root))


def current_user() -> store.User | None:
    token = st.session_state.get(TOKEN_KEY)
    user = store.session_user(home(), token)
    if user is None and token:
        st.session_state.pop(TOKEN_KEY, None)  # expired
    return user


def sign_in_form(lang: Lang) -> None:
    st.title(t("signin.title", lang))
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


def audit(user: store.User | None, action: str, **detail: object) -> None:
    store.log(home(), user.username if user else None, action, **detail)


def role_label(user: store.User, lang: Lang) -> str:
    label = t(f"role.{user.role}", lang)
    return f"{label} · {user.district_code}" if user.district_code else label
