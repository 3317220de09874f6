"""指标口径 Definitions: the published glossary (marts.kpi_definitions), so
every figure on the dashboards can be traced to how it is counted."""

from __future__ import annotations

import streamlit as st

from dashboards import data, tables, ui
from dashboards.i18n import t


def render() -> None:
    lang = ui.current_lang()
    st.title(t("definitions.title", lang))
    st.caption(t("definitions.caption", lang))
    search = st.text_input(
        t("definitions.search", lang),
        key="definitions_search",
        placeholder=t("definitions.search", lang),
        label_visibility="collapsed",
        width=360,
    )
    glossary = tables.glossary(data.definitions(), lang, search)
    if glossary.empty:
        st.info(t("definitions.empty", lang))
        return
    # st.table wraps long definitions instead of cutting them off.
    st.table(
        glossary.rename(
            columns={
                "metric": t("definitions.metric", lang),
                "code": t("definitions.code", lang),
                "definition": t("definitions.definition", lang),
                "unit": t("definitions.unit", lang),
                "source": t("definitions.source", lang),
            }
        ),
        hide_index=True,
    )
    st.subheader(t("definitions.derived", lang))
    st.markdown(t("definitions.derived_text", lang))


with ui.warehouse_guard():
    render()
