"""Tests of the demo simulation's bulk output (ingest/demo/bulk.py).

The files are read back with the csv module, so the manifest is checked
against what was really written; then the real `unionkpi ingest` loads them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingest.demo import generate
from ingest.demo.bulk import generate_bulk
from ingest.demo.reference import load_districts
from ingest.demo.styles import CORRECTION_DISTRICT, NIL_RETURN_DISTRICT
from ingest.templates import TEMPLATES
from tests.conftest import run_cli

TODAY = dt.date(2026, 11, 22)  # data month 2026-10: base is 2025-10 .. 2026-09
SEED = 11
SCALE = 0.1  # about 3,000 legal-aid cases a year
MAX_BYTES = 300_000  # the legal-aid file (about 500 kB) is cut in two
DATE_COLUMN = {"legal_aid": "受理日期", "wage_recovery": "受理日期"}
DISTRICT_CODES = {d.name_zh: d.code for d in load_districts()}


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bulk") / "out"
    return out, generate_bulk(out, seed=SEED, today=TODAY, scale=SCALE, max_bytes=MAX_BYTES)


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode("utf-8")  # strict: plain UTF-8
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(text.splitlines()))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def rows_of(out: Path, manifest: dict, part: str, dataset: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for f in manifest["files"]:
        if f["part"] == part and f["dataset"] == dataset:
            rows += read(out / f["path"])[1]
    return rows


def yuan(rows: list[dict[str, str]], column: str) -> str:
    return str(sum((Decimal(r[column]) for r in rows if r[column]), Decimal("0.00")))


def test_files_hold_what_the_manifest_says(bulk: tuple[Path, dict]) -> None:
    out, manifest = bulk
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == {
        k: v for k, v in manifest.items() if k != "seconds"
    }
    listed = {f["path"] for f in manifest["files"]}
    assert listed == {p.relative_to(out).as_posix() for p in out.rglob("*.csv")}
    for f in manifest["files"]:
        path = out / f["path"]
        assert path.stat().st_size == f["bytes"] <= MAX_BYTES
        assert len(read(path)[1]) == f["rows"]
    for part, datasets in manifest["expected"].items():
        for dataset, figures in datasets.items():
            rows = rows_of(out, manifest, part, dataset)
            assert len(rows) == figures["rows"] > 0, (part, dataset)
            if dataset in ("legal_aid", "wage_recovery"):
                workers = "涉及职工人数" if dataset == "legal_aid" else "涉及人数"
                recovered = "挽回经济损失" if dataset == "legal_aid" else "追回金额"
                assert sum(int(r[workers]) for r in rows) == figures["workers"]
                assert yuan(rows, recovered) == figures["amount_recovered_yuan"]
            if dataset == "certification":
                assert sum(r["状态"] == "达标" for r in rows) == figures["certified"]


def test_one_clean_city_wide_file_per_dataset_and_period(bulk: tuple[Path, dict]) -> None:
    out, manifest = bulk
    names = sorted(f["path"] for f in manifest["files"])
    assert names == [
        "base/certification.csv",
        "base/legal_aid-001.csv",
        "base/legal_aid-002.csv",
        "base/target.csv",
        "base/wage_recovery.csv",
        "update/certification.csv",
        "update/legal_aid.csv",
        "update/wage_recovery.csv",
    ]
    for f in manifest["files"]:
        # The template's Chinese headers in its order, then the data rows at once.
        assert read(out / f["path"])[0] == [c.zh for c in TEMPLATES[f["dataset"]].columns]
    for dataset in ("legal_aid", "wage_recovery", "certification", "target"):
        assert len({r["区"] for r in rows_of(out, manifest, "base", dataset)}) == 16, dataset
    # The legal-aid parts cut at a row: together they are one file.
    first, second = (read(out / "base" / f"legal_aid-00{i}.csv")[1] for i in (1, 2))
    ids = [r["案件编号"] for r in first + second]
    assert len(ids) == len(set(ids)) == manifest["expected"]["base"]["legal_aid"]["rows"]


def test_base_is_the_twelve_months_before_the_data_month_and_update_that_month(bulk: tuple[Path, dict]) -> None:
    out, manifest = bulk
    assert manifest["data_date"] == "2026-10-31"
    assert manifest["parts"] == {
        "base": {"first_date": "2025-10-01", "last_date": "2026-09-30"},
        "update": {"first_date": "2026-10-01", "last_date": "2026-10-31"},
    }
    for dataset, column in DATE_COLUMN.items():
        base = Counter(r[column][:7] for r in rows_of(out, manifest, "base", dataset))
        assert sorted(base) == [f"2025-{m}" for m in ("10", "11", "12")] + [f"2026-{m:02d}" for m in range(1, 10)]
        assert {r[column][:7] for r in rows_of(out, manifest, "update", dataset)} == {"2026-10"}
        # Known as of their month's end: nothing closes after it.
        closed = "结案日期" if dataset == "legal_aid" else "办结日期"
        assert max(r[closed] for r in rows_of(out, manifest, "base", dataset) if r[closed]) <= "2026-09-30"
    # The demo's seasons: the Spring Festival month (2026-02) is the quietest.
    legal = Counter(r["受理日期"][:7] for r in rows_of(out, manifest, "base", "legal_aid"))
    assert min(legal, key=legal.get) == "2026-02"


def test_update_resends_the_certifications_that_moved(bulk: tuple[Path, dict]) -> None:
    out, manifest = bulk
    key = ("统一社会信用代码", "创建年度")
    base = {tuple(r[k] for k in key): r for r in rows_of(out, manifest, "base", "certification")}
    update = rows_of(out, manifest, "update", "certification")
    assert update
    for row in update:
        before = base[tuple(row[k] for k in key)]  # the campaigns applied before: every key is known
        assert before["状态"] != row["状态"]
        assert row["认定日期"] == "" or row["认定日期"] <= "2026-10-31"
    assert any(r["认定日期"].startswith("2026-10") for r in update)
    # Certificates start within the window (the warehouse's months start there).
    dated = [r["认定日期"] for r in base.values() if r["认定日期"]]
    assert min(dated) >= "2025-10-01" and max(dated) <= "2026-09-30"


def test_ingest_loads_every_row(bulk: tuple[Path, dict], tmp_path: Path) -> None:
    out, manifest = bulk
    for part in ("base", "update"):
        done = run_cli(tmp_path / "home", "ingest", str(out / part), "--json")
        files = json.loads(done.stdout)["files"]
        listed = {f["path"]: f for f in manifest["files"] if f["part"] == part}
        assert {Path(f["path"]).relative_to(out).as_posix() for f in files} == set(listed)
        for f in files:
            wanted = listed[Path(f["path"]).relative_to(out).as_posix()]
            assert (f["status"], f["dataset"], f["rows_loaded"], f["rows_quarantined"]) == (
                "loaded",
                wanted["dataset"],
                wanted["rows"],
                0,
            ), f["errors"][:3]


def test_it_is_the_demo_simulation(tmp_path: Path) -> None:
    """Over the demo's own span (January four years back to the data date),
    the bulk output holds the same cases and yuan, district by district, as
    generate()'s files, except where generate() adds its correction and nil
    return."""
    scale = 0.03
    demo = generate(tmp_path / "demo", seed=SEED, today=dt.date(2026, 10, 22), scale=scale)
    assert demo["data_date"] == "2026-09-30"
    months = 12 * 4 + 9  # 2022-01 .. 2026-09
    bulk = generate_bulk(tmp_path / "bulk", seed=SEED, today=TODAY, scale=scale, months=months)
    assert bulk["parts"]["base"] == {"first_date": "2022-01-01", "last_date": "2026-09-30"}
    for dataset, recovered in (("legal_aid", "挽回经济损失"), ("wage_recovery", "追回金额")):
        rows = rows_of(tmp_path / "bulk", bulk, "base", dataset)
        by_district: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_district.setdefault(DISTRICT_CODES[r["区"]], []).append(r)
        expected = demo["expected"][dataset]["by_district"]
        special = {CORRECTION_DISTRICT, NIL_RETURN_DISTRICT}
        for code, figures in expected.items():
            if code in special:
                continue
            got = by_district[code]
            assert (len(got), yuan(got, recovered)) == (figures["rows"], figures["amount_recovered_yuan"]), code
    certs = Counter(DISTRICT_CODES[r["区"]] for r in rows_of(tmp_path / "bulk", bulk, "base", "certification"))
    for code, figures in demo["expected"]["certification"]["by_district"].items():
        assert certs[code] == figures["rows"], code


def test_same_arguments_give_byte_identical_files(bulk: tuple[Path, dict], tmp_path: Path) -> None:
    out, manifest = bulk
    again = generate_bulk(tmp_path / "again", seed=SEED, today=TODAY, scale=SCALE, max_bytes=MAX_BYTES)
    assert again["files"] == manifest["files"]
    for f in manifest["files"]:
        assert (tmp_path / "again" / f["path"]).read_bytes() == (out / f["path"]).read_bytes()


def test_refuses_bad_arguments(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(FileExistsError):
        generate_bulk(tmp_path / "full", seed=1, today=TODAY, scale=0.01)
    for bad in ({"seed": -1}, {"scale": 0}, {"months": 0}):
        with pytest.raises(ValueError):
            generate_bulk(tmp_path / "new", **{"seed": 1, "today": TODAY, "scale": 0.01, **bad})
