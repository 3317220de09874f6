"""法律援助 Legal aid: cases received in the chosen period and districts,
their figures (collective cases, new-employment-form share, days to close),
breakdowns by district, dispute type, industry, channel, outcome and
service, and the drill from a district to its streets and cases."""

from __future__ import annotations

from dashboards import data, i18n, subject_ui, subjects, ui
from dashboards.i18n import t
from dashboards.subject_ui import Card

EMPTY_TOTALS: dict[str, object] = {
    "cases": 0,
    "workers": 0,
    "closed": 0,
    "mediated": 0,
    "recovered_yuan": 0.0,
    "claimed_yuan": 0.0,
    "collective_cases": 0,
    "collective_workers": 0,
    "new_form_cases": 0,
    "new_form_workers": 0,
    "share": None,
    "mediation_rate": None,
    "new_form_share": None,
    "days_mean": None,
    "workdays_mean": None,
}


def cards(figures: subject_ui.Figures) -> list[Card]:
    lang, now = figures.lang, figures.now
    closed = i18n.format_number(now.get("closed"), "cases", lang)
    return [
        figures.card("cases", compared=True, help_text=t("help.legal_aid", lang)),
        figures.card("workers", compared=True),
        figures.card("recovered_yuan", compared=True),
        figures.card("mediation_rate", compared=True, note=t("card.rate_note", lang, count=closed)),
        figures.card(
            "collective_cases",
            note=t(
                "card.collective_note",
                lang,
                workers=i18n.format_number(now.get("collective_workers"), "workers", lang),
            ),
        ),
        figures.card(
            "new_form_share",
            note=t("card.share_note", lang, count=i18n.format_number(now.get("new_form_workers"), "workers", lang)),
        ),
        figures.card("days_mean", note=t("card.days_note", lang, count=closed)),
        figures.card("workdays_mean", note=t("card.days_note", lang, count=closed)),
    ]


PAGE = subject_ui.CasePage(
    subject="legal_aid",
    breakdown=data.legal_aid_breakdown,
    records=data.legal_aid_records,
    empty=EMPTY_TOTALS,
    cards=cards,
    dimensions=subjects.LEGAL_AID_DIMENSIONS,
    fields=subjects.LEGAL_AID_FIELDS,
    chart_measures=subjects.LEGAL_AID_CHART_MEASURES,
    record_fields=subjects.LEGAL_AID_RECORD_FIELDS,
)


def render() -> None:
    subject_ui.case_page(PAGE)


with ui.warehouse_guard():
    render()
