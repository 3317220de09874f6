"""Entry point for ``streamlit run dashboards/app.py``: page setup, the shared
sidebar (language, year, data date) and the router over ``app_pages/``."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

# Streamlit puts this file's folder on sys.path, not the repository root;
# the pages import the ``dashboards`` package from there.
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import streamlit as st

from dashboards import access, data, downloads, gateway, i18n, queries, ui
from dashboards.i18n import t
from dashboards.queries import WarehouseMeta, WarehouseUnavailable

PAGES = Path(__file__).resolve().parent / "app_pages"

# Data leaves the app only through its own export buttons (dashboards/
# downloads.py): no built-in CSV download or clipboard copy on tables.
# Streamlit's own switch is set in dashboards/.streamlit/config.toml, which
# `streamlit run dashboards/app.py` reads before the first page; setting it
# here too covers a server started without that file (it then reaches the
# browser from the next run on, and ui.inject_css() hides the button before).
st.set_option("client.disableDataExport", True)

st.set_page_config(
    layout="wide",
    page_title=i18n.LABELS["app.title"][0],
    page_icon=":material/monitoring:",
)
ui.inject_css()

with st.sidebar:
    # The language lives in the URL (?lang=en) so a shared link opens in the
    # reader's language; Chinese is the default and leaves the URL clean.
    ui.seed_from_url(ui.LANG_KEY, i18n.LANGS, i18n.DEFAULT_LANG)
    st.segmented_control(
        t("sidebar.language", "zh"),
        options=list(i18n.LANGS),
        format_func=lambda code: i18n.LANG_NAMES[code],
        required=True,
        key=ui.LANG_KEY,
    )
    lang = ui.current_lang()
    ui.write_to_url(ui.LANG_KEY, lang, i18n.DEFAULT_LANG)

pages = [
    st.Page(
        PAGES / "overview.py",
        title=t("nav.overview", lang),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        PAGES / "legal_aid.py",
        title=t("nav.legal_aid", lang),
        icon=":material/gavel:",
        url_path="legal-aid",
    ),
    st.Page(
        PAGES / "wages.py",
        title=t("nav.wages", lang),
        icon=":material/payments:",
        url_path="wages",
    ),
    st.Page(
        PAGES / "certifications.py",
        title=t("nav.certifications", lang),
        icon=":material/verified:",
        url_path="certifications",
    ),
    st.Page(
        PAGES / "definitions.py",
        title=t("nav.definitions", lang),
        icon=":material/menu_book:",
        url_path="definitions",
    ),
]

# Everything past this point needs a signed-in user; the user's district
# scope is applied to every query by the data-access layer. The pages are
# registered (hidden) before signing in, so the page a link asked for is
# the one shown afterwards.
user = access.current_user()
access.keep_cookie_in_step()
data_page = st.Page(PAGES / "data.py", title=t("nav.data", lang), icon=":material/database:", url_path="data")
if user is None:
    st.navigation([*pages, data_page], position="hidden")
    access.sign_in_form(lang)
    st.stop()
queries.SCOPE.set(user.district_scope)
downloads.CAN_EXPORT.set(user.may("export"))
downloads.ON_EXPORT.set(lambda file_name: access.audit(user, "export", file=file_name))
queries.ON_REFUSAL.set(lambda asked: access.audit(user, "scope_refused", asked=asked, page=st.context.url))
if user.district_scope is not None:
    # A link, or a filter or drill-down value sent by a doctored browser,
    # naming other districts is narrowed to the user's own district by the
    # pages and the data layer; record it.
    asked = sorted(
        {
            str(code).strip()
            for key in (ui.DISTRICTS_KEY, "drill")
            for value in (st.query_params.get(key), st.session_state.get(key))
            for code in (value.split(",") if isinstance(value, str) else value or ())
            if str(code).strip() and str(code).strip() != user.district_scope
        }
    )
    if asked:
        access.audit(user, "scope_refused", asked=asked, page=st.context.url)

# Every query of the run, the sidebar's and the page's, reads one warehouse
# over one connection (opening the DuckDB file costs more than most of the
# queries); a warehouse that cannot be read is the page's to say
# (ui.warehouse_guard).
run_block = contextlib.ExitStack()
with contextlib.suppress(WarehouseUnavailable):
    run_block.enter_context(queries.reading())
with run_block:
    with st.sidebar:
        st.caption(t("signin.as", lang, user=ui.as_code(user.username), role=access.role_label(user, lang)))
        if st.button(t("signin.sign_out", lang), key="sign_out"):
            access.sign_out()
            st.rerun()

        @st.fragment(run_every=access.SESSION_CHECK_SECONDS)
        def _watch_session() -> None:
            """A sign-out or expiry in another tab ends this one too."""
            if access.current_user() is None:
                st.rerun()

        _watch_session()

        meta: WarehouseMeta | None
        try:
            meta = data.meta()
            years = data.years() or [meta.data_date.year]
            i18n.DIMENSIONS.set(data.dimensions())
        except WarehouseUnavailable:
            meta = None
        if meta is not None:
            # Default: the year of the data date (数据截至).
            default_year = meta.data_date.year if meta.data_date.year in years else years[0]
            ui.seed_from_url(ui.YEAR_KEY, years, default_year, parse=int)
            year = st.selectbox(t("sidebar.year", lang), options=years, key=ui.YEAR_KEY)
            ui.write_to_url(ui.YEAR_KEY, year, default_year)
            st.markdown(f"**{t('sidebar.data_date', lang)}** {i18n.format_date(meta.data_date, lang)}")
            if meta.built_at is not None:
                st.caption(
                    t(
                        "sidebar.built_at",
                        lang,
                        when=meta.built_at.strftime("%Y-%m-%d %H:%M"),
                    )
                )
        else:
            st.markdown(f"**{t('sidebar.data_date', lang)}** {t('sidebar.no_data', lang)}")

    held = gateway.held_back(access.home())
    if held:
        checks = "、".join(sorted({f["name"] for f in held.get("failures", [])}))
        st.warning(t("notice.held_back", lang, at=held.get("at", "")[:16].replace("T", " "), checks=checks), icon="⚠️")

    if user.may("ingest"):
        pages.append(data_page)
    navigation = st.navigation(pages)
    if navigation.url_path == data_page.url_path:
        # the data page starts builds and waits for them: it must not hold the
        # warehouse it publishes (on PostgreSQL the publish would wait for it)
        run_block.close()
    navigation.run()
