"""Quarantined rows back to the district as an xlsx in its own layout: the
header and the rejected rows as they were written, a column of reasons in
Chinese, and the offending cells highlighted. Each sheet prints like the
dashboards' table exports (kernel.workbook): a title block saying what it
is, A4 one page wide, the header on every page, name and page numbers in
the footer."""

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import xlsxwriter

from ingest import readers, validate
from ingest.load import Entry
from kernel.workbook import display_width, looks_like_formula, print_setup, title_block

TITLE = "退回修改 returned for correction"
INSTRUCTION = "按“错误原因”改正标红的单元格后重新报送 / fix the red cells as the reasons say, then send the file again"
ROW_HEADER = "原行号 row"
REASONS_HEADER = "错误原因 reasons"
REASONS_WIDTH = 60
LINE_HEIGHT = 15  # points, a line of the default font
# What a line of the reasons column holds (wide characters count two): Chinese
# glyphs are drawn a little wider than two Latin ones, so less than its width.
REASONS_PER_LINE = 48
MAX_WIDTH = 40  # a long cell wraps in the sheet rather than widening the page


def write_errors_xlsx(entries: list[Entry], out: Path) -> int:
    """Write one sheet per file (or sheet) with quarantined rows; return
    the number of rows written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_numbers": False})
    styles: dict[str, dict[str, Any]] = {
        "header": {"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True},
        "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
        "plain": {},
    }
    formats = {name: workbook.add_format(style) for name, style in styles.items()}
    quoted = {f"{name}_quoted": {**style, "quote_prefix": True} for name, style in styles.items()}
    formats |= {name: workbook.add_format(style) for name, style in quoted.items()}
    formats["reason"] = workbook.add_format({"font_color": "#9C0006", "text_wrap": True, "valign": "top"})
    written = 0
    used_names: set[str] = set()
    for entry in entries:
        row_errors: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for error in entry.errors:
            if error["row"] is not None:
                row_errors[error["row"]].append(error)
        if row_errors:
            name = _sheet_name(Path(entry.path).stem, entry.sheet, used_names)
            written += _write_sheet(workbook, workbook.add_worksheet(name), entry, row_errors, formats)
    workbook.close()
    return written


def _write_sheet(
    workbook: Any, sheet: Any, entry: Entry, row_errors: dict[int, list[dict[str, Any]]], formats: dict[str, Any]
) -> int:
    """One file's (or sheet's) rejected rows under a title block saying
    which data set and sheet they came from; the rows written."""
    sheet_cells = _original_sheet(Path(entry.path), entry.sheet)
    found = validate.find_template(sheet_cells, entry.dataset)
    header = sheet_cells.rows[found.row_index][1]
    by_number = dict(sheet_cells.rows)
    title = f"{TITLE} · {found.template.zh}" + (f" · {entry.sheet}" if entry.sheet else "")
    # The file's own title lines (2026年1-3月…明细表) come back too: they name
    # the reporting months when the corrected file is sent again.
    original = " ".join(str(c) for _, cells in sheet_cells.rows[: found.row_index] for c in cells if c)
    facts = [
        ("数据集 dataset", found.template.zh),
        # A CSV has no sheet, and its archived copy's name is its hash.
        *([("工作表 sheet", entry.sheet)] if entry.sheet else []),
        *([("原标题 title", original)] if original else []),
        ("退回行数 rows", str(len(row_errors))),
        ("说明 note", INSTRUCTION),
    ]
    header_row = title_block(workbook, sheet, title, facts, "zh")
    columns = [ROW_HEADER, *[str(h or "") for h in header], REASONS_HEADER]
    for col, name in enumerate(columns):  # text, never a link or a formula
        sheet.write_string(header_row, col, name, formats["header_quoted" if looks_like_formula(name) else "header"])
    rows = [by_number.get(number, []) for number in sorted(row_errors)]
    for out_row, (number, cells) in enumerate(zip(sorted(row_errors), rows, strict=True), start=header_row + 1):
        bad_columns = {e["column"] for e in row_errors[number]}
        sheet.write_number(out_row, 0, number)
        for position, value in enumerate(cells):
            named = header[position] if position < len(header) else None
            marked = named is not None and str(named).strip() in bad_columns
            # Text with Excel's quote prefix when it starts like a formula, so
            # that it stays text when the district edits the cell.
            shown = _shown(value)
            style = ("bad" if marked else "plain") + ("_quoted" if looks_like_formula(shown) else "")
            sheet.write_string(out_row, position + 1, shown, formats[style])
        reasons = "；".join(f"{e['column']}：{e['message']}" for e in row_errors[number])
        sheet.write_string(out_row, len(header) + 1, reasons, formats["reason"])
        # Tall enough for the wrapped reasons: Excel and LibreOffice keep a
        # written file's row heights, so a long reason would print cut off.
        sheet.set_row(out_row, LINE_HEIGHT * math.ceil(display_width(reasons) / REASONS_PER_LINE))
    widths = _widths(columns, rows)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(header_row + 1, 0)
    print_setup(sheet, widths=widths, header_row=header_row, title=title, lang="zh")
    return len(rows)


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _widths(columns: list[str], rows: list[list[object]]) -> list[float]:
    """Each column as wide as its longest text (at most ``MAX_WIDTH``), the
    reasons ``REASONS_WIDTH``: the print setup fits the page to them, and
    decides from them whether the sheet prints landscape."""
    widths = [display_width(text) for text in columns[:-1]]
    for cells in rows:
        for position, value in enumerate(cells[: len(widths) - 1], start=1):
            widths[position] = max(widths[position], display_width(_shown(value)))
    return [float(min(width + 2, MAX_WIDTH)) for width in widths] + [float(REASONS_WIDTH)]


def _original_sheet(path: Path, sheet_name: str | None) -> readers.Sheet:
    return next(s for s in readers.read(path) if s.name == sheet_name)


def _sheet_name(stem: str, sheet: str | None, used: set[str]) -> str:
    base = "".join(c for c in f"{stem}-{sheet}" if c not in "[]:*?/\\")[:28] if sheet else stem[:28]
    name, counter = base, 1
    while name in used:
        counter += 1
        name = f"{base[:25]}_{counter}"
    used.add(name)
    return name


def main() -> None:
    """`python -m ingest.feedback OUT`: the return workbook of the report
    entries (the ingest report's shape, as JSON on stdin) into OUT. The
    dashboards' gateway runs it in a child process, as it runs ingests."""
    import json
    import sys

    entries = [Entry(**entry) for entry in json.load(sys.stdin)]
    write_errors_xlsx(entries, Path(sys.argv[1]))


if __name__ == "__main__":
    main()
