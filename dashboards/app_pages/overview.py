"""总览 Overview: the city's KPIs for the chosen year (cards), then one metric
compared across districts (bar chart and map), through the months (trend)
and as a ranking table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from dashboards import (
    brief,
    cards,
    charts,
    data,
    district_map,
    downloads,
    export,
    i18n,
    metrics,
    periods,
    queries,
    subjects,
    tables,
    ui,
)
from dashboards.export import Column, ColumnKind
from dashboards.i18n import Lang, t
from kernel.home import Home

if TYPE_CHECKING:  # Streamlit's type for column_config values; typing only.
    from streamlit.elements.lib.column_types import ColumnConfig

METRIC_KEY = "metric"  # the chosen metric's widget key and URL parameter

# Status words in the ranking table, in the text colours of the card badges.
STATUS_TEXT = {state: colour for state, (_bg, colour) in ui.BADGE_COLOURS.items()}


def ranking_config(metric: str, lang: Lang) -> dict[str, ColumnConfig]:
    """Labels and number formats for the ranking table's columns."""
    _scale, unit = i18n.display_unit(metric, lang)
    kind = i18n.metric_kind(metric)
    number = {"count": "%,d", "stock": "%,d", "money": "%,.2f", "rate": "%.1f%%", "average": "%,.1f"}[kind]
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
        "projected": st.column_config.NumberColumn(t("table.projected", lang, unit=unit), format=number),
        "projected_completion": st.column_config.NumberColumn(t("table.projected_completion", lang), format="%.1f%%"),
    }


BRIEF_MONTH_KEY = "brief_month"
# The map and the trend beside it: the map's height fits Shanghai's outline
# to a half-width column on a 1366-pixel laptop screen.
SIDE_BY_SIDE_HEIGHT = 520


def brief_section(year: int, metric: str, names: dict[str, str], lang: Lang) -> None:
    """月度简报: pick a month, get the brief PDF in one click (made on click
    by dashboards.brief.write_brief, the function `unionkpi brief` calls;
    a district user's scope makes it its district's brief)."""
    meta = data.meta()
    months = periods.months_on_offer(year, meta.data_date)
    st.markdown(f"**{t('brief.heading', lang)}**")
    with st.container(horizontal=True, vertical_alignment="bottom", key="export-brief"):
        month = st.selectbox(
            t("brief.month", lang),
            options=months,
            index=len(months) - 1,
            format_func=lambda m: t("period.month", lang, year=year, month=i18n.month_label(m, lang)),
            key=BRIEF_MONTH_KEY,
            width=200,
        )
        area = queries.SCOPE.get()  # a district user's brief is about its district
        districts = data.districts()
        labels = dict(zip(districts["district_code"], districts[i18n.district_label_column(lang)], strict=True))
        scope = t("scope.city", lang) if area is None else labels.get(area, area)
        file_name = brief.file_name(year, month, scope, lang)

        def make() -> bytes:
            return brief.write_brief(Home.from_env(), month=f"{year:04d}-{month:02d}", lang=lang).pdf

        if not downloads.CAN_EXPORT.get():
            return
        st.download_button(
            t("brief.button", lang),
            data=downloads.audited(make, file_name),
            file_name=file_name,
            mime=export.MIME_TYPES["pdf"],
            key="brief-pdf",
            on_click="ignore",
            icon=":material/picture_as_pdf:",
        )


def ranking_columns(metric: str, lang: Lang) -> list[Column]:
    """The ranking table's exported columns (values in the table's units)."""
    _scale, unit = i18n.display_unit(metric, lang)
    kind = i18n.metric_kind(metric)
    value_kind: ColumnKind = "money" if kind == "money" else "count" if kind in ("count", "stock") else "number"
    return [
        Column("rank", t("table.rank", lang), "count"),
        Column("district", t("table.district", lang)),
        Column("actual", t("table.actual", lang, unit=unit), value_kind),
        Column(
            "yoy",
            t("table.yoy_pp", lang) if kind == "rate" else i18n.with_unit(t("table.yoy", lang), "%", lang),
            "number",
        ),
        Column("target", t("table.target", lang, unit=unit), value_kind),
        Column("completion", i18n.with_unit(t("table.completion", lang), "%", lang), "number"),
        Column("status", t("table.status", lang)),
        Column("projected", t("table.projected", lang, unit=unit), value_kind),
        Column("projected_completion", i18n.with_unit(t("table.projected_completion", lang), "%", lang), "number"),
    ]


def card_grid(city: pd.DataFrame, definitions: pd.DataFrame, names: dict[str, str], lang: Lang) -> None:
    """The city's KPI cards, three to a row: that reads well from a laptop
    to a meeting-room screen."""
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


def choose_metric(names: dict[str, str], lang: Lang) -> str:
    """The district section's heading and the metric it compares."""
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
    return metric


def bar_section(
    by_district: pd.DataFrame,
    city: pd.DataFrame,
    *,
    metric: str,
    name: str,
    period: str,
    caption: charts.Caption,
    lang: Lang,
) -> None:
    """The districts' bars across the page (sixteen names upright), with the
    city's reference line."""
    scale, unit = i18n.display_unit(metric, lang)
    bars = tables.bar_frame(by_district, metric, lang)
    if i18n.metric_kind(metric) == "rate":
        # A rate's reference is the city's own rate, not a mean of rates.
        reference = city.loc[metric, "actual"] if metric in city.index else None
        reference_label = t("chart.city_rate", lang)
    else:
        reference = by_district["actual"].mean()
        reference_label = t("chart.average", lang)
    reference_text = i18n.format_value(reference, metric, lang)
    bar_figure = charts.district_bar(
        bars,
        title=name,
        caption=caption,
        subtitle=t("overview.bar_subtitle", lang, unit=unit),
        reference=None if reference is None else reference / scale,
        reference_label=f"{reference_label} {reference_text}",
        target_label=t("chart.target", lang),
    )
    downloads.show_chart(
        bar_figure,
        stem=export.file_stem(name, t("overview.by_district", lang), period),
        lang=lang,
        key="overview-bar",
    )


def map_and_trend(
    by_district: pd.DataFrame,
    *,
    year: int,
    metric: str,
    name: str,
    period: str,
    caption: charts.Caption,
    lang: Lang,
) -> None:
    """The map and the city's monthly trend side by side, each wide enough
    to read on a laptop."""
    _scale, unit = i18n.display_unit(metric, lang)
    months = data.city_months(year)
    map_column, trend_column = st.columns(2)
    with map_column:
        map_figure = district_map.overview_map(
            by_district, metric, name=name, caption=caption, lang=lang, height=SIDE_BY_SIDE_HEIGHT
        )
        downloads.show_chart(
            map_figure,
            stem=export.file_stem(name, t("overview.map", lang), period),
            lang=lang,
            key="overview-map",
        )
    with trend_column:
        trend_figure = charts.monthly_trend(
            tables.trend_frame(months, year, metric, lang),
            tables.trend_frame(months, year - 1, metric, lang),
            month_labels=[i18n.month_label(m, lang) for m in range(1, 13)],
            this_name=t("chart.this_year", lang, year=year),
            last_name=t("chart.this_year", lang, year=year - 1),
            title=name,
            # The months of this year so far, against the whole of last year.
            caption=replace(caption, period=t("overview.trend_period", lang, period=period, last=year - 1)),
            subtitle=t("overview.trend_subtitle", lang, unit=unit),
            height=SIDE_BY_SIDE_HEIGHT,
        )
        downloads.show_chart(
            trend_figure,
            stem=export.file_stem(name, t("chart.month", lang), year),
            lang=lang,
            key="overview-trend",
        )
        if metric == "certified_enterprises":
            st.caption(t("overview.cert_month_note", lang))


def ranking_section(
    by_district: pd.DataFrame, *, metric: str, name: str, period: str, data_date: date, lang: Lang
) -> None:
    """The ranking table, which holds the figures both district views draw,
    status words in their badge colours."""
    ranking_title = f"{t('overview.ranking', lang)} · {name}"
    st.markdown(f"**{ranking_title}**")
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
    downloads.table_buttons(
        ranking,
        ranking_columns(metric, lang),
        stem=export.file_stem(t("overview.ranking", lang), name, period),
        lang=lang,
        key="overview-ranking",
        about=downloads.notes(
            lang,
            title=ranking_title,
            scope=subjects.scope_label((), data.districts(), lang),
            period=period,
            data_date=data_date,
        ),
    )


def render() -> None:
    lang = ui.current_lang()
    meta = data.meta()
    year = ui.current_year(meta.data_date.year)
    city = data.city_year(year).set_index("metric")
    # the last month counted is the warehouse's rule (kpi_city_year)
    last_month = int(city["through_month"].max()) if not city.empty else 12

    period = i18n.period_label(year, last_month, lang)
    st.title(t("overview.title", lang))
    st.caption(t("overview.subtitle", lang, period=period, date=i18n.format_date(meta.data_date, lang)))

    definitions = data.definitions()
    names = tables.metric_names(definitions, lang)
    card_grid(city, definitions, names, lang)

    st.space("small")
    metric = choose_metric(names, lang)
    name = names.get(metric, metric)
    by_district = data.district_year(year, metric)
    # The bar chart across the page; under it the map and the trend side by
    # side; then the ranking table.
    # Every chart says where, when and as of which data date (a district
    # user's are about their district).
    caption = charts.Caption(subjects.scope_label((), data.districts(), lang), period, meta.data_date, lang)
    bar_section(by_district, city, metric=metric, name=name, period=period, caption=caption, lang=lang)
    map_and_trend(by_district, year=year, metric=metric, name=name, period=period, caption=caption, lang=lang)
    ranking_section(by_district, metric=metric, name=name, period=period, data_date=meta.data_date, lang=lang)

    st.space("small")
    brief_section(year, metric, names, lang)


with ui.warehouse_guard():
    render()
