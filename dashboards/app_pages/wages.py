"""追讨欠薪 Recovered wages: wage-arrears cases opened in the chosen period
and districts, amounts owed and recovered, breakdowns by district, source,
industry and status, and the drill from a district to its streets and
cases (with the employer and its credit code)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, i18n, periods, subject_ui, subjects, ui
from dashboards.i18n import t
from dashboards.subject_ui import Card, Context

EMPTY_TOTALS = {
    "cases": 0,
    "workers": 0,
    "owed_yuan": 0.0,
    "recovered_yuan": 0.0,
    "resolved": 0,
    "open_cases": 0,
    "days_mean": None,
    "days_median": None,
}


def totals(frame: pd.DataFrame) -> dict[str, object]:
    if frame.empty:
        return dict(EMPTY_TOTALS, recovery_rate=None, share=None)
    return subjects.enrich_wages(frame).iloc[0].to_dict()


def cards(now: dict[str, object], before: dict[str, object], lang: i18n.Lang) -> list[Card]:
    fields = subjects.WAGE_FIELDS

    def value(key: str) -> str:
        return subjects.format_measure(now.get(key), subjects.field(fields, key), lang)

    def change(key: str, *, rate: bool = False, good: bool | None = None) -> dict[str, object]:
        delta, colour = subject_ui.yoy(now.get(key), before.get(key), rate=rate, rise_is_good=good, lang=lang)
        return {"delta": delta, "delta_colour": colour}

    resolved = i18n.format_number(now.get("resolved"), "unit.cases", lang)
    return [
        Card(t("m.cases", lang), value("cases"), help_text=t("help.wages", lang), **change("cases")),
        Card(t("m.workers", lang), value("workers"), **change("workers")),
        Card(t("m.wages_recovered", lang), value("recovered_yuan"), **change("recovered_yuan", good=True)),
        Card(
            t("m.recovery_rate", lang),
            value("recovery_rate"),
            note=t("card.recovery_note", lang, owed=value("owed_yuan")),
            **change("recovery_rate", rate=True, good=True),
        ),
        Card(t("m.owed", lang), value("owed_yuan"), **change("owed_yuan")),
        Card(t("m.resolve_days_mean", lang), value("days_mean"), note=t("card.resolved_note", lang, count=resolved)),
        Card(
            t("m.resolve_days_median", lang), value("days_median"), note=t("card.resolved_note", lang, count=resolved)
        ),
        Card(t("m.open", lang), value("open_cases")),
    ]


def render() -> None:
    lang = ui.current_lang()
    meta = data.meta()
    districts = data.districts()
    filters = ui.subject_filters(lang, meta.data_date, districts)
    period = filters.period
    context = Context(
        subject="wages",
        title=t("nav.wages", lang),
        lang=lang,
        filters=filters,
        districts=districts,
        scope=subjects.scope_label(filters.districts, districts, lang),
        period=period.label(lang),
    )
    subject_ui.heading(context)

    last_year = periods.same_period_last_year(period)
    now = totals(data.wage_breakdown(None, period.start, period.end, filters.districts))
    before = totals(data.wage_breakdown(None, last_year.start, last_year.end, filters.districts))
    subject_ui.card_rows(cards(now, before, lang), lang)

    st.space("small")
    subject_ui.breakdown_section(
        context,
        dimensions=subjects.WAGE_DIMENSIONS,
        fields=subjects.WAGE_FIELDS,
        chart_measures=subjects.WAGE_CHART_MEASURES,
        fetch=lambda dimension: subjects.enrich_wages(
            data.wage_breakdown(dimension, period.start, period.end, filters.districts)
        ),
    )

    st.space("small")
    subject_ui.drill_section(
        context,
        fields=subjects.WAGE_FIELDS,
        measure_key="cases",
        fetch_streets=lambda district: subjects.enrich_wages(
            data.wage_breakdown("subdistrict", period.start, period.end, (district,))
        ),
        fetch_records=lambda district, street, all_streets: data.wage_records(
            district, street, all_streets, period.start, period.end
        ),
        record_fields=subjects.WAGE_RECORD_FIELDS,
    )


with ui.warehouse_guard():
    render()
