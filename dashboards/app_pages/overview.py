"""总览 Overview: the city's KPIs for the chosen year (cards), then one metric
compared across districts (bar chart), through the months (trend) and as a
ranking table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from dashboards import cards, charts, data, i18n, metrics, tables, ui
from dashboards.i18n import Lang, t

if TYPE_CHECKING:  # Streamlit's type for column_config values; typing only.
    from streamlit.elements.lib.column_types import ColumnConfig

METRIC_KEY = "metric"  # the chosen metric's widget key and URL parameter

# Status words in the ranking table, in the text colours of the card badges.
STATUS_TEXT = {state: colour for state, (_bg, colour) in ui.BADGE_COLOURS.items()}


def ranking_config(metric: str, lang: Lang) -> dict[str, ColumnConfig]:
    """Labels and number formats for the ranking table's columns."""
    _scale, unit = i18n.display_unit(metric, lang)
    kind = i18n.metric_kind(metric)
    number = {"count": "%,d", "money": "%,.2f", "rate": "%.1f%%"}[kind]
    is_rate = kind == "rate"
    return {
        "rank": st.column_config.NumberColumn(t("table.rank", lang), format="%d", width="small"),
        "district": st.column_config.TextColumn(t("table.district", lang), width="small"),
        "actual": st.column_config.NumberColumn(t("table.actual", lang, unit=unit), format=number),
        "yoy": st.column_config.NumberColumn(
            t("table.yoy_pp" if is_rate else "table.yoy", lang),
            format="%+.1f" if is_rate else "%+.1f%%",
        ),
        "target": st.column_config.NumberColumn(t("table.target", lang, unit=unit), format=number),
        "completion": st.column_config.ProgressColumn(
            t("table.completion", lang),
            format="%.1f%%",
            min_value=0,
            max_value=100,
            # One neutral colour: the status column says good or bad.
            color=charts.THIS_YEAR_COLOUR,
        ),
        "status": st.column_config.TextColumn(t("table.status", lang)),
    }


def render() -> None:
    lang = ui.current_lang()
    meta = data.meta()
    year = ui.current_year(meta.data_date.year)
    last_month = meta.data_date.month if year == meta.data_date.year else 12

    st.title(t("overview.title", lang))
    st.caption(
        t(
            "overview.subtitle",
            lang,
            period=i18n.period_label(year, last_month, lang),
            date=i18n.format_date(meta.data_date, lang),
        )
    )

    definitions = data.definitions()
    names = tables.metric_names(definitions, lang)
    city = data.city_year(year).set_index("metric")
    months = data.city_months(year)

    # Cards: three to a row reads well from a laptop to a meeting-room screen.
    for start in range(0, len(metrics.OVERVIEW_METRICS), 3):
        for column, metric in zip(st.columns(3), metrics.OVERVIEW_METRICS[start : start + 3], strict=False):
            with column:
                ui.kpi_card(
                    cards.build_card(
                        metric,
                        city.loc[metric].to_dict() if metric in city.index else None,
                        name=names.get(metric, metric),
                        help_text=tables.metric_help(definitions, metric, lang),
                        lang=lang,
                    )
                )

    st.space("small")
    heading, chooser = st.columns([3, 2], vertical_alignment="bottom")
    heading.subheader(t("overview.by_district", lang))
    ui.seed_from_url(METRIC_KEY, metrics.OVERVIEW_METRICS, metrics.OVERVIEW_METRICS[0])
    metric = chooser.selectbox(
        t("overview.metric", lang),
        options=list(metrics.OVERVIEW_METRICS),
        format_func=lambda m: names.get(m, m),
        key=METRIC_KEY,
        label_visibility="collapsed",
        # Remember the choice while the reader visits another page.
        persist_state="session",
    )
    ui.write_to_url(METRIC_KEY, metric, metrics.OVERVIEW_METRICS[0])
    name = names.get(metric, metric)
    scale, unit = i18n.display_unit(metric, lang)
    by_district = data.district_year(year, metric)

    left, right = st.columns([3, 2])
    with left:
        bars = tables.bar_frame(by_district, metric, lang)
        if i18n.metric_kind(metric) == "rate":
            # A rate's reference is the city's own rate, not a mean of rates.
            reference = city.loc[metric, "actual"] if metric in city.index else None
            reference_label = t("chart.city_rate", lang)
        else:
            reference = by_district["actual"].mean()
            reference_label = t("chart.average", lang)
        reference_text = i18n.format_value(reference, metric, lang)
        st.plotly_chart(
            charts.district_bar(
                bars,
                title=name,
                subtitle=t("overview.bar_subtitle", lang, unit=unit),
                reference=None if reference is None else reference / scale,
                reference_label=f"{reference_label} {reference_text}",
                target_label=t("chart.target", lang),
            ),
            theme=None,
            config={"displaylogo": False},
        )
    with right:
        st.plotly_chart(
            charts.monthly_trend(
                tables.trend_frame(months, year, metric, lang),
                tables.trend_frame(months, year - 1, metric, lang),
                month_labels=[i18n.month_label(m, lang) for m in range(1, 13)],
                this_name=t("chart.this_year", lang, year=year),
                last_name=t("chart.this_year", lang, year=year - 1),
                title=name,
                subtitle=t("overview.trend_subtitle", lang, unit=unit),
            ),
            theme=None,
            config={"displaylogo": False},
        )
        if metric == "certified_enterprises":
            st.caption(t("overview.cert_month_note", lang))

    st.markdown(f"**{t('overview.ranking', lang)} · {name}**")
    ranking = tables.ranking(by_district, metric, lang)
    status_colours = {t(f"status.{state}", lang): colour for state, colour in STATUS_TEXT.items()}
    st.dataframe(
        ranking.style.map(
            lambda text: f"color: {status_colours.get(text, 'inherit')}; font-weight: 600",
            subset=["status"],
        ),
        column_config=ranking_config(metric, lang),
        hide_index=True,
        placeholder="—",
        # Tall enough for all sixteen districts without an inner scrollbar.
        height=35 * (len(ranking) + 1) + 3,
    )


with ui.warehouse_guard():
    render()
