"""The one-page monthly brief (月度简报): the overview's KPI table and its two
charts for a chosen month, laid out as one A4 page and exported to PDF by
kaleido. Pure: figures and frames in, a figure out, no Streamlit.

Figures are year to date through the chosen month, counted from
``marts.kpi_district_month`` by the month of the event (a certification in
the month of its certified date, as on the overview's trend chart).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards import charts, i18n, metrics
from dashboards.i18n import Lang, t
from kernel.home import NO_DISTRICT

# A4 portrait at 96 dpi: kaleido makes a PDF page of the figure's size.
PAGE_WIDTH, PAGE_HEIGHT = 794, 1123


def _sum_months(months: pd.DataFrame, metric: str, year: int, last_month: int, first_month: int = 1) -> float | None:
    rows = months[(months["year"] == year) & months["month_no"].between(first_month, last_month)]
    if rows.empty:
        return None
    if metric == "mediation_rate":
        closed = float(rows["legal_aid_closed"].sum())
        return float(rows["legal_aid_mediated"].sum()) / closed if closed else None
    return float(rows[metric].sum())


def kpi_table(
    months: pd.DataFrame,
    city_year: pd.DataFrame,
    *,
    year: int,
    month: int,
    names: Mapping[str, str],
    lang: Lang,
    metric_list: Sequence[str] = metrics.OVERVIEW_METRICS,
) -> pd.DataFrame:
    """One row per metric: the month, year to date, the same period last
    year, 同比, the annual target and completion (all as display text, plus
    the raw ``ytd`` for checking). ``months`` holds the district-month rows
    of ``year`` and the year before (``queries.district_months``)."""
    targets = city_year.set_index("metric")["target"] if not city_year.empty else pd.Series(dtype="float64")
    rows = []
    for metric in metric_list:
        this_month = _sum_months(months, metric, year, month, month)
        ytd = _sum_months(months, metric, year, month)
        last = _sum_months(months, metric, year - 1, month)
        change = metrics.year_on_year(ytd, last, metric)
        target = targets.get(metric)
        target = None if target is None or pd.isna(target) else float(target)
        completion = ytd / target if ytd is not None and target else None
        rows.append(
            {
                "metric": metric,
                "name": names.get(metric, metric),
                "month_text": i18n.format_value(this_month, metric, lang),
                "ytd": ytd,
                "ytd_text": i18n.format_value(ytd, metric, lang),
                "last_text": i18n.format_value(last, metric, lang),
                "yoy_text": i18n.format_change(change, metric, lang),
                "target_text": i18n.format_value(target, metric, lang),
                "completion_text": i18n.format_rate(completion, lang),
            }
        )
    return pd.DataFrame(rows)


def district_totals(months: pd.DataFrame, metric: str, *, year: int, month: int) -> pd.DataFrame:
    """Each district's year to date through ``month``: district_code, value."""
    rows = months[(months["year"] == year) & (months["month_no"] <= month)]
    if metric == "mediation_rate":
        grouped = rows.groupby("district_code")[["legal_aid_mediated", "legal_aid_closed"]].sum()
        closed = grouped["legal_aid_closed"].astype("float64")
        value = grouped["legal_aid_mediated"] / closed.where(closed != 0)
    else:
        value = rows.groupby("district_code")[metric].sum().astype("float64")
    return value.rename("value").reset_index()


def city_trend(months: pd.DataFrame, metric: str, *, year: int, last_month: int | None = None) -> pd.DataFrame:
    """The city's monthly values of one year: month_no, value."""
    rows = months[months["year"] == year]
    if last_month is not None:
        rows = rows[rows["month_no"] <= last_month]
    if metric == "mediation_rate":
        grouped = rows.groupby("month_no")[["legal_aid_mediated", "legal_aid_closed"]].sum()
        closed = grouped["legal_aid_closed"].astype("float64")
        value = grouped["legal_aid_mediated"] / closed.where(closed != 0)
    else:
        value = rows.groupby("month_no")[metric].sum().astype("float64")
    return value.rename("value").reset_index()


def brief_figure(
    months: pd.DataFrame,
    city_year: pd.DataFrame,
    districts: pd.DataFrame,
    *,
    year: int,
    month: int,
    metric: str,
    names: Mapping[str, str],
    data_date_text: str,
    lang: Lang,
    made: datetime,
) -> go.Figure:
    """The brief as one A4 figure: title, the KPI table, the district bars and
    the monthly trend of ``metric`` (the overview's chosen metric)."""
    table = kpi_table(months, city_year, year=year, month=month, names=names, lang=lang)
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
        _district_bars(months, districts, metric, year=year, month=month, scale=scale, name=name, lang=lang),
        row=2,
        col=1,
    )
    month_labels = [i18n.month_label(m, lang) for m in range(1, 13)]
    for trace in _trend_lines(
        months, metric, year=year, month=month, scale=scale, month_labels=month_labels, lang=lang
    ):
        fig.add_trace(trace, row=3, col=1)
    fig.update_xaxes(categoryorder="array", categoryarray=month_labels, row=3, col=1)
    fig.update_xaxes(tickangle=0 if lang == "zh" else -40, tickfont={"size": 10}, row=2, col=1)
    fig.update_yaxes(tickformat=",~f", rangemode="tozero", gridcolor="#ECEFF1")
    _page_layout(fig, year=year, month=month, data_date_text=data_date_text, lang=lang, made=made)
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
    months: pd.DataFrame,
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
    totals = district_totals(months, metric, year=year, month=month)
    totals = totals[totals["district_code"] != NO_DISTRICT]
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
    months: pd.DataFrame,
    metric: str,
    *,
    year: int,
    month: int,
    scale: float,
    month_labels: list[str],
    lang: Lang,
) -> list[go.Scatter]:
    """The city's monthly values: last year's whole year, then this year's
    through ``month``."""
    lines = []
    for trend_year, colour, dash, width, last in (
        (year - 1, charts.LAST_YEAR_COLOUR, "dash", 2, None),
        (year, charts.THIS_YEAR_COLOUR, "solid", 3, month),
    ):
        trend = city_trend(months, metric, year=trend_year, last_month=last)
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


def _page_layout(fig: go.Figure, *, year: int, month: int, data_date_text: str, lang: Lang, made: datetime) -> None:
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
