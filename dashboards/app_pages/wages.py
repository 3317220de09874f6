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


def cards(figures: subject_ui.Figures) -> list[Card]:
    lang = figures.lang
    resolved = i18n.format_number(figures.now.get("resolved"), "cases", lang)
    return [
        figures.card("cases", compared=True, help_text=t("help.wages", lang)),
        figures.card("workers", compared=True),
        figures.card("recovered_yuan", compared=True),
        figures.card(
            "recovery_rate", compared=True, note=t("card.recovery_note", lang, owed=figures.value("owed_yuan"))
        ),
        figures.card("owed_yuan", compared=True),
        figures.card("days_mean", note=t("card.resolved_note", lang, count=resolved)),
        figures.card("open_cases"),
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
