"""The one-page monthly brief (月度简报): the overview's KPI table and its two
charts for a chosen month, laid out as one A4 page and exported to PDF by
kaleido. Pure: figures and frames in, a figure out, no Streamlit.

Every figure is read from ``marts.kpi_year_to_date`` at the chosen month
(``queries.year_to_date``): the month's own value, the year to date, the
same period last year, the target and the completion, for the area the
brief is about (the city, or a district user's own district), so the brief
and the overview's cards show the same figures by the same definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards import charts, i18n, metrics
from dashboards.i18n import Lang, t

# A4 portrait at 96 dpi: kaleido makes a PDF page of the figure's size.
PAGE_WIDTH, PAGE_HEIGHT = 794, 1123


def _area_rows(figures: pd.DataFrame, area: str | None, *, year: int) -> pd.DataFrame:
    """The rows of one area of ``queries.year_to_date`` in ``year``: the
    city's when ``area`` is None, else that district's."""
    rows = figures[figures["is_city"]] if area is None else figures[figures["district_code"] == area]
    return rows[rows["year"] == year]


def _value(value: object) -> float | None:
    return i18n.as_float(value)


def kpi_table(
    figures: pd.DataFrame,
    *,
    area: str | None,
    year: int,
    month: int,
    names: Mapping[str, str],
    lang: Lang,
    metric_list: Sequence[str] = metrics.OVERVIEW_METRICS,
) -> pd.DataFrame:
    """One row per metric: the month, year to date, the same period last
    year, 同比, the annual target and completion (all as display text, plus
    the raw ``ytd`` for checking), read at ``month`` for the area."""
    rows = _area_rows(figures, area, year=year)
    at_month = rows[rows["through_month"] == month].set_index("metric")
    table = []
    for metric in metric_list:
        row = at_month.loc[metric] if metric in at_month.index else pd.Series(dtype="object")
        ytd, last = _value(row.get("actual")), _value(row.get("actual_same_period_last_year"))
        target = _value(row.get("target"))
        table.append(
            {
                "metric": metric,
                "name": names.get(metric, metric),
                "month_text": i18n.format_value(row.get("month_value"), metric, lang),
                "ytd": ytd,
                "ytd_text": i18n.format_value(ytd, metric, lang),
                "last_text": i18n.format_value(last, metric, lang),
                "yoy_text": i18n.format_change(metrics.year_on_year(ytd, last, metric), metric, lang),
                "target_text": i18n.format_value(target, metric, lang),
                "completion_text": i18n.format_rate(row.get("completion_rate") if target else None, lang),
            }
        )
    return pd.DataFrame(table)


def district_totals(figures: pd.DataFrame, metric: str, *, year: int, month: int) -> pd.DataFrame:
    """Each district's year to date through ``month``: district_code, value."""
    rows = figures[
        ~figures["is_city"]
        & (figures["year"] == year)
        & (figures["through_month"] == month)
        & (figures["metric"] == metric)
    ]
    return pd.DataFrame({"district_code": rows["district_code"], "value": rows["actual"].astype("float64")})


def area_trend(
    figures: pd.DataFrame, metric: str, *, area: str | None, year: int, last_month: int | None = None
) -> pd.DataFrame:
    """The area's own value of each month of one year: month_no, value."""
    rows = _area_rows(figures, area, year=year)
    rows = rows[rows["metric"] == metric]
    if last_month is not None:
        rows = rows[rows["through_month"] <= last_month]
    return pd.DataFrame({"month_no": rows["through_month"], "value": rows["month_value"].astype("float64")})


def brief_figure(
    figures: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    area: str | None,
    year: int,
    month: int,
    metric: str,
    names: Mapping[str, str],
    data_date_text: str,
    lang: Lang,
    made: datetime,
) -> go.Figure:
    """The brief as one A4 figure: title, the KPI table, the district bars and
    the monthly trend of ``metric`` (the overview's chosen metric), for the
    city (``area`` None) or one district."""
    table = kpi_table(figures, area=area, year=year, month=month, names=names, lang=lang)
    scale, unit = i18n.display_unit(metric, lang)
    name = names.get(metric, metric)

    fig = make_subplots(
        rows=3,
        cols=1,
        specs=[[{"type": "table"}], [{"type": "xy"}], [{"type": "xy"}]],
        row_heights=[0.22, 0.40, 0.38],
        vertical_spacing=0.07,
        subplot_titles=(
            t("brief.kpi_table", lang),
            _with_unit(t("brief.bar_title", lang, metric=name), unit, lang),
            _with_unit(t("brief.trend_title", lang, metric=name), unit, lang),
        ),
    )
    fig.add_trace(_kpi_table_trace(table, lang), row=1, col=1)
    fig.add_trace(
        _district_bars(figures, districts, metric, year=year, month=month, scale=scale, name=name, lang=lang),
        row=2,
        col=1,
    )
    month_labels = [i18n.month_label(m, lang) for m in range(1, 13)]
    for trace in _trend_lines(
        figures, metric, area=area, year=year, month=month, scale=scale, month_labels=month_labels, lang=lang
    ):
        fig.add_trace(trace, row=3, col=1)
    fig.update_xaxes(categoryorder="array", categoryarray=month_labels, row=3, col=1)
    fig.update_xaxes(tickangle=0 if lang == "zh" else -40, tickfont={"size": 10}, row=2, col=1)
    fig.update_yaxes(tickformat=",~f", rangemode="tozero", gridcolor="#ECEFF1")
    names = dict(zip(districts["district_code"], districts[i18n.district_label_column(lang)], strict=True))
    scope = t("scope.city", lang) if area is None else names.get(area, area)
    _page_layout(fig, scope=scope, year=year, month=month, data_date_text=data_date_text, lang=lang, made=made)
    return fig


def _with_unit(title: str, unit: str, lang: Lang) -> str:
    return title + (f"（{unit}）" if lang == "zh" else f" ({unit})")


def _kpi_table_trace(table: pd.DataFrame, lang: Lang) -> go.Table:
    """The rows of ``kpi_table`` as the page's table."""
    header = [
        t("brief.metric", lang),
        t("brief.month_value", lang),
        t("brief.ytd", lang),
        t("brief.ytd_last_year", lang),
        t("brief.yoy", lang),
        t("brief.target", lang),
        t("brief.completion", lang),
    ]
    return go.Table(
        columnwidth=[2.2, 1.2, 1.3, 1.3, 1.1, 1.3, 1.0],
        header={
            "values": [f"<b>{h}</b>" for h in header],
            "fill_color": "#E8EEF4",
            "align": ["left"] + ["right"] * 6,
            "font": {"size": 11, "family": charts.FONT_FAMILY, "color": "#202124"},
            "height": 26,
        },
        cells={
            "values": [
                table["name"],
                table["month_text"],
                table["ytd_text"],
                table["last_text"],
                table["yoy_text"],
                table["target_text"],
                table["completion_text"],
            ],
            "align": ["left"] + ["right"] * 6,
            "font": {"size": 11, "family": charts.FONT_FAMILY, "color": "#202124"},
            "height": 24,
            "fill_color": "white",
            "line_color": "#E0E0E0",
        },
    )


def _district_bars(
    figures: pd.DataFrame,
    districts: pd.DataFrame,
    metric: str,
    *,
    year: int,
    month: int,
    scale: float,
    name: str,
    lang: Lang,
) -> go.Bar:
    """Each district's year to date, largest first, in the districts' colours."""
    totals = district_totals(figures, metric, year=year, month=month)
    short = dict(zip(districts["district_code"], districts[i18n.district_label_column(lang, short=True)], strict=True))
    totals = totals.assign(label=[short.get(c, c) for c in totals["district_code"]]).sort_values(
        "value", ascending=False
    )
    return go.Bar(
        x=totals["label"].tolist(),
        y=(totals["value"] / scale).tolist(),
        marker={"color": [charts.district_colour(c) for c in totals["district_code"]]},
        showlegend=False,
        name=name,
    )


def _trend_lines(
    figures: pd.DataFrame,
    metric: str,
    *,
    area: str | None,
    year: int,
    month: int,
    scale: float,
    month_labels: list[str],
    lang: Lang,
) -> list[go.Scatter]:
    """The area's monthly values: last year's whole year, then this year's
    through ``month``."""
    lines = []
    for trend_year, colour, dash, width, last in (
        (year - 1, charts.LAST_YEAR_COLOUR, "dash", 2, None),
        (year, charts.THIS_YEAR_COLOUR, "solid", 3, month),
    ):
        trend = area_trend(figures, metric, area=area, year=trend_year, last_month=last)
        lines.append(
            go.Scatter(
                x=[month_labels[int(m) - 1] for m in trend["month_no"]],
                y=(trend["value"] / scale).tolist(),
                mode="lines+markers",
                name=t("chart.this_year", lang, year=trend_year),
                line={"color": colour, "dash": dash, "width": width},
                marker={"size": 5, "color": colour},
            )
        )
    return lines


def _page_layout(
    fig: go.Figure, *, scope: str, year: int, month: int, data_date_text: str, lang: Lang, made: datetime
) -> None:
    """The A4 page: its title and subtitle, the footer, the legend beside
    the trend's title and the section titles flush left."""
    period = i18n.period_label(year, month, lang)
    month_name = t("period.month", lang, year=year, month=i18n.month_label(month, lang))
    fig.update_layout(
        template="plotly_white",
        width=PAGE_WIDTH,
        height=PAGE_HEIGHT,
        font={"family": charts.FONT_FAMILY, "size": 11, "color": "#202124"},
        title={
            "text": f"<b>{t('brief.title', lang, period=month_name)}</b>",
            "subtitle": {
                "text": t(
                    "brief.subtitle",
                    lang,
                    scope=scope,
                    period=period,
                    date=data_date_text,
                    made=made.strftime("%Y-%m-%d %H:%M"),
                ),
                "font": {"size": 11, "color": "#5F6368"},
            },
            "x": 0.04,
            "xanchor": "left",
            "y": 0.985,
            "yanchor": "top",
            "font": {"size": 18},
        },
        margin={"l": 40, "r": 30, "t": 95, "b": 60},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "yanchor": "bottom"},
        annotations=[
            *fig.layout.annotations,
            {
                "text": t("brief.footer", lang),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.045,
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 9, "color": "#5F6368"},
            },
        ],
    )
    # The legend beside the trend's title, above its plot.
    fig.update_layout(legend_y=fig.layout.yaxis2.domain[1] + 0.012)
    for annotation in fig.layout.annotations[:3]:
        annotation.update(x=0, xanchor="left", font={"size": 13, "color": "#202124"})
