"""Files written the way other tools and offices write them (LibreOffice,
openpyxl, xlsxwriter, Excel's "Unicode text", hand-made CSV): every one gets
a true verdict. Each class of defect from the second ingest review is shown
on the example it was found with and on others."""

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from ingest import bulk, load, validate
from kernel.home import Home
from tests.ingest.test_bulk import both_ways
from tests.ingest.test_load import TODAY, ingest, landing

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["案件编号", "区", "受理日期", "结案日期", "争议类型", "涉及职工人数", "挽回经济损失", "办理结果"]
ROW = ["W-1", "黄浦区", "2026-03-05", "", "劳动报酬", "2", "100", "办理中"]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def csv_file(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def amounts(home: Home, column: str = "amount_recovered") -> list[tuple]:
    return landing(home, f"select case_id, {column} from legal_aid order by case_id")


# 1. Units stated above a column


@pytest.mark.parametrize("name", ["merged_unit_header.xlsx", "merged_unit_header.ods"])
def test_a_merged_group_header_in_wan_yuan_scales_every_column_it_spans(home, name):
    """LibreOffice's two-row header: 金额（万元） merged over 诉求金额 and
    挽回经济损失. 3.5 万元 is 35,000 元, not 3.50."""
    [entry] = ingest(home, FIXTURES / name)
    assert (entry.status, entry.rows_loaded, entry.errors) == ("loaded", 2, [])
    assert landing(home, "select case_id, amount_claimed, amount_recovered from legal_aid order by 1") == [
        ("LO-1", Decimal("48000.00"), Decimal("35000.00")),
        ("LO-2", Decimal("150000.00"), Decimal("122500.00")),
    ]


def test_an_openpyxl_group_header_over_wage_columns(home, tmp_path):
    """Another template and writer: 金额（万元） merged over 欠薪金额 and 追回金额."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2026年3月追讨欠薪明细"])
    sheet.append(["记录编号", "区", "受理日期", "来源", "用人单位", "涉及人数", "金额（万元）", None, "状态"])
    sheet.append([None, None, None, None, None, None, "欠薪金额", "追回金额", None])
    sheet.append(["G-1", "徐汇区", "2026-03-02", "投诉举报", "某公司", 3, 1.25, 0.5, "已办结"])
    sheet.merge_cells("G2:H2")
    path = tmp_path / "wage.xlsx"
    workbook.save(path)
    [entry] = ingest(home, path)
    assert (entry.status, entry.errors) == ("loaded", [])
    assert landing(home, "select amount_owed, amount_recovered from wage_recovery") == [
        (Decimal("12500.00"), Decimal("5000.00"))
    ]


@pytest.mark.parametrize(
    ("above", "header_cell", "scale"),
    [
        ([["金额（万元）", None]], "挽回经济损失", 10000),  # a CSV group cell followed by blanks
        ([["2026年3月法律援助案件统计表"], ["单位：万元"]], "挽回经济损失", 10000),  # a units row
        ([["2026年3月法律援助案件统计表（金额单位：万元）"]], "挽回经济损失", 10000),  # in the title
        ([["单位：件、人、千元"]], "挽回经济损失", 1000),
        ([["单位：万元"]], "挽回经济损失（万元）", 10000),  # the same unit twice is no conflict
        ([], "挽回经济损失", 1),
        ([["2026年挽回经济损失超百万元的案件"]], "挽回经济损失", 1),  # a title naming an amount states no unit
        ([["挽回经济损失超一亿元的案件（单位：万元）"]], "挽回经济损失", 10000),  # the unit after 单位
    ],
)
def test_a_unit_anywhere_above_a_money_column_applies_to_it(home, tmp_path, above, header_cell, scale):
    header = [*HEADER[:6], header_cell, HEADER[7]]
    # place a group cell over the money column (position 6)
    lines = [[None] * 6 + line if len(line) == 2 else line for line in above]
    path = csv_file(tmp_path / "units.csv", [*lines, header, [*ROW[:6], "3.5", ROW[7]]])
    [entry] = ingest(home, path)
    assert (entry.status, entry.errors) == ("loaded", [])
    assert amounts(home) == [("W-1", Decimal("3.5") * scale)]


@pytest.mark.parametrize(
    ("above", "header_cell"),
    [
        ([["单位：万元"]], "挽回经济损失（元）"),
        ([["金额单位：元"], ["单位：万元"]], "挽回经济损失"),
    ],
)
def test_two_units_for_one_column_reject_the_file(home, tmp_path, above, header_cell):
    header = [*HEADER[:6], header_cell, HEADER[7]]
    path = csv_file(tmp_path / "conflict.csv", [*above, header, [*ROW[:6], "3.5", ROW[7]]])
    [entry] = ingest(home, path)
    assert (entry.status, entry.errors[0]["code"]) == ("rejected", "conflicting_units")
    assert "万元" in entry.errors[0]["message"] and "元" in entry.errors[0]["message_en"]
    assert landing(home, "select count(*) from legal_aid") == [(0,)]


# 1. Hidden sheets


@pytest.mark.parametrize("name", ["hidden_sheet.xls", "hidden_sheet.ods", "hidden_sheet_lo.xlsx", "very_hidden.xlsx"])
def test_hidden_sheets_are_skipped_with_a_note(home, name):
    entries = ingest(home, FIXTURES / name)
    assert [(e.sheet, e.status) for e in entries][0] == ("本月", "loaded")
    skipped = entries[1:]
    assert skipped and all(e.status == "skipped" and e.rows_read == 0 and e.errors == [] for e in skipped)
    assert all([n["code"] for n in e.notes] == ["hidden_sheet"] for e in skipped)
    assert landing(home, "select case_id from legal_aid order by 1") == [("LO-1",), ("LO-2",)]


def test_a_hidden_sheet_of_drop_down_lists_is_passed_over_silently(home, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    lists = workbook.create_sheet("可选值")
    lists.append(["劳动报酬", "社会保险"])
    lists.sheet_state = "hidden"
    path = tmp_path / "lists.xlsx"
    workbook.save(path)
    assert [(e.status, e.notes) for e in ingest(home, path)] == [("loaded", [])]


# 1. Formulas never calculated


def test_uncalculated_openpyxl_formulas_get_their_own_reason(home):
    [entry] = ingest(home, FIXTURES / "formulas_uncalculated.xlsx")
    assert (entry.status, entry.rows_loaded, entry.rows_quarantined) == ("loaded", 0, 2)
    assert {(e["row"], e["column"], e["code"]) for e in entry.errors} == {
        (row, column, "formula_not_calculated") for row in (2, 3) for column in ("涉及职工人数", "挽回经济损失")
    }
    assert "Excel" in entry.errors[0]["message"] and "=1+1" in entry.errors[0]["message"] + entry.errors[1]["message"]


def test_formulas_libreoffice_calculated_load_their_values(home):
    [entry] = ingest(home, FIXTURES / "formulas_calculated.xlsx")
    assert (entry.status, entry.errors) == ("loaded", [])
    assert landing(home, "select workers, amount_recovered from legal_aid") == [(2, Decimal("2000.00"))] * 2


def test_xlsxwriter_formulas_with_and_without_values(home, tmp_path):
    """xlsxwriter stores 0 for a formula it was given no value for (and asks
    Excel to recalculate on opening): that 0 is not a value."""
    path = tmp_path / "xw.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("案件")
    sheet.write_row(0, 0, [*HEADER, "诉求金额"])
    sheet.write_row(1, 0, ["X-1", "黄浦区", "2026-03-05", "", "劳动报酬", 2, 100, "办理中"])
    sheet.write_formula(1, 8, "=100*3")  # optional money column, no value: must not publish blank
    sheet.write_row(2, 0, ["X-2", "黄浦区", "2026-03-05", "", "劳动报酬"])
    sheet.write_formula(2, 5, "=1+2", None, 3)  # a value given: trusted
    sheet.write_row(2, 6, [100, "办理中"])
    sheet.write_formula(2, 8, "=100*3", None, 300)
    workbook.close()
    [entry] = ingest(home, path)
    assert [(e["row"], e["column"], e["code"]) for e in entry.errors] == [(2, "诉求金额", "formula_not_calculated")]
    assert landing(home, "select case_id, workers, amount_claimed from legal_aid") == [("X-2", 3, Decimal("300.00"))]


# 2. Values people type


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2025年6月3日 星期二", date(2025, 6, 3)),
        ("2025/6/4（周三）", date(2025, 6, 4)),
        ("2025-06-05 周四", date(2025, 6, 5)),
        ("2025.6.6 礼拜五", date(2025, 6, 6)),
        ("2025年6月7日(周六)", date(2025, 6, 7)),
        ("2025-06-09 Mon", date(2025, 6, 9)),
    ],
)
def test_dates_with_a_weekday(home, tmp_path, typed, meant):
    path = csv_file(tmp_path / "weekday.csv", [HEADER, [ROW[0], ROW[1], typed, *ROW[3:]]])
    [entry] = ingest(home, path)
    assert entry.errors == []
    assert landing(home, "select received_date from legal_aid") == [(meant,)]


def test_libreoffice_unicode_text_export_loads(home):
    [entry] = ingest(home, FIXTURES / "unicode_text.txt")
    assert (entry.status, entry.rows_loaded, entry.errors) == ("loaded", 2, [])
    assert amounts(home) == [("LO-1", Decimal("3.50")), ("LO-2", Decimal("1200.00"))]


def test_utf16_text_gets_the_same_verdict_on_both_paths(tmp_path, monkeypatch):
    """Excel's "Unicode text": UTF-16 with a BOM, tabs, CRLF, on the small-file
    and the bulk path alike."""
    lines = ["\t".join(HEADER)] + ["\t".join([f"U-{i}", *ROW[1:]]) for i in range(5)] + ["U-9\t火星区" + "\t" * 6]
    path = tmp_path / "unicode.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    small, big = both_ways(tmp_path, path, monkeypatch)
    assert small == big
    assert small["entry"][:1] == ("loaded",) and small["entry"][4] == 5
    assert [(e["row"], e["code"]) for e in small["errors"]][0] == (7, "unknown_district")


@pytest.mark.parametrize("name", ["encrypted.xls", "encrypted.ods"])
def test_libreoffice_encrypted_workbooks_are_reported_encrypted(home, name):
    [entry] = ingest(home, FIXTURES / name)
    assert (entry.status, [e["code"] for e in entry.errors]) == ("rejected", ["encrypted_workbook"])


# 3. One bad cell never takes down a file; one bad file never a batch

BAD_CELLS = [
    (5, "13812345678", "number_out_of_range"),  # a mobile number in 涉及职工人数
    (5, "1e10", "number_out_of_range"),
    (6, "1e30", "amount_too_large"),
    (6, "1" * 30, "amount_too_large"),
    (6, "Infinity", "invalid_number"),
    (6, "-inf", "invalid_number"),
    (6, "NaN", "invalid_number"),
    (6, "1e999999999", "amount_too_large"),
    (5, "1e999999999", "number_out_of_range"),
    (2, "9" * 40, "invalid_date"),
    (0, "编号" * 300, "text_too_long"),
]


def bad_cells_file(path: Path) -> Path:
    rows = [HEADER, ROW]
    for index, (position, value, _) in enumerate(BAD_CELLS):
        row = [f"B-{index}", *ROW[1:]]
        row[position] = value
        rows.append(row)
    return csv_file(path, rows)


def test_each_bad_cell_gets_a_row_reason_on_both_paths(tmp_path, monkeypatch):
    small, big = both_ways(tmp_path, bad_cells_file(tmp_path / "bad.csv"), monkeypatch)
    assert small == big
    assert small["entry"] == ("loaded", "legal_aid", ["2026-03", "2026-03"], 1 + len(BAD_CELLS), 1)
    assert [(e["row"], e["code"]) for e in small["errors"]] == [(3 + i, c) for i, (*_, c) in enumerate(BAD_CELLS)]


def money_row(value: str, case: str = "P-1") -> list[str]:
    return [case, *ROW[1:6], value, ROW[7]]


PARITY = {
    "weekday dates": [
        HEADER,
        *([f"P-{i}", ROW[1], d, *ROW[3:]] for i, d in enumerate(["2025年6月3日 星期二", "2025/6/4（周三）"])),
    ],
    "a units row": [["2026年3月统计表"], ["单位：万元"], HEADER, money_row("3.5"), money_row("0.000001", "P-2")],
    "a group header": [[None] * 6 + ["金额（万元）", None], HEADER, money_row("1.25")],
    "two units": [["单位：万元"], [*HEADER[:6], "挽回经济损失（元）", HEADER[7]], money_row("3.5")],
    "a long field": [HEADER + ["街镇"], ROW + ["x" * 200_000], money_row("5") + ["古美路街道"]],
    "no rows": [["2026年3月"], HEADER],
}


@pytest.mark.parametrize("case", PARITY)
def test_both_paths_give_the_same_verdict(tmp_path, monkeypatch, case):
    """Every CSV case of this issue, on the small-file and the bulk path:
    the same status, rows, reasons and row numbers."""
    small, big = both_ways(tmp_path, csv_file(tmp_path / "case.csv", PARITY[case]), monkeypatch)
    assert small == big
    assert small["entry"][0] == ("rejected" if case == "two units" else "loaded")


def test_a_field_past_the_csv_modules_limit_is_a_row_reason(home, tmp_path):
    path = csv_file(tmp_path / "long.csv", [HEADER + ["街镇"], ROW + ["x" * 200_000], [*ROW[:1], "徐汇区", *ROW[2:]]])
    [entry] = ingest(home, path)
    assert (entry.status, entry.rows_loaded) == ("loaded", 1)
    assert [(e["row"], e["code"]) for e in entry.errors] == [(2, "text_too_long")]


@pytest.mark.parametrize("at", [100, 40, 0])
def test_a_50_mb_cell_on_the_bulk_path_is_a_row_reason(home, tmp_path, monkeypatch, at):
    """Past DuckDB's default line size (2 MB): in the middle of the file its
    reader refuses the file; as the last record it drops it without a word,
    which the count of records against the file's lines catches. Either way
    the file is read again with room, and the cell gets its reason. As the
    first record, longer than the head the plan reads, it stays on the bulk
    path (the small-file path would hold the whole file in memory)."""
    monkeypatch.setattr(bulk, "BULK_BYTES", 0)
    path = tmp_path / "huge_cell.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(HEADER + ["街镇"]) + "\n")
        for i in range(100):  # the head that bulk.plan reads holds data rows
            if i == at:
                out.write(",".join(ROW) + "," + "x" * 50_000_000 + "\n")
            out.write(",".join([f"C-{i}", *ROW[1:]]) + ",古美路街道\n")
        if at == 100:
            out.write(",".join(ROW) + "," + "x" * 50_000_000 + "\n")
    reads, read = [], bulk._register_lookups
    monkeypatch.setattr(bulk, "_register_lookups", lambda r, plan, t: reads.append(plan.long_lines) or read(r, plan, t))
    [entry] = ingest(home, path)
    assert reads == [False, True]
    assert (entry.status, entry.rows_loaded, [(e["row"], e["code"]) for e in entry.errors]) == (
        "loaded",
        100,
        [(at + 2, "text_too_long")],
    )


def test_an_unforeseen_failure_rejects_that_file_and_the_batch_goes_on(home, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    csv_file(folder / "b_good.csv", [HEADER, ROW])
    cursed = csv_file(folder / "a_cursed.csv", [HEADER, [*ROW[:1], "徐汇区", *ROW[2:]]])
    real = validate.parse_sheet

    def fail_on_cursed(sheet, dataset, today, file_name="", only_district=None):
        if file_name == cursed.name:
            raise RuntimeError("a defect nobody foresaw")
        return real(sheet, dataset, today, file_name, only_district)

    monkeypatch.setattr(validate, "parse_sheet", fail_on_cursed)
    con = load.connect(home)
    try:
        entries = [e for path in load.walk([folder]) for e in load.ingest_file(con, home, path, today=TODAY)]
    finally:
        con.close()
    assert [(Path(e.path).name, e.status) for e in entries] == [("a_cursed.csv", "rejected"), ("b_good.csv", "loaded")]
    assert entries[0].errors[0]["code"] == "ingest_failed"
    assert "a defect nobody foresaw" in (home.root / "ingest_failures.log").read_text(encoding="utf-8")
    assert landing(home, "select status from loads order by load_seq") == [("rejected",), ("loaded",)]


def run_ingest(home: Path, *paths: Path, limit_bytes: int = 4 << 30) -> tuple[subprocess.CompletedProcess, int]:
    """The real command in a process of its own, under an address-space
    limit as a safety net; its peak memory in bytes."""
    script = (
        "import resource, subprocess, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit_bytes}, {limit_bytes}))\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)\n"
        "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(done.returncode)\n"
    )
    command = [sys.executable, "-c", script, sys.executable, "-m", "unionkpi", "--home", str(home), "ingest", "--json"]
    env = {**os.environ, "UNIONKPI_TODAY": TODAY.isoformat()}
    done = subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, env=env, timeout=180, check=False
    )
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return done, peak_kb * 1024


def test_a_folder_of_bad_files_is_reported_whole(tmp_path):
    """Bad cells, an encrypted workbook, a bomb and a good file in one
    folder: every file in the JSON report, exit 1, no traceback."""
    folder = tmp_path / "in"
    folder.mkdir()
    bad_cells_file(folder / "a_bad_cells.csv")
    (folder / "b_encrypted.xls").write_bytes((FIXTURES / "encrypted.xls").read_bytes())
    zip_bomb(folder / "c_bomb.xlsx")
    csv_file(folder / "d_good.csv", [HEADER, [*ROW[:1], "徐汇区", *ROW[2:]]])
    done, _ = run_ingest(tmp_path / "home", folder)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    report = {Path(e["path"]).name: e for e in json.loads(done.stdout)["files"]}
    assert {name: e["status"] for name, e in report.items()} == {
        "a_bad_cells.csv": "loaded",
        "b_encrypted.xls": "rejected",
        "c_bomb.xlsx": "rejected",
        "d_good.csv": "loaded",
    }
    assert report["c_bomb.xlsx"]["errors"][0]["code"] == "workbook_too_large"


# 4. Bounded resources


def zip_bomb(path: Path) -> Path:
    """An xlsx whose sheet inflates to 300 MB of blanks from well under 1 MB."""
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    plain = io.BytesIO()
    workbook.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (300 << 20))
            out.writestr(item, data, zipfile.ZIP_DEFLATED, 9)
    return path


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 1 << 20
    done, peak = run_ingest(tmp_path / "home", bomb)
    assert done.returncode == 1
    [entry] = json.loads(done.stdout)["files"]
    assert entry["errors"][0]["code"] == "workbook_too_large" and "MB" in entry["errors"][0]["message"]
    assert peak < 1 << 30


@pytest.mark.parametrize("stray", ["XFD1048576", "N1048576", "XFD60"])
def test_one_stray_cell_far_from_the_table_costs_no_memory(tmp_path, stray):
    """A blank typed far away: the 50 rows load, within 1 GB (calamine alone
    would lay out the whole rectangle: 512 GiB at XFD1048576)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for i in range(50):
        sheet.append([f"S-{i}", *ROW[1:5], 2, 100, ROW[7]])
    sheet[stray] = " "
    path = tmp_path / "stray.xlsx"
    workbook.save(path)
    done, peak = run_ingest(tmp_path / "home", path)
    assert done.returncode == 0, done.stderr[-2000:]
    [entry] = json.loads(done.stdout)["files"]
    assert (entry["status"], entry["rows_loaded"], entry["rows_quarantined"]) == ("loaded", 50, 0)
    assert peak < 1 << 30


@pytest.mark.parametrize(("name", "corner"), [("stray_cell.ods", "N1048576"), ("stray_cell.xls", "IV65536")])
def test_a_stray_cell_in_a_libreoffice_workbook_is_refused_in_bounds(tmp_path, name, corner):
    """calamine lays out every sheet of an .ods or .xls densely as it opens
    it: such a file is refused with the stray cell named, before it does."""
    done, peak = run_ingest(tmp_path / "home", FIXTURES / name)
    assert done.returncode == 1
    [entry] = json.loads(done.stdout)["files"]
    assert entry["errors"][0]["code"] == "sheet_too_sparse" and corner in entry["errors"][0]["message"]
    assert peak < 512 << 20


def test_a_header_line_of_fifty_million_commas_is_answered_in_bounds(tmp_path):
    path = tmp_path / "commas.csv"
    with path.open("wb") as out:
        out.write(",".join(HEADER).encode() + b"," * 50_000_000 + b"\n")
        out.write(",".join(ROW).encode() + b"\n")
    done, peak = run_ingest(tmp_path / "home", path)
    assert "Traceback" not in done.stderr
    [entry] = json.loads(done.stdout)["files"]
    assert entry["status"] in {"loaded", "rejected"}
    assert peak < 1 << 30


# 5. A workbook with a sheet per district and a 汇总 sheet


def district_workbook(path: Path, summary_rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, cases in (("黄浦", [("H-1", 2, 1.5), ("H-2", 3, 0.5)]), ("徐汇", [("X-1", 1, 2)])):
        sheet = workbook.create_sheet(name)
        sheet.append([*HEADER[:6], "挽回经济损失（万元）", HEADER[7]])
        for case, workers, wan in cases:
            sheet.append([case, name, "2026-03-05", None, "劳动报酬", workers, wan, "办理中"])
    summary = workbook.create_sheet("汇总", 0)
    summary.append(["2026年3月法律援助案件汇总表"])
    summary.append(["区", "案件数", "涉及职工人数", "挽回经济损失（万元）"])
    for row in summary_rows:
        summary.append(row)
    workbook.save(path)
    return path


def test_a_summary_sheet_is_recognised_as_totals_and_agrees(home, tmp_path):
    rows = [["黄浦区", 2, 5, 2], ["徐汇区", 1, 1, 2], ["合计", 3, 6, 4]]
    entries = ingest(home, district_workbook(tmp_path / "districts.xlsx", rows))
    assert [(e.sheet, e.status, e.rows_loaded) for e in entries] == [
        ("汇总", "skipped", 0),
        ("黄浦", "loaded", 2),
        ("徐汇", "loaded", 1),
    ]
    assert [n["code"] for n in entries[0].notes] == ["summary_sheet"]
    assert landing(home, "select sum(amount_recovered) from legal_aid") == [(Decimal("40000.00"),)]


def test_a_summary_that_differs_from_the_detail_is_a_warning(tmp_path):
    rows = [["黄浦区", 2, 5, 2.5], ["徐汇区", 1, 1, 2], ["合计", 4, 6, 4.5]]
    path = district_workbook(tmp_path / "districts.xlsx", rows)
    done, _ = run_ingest(tmp_path / "home", path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["files"][0]
    differ = [n for n in summary["notes"] if n["code"] == "summary_totals_differ"]
    assert [n["message"] for n in differ] == [
        "汇总表合计与明细不符：第3行 310101「挽回经济损失（万元）」汇总表为 25,000，明细为 20,000",
        "汇总表合计与明细不符：第5行 合计「案件数」汇总表为 4，明细为 3",
        "汇总表合计与明细不符：第5行 合计「挽回经济损失（万元）」汇总表为 45,000，明细为 40,000",
    ]


def test_a_sheet_named_summary_that_holds_detail_rows_is_loaded(home, tmp_path):
    """A city-wide list of cases in a sheet called 汇总 is detail, not totals."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "汇总"
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    assert [(e.sheet, e.status, e.rows_loaded) for e in ingest(home, path)] == [("汇总", "loaded", 1)]
