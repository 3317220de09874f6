"""One test per mess and per bad input of real district files, each on a
file written here, asserting statuses, counts, row numbers and codes."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import msoffcrypto
import openpyxl
import pytest

from ingest import load
from kernel.home import Home
from tests.ingest.test_load import LEGAL_AID_HEADER, TODAY, ingest, landing

ROW = ["M-1", "黄浦区", "2026-03-05", None, "劳动报酬", 1, 100, "办理中"]


@pytest.fixture
def home(tmp_path) -> Home:
    return Home(tmp_path / "home").ensure()


def csv_bytes(rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("suffix", [".csv", ".txt", ".dat"])
def test_text_encodings_and_extensions_are_judged_by_content(home, tmp_path, encoding, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(
        csv_bytes([LEGAL_AID_HEADER, ["M-1", "黄浦区", "2026年3月5日", "", "劳动报酬", "1", "100", "办理中"]], encoding)
    )
    [entry] = ingest(home, path)
    assert (entry.status, entry.rows_loaded) == ("loaded", 1)
    assert landing(home, "select district_code, received_date from legal_aid") == [("310101", date(2026, 3, 5))]


def test_xlsx_named_csv_is_read_as_a_workbook(home, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(LEGAL_AID_HEADER)
    workbook.active.append(ROW)
    path = tmp_path / "really_a_workbook.csv"
    workbook.save(path)
    [entry] = ingest(home, path)
    assert (entry.status, entry.sheet, entry.rows_loaded) == ("loaded", "Sheet", 1)


def test_every_matching_sheet_is_its_own_entry_and_notes_sheets_are_passed_over(home, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请按模板填写"])
    for name, case in (("一月", "A-1"), ("二月", "A-2")):
        sheet = workbook.create_sheet(name)
        sheet.append(LEGAL_AID_HEADER)
        sheet.append([case, *ROW[1:]])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    entries = ingest(home, path)
    assert [(e.sheet, e.status, e.rows_loaded) for e in entries] == [("一月", "loaded", 1), ("二月", "loaded", 1)]
    assert len({e.load_id for e in entries}) == 2


def test_excel_dates_serials_and_datetimes(home, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(LEGAL_AID_HEADER)
    sheet.append(["D-1", "黄浦", datetime(2026, 3, 5, 9, 30), None, "工伤", 1, None, "办理中"])
    sheet.append(["D-2", "黄浦", 46086, None, "工伤", 1, None, "办理中"])  # serial of 2026-03-05
    sheet.append(["D-3", "黄浦", "2026.3.5", None, "工伤", 1, None, "办理中"])
    path = tmp_path / "dates.xlsx"
    workbook.save(path)
    ingest(home, path)
    assert landing(home, "select distinct received_date from legal_aid") == [(date(2026, 3, 5),)]


def test_full_width_headers_units_and_values(home, tmp_path):
    header = ["案件编号", "区", "受理日期", "争议类型", "涉及职工人数（人）", "挽回经济损失（万元）", "办理结果"]
    row = ["Ｆ-1", "闵行", "２０２６－０３－０５", "劳动报酬", "３", "１．５", "调解成功"]
    path = tmp_path / "fw.csv"
    path.write_bytes(csv_bytes([header, row]))
    [entry] = ingest(home, path)
    assert entry.errors == []
    assert landing(home, "select workers, amount_recovered from legal_aid") == [(3, Decimal("15000.00"))]


def test_flags_and_synonyms(home, tmp_path):
    header = [*LEGAL_AID_HEADER, "新就业形态", "受理渠道"]
    rows = [
        header,
        ["S-1", "黄浦", "2026-03-05", "", "欠薪", "1", "", "在办", "Y", "12351"],
        ["S-2", "黄浦", "2026-03-05", "", "其它", "1", "", "撤诉", "否", "线上"],
    ]
    path = tmp_path / "syn.csv"
    path.write_bytes(csv_bytes(rows))
    [entry] = ingest(home, path)
    assert entry.errors == []
    assert landing(
        home, "select dispute_type, outcome, new_employment_form, channel from legal_aid order by case_id"
    ) == [
        ("劳动报酬", "办理中", True, "12351热线"),
        ("其他", "撤回", False, "线上平台"),
    ]


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({1: "火星区"}, "区", "unknown_district"),
        ({2: "2026-02-30"}, "受理日期", "invalid_date"),
        ({2: "2030-01-01"}, "受理日期", "date_in_future"),
        ({2: "1999-12-31"}, "受理日期", "date_too_early"),
        ({3: "2026-03-01"}, "结案日期", "closed_before_received"),
        ({5: "两人"}, "涉及职工人数", "invalid_number"),
        ({5: "1.5"}, "涉及职工人数", "not_positive_integer"),
        ({6: "-5"}, "挽回经济损失（万元）", "negative_amount"),
        ({6: "20000"}, "挽回经济损失（万元）", "amount_too_large"),
        ({4: "加班费"}, "争议类型", "unknown_category"),
        ({0: '=HYPERLINK("x")'}, "案件编号", "formula_text"),
        ({0: "@SUM(A1)"}, "案件编号", "formula_text"),
        ({4: ""}, "争议类型", "required_missing"),
    ],
)
def test_each_bad_value_is_quarantined_with_its_code(home, tmp_path, cells, column, code):
    row = ["B-1", "黄浦", "2026-03-05", "", "劳动报酬", "1", "100", "办理中"]
    for position, value in cells.items():
        row[position] = value
    good = ["B-2", "黄浦", "2026-03-06", "", "劳动报酬", "1", "100", "办理中"]
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([LEGAL_AID_HEADER, row, good]))
    [entry] = ingest(home, path)
    assert (entry.status, entry.rows_loaded, entry.rows_quarantined) == ("loaded", 1, 1)
    assert [(e["row"], e["column"], e["code"]) for e in entry.errors] == [(2, column, code)]


def test_csv_row_numbers_are_physical_lines_with_quoted_newlines(home, tmp_path):
    text = (
        ",".join(LEGAL_AID_HEADER)
        + "\n"
        + 'Q-1,黄浦,2026-03-05,,劳动报酬,1,"第一行\n第二行",办理中\n'
        + "Q-2,黄浦,2026-13-01,,劳动报酬,1,,办理中\n"
    )
    path = tmp_path / "q.csv"
    path.write_text(text, encoding="utf-8")
    [entry] = ingest(home, path)
    rows = sorted({e["row"] for e in entry.errors})
    assert rows == [2, 4]  # the quoted record starts on line 2; the next on line 4


def test_credit_codes_in_wage_returns(home, tmp_path):
    header = ["记录编号", "区", "受理日期", "来源", "用人单位", "统一社会信用代码", "涉及人数", "追回金额", "状态"]
    rows = [
        header,
        ["W-1", "黄浦", "2026-03-05", "投诉举报", "上海甲公司", "91350100M000100Y43", "2", "10", "已办结"],
        ["W-2", "黄浦", "2026-03-05", "投诉举报", "上海乙公司", "91350100M000100Y44", "2", "10", "已办结"],
        ["W-3", "黄浦", "2026-03-05", "投诉举报", "上海丙公司", "9.13501E+17", "2", "10", "已办结"],
    ]
    path = tmp_path / "w.csv"
    path.write_bytes(csv_bytes(rows))
    [entry] = ingest(home, path)
    assert [(e["row"], e["code"]) for e in entry.errors] == [(3, "invalid_uscc"), (4, "uscc_as_number")]


def test_encrypted_workbook_is_rejected(home, tmp_path):
    # What Excel writes for a password-protected xlsx: an OLE compound file
    # holding the EncryptedPackage (here encrypted by msoffcrypto-tool).
    workbook = openpyxl.Workbook()
    workbook.active.append(LEGAL_AID_HEADER)
    plain = io.BytesIO()
    workbook.save(plain)
    plain.seek(0)
    path = tmp_path / "secret.xlsx"
    with path.open("wb") as out:
        msoffcrypto.OfficeFile(plain).encrypt("secret", out)
    [entry] = ingest(home, path)
    assert (entry.status, entry.errors[0]["code"]) == ("rejected", "encrypted_workbook")


def test_file_above_the_size_limit_is_rejected_but_archived(home, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([LEGAL_AID_HEADER] + [[f"Z-{i}", *ROW[1:]] for i in range(2000)]))
    con = load.connect(home)
    try:
        [entry] = load.ingest_file(con, home, path, today=TODAY, max_bytes=10_000)
    finally:
        con.close()
    assert (entry.status, entry.errors[0]["code"], entry.rows_read) == ("rejected", "file_too_large", 0)
    assert landing(home, "select count(*) from legal_aid") == [(0,)]
    assert (home.archive / entry.sha256[:2] / f"{entry.sha256}.csv").exists()


def test_ambiguous_headers(home, tmp_path):
    path = tmp_path / "amb.csv"
    path.write_bytes(csv_bytes([["区", "统一社会信用代码"], ["黄浦", "91350100M000100Y43"]]))
    [entry] = ingest(home, path)
    assert entry.status == "rejected" and entry.errors[0]["code"] in {"ambiguous_template", "missing_required_column"}


def test_declared_period_and_dataset_options(home, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([LEGAL_AID_HEADER]))
    con = load.connect(home)
    try:
        [entry] = load.ingest_file(con, home, path, today=TODAY, dataset="legal_aid", period=("2026-04", "2026-06"))
        [wrong] = load.ingest_file(con, home, tmp_path / "p.csv", today=TODAY, dataset="target")
    finally:
        con.close()
    assert (entry.status, entry.period, entry.rows_read) == ("loaded", ["2026-04", "2026-06"], 0)
    assert wrong.status == "unchanged"  # same bytes were loaded before


def test_a_district_may_submit_only_its_own_rows(home, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes([LEGAL_AID_HEADER, ["O-1", "闵行", *ROW[2:]], ["O-2", "杨浦", *ROW[2:]]]))
    con = load.connect(home)
    try:
        [entry] = load.ingest_file(con, home, path, today=TODAY, only_district="310112")
    finally:
        con.close()
    assert [(e["row"], e["code"]) for e in entry.errors] == [(3, "district_out_of_scope")]
    assert landing(home, "select district_code from legal_aid") == [("310112",)]
