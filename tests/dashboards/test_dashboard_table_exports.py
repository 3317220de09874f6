"""The table files a subject page makes, taken from the page itself (AppTest,
with the download buttons' file makers recorded) and read back with
openpyxl: each says the place its table is about (a district's street table
is that district's, not the page's 全市), heads its data sheet with it, is
print-ready, and its CSV writes rates as per cent."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import downloads
from tests.dashboards.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
HUANGPU = "310101"


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """The file makers the page's export buttons would offer, by button key."""
    made: dict[str, Callable[[], bytes]] = {}

    def record(label: str, make: Callable[[], bytes], *, file_name: str, fmt: str, key: str, help_text: str) -> None:
        made[key] = make

    monkeypatch.setattr(downloads, "_download", record)
    return made


def _open_legal_aid(monkeypatch: pytest.MonkeyPatch, home: Path) -> AppTest:
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), home)
    app.run()
    app.switch_page("app_pages/legal_aid.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _book(make: Callable[[], bytes]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(make()))


def _notes(book: openpyxl.Workbook) -> dict[str, str]:
    return {str(row[0].value): str(row[1].value) for row in book["说明"].iter_rows(max_col=2)}


def test_drill_tables_carry_their_own_place(monkeypatch, warehouse_home: Path, files) -> None:
    app = _open_legal_aid(monkeypatch, warehouse_home)  # citywide: no district chosen
    app.selectbox(key="drill").set_value(HUANGPU).run()
    assert not app.exception, [e.value for e in app.exception]

    # The breakdown is the page's: the whole city.
    breakdown = _book(files["legal_aid-breakdown-table-xlsx"])
    assert _notes(breakdown)["范围"] == "全市"
    assert breakdown.worksheets[0]["A2"].value == "范围：全市"

    # Huangpu's street table is Huangpu's: on its 说明 sheet and its title block.
    streets = _book(files["legal_aid-streets-table-xlsx"])
    assert _notes(streets)["范围"] == "黄浦区"
    sheet = streets.worksheets[0]
    assert sheet["A1"].value == "黄浦区 · 各街镇"
    assert sheet["A2"].value == "范围：黄浦区"
    assert sheet["A4"].value.startswith("数据截至：")
    assert sheet.title == "黄浦区 · 各街镇"

    # So are the records of all its streets, which print as a document.
    records = _book(files["legal_aid-records-table-xlsx"])
    assert _notes(records)["范围"] == "黄浦区"
    sheet = records.worksheets[0]
    assert sheet["A1"].value.startswith("黄浦区 · 明细（")
    header = [cell.value for cell in sheet[6]]
    assert header[0] == "案件编号" and sheet.freeze_panes == "A7"
    assert sheet.auto_filter.ref.startswith("A6:")
    assert sheet.page_setup.orientation == "landscape"  # many columns
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$6:$6"
    assert sheet.oddFooter.left.text == sheet["A1"].value
    assert sheet.oddFooter.right.text == "第 &P 页 / 共 &N 页"
    assert len(sheet.title) <= 31

    # One street's records are that street's.
    streets_offered = app.selectbox(key="street").options
    street = next(option for option in streets_offered[1:] if not option.startswith("（"))
    app.selectbox(key="street").set_value(street).run()
    assert not app.exception, [e.value for e in app.exception]
    one_street = _book(files["legal_aid-records-table-xlsx"])
    assert _notes(one_street)["范围"] == f"黄浦区 · {street}"
    assert one_street.worksheets[0]["A2"].value == f"范围：黄浦区 · {street}"


def test_breakdown_csv_writes_rates_as_per_cent(monkeypatch, warehouse_home: Path, files) -> None:
    _open_legal_aid(monkeypatch, warehouse_home)
    data = files["legal_aid-breakdown-table-csv"]()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    column = header.index("调解成功率（%）")
    values = [row[column] for row in rows[1:]]
    assert values and all(re.fullmatch(r"\d{1,3}\.\d|", value) for value in values), values
    assert any(float(value) > 1 for value in values if value)  # per cent, not fractions
    # The Excel file keeps the fraction with a per-cent format instead.
    sheet = _book(files["legal_aid-breakdown-table-xlsx"]).worksheets[0]
    excel_header = [cell.value for cell in sheet[6]]
    rate = sheet.cell(row=7, column=excel_header.index("调解成功率") + 1)
    assert rate.number_format == "0.0%" and (rate.value is None or 0 <= rate.value <= 1)
    first = rows[1][column]
    if first and rate.value is not None:
        assert float(first) == pytest.approx(rate.value * 100, abs=0.05)
