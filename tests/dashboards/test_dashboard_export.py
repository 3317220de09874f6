"""dashboards/export.py: Excel and CSV that open correctly in Chinese Excel
and print as documents (title block, header on every page, footer), text
that is never a formula, and chart images from the one kaleido server.

The workbooks are read back with openpyxl, an xlsx reader we did not write;
one is printed to PDF by LibreOffice where it is installed."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboards import charts, downloads, export
from dashboards.export import About, Column
from kernel.workbook import is_wide

COLUMNS = [
    Column("name", "用人单位"),
    Column("uscc", "统一社会信用代码", "code"),
    Column("workers", "涉及人数（人）", "count"),
    Column("owed", "欠薪金额（元）", "money"),
    Column("rate", "追回率", "rate"),
    Column("days", "平均办结天数（天）", "number"),
    Column("opened", "受理日期", "date"),
]
TITLE = "黄浦区 · 南京东路街道 · 明细（6条）"
ABOUT = About(
    title=TITLE,
    facts=(("范围", "黄浦区 · 南京东路街道"), ("统计期间", "2026年1–10月"), ("数据截至", "2026年11月22日")),
    notes=(("来源", "上海市总工会工会工作指标数据仓库"), ("备注", '=HYPERLINK("x")')),
    title_label="表格",
)
HEADER_ROW = 6  # title, three facts, a blank row, then the header (1-based)
FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture(autouse=True)
def dimensions():
    """Overrides the package's fixture of the same name: these tests are
    data in, file out, and need no warehouse (nor its build) behind them."""
    yield


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [*FORMULAS, "上海力宇运输有限公司", None],
            # An all-digit code would become 9.13E+17 if written as a number.
            "uscc": [
                "913101011234567890",
                "91310101MAFN5C996L",
                "91310104MA1XA5082Y",
                "913101150000000017",
                "91310110MA9REUX303",
                None,
            ],
            "workers": [3, 12, 1, 250, 7, None],
            "owed": [15206.0, 1234567.891, -5.5, 0.0, 99.99, None],
            "rate": [1.0, 0.755, None, 0.0, 0.190808477491805, 0.25],
            "days": [28.25, 1.0, None, 3.5, 40.0, 2.0],
            "opened": pd.to_datetime(["2026-01-08", "2026-02-19", "2026-03-05", None, "2026-10-31", "2026-05-01"]),
        }
    )


def _wide_frame(rows: int) -> tuple[pd.DataFrame, list[Column]]:
    """A records-like table: twelve columns, ``rows`` rows."""
    frame = pd.DataFrame(
        {
            "case_id": [f"LA-2026-{i:05d}" for i in range(rows)],
            "street": [("南京东路街道", "外滩街道", "半淞园路街道")[i % 3] for i in range(rows)],
            "received": pd.date_range("2026-01-01", periods=rows, freq="4h"),
            "dispute": [("劳动报酬", "社会保险", "解除劳动合同")[i % 3] for i in range(rows)],
            "industry": [("制造业", "批发和零售业")[i % 2] for i in range(rows)],
            "channel": [("来访", "12351热线")[i % 2] for i in range(rows)],
            "workers": [1 + i % 37 for i in range(rows)],
            "outcome": [("调解成功", "办理中", "转仲裁")[i % 3] for i in range(rows)],
            "claimed": [1000.5 + i for i in range(rows)],
            "recovered": [500.25 + i for i in range(rows)],
            "days": [(i % 60) / 3 for i in range(rows)],
            "share": [(i % 100) / 100 for i in range(rows)],
        }
    )
    columns = [
        Column("case_id", "案件编号", "code"),
        Column("street", "街镇"),
        Column("received", "受理日期", "date"),
        Column("dispute", "争议类型"),
        Column("industry", "行业"),
        Column("channel", "来源渠道"),
        Column("workers", "涉及职工人数（人）", "count"),
        Column("outcome", "办理结果"),
        Column("claimed", "诉求金额（元）", "money"),
        Column("recovered", "挽回经济损失（元）", "money"),
        Column("days", "办结天数（天）", "number"),
        Column("share", "挽回比例", "rate"),
    ]
    return frame, columns


def _load(data: bytes) -> openpyxl.Workbook:
    assert data[:2] == b"PK"  # a zip container, as .xlsx files are
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def xlsx_bytes() -> bytes:
    return export.to_xlsx(_frame(), COLUMNS, sheet="追讨欠薪_明细", about=ABOUT)


@pytest.fixture(scope="module")
def workbook(xlsx_bytes: bytes) -> openpyxl.Workbook:
    return _load(xlsx_bytes)


def _row(sheet, row: int) -> list[object]:
    return [cell.value for cell in sheet[row]]


def test_xlsx_title_block_stands_above_the_frozen_filtered_header(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.worksheets[0]
    assert sheet.title == "追讨欠薪_明细"
    assert sheet["A1"].value == TITLE and sheet["A1"].font.bold
    assert [sheet.cell(row=row, column=1).value for row in (2, 3, 4)] == [
        "范围：黄浦区 · 南京东路街道",
        "统计期间：2026年1–10月",
        "数据截至：2026年11月22日",
    ]
    # A blank row, so Excel's own table detection takes the table alone.
    assert all(value is None for value in _row(sheet, HEADER_ROW - 1))
    assert _row(sheet, HEADER_ROW) == [column.label for column in COLUMNS]
    assert all(cell.font.bold for cell in sheet[HEADER_ROW])
    # Frozen below the header; the filter covers the header and the rows.
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:G{HEADER_ROW + len(_frame())}"


def test_xlsx_without_about_is_the_bare_table() -> None:
    sheet = _load(export.to_xlsx(_frame(), COLUMNS)).worksheets[0]
    assert _row(sheet, 1) == [column.label for column in COLUMNS]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G7"
    assert sheet.print_title_rows == "$1:$1"


def test_xlsx_numbers_are_real_numbers_with_formats(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.worksheets[0]
    first = HEADER_ROW + 1
    workers, owed, rate, days = (
        sheet[f"C{first + 1}"],
        sheet[f"D{first + 1}"],
        sheet[f"E{first + 1}"],
        sheet[f"F{first}"],
    )
    assert workers.value == 12 and workers.data_type == "n" and workers.number_format == "#,##0"
    assert owed.value == pytest.approx(1234567.891) and owed.data_type == "n"
    assert owed.number_format == "#,##0.00"
    assert rate.value == pytest.approx(0.755) and rate.number_format == "0.0%"
    assert days.value == pytest.approx(28.25) and days.number_format == "#,##0.0"
    # A negative amount stays a number: only text is guarded.
    assert sheet[f"D{first + 2}"].value == pytest.approx(-5.5) and sheet[f"D{first + 2}"].data_type == "n"
    # Missing values are empty cells, not "nan" or "—".
    assert sheet[f"C{first + 5}"].value is None and sheet[f"E{first + 2}"].value is None


def test_xlsx_dates_are_dates(workbook: openpyxl.Workbook) -> None:
    cell = workbook.worksheets[0][f"G{HEADER_ROW + 1}"]
    assert cell.is_date and cell.value.date() == date(2026, 1, 8)
    assert cell.number_format == "yyyy-mm-dd"


def test_xlsx_codes_stay_text(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.worksheets[0]
    for row in (1, 2, 4):
        cell = sheet.cell(row=HEADER_ROW + row, column=2)
        assert cell.data_type == "s" and isinstance(cell.value, str) and len(cell.value) == 18
        assert cell.number_format == "@"
    assert sheet[f"B{HEADER_ROW + 1}"].value == "913101011234567890"


def test_xlsx_formula_like_text_is_a_string_without_an_apostrophe(
    workbook: openpyxl.Workbook, xlsx_bytes: bytes
) -> None:
    sheet = workbook.worksheets[0]
    cells = [sheet.cell(row=HEADER_ROW + row, column=1) for row in range(1, 5)]
    # Shown as typed: no apostrophe in the cell, which is a string cell …
    assert [cell.value for cell in cells] == FORMULAS
    assert all(cell.data_type == "s" for cell in cells)
    # … with Excel's quote prefix, so editing it keeps it text.
    assert all(cell.quotePrefix for cell in cells)
    plain = sheet[f"A{HEADER_ROW + 5}"]
    assert plain.value == "上海力宇运输有限公司" and not plain.quotePrefix
    about = workbook["说明"]
    assert about["A6"].value == "备注" and about["B6"].value == '=HYPERLINK("x")'
    assert about["B6"].data_type == "s" and about["B6"].quotePrefix
    # And in the file itself no cell of any sheet holds a formula.
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 2
        for name in sheets:
            assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_xlsx_notes_sheet_lists_title_facts_and_notes(workbook: openpyxl.Workbook) -> None:
    about = workbook["说明"]
    assert [(row[0].value, row[1].value) for row in about.iter_rows(max_col=2)] == ABOUT.rows()
    assert about["B1"].value == TITLE and about["B2"].value == "黄浦区 · 南京东路街道"


def test_xlsx_prints_one_page_wide_with_header_rows_and_footer(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.worksheets[0]
    setup = sheet.page_setup
    # Seven columns, but wider together than a portrait A4 (credit codes,
    # company names, long headers): landscape by width.
    assert setup.orientation == "landscape" and setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    # One page wide (1 is the default, which the file may leave out), any
    # number of pages down.
    assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.oddFooter.left.text == TITLE
    assert sheet.oddFooter.right.text == "第 &P 页 / 共 &N 页"


def test_xlsx_prints_a_narrow_table_portrait() -> None:
    columns = [Column("label", "区"), Column("cases", "案件数（件）", "count"), Column("share", "占比", "rate")]
    frame = pd.DataFrame({"label": ["黄浦区", "杨浦区"], "cases": [12, 30], "share": [0.3, 0.7]})
    sheet = _load(export.to_xlsx(frame, columns, about=ABOUT)).worksheets[0]
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True and sheet.page_setup.fitToHeight == 0


def test_xlsx_prints_wide_tables_landscape_with_the_header_on_every_page() -> None:
    frame, columns = _wide_frame(500)
    about = downloads.notes(
        "en",
        title="Huangpu & Nanjing East Road: records",
        scope="Huangpu",
        period="Jan–Oct 2026",
        data_date=date(2026, 11, 22),
    )
    sheet = _load(export.to_xlsx(frame, columns, about=about, notes_sheet="About", lang="en")).worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$6:$6"
    assert _row(sheet, 6)[0] == "案件编号"
    assert sheet["A2"].value == "Scope: Huangpu" and sheet["A4"].value == "Data as of: 22 Nov 2026"
    # An ampersand in the name is doubled, or Excel would read it as a code.
    assert sheet.oddFooter.left.text == "Huangpu && Nanjing East Road: records"
    assert sheet.oddFooter.right.text == "Page &P of &N"
    # The sheet name: no colon (Excel forbids it), whole words.
    assert sheet.title == "Huangpu & Nanjing East Road"


@pytest.mark.parametrize(
    ("widths", "wide"),
    [
        ([10.0] * 8, False),  # eight modest columns fit a portrait A4
        ([10.0] * 9, True),  # more than eight: landscape
        ([50.0, 50.0], True),  # two very wide columns: landscape
        ([20.0, 30.0, 12.0], False),
    ],
)
def test_landscape_when_more_than_eight_columns_or_wider_than_the_page(widths: list[float], wide: bool) -> None:
    assert is_wide(widths) is wide


soffice = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(soffice is None, reason="printing to PDF needs LibreOffice")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="reading the PDF needs pdftotext")
def test_a_long_wide_table_prints_one_page_wide_with_header_and_footer_on_each_page(tmp_path: Path) -> None:
    frame, columns = _wide_frame(600)
    about = downloads.notes(
        "zh", title="黄浦区 · 明细（600条）", scope="黄浦区", period="2026年1–10月", data_date=date(2026, 11, 22)
    )
    source = tmp_path / "records.xlsx"
    source.write_bytes(export.to_xlsx(frame, columns, about=about))
    profile = tmp_path / "profile"  # its own profile: other LibreOffice runs do not block this one
    subprocess.run(
        [
            str(soffice),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "records.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    # The whole workbook prints: the table's pages, then the 说明 sheet.
    *table, notes = pages
    assert notes.lstrip().startswith("表格") and "来源" in notes
    # 600 rows at about 45 a page, each page one page wide (no columns
    # spilling onto pages of their own).
    assert 5 <= len(table) <= 25
    assert table[0].lstrip().startswith("黄浦区 · 明细（600条）")
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in page and "黄浦区 · 明细（600条）" in page
    for number, page in enumerate(table, start=1):
        assert "案件编号" in page and "挽回比例" in page, f"page {number} lacks the header or a column"
    assert "LA-2026-00599" in table[-1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # English: cut at a space, never inside a word; trailing punctuation dropped.
        ("Legal aid by dispute type: Huangpu · Nanjing East Road", "Legal aid by dispute type"),
        ("Recovered wages by industry, Huangpu district", "Recovered wages by industry"),
        ("Huangpu · Nanjing East Road records (1,234)", "Huangpu · Nanjing East Road"),
        # Chinese: a cut between two characters is fine.
        (
            "黄浦区 · 南京东路街道 · 明细（1,234条）· 2026年1–10月 · 追讨欠薪",
            "黄浦区 · 南京东路街道 · 明细（1,234条）· 2026",  # 2026 whole, 年 may go
        ),
        # … nor inside a number, nor leaving a bracket open.
        ("法律援助 · 黄浦区 · 南京东路街道 · 明细（12,345条）", "法律援助 · 黄浦区 · 南京东路街道 · 明细"),
        # Mixed: not inside the English word at the limit.
        ("法律援助 · 按争议类型 Legal aid by dispute", "法律援助 · 按争议类型 Legal aid by"),
        # Excel's forbidden characters and outer apostrophes go; short names stay.
        ("a/b:c*d?[e]\\f", "a b c d e f"),
        ("'追讨欠薪'", "追讨欠薪"),
        ("追讨欠薪_明细", "追讨欠薪_明细"),
        # One word longer than the limit can only be cut.
        ("Supercalifragilisticexpialidocious", "Supercalifragilisticexpialidoci"),
        ("", "Sheet"),
    ],
)
def test_sheet_names_are_cut_at_a_word_boundary(name: str, expected: str) -> None:
    cut = export.sheet_name(name)
    assert cut == expected
    assert len(cut) <= 31 and not re.search(r"[\[\]:*?/\\]", cut)


def test_sheet_names_are_unique_ignoring_case() -> None:
    long = "Legal aid by dispute type: Huangpu · Nanjing East Road"
    names = export.sheet_names([long, long, "About", "about", "History"])
    assert names == ["Legal aid by dispute type", "Legal aid by dispute type (2)", "About", "about (2)", "History (2)"]
    assert len({name.casefold() for name in names}) == len(names)
    # A data sheet named like the notes sheet does not collide with it.
    workbook = _load(export.to_xlsx(_frame(), COLUMNS, sheet="说明", about=ABOUT))
    assert workbook.sheetnames == ["说明", "说明 (2)"]


def test_csv_has_a_bom_and_round_trips() -> None:
    frame = _frame()
    data = export.to_csv(frame, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"统一社会信用代码": str})
    assert list(back.columns) == [
        *(column.label for column in COLUMNS[:4]),
        "追回率（%）",
        *(c.label for c in COLUMNS[5:]),
    ]
    assert back["统一社会信用代码"].tolist()[:5] == frame["uscc"].tolist()[:5]
    # CSV has no cell types: formula-like text keeps its apostrophe here.
    assert back["用人单位"].tolist()[:4] == ["'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)"]
    assert back["欠薪金额（元）"].tolist()[:3] == pytest.approx([15206.0, 1234567.89, -5.5])
    assert back["涉及人数（人）"].tolist()[:5] == [3, 12, 1, 250, 7]
    assert back["受理日期"].tolist()[0] == "2026-01-08"
    text = data.decode("utf-8-sig")
    # Plain numbers (no thousands separators), money to the cent.
    assert "1234567.89" in text and "1,234,567" not in text
    assert text.splitlines()[0].startswith("用人单位,统一社会信用代码")


def test_csv_writes_rates_as_per_cent_and_numbers_at_the_screens_decimals() -> None:
    lines = export.to_csv(_frame(), COLUMNS).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    rate, days, owed = header.index("追回率（%）"), header.index("平均办结天数（天）"), header.index("欠薪金额（元）")
    rows = list(csv.reader(lines[1:]))
    by_code = {row[1]: row for row in rows}
    # 0.190808477491805 is 19.1 (%), as the screen shows it; 1.0 is 100.0.
    assert by_code["91310110MA9REUX303"][rate] == "19.1"
    assert by_code["91310104MA1XA5082Y"][rate] == "" and by_code["913101150000000017"][rate] == "0.0"
    # One decimal for days, halves up as on screen and in Excel; cents for money.
    assert by_code["91310104MA1XA5082Y"][days] == ""
    assert by_code["913101150000000017"][days] == "3.5"
    assert by_code["91310110MA9REUX303"][owed] == "99.99"
    assert by_code["913101150000000017"][owed] == "0.00"
    everything = "\n".join(lines)
    assert "0.1908" not in everything and "28.25" not in everything and "1234567.891" not in everything
    back = pd.read_csv(io.StringIO(everything), dtype=str, keep_default_na=False)
    assert back["追回率（%）"].tolist() == ["100.0", "75.5", "", "0.0", "19.1", "25.0"]
    assert back["平均办结天数（天）"].tolist() == ["28.3", "1.0", "", "3.5", "40.0", "2.0"]


def test_csv_rate_header_in_english() -> None:
    data = export.to_csv(_frame(), [Column("rate", "Mediation success rate", "rate")], lang="en")
    assert data.decode("utf-8-sig").splitlines()[:3] == ["Mediation success rate (%)", "100.0", "75.5"]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+86 21", "'+86 21"),
        ("-", "'-"),
        ("@home", "'@home"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("黄浦区", "黄浦区"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(raw: str, safe: str) -> None:
    assert export.neutralise(raw) == safe


def test_file_stem_keeps_chinese_and_drops_unsafe_characters() -> None:
    assert (
        export.file_stem("法律援助", "案件数 · 按区", "全市", "2026年1–10月")
        == "法律援助_案件数_按区_全市_2026年1–10月"
    )
    assert "/" not in export.file_stem("a/b", 'c:"d"')
    assert export.file_stem() == "export"


# ---------------------------------------------------------------------------
# Chart images through kaleido
# ---------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")),
    reason="chart export needs Chromium",
)


def _figure() -> go.Figure:
    frame = pd.DataFrame(
        {
            "label": ["浦东", "闵行", "杨浦"],
            "value": [108.0, 61.0, 32.0],
            "value_text": ["108件", "61件", "32件"],
            "colour": [charts.district_colour(c) for c in ("310115", "310112", "310110")],
        }
    )
    caption = charts.Caption("全市", "2026年1–10月", date(2026, 11, 22), "zh")
    return charts.ranked_bar(frame, title="法律援助 · 案件数 · 按区", caption=caption, subtitle="件")


@needs_chromium
def test_png_export_has_the_requested_size() -> None:
    data = export.figure_image(_figure(), "png", width=800, height=400, scale=2)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(data)).size == (1600, 800)


@needs_chromium
def test_pdf_export_embeds_the_cjk_font() -> None:
    data = export.figure_image(_figure(), "pdf", width=800, height=400)
    assert data.startswith(b"%PDF-")
    assert b"/FontDescriptor" in data
    # The subset's PostScript name (ABCDEF+NotoSansCJKsc-Regular); pdffonts
    # reads the fonts in test_dashboard_chart_files.py.
    assert b"NotoSansCJK" in data or b"WenQuanYi" in data


@needs_chromium
def test_svg_export_keeps_the_chinese_text_and_font() -> None:
    text = export.figure_image(_figure(), "svg", width=800, height=400).decode("utf-8")
    assert text.lstrip().startswith("<svg")
    assert "法律援助 · 案件数 · 按区" in text and "数据截至 2026年11月22日" in text
    assert "Noto Sans CJK SC" in text


@needs_chromium
def test_one_export_server_serves_every_export() -> None:
    import kaleido

    export.figure_image(_figure(), "svg")
    server = kaleido._global_server
    thread = server._thread
    formats: tuple[export.ImageFormat, ...] = ("png", "svg", "pdf")
    for fmt in formats:
        export.figure_image(_figure(), fmt)
    assert server.is_running() and server._thread is thread and thread.is_alive()
