"""Tests of the demo submission generator (ingest/demo/generate.py).

The files are read back with a small reader of their own (not the project's
ingest), so the manifest is checked against what was really written.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import itertools
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ingest.demo import generate
from ingest.demo.firms import uscc_for
from ingest.demo.seasons import SPRING_FESTIVAL
from ingest.uscc import is_valid
from kernel.home import REPO

TODAY = dt.date(2026, 11, 22)
DATA_DATE = dt.date(2026, 10, 31)
SEED = 7
SCALE = 0.03

# Header (Chinese or English, units stripped) -> field name.
HEADERS = {
    "案件编号": "case_id",
    "记录编号": "record_id",
    "区": "district",
    "街镇": "subdistrict",
    "受理日期": "received_date",
    "结案日期": "closed_date",
    "办结日期": "resolved_date",
    "争议类型": "dispute_type",
    "服务方式": "service_type",
    "受理渠道": "channel",
    "涉及职工人数": "workers",
    "涉及人数": "workers",
    "新就业形态": "new_employment_form",
    "行业": "industry",
    "诉求金额": "amount_claimed",
    "挽回经济损失": "amount_recovered",
    "来源": "source",
    "用人单位": "employer_name",
    "统一社会信用代码": "uscc",
    "欠薪金额": "amount_owed",
    "追回金额": "amount_recovered",
    "状态": "status",
    "企业名称": "enterprise_name",
    "职工人数": "employees",
    "创建年度": "campaign_year",
    "测评得分": "score",
    "认定日期": "certified_date",
    "有效期至": "valid_until",
    "撤销日期": "revoked_date",
    "年度": "year",
    "指标": "metric",
    "目标值": "target",
    "序号": "serial",
    "备注": "remark",
    "办理结果": "outcome",
    "employer_uscc": "uscc",
    "enterprise_uscc": "uscc",
    "opened_date": "received_date",
}
ID_COLUMNS = {"case_id", "record_id", "enterprise_name", "year"}
MONEY = {"amount_claimed", "amount_recovered", "amount_owed"}
DATES = {
    "received_date",
    "closed_date",
    "resolved_date",
    "certified_date",
    "valid_until",
    "revoked_date",
}
DISTRICT_NAMES: dict[str, str] = {}
with open(REPO / "data" / "reference" / "districts.csv", encoding="utf-8") as _f:
    for _r in csv.DictReader(_f):
        for _name in (
            _r["district_code"],
            _r["district_name_zh"],
            _r["short_name_zh"],
            _r["district_name_en"],
        ):
            DISTRICT_NAMES[_name] = _r["district_code"]


# ---------------------------------------------------------------------------
# A small reader of the generated submissions
# ---------------------------------------------------------------------------


def _raw_rows(path: Path) -> tuple[list[list[Any]], str | None]:
    """All rows of a file and, for a CSV, the encoding it was written in."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows, None
    data = path.read_bytes()
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("gb18030"), "gb18030"
    return [list(r) for r in csv.reader(text.splitlines())], encoding


def _blank(v: Any) -> bool:
    return v is None or v == ""


def _money(v: Any, wan: bool) -> Decimal | None:
    if _blank(v):
        return None
    d = Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v).replace(",", ""))
    if wan:
        d *= 10000
    yuan = d.quantize(Decimal("0.01"))
    assert abs(d - yuan) < Decimal("0.000001"), f"not a whole number of fen: {v}"
    return yuan


def _date(v: Any) -> dt.date | None:
    if _blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", str(v))
    assert m, f"unrecognised date {v!r}"
    return dt.date(*map(int, m.groups()))


def read_submission(path: Path) -> dict[str, Any]:
    """Title, header, data rows (as dicts of parsed values), totals and footer."""
    rows, encoding = _raw_rows(path)
    start = next(
        i
        for i, r in enumerate(rows)
        if any(
            str(c)
            in (
                "案件编号",
                "case_id",
                "记录编号",
                "record_id",
                "企业名称",
                "enterprise_name",
                "年度",
            )
            for c in r
        )
    )
    title = rows[start - 1][0] if start else None
    header = [str(h) for h in rows[start] if not _blank(h)]
    wan = {re.sub(r"[（(].*[）)]", "", h): "万元" in h for h in header}
    names = [HEADERS.get(re.sub(r"[（(].*[）)]", "", h), re.sub(r"[（(].*", "", h)) for h in header]
    data, totals, footer = [], None, None
    for r in rows[start + 1 :]:
        if all(_blank(c) for c in r):
            continue
        if r[0] == "合计":
            totals = dict(zip(names, r, strict=False))
            continue
        if str(r[0]).startswith("填报单位"):
            footer = r[0]
            continue
        record = {}
        for h, name, v in zip(header, names, r, strict=False):
            base = re.sub(r"[（(].*[）)]", "", h)
            if name in MONEY:
                record[name] = _money(v, wan[base])
            elif name in DATES:
                record[name] = _date(v)
            elif name in ("workers", "employees", "campaign_year", "year", "serial"):
                record[name] = None if _blank(v) else int(float(v))
            else:
                record[name] = None if _blank(v) else v
        data.append(record)
    return {
        "title": title,
        "header": header,
        "rows": data,
        "totals": totals,
        "footer": footer,
        "encoding": encoding,
        "wan": any(wan.values()),
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "out"
    return out, generate(out, seed=SEED, today=TODAY, scale=SCALE)


@pytest.fixture(scope="module")
def files(demo: tuple[Path, dict]) -> dict[str, dict[str, Any]]:
    """Every submission read back, keyed by its path, in sorted (ingest) order."""
    out, manifest = demo
    return {
        f["path"]: read_submission(out / f["path"]) | {"meta": f}
        for f in sorted(manifest["files"], key=lambda f: f["path"])
    }


def _final(files: dict[str, dict[str, Any]], dataset: str) -> dict[tuple, dict]:
    """The last version of each natural key, files taken in sorted order."""
    final: dict[tuple, dict] = {}
    for f in files.values():
        if f["meta"]["dataset"] != dataset:
            continue
        for row in f["rows"]:
            district = DISTRICT_NAMES[str(row["district"])]
            key = {
                "legal_aid": (district, row.get("case_id")),
                "wage_recovery": (district, row.get("record_id")),
                "certification": (row.get("uscc"), row.get("campaign_year")),
            }[dataset]
            final[key] = row | {"district_code": district}
    return final


def _all_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------
# Determinism and the manifest
# ---------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(demo, tmp_path):
    out, _ = demo
    again = tmp_path / "again"
    generate(again, seed=SEED, today=TODAY, scale=SCALE)
    assert _all_files(again) == _all_files(out)
    for name in _all_files(out):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name


def test_another_seed_gives_other_data(demo, tmp_path):
    _, manifest = demo
    other = generate(tmp_path / "other", seed=SEED + 1, today=TODAY, scale=SCALE)
    assert other["expected"]["legal_aid"] != manifest["expected"]["legal_aid"]
    assert other["data_date"] == manifest["data_date"]


def test_manifest_on_disk_equals_returned_value(demo):
    out, manifest = demo
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["seed"] == SEED and manifest["scale"] == SCALE
    assert manifest["today"] == "2026-11-22"
    assert manifest["data_date"] == "2026-10-31"


def test_manifest_lists_every_file_with_its_rows(demo, files):
    out, _ = demo
    assert sorted(files) == [p for p in _all_files(out) if p != "manifest.json"]
    for path, f in files.items():
        assert f["meta"]["rows"] == len(f["rows"]), path
        year = path.split("/")[0] if f["meta"]["dataset"] != "target" else path[8:12]
        assert f["meta"]["period"][0].startswith(year)


def test_time_span_runs_to_the_last_complete_month(demo, files):
    out, manifest = demo
    months = list(manifest["expected"]["legal_aid"]["by_month"])
    assert months[0] == "2022-01" and months[-1] == "2026-10" and len(months) == 58
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "2022",
        "2023",
        "2024",
        "2025",
        "2026",
        "targets",
    ]
    for f in files.values():
        for row in f["rows"]:
            for name in DATES - {"valid_until"}:
                assert row.get(name) is None or row[name] <= DATA_DATE


def test_expected_totals_equal_the_rows_written(demo, files):
    _, manifest = demo
    expected = manifest["expected"]
    for dataset, date_column in (
        ("legal_aid", "received_date"),
        ("wage_recovery", "received_date"),
    ):
        final = _final(files, dataset)
        exp = expected[dataset]
        money = [r["amount_recovered"] or Decimal(0) for r in final.values()]
        assert exp["rows"] == len(final)
        assert Decimal(exp["amount_recovered_yuan"]) == sum(money)
        assert exp["workers"] == sum(r["workers"] for r in final.values())
        by_district: dict[str, list] = {}
        by_month: dict[str, list] = {}
        for r in final.values():
            for bucket, key in (
                (by_district, r["district_code"]),
                (by_month, r[date_column].strftime("%Y-%m")),
            ):
                bucket.setdefault(key, []).append(r["amount_recovered"] or Decimal(0))
        for key, got in exp["by_district"].items():
            assert got["rows"] == len(by_district.get(key, [])), (dataset, key)
            assert Decimal(got["amount_recovered_yuan"]) == sum(by_district.get(key, []))
        for key, got in exp["by_month"].items():
            assert got["rows"] == len(by_month.get(key, [])), (dataset, key)
            assert Decimal(got["amount_recovered_yuan"]) == sum(by_month.get(key, []))
        assert set(by_month) <= set(exp["by_month"])

    certs = _final(files, "certification")
    assert expected["certification"]["rows"] == len(certs)
    assert expected["certification"]["certified"] == sum(r["status"] == "达标" for r in certs.values())
    per_district = Counter(r["district_code"] for r in certs.values())
    for code, got in expected["certification"]["by_district"].items():
        assert got["rows"] == per_district[code]
    assert (
        expected["target"]["rows"]
        == sum(len(f["rows"]) for f in files.values() if f["meta"]["dataset"] == "target")
        == 320
    )


def test_money_is_summed_exactly_as_decimal_strings(demo):
    _, manifest = demo
    for dataset in ("legal_aid", "wage_recovery"):
        exp = manifest["expected"][dataset]
        assert re.fullmatch(r"\d+\.\d\d", exp["amount_recovered_yuan"])
        assert sum(Decimal(v["amount_recovered_yuan"]) for v in exp["by_district"].values()) == Decimal(
            exp["amount_recovered_yuan"]
        )


# ---------------------------------------------------------------------------
# The rows themselves are valid
# ---------------------------------------------------------------------------


def test_credit_codes_are_valid_and_stable(files):
    name_of_code: dict[str, str] = {}
    for path, f in files.items():
        district = path.split("/")[1]
        for row in f["rows"]:
            code = row.get("uscc")
            if code is None:
                continue
            assert is_valid(code), code
            assert code.startswith("91" + district)
            name = row.get("employer_name") or row.get("enterprise_name")
            assert name_of_code.setdefault(code, name) == name
    assert len(name_of_code) > 100


def test_uscc_for_gives_distinct_valid_codes():
    codes = {uscc_for("310112", n) for n in range(2000)}
    assert len(codes) == 2000 and all(is_valid(c) for c in codes)


def test_legal_aid_rows_are_valid(files):
    for path, f in files.items():
        if f["meta"]["dataset"] != "legal_aid":
            continue
        ids = [r["case_id"] for r in f["rows"]]
        assert len(ids) == len(set(ids)), path
        for r in f["rows"]:
            assert re.fullmatch(rf"FY{path.split('/')[1]}-{path[:4]}-\d{{6}}", r["case_id"])
            assert r["workers"] >= 1
            assert r["outcome"] in ("调解成功", "仲裁裁决", "判决", "撤回", "办理中")
            assert r["dispute_type"] in (
                "劳动报酬",
                "社会保险",
                "劳动合同",
                "工伤",
                "其他",
            )
            assert r["new_employment_form"] in ("是", "否")
            assert (r["outcome"] == "办理中") == (r["closed_date"] is None)
            if r["closed_date"]:
                assert 1 <= (r["closed_date"] - r["received_date"]).days <= 90
            claimed, recovered = r["amount_claimed"], r["amount_recovered"]
            assert Decimal(0) < claimed < Decimal(100_000_000)
            if r["outcome"] in ("调解成功", "仲裁裁决", "判决"):
                assert Decimal(0) < recovered <= claimed
            else:
                assert recovered in (None, Decimal(0))


def test_wage_rows_are_valid(files):
    for path, f in files.items():
        if f["meta"]["dataset"] != "wage_recovery":
            continue
        for r in f["rows"]:
            assert re.fullmatch(rf"QX{path.split('/')[1]}-{path[:4]}-\d{{5}}", r["record_id"])
            assert r["workers"] >= 1
            assert r["source"] in ("投诉举报", "专项检查", "突发事件处置", "工会协调")
            assert (r["status"] == "已办结") == (r["resolved_date"] is not None)
            assert Decimal(0) <= r["amount_recovered"] <= r["amount_owed"] < Decimal(10**8)
            assert re.fullmatch(r"上海.+有限公司", r["employer_name"])


def test_certification_rows_are_valid(files):
    keys = Counter()
    for path, f in files.items():
        if f["meta"]["dataset"] != "certification":
            continue
        for r in f["rows"]:
            keys[(r["uscc"], r["campaign_year"])] += 1
            assert str(r["campaign_year"]) == path[:4]
            assert r["status"] in ("申报", "测评中", "达标", "未达标", "撤销")
            if r["status"] in ("达标", "撤销"):
                assert r["certified_date"].year == r["campaign_year"]
                assert r["score"] is not None and 80 <= float(r["score"]) <= 100
                if r["valid_until"] is not None:
                    assert r["valid_until"] == r["certified_date"].replace(year=r["certified_date"].year + 3)
            else:
                assert r["certified_date"] is None
            if r["status"] == "未达标":
                assert 60 <= float(r["score"]) < 80
            assert (r["status"] == "撤销") == (r["revoked_date"] is not None)
            if r["revoked_date"]:
                assert r["revoked_date"] > r["certified_date"]
            if r["campaign_year"] < 2026:
                assert r["status"] in ("达标", "未达标", "撤销")
    assert max(keys.values()) == 1


# ---------------------------------------------------------------------------
# Shape of the data: seasonality, growth, calibration
# ---------------------------------------------------------------------------


def test_legal_aid_dips_in_the_spring_festival_month(demo):
    _, manifest = demo
    by_month = manifest["expected"]["legal_aid"]["by_month"]
    for year in range(2022, 2027):
        festival = SPRING_FESTIVAL[year]
        dip = by_month[festival.strftime("%Y-%m")]["rows"]
        others = [v["rows"] for k, v in by_month.items() if k.startswith(str(year)) and k != festival.strftime("%Y-%m")]
        assert dip < 0.8 * sum(others) / len(others), year
        before = (festival.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        if before in by_month:
            assert by_month[before]["rows"] > dip


def test_wage_cases_peak_before_the_spring_festival(demo):
    _, manifest = demo
    by_month = manifest["expected"]["wage_recovery"]["by_month"]
    years = (2022, 2024, 2026)  # festival in February: January is the peak
    january = sum(by_month[f"{y}-01"]["rows"] for y in years)
    spring_summer = [by_month[f"{y}-{m:02d}"]["rows"] for y in years for m in range(3, 10)]
    assert january / len(years) > 1.4 * sum(spring_summer) / len(spring_summer)


def test_new_employment_form_share_grows(files):
    share = {}
    for year in (2022, 2026):
        flags = [
            r["new_employment_form"]
            for path, f in files.items()
            if f["meta"]["dataset"] == "legal_aid" and path.startswith(str(year))
            for r in f["rows"]
        ]
        share[year] = flags.count("是") / len(flags)
    assert 0.04 < share[2022] < 0.13
    assert share[2026] > share[2022] + 0.05


def test_volumes_match_the_calibration(tmp_path):
    # At scale 0.1 every volume is a tenth of the city's real-world size.
    manifest = generate(tmp_path / "tenth", seed=3, today=TODAY, scale=0.1)
    by_month = manifest["expected"]["legal_aid"]["by_month"]
    for year in (2023, 2024, 2025):
        months = [v for k, v in by_month.items() if k.startswith(str(year))]
        cases = sum(v["rows"] for v in months)
        yuan = sum(Decimal(v["amount_recovered_yuan"]) for v in months)
        assert 2_800 < cases < 3_800
        assert 60_000_000 < yuan < 90_000_000
    wage_rows = manifest["expected"]["wage_recovery"]["rows"]
    assert 3_500 < wage_rows < 5_000  # ~9,000 a year for 4 5/6 years
    certified_per_year = manifest["expected"]["certification"]["certified"] / 4.8
    assert 150 < certified_per_year < 250


# ---------------------------------------------------------------------------
# The mess of real submissions
# ---------------------------------------------------------------------------


def test_forms_vary_across_districts(files):
    by_district: dict[str, list[dict]] = {}
    for f in files.values():
        if f["meta"]["district_code"]:
            by_district.setdefault(f["meta"]["district_code"], []).append(f)
    kinds = {code: {Path(f["meta"]["path"]).suffix for f in fs} for code, fs in by_district.items()}
    assert 6 <= sum(k == {".xlsx"} for k in kinds.values()) <= 10
    encodings = {f["encoding"] for fs in by_district.values() for f in fs}
    assert {"utf-8", "gb18030"} <= encodings
    wan = {code for code, fs in by_district.items() if any(f["wan"] for f in fs)}
    assert len(wan) == 3
    english = {code for code, fs in by_district.items() if "case_id" in fs[0]["header"]}
    assert 1 <= len(english) <= 2
    labels = {str(r["district"]) for fs in by_district.values() for f in fs for r in f["rows"][:1]}
    assert {"闵行区", "崇明", "310113", "Xuhui"} <= labels
    assert any("（元）" in h for f in files.values() for h in f["header"])


def test_xlsx_layout_title_totals_footer(demo, files):
    out, _ = demo
    f = files["2024/310112/01_legal_aid.xlsx"]
    assert f["title"] == "2024年1-12月闵行区法律援助案件明细表"
    assert f["footer"].startswith("填报单位：闵行区总工会")
    assert f["totals"]["workers"] == sum(r["workers"] for r in f["rows"])
    assert _money(f["totals"]["amount_recovered"], False) == sum(r["amount_recovered"] or 0 for r in f["rows"])
    sheet = openpyxl.load_workbook(out / "2024/310112/01_legal_aid.xlsx").worksheets[0]
    assert sheet.title == "法律援助"
    assert "A1:N1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.cell(3, 4).is_date  # real Excel dates
    text_dates = openpyxl.load_workbook(out / "2024/310151/01_legal_aid.xlsx").worksheets[0]
    assert re.fullmatch(r"2024年\d+月\d+日", text_dates.cell(3, 4).value)


def test_current_year_split_into_two_monthly_files(files):
    paths = sorted(p for p in files if p.startswith("2026/310115/"))
    legal = [p for p in paths if "legal_aid" in p]
    assert legal == [
        "2026/310115/01_legal_aid_01-06.csv",
        "2026/310115/03_legal_aid_07-10.csv",
    ]
    assert files[legal[1]]["meta"]["period"] == ["2026-07", "2026-10"]
    assert all(r["received_date"].month >= 7 for r in files[legal[1]]["rows"])


def test_correction_resends_cases_of_the_last_month(files):
    folder = sorted(p for p in files if p.startswith("2026/310112/") and "legal_aid" in p)
    correction = folder[-1]
    assert "correction" in correction
    rows = files[correction]["rows"]
    assert 1 <= len(rows) <= 5
    assert files[correction]["title"].endswith("（更正）")
    earlier = {r["case_id"]: r for p in folder[:-1] for r in files[p]["rows"]}
    changed = 0
    for r in rows:
        old = earlier[r["case_id"]]  # every corrected case was sent before
        assert r["received_date"] == old["received_date"]
        changed += (r["amount_recovered"], r["outcome"]) != (
            old["amount_recovered"],
            old["outcome"],
        )
    assert changed == len(rows)


def test_nil_return_for_chongming_wages(files):
    path = next(p for p in files if p.startswith("2026/310151/") and p.endswith("_10.xlsx"))
    f = files[path]
    assert f["title"] == "2026年10月崇明区追讨欠薪情况表"
    assert f["rows"] == [] and "记录编号" in f["header"]
    assert f["meta"] == {
        "path": path,
        "dataset": "wage_recovery",
        "district_code": "310151",
        "period": ["2026-10", "2026-10"],
        "rows": 0,
    }
    october = [
        r
        for p, g in files.items()
        if p.startswith("2026/310151/") and g["meta"]["dataset"] == "wage_recovery"
        for r in g["rows"]
        if r["received_date"] >= dt.date(2026, 10, 1)
    ]
    assert october == []


def test_targets_are_close_to_what_districts_achieve(files):
    legal = _final(files, "legal_aid")
    for year in range(2022, 2026):
        f = files[f"targets/{year}_年度目标.xlsx"]
        assert f["header"] == ["年度", "区", "指标", "目标值"]
        assert len(f["rows"]) == 64
        assert Counter(r["metric"] for r in f["rows"]) == {
            "legal_aid_cases": 16,
            "wages_recovered_yuan": 16,
            "certified_enterprises": 16,
            "mediation_rate": 16,
        }
        for r in f["rows"]:
            if r["metric"] != "legal_aid_cases":
                continue
            code = DISTRICT_NAMES[r["district"]]
            actual = sum(1 for (d, _), c in legal.items() if d == code and c["received_date"].year == year)
            assert abs(r["target"] - actual) <= 0.06 * actual + 5, (year, code)


def test_big_workbooks_are_split_to_fit_a_sheet(tmp_path, monkeypatch):
    # Shrink Excel's row limit (and the formatting block) instead of
    # generating a million rows: the year's file splits into month ranges.
    module = importlib.import_module("ingest.demo.writers")
    monkeypatch.setattr(module, "XLSX_MAX_DATA_ROWS", 40)
    monkeypatch.setattr(module, "ROWS_PER_BLOCK", 7)
    out = tmp_path / "out"
    manifest = generate(out, seed=SEED, today=TODAY, scale=SCALE)
    legal = [f for f in manifest["files"] if f["path"].startswith("2024/310112/") and f["dataset"] == "legal_aid"]
    assert len(legal) > 1
    assert all(f["rows"] <= 40 for f in legal)
    months = [f["period"] for f in legal]
    assert months[0][0] == "2024-01" and months[-1][1] == "2024-12"
    for before, after in itertools.pairwise(months):
        assert int(after[0][5:]) == int(before[1][5:]) + 1  # contiguous, in order
    read = [read_submission(out / f["path"]) for f in legal]
    assert [len(r["rows"]) for r in read] == [f["rows"] for f in legal]
    total = sum(f["rows"] for f in manifest["files"] if f["dataset"] == "legal_aid")
    correction = sum(f["rows"] for f in manifest["files"] if "correction" in f["path"])
    assert total - correction == manifest["expected"]["legal_aid"]["rows"]


# ---------------------------------------------------------------------------
# Other dates and arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, last_month",
    [(dt.date(2027, 1, 10), "2026-12"), (dt.date(2026, 2, 15), "2026-01")],
)
def test_other_todays(tmp_path, today, last_month):
    manifest = generate(tmp_path / "out", seed=1, today=today, scale=0.01)
    months = list(manifest["expected"]["wage_recovery"]["by_month"])
    assert months[-1] == last_month and months[0] == f"{int(last_month[:4]) - 4}-01"
    nil = [
        f
        for f in manifest["files"]
        if f["district_code"] == "310151"
        and f["dataset"] == "wage_recovery"
        and f["period"] == [last_month, last_month]
    ]
    assert len(nil) == 1 and nil[0]["rows"] == 0


def test_refuses_bad_arguments(tmp_path):
    (tmp_path / "old.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate(tmp_path, seed=1, today=TODAY, scale=0.01)
    with pytest.raises(ValueError):
        generate(tmp_path / "new", seed=-1, today=TODAY, scale=0.01)


# ---------------------------------------------------------------------------
# Reference files
# ---------------------------------------------------------------------------


def test_subdistricts_reference():
    with open(REPO / "data" / "reference" / "subdistricts.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 215
    kinds = Counter("街道" if r["subdistrict_name_zh"].endswith("街道") else r["subdistrict_name_zh"][-1] for r in rows)
    assert kinds == {"街道": 107, "镇": 106, "乡": 2}
    codes = {v for k, v in DISTRICT_NAMES.items() if k.isdigit()}
    assert {r["district_code"] for r in rows} == codes
    assert len({(r["district_code"], r["subdistrict_name_zh"]) for r in rows}) == 215
    minhang = [r["subdistrict_name_zh"] for r in rows if r["district_code"] == "310112"]
    assert minhang == [
        "江川路街道",
        "古美街道",
        "新虹街道",
        "浦锦街道",
        "莘庄镇",
        "七宝镇",
        "颛桥镇",
        "华漕镇",
        "虹桥镇",
        "梅陇镇",
        "吴泾镇",
        "马桥镇",
        "浦江镇",
    ]
    english = {r["subdistrict_name_zh"]: r["subdistrict_name_en"] for r in rows}
    assert english["江川路街道"] == "Jiangchuan Road Subdistrict"
    assert english["莘庄镇"] == "Xinzhuang Town"


def test_holiday_reference():
    with open(REPO / "data" / "reference" / "cn_holidays.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    days = {dt.date.fromisoformat(r["date"]): (r["kind"], r["name_zh"]) for r in rows}
    assert len(days) == len(rows)
    for day, (kind, _) in days.items():
        assert kind in ("holiday", "workday")
        if kind == "workday":
            assert day.weekday() >= 5  # adjusted working days are weekend days
    spring = {2022: 7, 2023: 7, 2024: 8, 2025: 8, 2026: 9}
    for year, length in spring.items():
        off = [d for d, (k, n) in days.items() if n == "春节" and k == "holiday" and d.year == year]
        assert len(off) == length, year
    assert days[dt.date(2024, 2, 4)] == ("workday", "春节")
    assert days[dt.date(2025, 1, 28)] == ("holiday", "春节")
    assert days[dt.date(2026, 2, 14)] == ("workday", "春节")
    assert days[dt.date(2023, 10, 6)] == ("holiday", "中秋节、国庆节")
    assert days[dt.date(2026, 9, 20)] == ("workday", "国庆节")
    assert days[dt.date(2022, 12, 31)] == ("holiday", "元旦")
