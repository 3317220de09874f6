"""和谐企业创建 Certifications: the year's campaign by status and district,
enterprises certified in the chosen period, certified enterprises in force
on a chosen day (by district and industry), and the drill from a district
to its streets and enterprises."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import charts, data, downloads, i18n, periods, subject_ui, subjects, ui
from dashboards.export import Column
from dashboards.i18n import Lang, t
from dashboards.subject_ui import Card, Context

ON_KEY = "on"  # the in-force day's widget key and URL parameter
_ON_DEFAULT = "_on_default"  # the default the widget was last seeded with
EARLIEST = date(2000, 1, 1)


def in_force_day(lang: Lang, default: date, data_date: date) -> date:
    """The "in force on" date picker. It follows the period's end until the
    reader picks another day; that day is kept in the URL."""
    if ON_KEY not in st.session_state:
        try:
            linked = date.fromisoformat(st.query_params.get(ON_KEY) or "")
        except ValueError:
            linked = default
        # A day outside the picker's range would make Streamlit raise.
        st.session_state[ON_KEY] = linked if EARLIEST <= linked <= data_date else default
    elif st.session_state[ON_KEY] == st.session_state.get(_ON_DEFAULT):
        st.session_state[ON_KEY] = default
    st.session_state[_ON_DEFAULT] = default
    day = st.date_input(
        t("cert.on_date", lang),
        key=ON_KEY,
        min_value=EARLIEST,
        max_value=data_date,
        format="YYYY-MM-DD",
        width=220,
    )
    chosen = day if isinstance(day, date) else default
    ui.write_to_url(ON_KEY, None if chosen == default else chosen.isoformat(), None)
    return chosen


def status_section(context: Context, year: int) -> None:
    lang = context.lang
    frame = data.certification_status("district", year, context.filters.districts)
    title = t("cert.status_title", lang, year=year)
    st.subheader(title)
    if frame.empty:
        st.info(t("subject.empty", lang))
        return
    matrix = subjects.status_matrix(frame, context.districts, lang)
    chart_rows = matrix.assign(label=matrix["short_label"])
    series = [
        (key, i18n.category_label(status, lang), charts.category_colour("certification_status", status))
        for key, status in subjects.status_columns()
    ]
    left, right = st.columns([1, 1])
    with left:
        fig = charts.stacked_bar(
            chart_rows,
            series=series,
            title=context.chart_title(title),
            caption=context.caption(period=t("col.campaign_year", lang) + f" {year}"),
            subtitle=i18n.unit_word("enterprises", lang),
        )
        downloads.show_chart(fig, stem=context.stem(title), lang=lang, key="certifications-status")
    with right:
        label = Column("label", t("dim.district", lang))
        downloads.show_table(
            matrix,
            label=label,
            fields=subjects.STATUS_FIELDS,
            export_columns=[
                Column("district_code", t("col.district_code", lang), "code"),
                label,
                *subjects.export_columns(None, subjects.STATUS_FIELDS, lang),
            ],
            lang=lang,
            stem=context.stem(title),
            key="certifications-status",
            about=context.about(title),
        )


def figure_cards(context: Context, on: date) -> None:
    """The campaign, how many passed, the enterprises certified in the
    period and those in force on the day ``on``."""
    lang, filters = context.lang, context.filters
    year = filters.period.year
    campaign = data.certification_status(None, year, filters.districts)
    whole = (
        campaign.iloc[0]
        if not campaign.empty
        else pd.Series({"total": 0, "campaign_certified": 0, "certification_pass_rate": None})
    )
    in_force = data.certifications_in_force(None, on, filters.districts)
    in_force_count = int(in_force["enterprises"].sum()) if not in_force.empty else 0
    in_force_employees = int(in_force["employees"].sum()) if not in_force.empty else 0
    new_in_period = data.certified_between(filters.period.start, filters.period.end, filters.districts)

    def count(value: int, unit: str = "enterprises") -> str:
        return i18n.format_number(value, unit, lang)

    subject_ui.card_rows(
        [
            Card(
                t("m.campaign", lang),
                count(int(whole["total"])),
                note=t("col.campaign_year", lang) + f" {year}",
                help_text=t("help.certifications", lang, year=year),
            ),
            Card(
                i18n.metric_short_name("certified_enterprises", lang),
                count(int(whole["campaign_certified"])),
                help_text=f"{i18n.metric_definition('certified_enterprises', lang) or ''}\n\n"
                f"{i18n.metric_short_name('certification_pass_rate', lang)}: "
                f"{i18n.metric_definition('certification_pass_rate', lang) or ''}",
                note=i18n.metric_short_name("certification_pass_rate", lang)
                + " "
                + i18n.format_rate(whole["certification_pass_rate"], lang),
            ),
            Card(t("m.certified_in_period", lang), count(new_in_period), note=context.period),
            Card(
                i18n.metric_short_name("certified_in_force", lang),
                count(in_force_count),
                help_text=i18n.metric_definition("certified_in_force", lang),
                note=t("card.in_force_note", lang, date=i18n.format_date(on, lang))
                + " · "
                + count(in_force_employees, "workers"),
            ),
        ],
        lang,
    )


def in_force_sections(context: Context, on: date) -> None:
    """The breakdown and the drill of the enterprises in force on ``on``."""
    lang, filters = context.lang, context.filters
    when = t("subject.on_date", lang, date=i18n.format_date(on, lang))
    subject_ui.breakdown_section(
        context,
        dimensions=subjects.CERTIFICATION_DIMENSIONS,
        fields=subjects.IN_FORCE_FIELDS,
        chart_measures=("enterprises", "employees"),
        fetch=lambda dimension: data.certifications_in_force(dimension, on, filters.districts),
        when=when,
    )

    st.space("small")
    subject_ui.drill_section(
        context,
        fields=subjects.IN_FORCE_FIELDS,
        measure_key="enterprises",
        fetch_streets=lambda district: data.certifications_in_force("subdistrict", on, (district,)),
        fetch_records=lambda district, street, all_streets: data.certification_records(
            district, street, all_streets, on
        ),
        record_fields=subjects.CERTIFICATION_RECORD_FIELDS,
        note=t("cert.drill_note", lang),
        when=when,
    )


def render() -> None:
    lang = ui.current_lang()
    meta = data.meta()
    districts = data.districts()
    filters = ui.subject_filters(lang, meta.data_date, districts)
    period = filters.period
    context = Context(
        subject="certifications",
        title=t("nav.certifications", lang),
        lang=lang,
        filters=filters,
        districts=districts,
        scope=subjects.scope_label(filters.districts, districts, lang),
        period=period.label(lang),
    )
    subject_ui.heading(context)
    on = in_force_day(lang, periods.in_force_date(period, meta.data_date), meta.data_date)
    st.caption(t("help.certifications", lang, year=period.year))
    figure_cards(context, on)

    st.space("small")
    status_section(context, period.year)

    st.space("small")
    in_force_sections(context, on)


with ui.warehouse_guard():
    render()
