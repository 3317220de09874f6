"""Quarantined rows back to the district as an xlsx in its own layout: the
header and the rejected rows as they were written, a column of reasons in
Chinese, and the offending cells highlighted."""

from collections import defaultdict
from pathlib import Path

import xlsxwriter

from ingest import readers, validate
from ingest.load import Entry


def write_errors_xlsx(entries: list[Entry], out: Path) -> int:
    """Write one sheet per file (or sheet) with quarantined rows; return
    the number of rows written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_numbers": False})
    header_format = workbook.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1})
    bad_format = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    reason_format = workbook.add_format({"font_color": "#9C0006", "text_wrap": True})
    written = 0
    used_names: set[str] = set()
    for entry in entries:
        row_errors = defaultdict(list)
        for error in entry.errors:
            if error["row"] is not None:
                row_errors[error["row"]].append(error)
        if not row_errors:
            continue
        sheet_cells = _original_sheet(Path(entry.path), entry.sheet)
        found = validate.find_template(sheet_cells, entry.dataset)
        header = sheet_cells.rows[found.row_index][1]
        by_number = dict(sheet_cells.rows)
        name = _sheet_name(Path(entry.path).stem, entry.sheet, used_names)
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, ["原行号 row", *[str(h or "") for h in header], "错误原因 reasons"], header_format)
        for out_row, number in enumerate(sorted(row_errors), start=1):
            cells = by_number.get(number, [])
            bad_columns = {e["column"] for e in row_errors[number]}
            sheet.write_number(out_row, 0, number)
            for position, value in enumerate(cells):
                shown = "" if value is None else str(value)
                named = header[position] if position < len(header) else None
                marked = named is not None and str(named).strip() in bad_columns
                # Written as text so that a cell starting with = stays inert.
                sheet.write_string(out_row, position + 1, shown, bad_format if marked else None)
            reasons = "；".join(f"{e['column']}：{e['message']}" for e in row_errors[number])
            sheet.write_string(out_row, len(header) + 1, reasons, reason_format)
            written += 1
        sheet.set_column(len(header) + 1, len(header) + 1, 60)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return written


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
