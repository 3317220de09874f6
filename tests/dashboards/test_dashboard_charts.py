"""Chart builders (dashboards/charts.py): pure functions, no Streamlit."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import charts

REPO = Path(__file__).resolve().parents[2]
CAPTION = charts.Caption("全市", "2026年1–10月", date(2026, 11, 22), "zh")


def _districts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district_code": ["310101", "310110", "310112", "310115"],
            "label": ["黄浦", "杨浦", "闵行", "浦东"],
            "value": [120.0, 1891.0, 2400.0, 5100.0],
            "value_text": ["120件", "1,891件", "2,400件", "5,100件"],
            "target": [150.0, 1800.0, None, 5000.0],
            "target_text": ["150件", "1,800件", "—", "5,000件"],
        }
    )


def test_district_bar_has_one_bar_per_district_largest_first() -> None:
    fig = charts.district_bar(_districts(), title="法律援助案件数（件）", caption=CAPTION)
    bars = [trace for trace in fig.data if isinstance(trace, go.Bar)]
    assert len(bars) == 1
    assert list(bars[0].x) == ["浦东", "闵行", "杨浦", "黄浦"]
    assert list(bars[0].y) == [5100.0, 2400.0, 1891.0, 120.0]
    # Each bar keeps its district's fixed colour.
    assert list(bars[0].marker.color) == [
        charts.DISTRICT_COLOURS[code] for code in ("310115", "310112", "310110", "310101")
    ]


def test_district_bar_draws_targets_and_the_reference_line() -> None:
    fig = charts.district_bar(
        _districts(),
        title="t",
        caption=CAPTION,
        reference=2377.75,
        reference_label="各区平均 2,378件",
        target_label="目标",
    )
    targets = [trace for trace in fig.data if isinstance(trace, go.Scatter)]
    assert len(targets) == 1 and targets[0].name == "目标"
    assert list(targets[0].y)[:2] == [5000.0, None] or pd.isna(list(targets[0].y)[1])
    lines = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == pytest.approx(2377.75)
    assert fig.layout.annotations[0].text == "各区平均 2,378件"


def test_district_bar_without_targets_has_no_target_trace() -> None:
    frame = _districts().assign(target=None)
    fig = charts.district_bar(frame, title="t", caption=CAPTION)
    assert [type(trace) for trace in fig.data] == [go.Bar]


def test_figures_name_cjk_fonts_first() -> None:
    fig = charts.district_bar(_districts(), title="法律援助案件数", caption=CAPTION)
    family = fig.layout.font.family
    assert family.startswith('"Noto Sans CJK SC"')
    assert "WenQuanYi Micro Hei" in family and "Microsoft YaHei" in family
    assert family.endswith("sans-serif")
    assert "法律援助案件数" in fig.layout.title.text


def test_every_district_has_its_own_colour() -> None:
    with (REPO / "data" / "reference" / "districts.csv").open(encoding="utf-8") as f:
        codes = [row["district_code"] for row in csv.DictReader(f)]
    assert len(codes) == 16
    colours = [charts.district_colour(code) for code in codes]
    assert len(set(colours)) == 16
    assert charts.UNKNOWN_COLOUR not in colours
    assert charts.district_colour("000000") == charts.UNKNOWN_COLOUR


def test_monthly_trend_draws_this_year_over_last_year() -> None:
    months = [f"{m}月" for m in range(1, 13)]
    this_year = pd.DataFrame(
        {
            "month_no": [1, 2, 3],
            "value": [10.0, 12.0, 9.0],
            "value_text": ["a", "b", "c"],
        }
    )
    last_year = pd.DataFrame(
        {
            "month_no": list(range(1, 13)),
            "value": [float(m) for m in range(1, 13)],
            "value_text": [str(m) for m in range(1, 13)],
        }
    )
    fig = charts.monthly_trend(
        this_year,
        last_year,
        month_labels=months,
        this_name="2026年",
        last_name="2025年",
        title="趋势",
        caption=CAPTION,
    )
    assert [trace.name for trace in fig.data] == ["2025年", "2026年"]
    assert list(fig.data[1].x) == ["1月", "2月", "3月"]
    assert list(fig.data[1].y) == [10.0, 12.0, 9.0]
    assert len(fig.data[0].x) == 12
    assert fig.data[0].line.dash == "dash"


def test_the_charts_look_is_plotly_white_for_every_trace_type_drawn() -> None:
    """The charts' template is plotly_white's layout and its defaults for
    every trace type the dashboards and the brief draw (found in their
    code), so a figure looks as it did under plotly_white."""
    import ast

    import plotly.io as pio
    from plotly.basedatatypes import BaseTraceType

    drawn = set()
    for path in (REPO / "dashboards").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "go":
                made = getattr(go, node.attr, None)
                if isinstance(made, type) and issubclass(made, BaseTraceType):
                    drawn.add(made().type)
    assert drawn == set(charts.TRACE_TYPES)
    ours, white = pio.templates[charts.TEMPLATE], pio.templates["plotly_white"]
    assert ours.layout == white.layout
    for kind in drawn:
        assert ours.data[kind] == white.data[kind], kind
    assert charts.district_bar(_districts(), title="t", caption=CAPTION).layout.template == ours


def test_every_kind_of_chart_is_a_figure_plotly_accepts_whole() -> None:
    """The builders make their figures without plotly's checks
    (charts.new_figure); each kind, with every optional part drawn, must
    pass them whole, and a misspelt property must not."""
    from dashboards import district_map

    codes = [feature["id"] for feature in district_map.boundaries()["features"]]
    labelled = district_map.label_points()
    months = [f"{m}月" for m in range(1, 13)]
    trend = pd.DataFrame({"month_no": [1, 2], "value": [3.0, 4.0], "value_text": ["3", "4"]})
    streets = pd.DataFrame(
        {"label": ["甲", "乙"], "value": [2, 5], "value_text": ["2件", "5件"], "colour": ["#111111"] * 2}
    )
    counts = pd.DataFrame({"label": ["甲", "乙"], "done": [1, 2], "open": [3, 0]})
    places = pd.DataFrame(
        {
            "district_code": codes,
            "name": codes,
            "value": [float(i) if i % 4 else None for i in range(len(codes))],
            "hover": ["h"] * len(codes),
            "label": ["名" if code in labelled else "" for code in codes],
        }
    )
    figures = {
        "district_bar": charts.district_bar(
            _districts(),
            title="t",
            caption=CAPTION,
            subtitle="件",
            reference=2.0,
            reference_label="平均",
            target_label="目标",
        ),
        "monthly_trend": charts.monthly_trend(
            trend, trend, month_labels=months, this_name="今年", last_name="去年", title="t", caption=CAPTION
        ),
        "ranked_bar": charts.ranked_bar(streets, title="t", caption=CAPTION),
        "stacked_bar": charts.stacked_bar(
            counts, series=[("done", "已办结", "#009E73"), ("open", "办理中", "#E69F00")], title="t", caption=CAPTION
        ),
        **{
            f"map_{basis}": district_map.district_choropleth(
                places, basis=basis, title="t", caption=CAPTION, subtitle="s", credit="c", midpoint=90.0
            )
            for basis in ("completion", "actual")
        },
    }
    for kind, fig in figures.items():
        whole = fig.to_dict()
        assert whole["layout"]["template"]["layout"]["plot_bgcolor"] == "white", kind
        go.Figure(whole)  # plotly's checks: raises ValueError on any property it does not know
    assert figures["district_bar"].layout.shapes[0].y0 == 2.0
    with pytest.raises(ValueError, match="tickangel"):
        go.Figure(
            charts.new_figure([], charts.merged({"xaxis": {"tickangle": 0}}, {"xaxis": {"tickangel": 0}})).to_dict()
        )


def test_a_layout_update_is_merged_as_plotly_merges_it() -> None:
    base = {"xaxis": {"tickformat": ",~f", "range": [0, 1]}, "height": 400}
    assert charts.merged(base, {"xaxis": {"tickformat": None, "dtick": 1}}, {"height": 300}) == {
        "xaxis": {"range": [0, 1], "dtick": 1},
        "height": 300,
    }
    assert base == {"xaxis": {"tickformat": ",~f", "range": [0, 1]}, "height": 400}  # not changed
    update = {"yaxis": {"title": None, "dtick": 1}}
    layout = charts.merged(base, update)
    assert layout["yaxis"] == {"dtick": 1}  # a new key's None parts removed too
    layout["yaxis"]["dtick"] = 2
    assert update == {"yaxis": {"title": None, "dtick": 1}}  # and not shared with the update
    # as plotly merges: the same layout from fig.update_layout
    fig = go.Figure(layout=base)
    fig.update_layout({"xaxis": {"tickformat": None, "dtick": 1}}, height=300)
    assert fig.to_dict()["layout"] == {
        **charts.merged(base, {"xaxis": {"tickformat": None, "dtick": 1}}, {"height": 300}),
        "template": fig.to_dict()["layout"]["template"],
    }
