"""dashboards/export.py: Excel and CSV that open correctly in Chinese Excel,
neutralised formula cells, and chart images from the one kaleido server."""

from __future__ import annotations

import io
import shutil
from datetime import date

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboards import charts, export
from dashboards.export import Column

COLUMNS = [
    Column("name", "用人单位"),
    Column("uscc", "统一社会信用代码", "code"),
    Column("workers", "涉及人数（人）", "count"),
    Column("owed", "欠薪金额（元）", "money"),
    Column("rate", "追回率", "rate"),
    Column("days", "平均办结天数（天）", "number"),
    Column("opened", "受理日期", "date"),
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "上海力宇运输有限公司", None],
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
            "rate": [1.0, 0.755, None, 0.0, 0.5, 0.25],
            "days": [28.25, 1.0, None, 3.5, 40.0, 2.0],
            "opened": pd.to_datetime(["2026-01-08", "2026-02-19", "2026-03-05", None, "2026-10-31", "2026-05-01"]),
        }
    )


@pytest.fixture(scope="module")
def workbook() -> openpyxl.Workbook:
    data = export.to_xlsx(
        _frame(),
        COLUMNS,
        sheet="追讨欠薪_明细",
        notes=[("统计期间", "2026年1–10月"), ("备注", '=HYPERLINK("x")')],
    )
    assert data[:2] == b"PK"  # a zip container, as .xlsx files are
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_header_is_bold_and_frozen(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["追讨欠薪_明细"]
    assert [cell.value for cell in sheet[1]] == [column.label for column in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref is not None


def test_xlsx_numbers_are_real_numbers_with_formats(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.active
    workers, owed, rate, days = sheet["C3"], sheet["D3"], sheet["E3"], sheet["F2"]
    assert workers.value == 12 and workers.data_type == "n" and workers.number_format == "#,##0"
    assert owed.value == pytest.approx(1234567.891) and owed.data_type == "n"
    assert owed.number_format == "#,##0.00"
    assert rate.value == pytest.approx(0.755) and rate.number_format == "0.0%"
    assert days.value == pytest.approx(28.25) and days.number_format == "#,##0.0"
    # A negative amount stays a number: only text is neutralised.
    assert sheet["D4"].value == pytest.approx(-5.5) and sheet["D4"].data_type == "n"
    # Missing values are empty cells, not "nan" or "—".
    assert sheet["C7"].value is None and sheet["E4"].value is None


def test_xlsx_dates_are_dates(workbook: openpyxl.Workbook) -> None:
    cell = workbook.active["G2"]
    assert cell.is_date and cell.value.date() == date(2026, 1, 8)
    assert cell.number_format == "yyyy-mm-dd"


def test_xlsx_codes_stay_text(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.active
    for row in (2, 3, 5):
        cell = sheet.cell(row=row, column=2)
        assert cell.data_type == "s" and isinstance(cell.value, str) and len(cell.value) == 18
        assert cell.number_format == "@"
    assert sheet["B2"].value == "913101011234567890"


def test_xlsx_formula_cells_are_neutralised(workbook: openpyxl.Workbook) -> None:
    sheet = workbook.active
    assert [sheet.cell(row=row, column=1).value for row in range(2, 6)] == [
        "'=cmd|' /C calc'!A0",
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
    ]
    assert all(sheet.cell(row=row, column=1).data_type == "s" for row in range(2, 6))
    assert sheet["A6"].value == "上海力宇运输有限公司"
    about = workbook["说明"]
    assert about["A1"].value == "统计期间" and about["B1"].value == "2026年1–10月"
    assert about["B2"].value == '\'=HYPERLINK("x")'


def test_csv_has_a_bom_and_round_trips() -> None:
    frame = _frame()
    data = export.to_csv(frame, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"统一社会信用代码": str})
    assert list(back.columns) == [column.label for column in COLUMNS]
    assert back["统一社会信用代码"].tolist()[:5] == frame["uscc"].tolist()[:5]
    assert back["用人单位"].tolist()[:4] == ["'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)"]
    assert back["欠薪金额（元）"].tolist()[:3] == pytest.approx([15206.0, 1234567.89, -5.5])
    assert back["涉及人数（人）"].tolist()[:5] == [3, 12, 1, 250, 7]
    assert back["受理日期"].tolist()[0] == "2026-01-08"
    text = data.decode("utf-8-sig")
    # Plain numbers (no thousands separators), money to the cent.
    assert "1234567.89" in text and "1,234,567" not in text
    assert text.splitlines()[0].startswith("用人单位,统一社会信用代码")


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
    return charts.ranked_bar(frame, title="法律援助案件数 · 按区", subtitle="全市 · 2026年1–10月 · 件")


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
    assert b"Noto Sans CJK" in data or b"WenQuanYi" in data


@needs_chromium
def test_svg_export_keeps_the_chinese_text_and_font() -> None:
    text = export.figure_image(_figure(), "svg", width=800, height=400).decode("utf-8")
    assert text.lstrip().startswith("<svg")
    assert "法律援助案件数" in text
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
