"""追讨欠薪 Recovered wages: wage-arrears cases opened in the chosen period
and districts, amounts owed and recovered, breakdowns by district, source,
industry and status, and the drill from a district to its streets and
cases (with the employer and its credit code)."""

from __future__ import annotations

from dashboards import data, i18n, subject_ui, subjects, ui
from dashboards.i18n import t
from dashboards.subject_ui import Card

EMPTY_TOTALS: dict[str, object] = {
    "cases": 0,
    "workers": 0,
    "owed_yuan": 0.0,
    "recovered_yuan": 0.0,
    "resolved": 0,
    "open_cases": 0,
    "share": None,
    "recovery_rate": None,
    "days_mean": None,
}


def cards(now: dict[str, object], before: dict[str, object], lang: i18n.Lang) -> list[Card]:
    fields = subjects.WAGE_FIELDS

    def label(key: str) -> str:
        return subjects.field(fields, key).label(lang)

    def value(key: str) -> str:
        return subjects.format_measure(now.get(key), subjects.field(fields, key), lang)

    def change(key: str, *, rate: bool = False, good: bool | None = None) -> subject_ui.Change:
        return subject_ui.yoy(now.get(key), before.get(key), rate=rate, rise_is_good=good, lang=lang)

    resolved = i18n.format_number(now.get("resolved"), "unit.cases", lang)
    return [
        Card(t("m.cases", lang), value("cases"), help_text=t("help.wages", lang), **change("cases")),
        Card(t("m.workers", lang), value("workers"), **change("workers")),
        Card(t("m.wages_recovered", lang), value("recovered_yuan"), **change("recovered_yuan", good=True)),
        Card(
            label("recovery_rate"),
            value("recovery_rate"),
            note=t("card.recovery_note", lang, owed=value("owed_yuan")),
            **change("recovery_rate", rate=True, good=True),
        ),
        Card(t("m.owed", lang), value("owed_yuan"), **change("owed_yuan")),
        Card(label("days_mean"), value("days_mean"), note=t("card.resolved_note", lang, count=resolved)),
        Card(t("m.open", lang), value("open_cases")),
    ]


PAGE = subject_ui.CasePage(
    subject="wages",
    breakdown=data.wage_breakdown,
    records=data.wage_records,
    empty=EMPTY_TOTALS,
    cards=cards,
    dimensions=subjects.WAGE_DIMENSIONS,
    fields=subjects.WAGE_FIELDS,
    chart_measures=subjects.WAGE_CHART_MEASURES,
    record_fields=subjects.WAGE_RECORD_FIELDS,
)


def render() -> None:
    subject_ui.case_page(PAGE)


with ui.warehouse_guard():
    render()
