"""指标口径 Definitions: the published glossary (marts.kpi_definitions), so
every figure on the dashboards can be traced to how it is counted, and for
each metric the dbt models that make it, their tests and their place in the
lineage (marts.kpi_lineage, which dbt writes from its own project graph)."""

from __future__ import annotations

import streamlit as st

from dashboards import access, data, downloads, gateway, queries, tables, ui
from dashboards.i18n import Lang, t


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
    amber_points = f"{data.status_amber_band() * 100:g}"
    st.markdown(t("definitions.derived_text", lang, amber_points=amber_points))
    lineage_section(glossary["code"].tolist(), lang)


def lineage_section(metrics: list[str], lang: Lang) -> None:
    """The models, tests and docs anchors of the metrics the glossary shows."""
    st.subheader(t("definitions.lineage", lang))
    lineage = queries.kpi_lineage()
    if lineage.empty:
        st.info(t("definitions.no_lineage", lang))
        return
    docs = gateway.dbt_docs(access.home())
    may_export = downloads.CAN_EXPORT.get()
    linked = docs is not None and may_export
    sentences = [t("definitions.lineage_text", lang)]
    if linked:
        sentences.append(t("definitions.lineage_links", lang))
    elif not may_export:
        sentences.append(t("definitions.lineage_closed", lang))
    # (one who may export, before a build wrote the docs, is offered nothing)
    st.caption(("" if lang == "zh" else " ").join(sentences))
    downloads.dbt_docs_button(docs, lang)
    shown = tables.lineage(lineage, metrics, data.definitions(), lang)
    anchor = t("definitions.anchor", lang)
    config = {}
    if linked:
        # each model's page in the docs site the server serves (session_web.dbt_docs)
        shown["docs_anchor"] = access.base_path() + access.DOCS_ROUTE + shown["docs_anchor"]
        config[anchor] = st.column_config.LinkColumn(anchor, display_text=t("definitions.open_docs", lang))
    else:
        # an anchor into docs this reader cannot open is of no use to them
        shown = shown.drop(columns="docs_anchor")
    st.dataframe(
        shown.rename(
            columns={
                "metric": t("definitions.metric", lang),
                "model_name": t("definitions.model", lang),
                "parent_models": t("definitions.parents", lang),
                "data_tests": t("definitions.tests", lang),
                "docs_anchor": anchor,
            }
        ),
        column_config=config,
        hide_index=True,
    )
    model_sql_section(sorted(set(shown["model_name"])), lang)


def model_sql_section(models: list[str], lang: Lang) -> None:
    """One model's SQL as written in the project, chosen from the lineage's
    models: the definition, its SQL and its tests on one page."""
    sources = gateway.model_sources(access.home())
    models = [model for model in models if model in sources]
    if not models:
        return
    chosen = st.selectbox(t("definitions.sql_model", lang), models, key="definitions_sql_model")
    source = sources[chosen]
    st.caption(t("definitions.sql_caption", lang, path=f"dbt/{source.path}"))
    st.code(source.sql, language="sql", line_numbers=True)


with ui.warehouse_guard():
    render()
