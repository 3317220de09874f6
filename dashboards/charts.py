"""Chart builders: pure functions from a DataFrame to a plotly Figure.

No Streamlit here, so the same figures serve the pages, PNG/SVG/PDF export
and the tests. The callers pass values already scaled to the unit named in
the chart's subtitle (万元, m yuan, %) and the hover text already formatted
by ``dashboards.i18n``; these functions only draw.

Every chart is headed the same way (``look``): its title says what it
shows; under it a ``Caption`` says where, for which period and as of which
data date; then its own note (the unit, how to read the colours). An image
saved from a chart leaves the page that explained it, so the figure itself
must say all that: every builder takes a caption.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboards import i18n
from dashboards.i18n import Lang

# CJK fonts first: without one named, headless browsers and image export fall
# back to a Latin font and draw Chinese as empty boxes.
FONT_FAMILY = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif'

# plotly_white's look, keeping its defaults for the trace types drawn here
# only: a figure deep-copies its whole template, and plotly_white's defaults
# for two dozen trace types were the larger part of drawing a chart (a
# quarter of the overview's render from cache). Same layout, same traces.
TRACE_TYPES = ("bar", "scatter", "heatmap")
TEMPLATE = "unionkpi"
pio.templates[TEMPLATE] = go.layout.Template(
    layout=pio.templates["plotly_white"].layout,
    data={kind: pio.templates["plotly_white"].data[kind] for kind in TRACE_TYPES},
)
_TEMPLATE_JSON = pio.templates[TEMPLATE].to_plotly_json()


def new_figure(data: Sequence[Any], layout: dict[str, Any]) -> go.Figure:
    """A figure in our template, made in one step from its traces and its
    whole layout, without plotly's checks: checking each property as it is
    set, copying the template into every figure and replaying every layout
    update cost more than the rest of drawing a page (py-spy on the
    overview). The traces are checked when they are made (go.Bar(...)), and
    tests/dashboards/test_dashboard_charts.py checks every kind of figure
    drawn here whole, layout included."""
    return go.Figure(list(data), layout={"template": _TEMPLATE_JSON, **layout}, _validate=False)


def merged(base: dict[str, Any], *updates: dict[str, Any]) -> dict[str, Any]:
    """A layout with ``updates`` laid over ``base`` as fig.update_layout
    would: nested dicts merged, other values replaced, None removed."""
    result = dict(base)
    for update in updates:
        for key, value in update.items():
            if value is None:
                result.pop(key, None)
            elif isinstance(value, dict):
                base_value = result.get(key)
                result[key] = merged(base_value if isinstance(base_value, dict) else {}, value)
            else:
                result[key] = value
    return result


# One fixed colour per district, so a district looks the same on every chart
# and in every export. Drawn from Paul Tol's "muted" and the Okabe–Ito sets,
# which stay distinguishable under the common colour-vision deficiencies;
# with sixteen districts colour still cannot carry meaning alone, so every
# chart also names the districts on an axis or in the hover text.
DISTRICT_COLOURS: dict[str, str] = {
    "310101": "#332288",  # 黄浦 indigo
    "310104": "#E69F00",  # 徐汇 orange
    "310105": "#117733",  # 长宁 green
    "310106": "#CC6677",  # 静安 rose
    "310107": "#56B4E9",  # 普陀 sky blue
    "310109": "#882255",  # 虹口 wine
    "310110": "#44AA99",  # 杨浦 teal
    "310112": "#D55E00",  # 闵行 vermilion
    "310113": "#0072B2",  # 宝山 blue
    "310114": "#999933",  # 嘉定 olive
    "310115": "#AA4499",  # 浦东 purple
    "310116": "#009E73",  # 金山 bluish green
    "310117": "#DDCC77",  # 松江 sand
    "310118": "#CC79A7",  # 青浦 reddish purple
    "310120": "#88CCEE",  # 奉贤 cyan
    "310151": "#661100",  # 崇明 brown
}
UNKNOWN_COLOUR = "#BBBBBB"

# Status colours for the red/amber/green judgement; the status is always
# written out in words too.
STATUS_COLOURS: dict[str, str] = {
    "green": "#1E8E3E",
    "amber": "#E8A317",
    "red": "#D93025",
    "none": "#9AA0A6",
}

THIS_YEAR_COLOUR = "#0072B2"
LAST_YEAR_COLOUR = "#9AA0A6"
REFERENCE_COLOUR = "#5F6368"
TARGET_COLOUR = "#202124"


def plain(values: Sequence[object]) -> list[str]:
    """Texts from the data as Plotly shows them: as text. Plotly reads a
    few HTML tags in labels and hover text (<a href>, <b>, <br>), so a street
    named <a href=…> would become a link; its < > & are written as entities,
    which Plotly shows as the characters themselves."""
    return [html.escape(str(value), quote=False) for value in values]


def district_colour(district_code: str) -> str:
    """The fixed colour of a district; grey for the unknown member."""
    return DISTRICT_COLOURS.get(str(district_code), UNKNOWN_COLOUR)


@dataclass(frozen=True)
class Caption:
    """Where a chart's figures hold (全市, a district), for which period and
    as of which data date, in the reader's language: the first line under
    every chart's title."""

    scope: str
    period: str
    data_date: date
    lang: Lang

    def text(self) -> str:
        """全市 · 2026年1–10月 · 数据截至 2026年11月22日, as the pages' headings say."""
        return i18n.t(
            "subject.caption",
            self.lang,
            scope=self.scope,
            period=self.period,
            date=i18n.format_date(self.data_date, self.lang),
        )


def _subtitle(caption: Caption, note: str) -> str:
    """The lines under the title: the caption, then the chart's own note.
    Place names come from the data, so they are written as text."""
    lines = [html.escape(caption.text(), quote=False), *([note] if note else [])]
    return "<br>".join(lines)


def top_margin(lines: int) -> int:
    """Room above the plot for the title and ``lines`` lines under it."""
    return 52 + 21 * lines


def look(*, title: str, caption: Caption, subtitle: str, height: int) -> dict[str, Any]:
    """The layout every chart starts from: CJK fonts, white background, the
    title and under it the caption and the chart's note (the unit, say) top
    left, so an exported image explains itself, and the legend top right."""
    lines = 2 if subtitle else 1
    return {
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#202124"},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "title": {
            "text": f"<b>{html.escape(title, quote=False)}</b>",
            "subtitle": {"text": _subtitle(caption, subtitle), "font": {"size": 12, "color": "#5F6368"}},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 10, "l": 6},  # clear of the top edge of a printed page
            "font": {"size": 15},
        },
        "height": height,
        "margin": {"l": 8, "r": 8, "t": top_margin(lines), "b": 8},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "right",
            "x": 1.0,
            "font": {"size": 12},
        },
        "yaxis": {"tickformat": ",~f", "rangemode": "tozero"},
        "bargap": 0.25,
    }


def district_bar(
    frame: pd.DataFrame,
    *,
    title: str,
    caption: Caption,
    subtitle: str = "",
    reference: float | None = None,
    reference_label: str = "",
    target_label: str = "",
    height: int = 400,
) -> go.Figure:
    """Bars by district, largest first, with an optional reference line and
    target markers.

    ``frame`` has one row per district: ``district_code``, ``label`` (the
    name on the axis), ``value`` (in the unit the subtitle names) and
    ``value_text`` (for the hover); optionally ``target`` and
    ``target_text``. ``reference`` (e.g. the district average or the city
    rate) is drawn as a dashed line labelled ``reference_label``.
    """
    data = frame.sort_values("value", ascending=False, kind="stable")
    traces: list[Any] = [
        go.Bar(
            x=plain(data["label"]),
            y=data["value"].tolist(),
            marker={"color": [district_colour(c) for c in data["district_code"]]},
            customdata=data[["value_text"]].to_numpy(),
            hovertemplate="<b>%{x}</b><br>%{customdata[0]}<extra></extra>",
            showlegend=False,
            name="",
        )
    ]
    if "target" in data and data["target"].notna().any():
        texts = data["target_text"] if "target_text" in data else data["target"].astype(str)
        traces.append(
            go.Scatter(
                x=plain(data["label"]),
                y=data["target"].tolist(),
                mode="markers",
                name=target_label,
                marker={
                    "symbol": "line-ew",
                    "size": 22,
                    "line": {"width": 3, "color": TARGET_COLOUR},
                    "color": TARGET_COLOUR,
                },
                customdata=texts.to_frame().to_numpy(),
                hovertemplate=("<b>%{x}</b><br>" + target_label + " %{customdata[0]}<extra></extra>"),
            )
        )
    # Two-character Chinese names fit upright; longer English names slant.
    longest = int(data["label"].astype(str).str.len().max()) if len(data) else 0
    layout = merged(
        look(title=title, caption=caption, subtitle=subtitle, height=height),
        {"xaxis": {"tickangle": 0 if longest <= 4 else -40}},
    )
    if reference is not None and pd.notna(reference):
        # a dashed line across the plot, labelled at its right end above it
        y = float(reference)
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": y,
                "y1": y,
                "line": {"dash": "dash", "color": REFERENCE_COLOUR, "width": 1.5},
            }
        ]
        layout["annotations"] = [
            {
                "text": reference_label,
                "font": {"size": 12, "color": REFERENCE_COLOUR},
                "bgcolor": "rgba(255,255,255,0.8)",
                "showarrow": False,
                "xref": "x domain",
                "x": 1,
                "xanchor": "right",
                "yref": "y",
                "y": y,
                "yanchor": "bottom",
            }
        ]
    return new_figure(traces, layout)


def monthly_trend(
    this_year: pd.DataFrame,
    last_year: pd.DataFrame,
    *,
    month_labels: Sequence[str],
    this_name: str,
    last_name: str,
    title: str,
    caption: Caption,
    subtitle: str = "",
    height: int = 400,
) -> go.Figure:
    """This year's line against last year's, month by month.

    Each frame has ``month_no`` (1–12), ``value`` (in the unit the
    subtitle names) and ``value_text`` (for the hover). ``month_labels`` names
    the twelve months on the axis. Last year is drawn first and dashed, so
    this year's line sits on top.
    """
    traces = []
    for frame, name, colour, dash, width in (
        (last_year, last_name, LAST_YEAR_COLOUR, "dash", 2),
        (this_year, this_name, THIS_YEAR_COLOUR, "solid", 3),
    ):
        data = frame.sort_values("month_no")
        traces.append(
            go.Scatter(
                x=[month_labels[int(m) - 1] for m in data["month_no"]],
                y=data["value"].tolist(),
                mode="lines+markers",
                name=name,
                line={"color": colour, "dash": dash, "width": width},
                marker={"size": 6, "color": colour},
                customdata=data[["value_text"]].to_numpy(),
                hovertemplate=name + ": %{customdata[0]}<extra></extra>",
            )
        )
    layout = merged(
        look(title=title, caption=caption, subtitle=subtitle, height=height),
        # Keep the legend even when last year has no data: it names the year.
        {"hovermode": "x unified", "showlegend": True},
        # Keep all twelve months on the axis even early in the year, so the
        # reader sees how much of the year is still to come.
        {
            "xaxis": {
                "tickangle": 0,
                "tickfont": {"size": 11},
                "categoryorder": "array",
                "categoryarray": list(month_labels),
                "range": [-0.5, 11.5],
            }
        },
    )
    return new_figure(traces, layout)


# One fixed colour per category value, per dimension, so "调解成功" or "工伤"
# looks the same on every page and in every export (Okabe–Ito, safe for the
# common colour-vision deficiencies; the axis always names the category too).
# Dimensions with many values (industry, street) use one neutral colour:
# twenty hues would carry no meaning.
CATEGORY_COLOURS: dict[str, dict[str, str]] = {
    "dispute_type": {
        "劳动报酬": "#0072B2",
        "社会保险": "#E69F00",
        "劳动合同": "#009E73",
        "工伤": "#D55E00",
        "其他": "#999999",
    },
    "service_type": {
        "法律咨询": "#56B4E9",
        "代写法律文书": "#CC79A7",
        "协商调解": "#009E73",
        "代理仲裁": "#0072B2",
        "代理诉讼": "#D55E00",
    },
    "channel": {
        "工会窗口": "#0072B2",
        "服务站点": "#009E73",
        "12351热线": "#E69F00",
        "线上平台": "#CC79A7",
    },
    "outcome": {
        "调解成功": "#009E73",
        "仲裁裁决": "#0072B2",
        "判决": "#56B4E9",
        "撤回": "#999999",
        "办理中": "#E69F00",
    },
    "source": {
        "投诉举报": "#0072B2",
        "专项检查": "#009E73",
        "突发事件处置": "#D55E00",
        "工会协调": "#CC79A7",
    },
    "wage_status": {"已办结": "#009E73", "办理中": "#E69F00"},
    "certification_status": {
        "申报": "#56B4E9",
        "测评中": "#E69F00",
        "达标": "#009E73",
        "未达标": "#D55E00",
        "撤销": "#999999",
    },
}
NEUTRAL_COLOUR = "#4C78A8"


def category_colour(dimension: str, value: object) -> str:
    """The fixed colour of a category value; neutral for open-ended ones."""
    return CATEGORY_COLOURS.get(dimension, {}).get(str(value), NEUTRAL_COLOUR)


def chart_config(filename: str, *, width: int = 1200, height: int | None = None) -> dict[str, object]:
    """st.plotly_chart's ``config``: the camera button saves a PNG at twice
    the size under a meaningful name; no plotly logo or cloud buttons."""
    options: dict[str, object] = {"format": "png", "filename": filename, "scale": 2, "width": width}
    if height:
        options["height"] = height
    return {
        "displaylogo": False,
        "toImageButtonOptions": options,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }


def ranked_bar(
    frame: pd.DataFrame,
    *,
    title: str,
    caption: Caption,
    subtitle: str = "",
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars, largest on top, one per category, street or district.

    ``frame`` has ``label``, ``value`` (in the subtitle's unit),
    ``value_text`` (for the hover), ``colour`` and optionally ``bar_text``
    (a short figure for the bar's end; else ``value_text``).
    """
    data = frame.sort_values("value", ascending=True, kind="stable")
    bar = go.Bar(
        x=data["value"].tolist(),
        y=plain(data["label"]),
        orientation="h",
        marker={"color": data["colour"].tolist()},
        text=(data["bar_text"] if "bar_text" in data else data["value_text"]).tolist(),
        textposition="outside",
        cliponaxis=False,
        customdata=data[["value_text"]].to_numpy(),
        hovertemplate="<b>%{y}</b><br>%{customdata[0]}<extra></extra>",
        showlegend=False,
        name="",
    )
    rows = len(data)
    layout = merged(
        look(title=title, caption=caption, subtitle=subtitle, height=height or max(280, min(740, 130 + 30 * rows))),
        {
            "margin": {"l": 8, "r": 48, "b": 8},
            "yaxis": {"tickformat": None, "rangemode": None, "automargin": True, "type": "category"},
            "xaxis": {"tickformat": ",~f", "rangemode": "tozero", "automargin": True},
        },
        _whole_number_ticks(data["value"], axis="x"),
    )
    return new_figure([bar], layout)


def _whole_number_ticks(values: pd.Series, *, axis: str) -> dict[str, Any]:
    """Small counts get a tick per unit: no "0.5 cases" on a street chart."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if len(numbers) and (numbers % 1 == 0).all() and numbers.max() <= 8:
        return {f"{axis}axis": {"dtick": 1, "tickformat": ",d"}}
    return {}


def stacked_bar(
    frame: pd.DataFrame,
    *,
    series: list[tuple[str, str, str]],
    title: str,
    caption: Caption,
    subtitle: str = "",
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars stacked by series, largest total on top.

    ``frame`` has ``label`` and one column per series; ``series`` lists
    (column, legend name, colour) in stacking order, left to right. The
    legend sits under the plot, clear of the title and subtitle.
    """
    columns = [column for column, _name, _colour in series]
    data = frame.assign(_total=frame[columns].sum(axis=1)).sort_values("_total", kind="stable")
    traces = [
        go.Bar(
            y=plain(data["label"]),
            x=data[column].tolist(),
            name=name,
            orientation="h",
            marker={"color": colour},
            hovertemplate=f"<b>%{{y}}</b><br>{name}: %{{x:,}}<extra></extra>",
        )
        for column, name, colour in series
    ]
    layout = merged(
        look(
            title=title, caption=caption, subtitle=subtitle, height=height or max(320, min(740, 160 + 30 * len(data)))
        ),
        {
            "barmode": "stack",
            "legend": {
                "orientation": "h",
                "yanchor": "top",
                "y": -0.06,
                "xanchor": "left",
                "x": 0,
                "traceorder": "normal",
            },
            "yaxis": {"tickformat": None, "rangemode": None, "automargin": True, "type": "category"},
            "xaxis": {"tickformat": ",~f", "rangemode": "tozero", "automargin": True},
            "margin": {"l": 8, "r": 16, "b": 8},
        },
        _whole_number_ticks(data["_total"], axis="x"),
    )
    return new_figure(traces, layout)
