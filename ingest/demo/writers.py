"""One submission as a district's office writes it: laid out in its style
(headers, title, 合计 row, footer) and saved as CSV or xlsx the way office
tools save them, within Excel's sheet limit; and the city's target workbook."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xlsxwriter

from ingest.demo.columns import COLUMNS, REMARK, SERIAL, Column, cells
from ingest.demo.draws import MISSING
from ingest.demo.reference import District
from ingest.demo.styles import Style

XLSX_MAX_DATA_ROWS = 1_000_000  # Excel's sheet limit is 1,048,576 rows
ROWS_PER_BLOCK = 50_000  # rows formatted at a time: bounds memory at large scales

SHEET_NAMES = {
    "legal_aid": "法律援助",
    "wage_recovery": "追讨欠薪",
    "certification": "达标企业",
    "target": "年度目标",
}
SURNAMES = "张王李赵陈刘杨黄周吴徐孙朱马胡郭"  # of the clerks who sign the footer


def _header(column: Column, style: Style) -> str:
    """The header a district writes: 万元 is always said; 元 only by some."""
    if style.headers == "en":
        return column.en
    if column.kind != "money" or (style.headers == "zh" and not style.wan):
        return column.zh
    unit = "万元" if style.wan else "元"
    if style.headers == "zh_units_ascii":
        return f"{column.zh}({unit})"
    return f"{column.zh}（{unit}）"


def _district_label(district: District, style: Style) -> str:
    return {
        "name": district.name_zh,
        "short": district.short_zh,
        "code": district.code,
        "en": district.name_en,
    }[style.district_label]


@dataclass
class Sheet:
    """A file's content, format-independent; the data rows come in blocks."""

    title: str | None
    header: list[str]
    kinds: list[str]
    columns: list[Column]
    values: dict[str, Any]  # the year's values of every column
    rows: np.ndarray  # the positions of this file's rows in `values`
    label: str  # what the district column says
    style: Style
    totals: list[Any] | None
    footer: str | None

    def blocks(self) -> Iterator[Iterable[tuple[Any, ...]]]:
        """The data rows, a block of formatted cells at a time."""
        for start in range(0, len(self.rows), ROWS_PER_BLOCK):
            part = self.rows[start : start + ROWS_PER_BLOCK]
            yield zip(*(self._column(c, part, start) for c in self.columns), strict=False)

    def _column(self, column: Column, part: np.ndarray, start: int) -> list[Any]:
        if column.key == "district":
            return [self.label] * len(part)
        if column.key == "serial":
            return cells(column, np.arange(start + 1, start + len(part) + 1), self.style)
        if column.key == "remark":
            return [None if self.style.fmt == "xlsx" else ""] * len(part)
        values = self.values[column.key]
        if isinstance(values, np.ndarray):
            return cells(column, values[part], self.style)
        return cells(column, [values[i] for i in part.tolist()], self.style)


def _sums(values: dict[str, Any], rows: np.ndarray) -> dict[str, int]:
    """Totals-row figures: counts and money (cents) over the given rows."""
    out = {}
    for key in (
        "workers",
        "employees",
        "amount_claimed",
        "amount_recovered",
        "amount_owed",
    ):
        if key in values:
            v = values[key][rows]
            out[key] = int(np.where(v == MISSING, 0, v).sum())
    return out


def _totals_row(columns: list[Column], sums: dict[str, int], style: Style) -> list[Any]:
    """合计: sums of the count and money columns, in the file's units."""
    blank = None if style.fmt == "xlsx" else ""
    row: list[Any] = []
    for c in columns:
        if c.kind in ("count", "money"):
            row.append(cells(c, np.array([sums[c.key]]), style)[0])
        else:
            row.append(blank)
    row[0] = "合计"
    return row


def render(
    dataset: str,
    values: dict[str, Any],
    rows: np.ndarray,
    district: District,
    style: Style,
    title: str | None,
) -> Sheet:
    """Lay out one submission (the given rows of a year) in the district's style."""
    columns = list(COLUMNS[dataset])
    if style.district_first:
        columns.sort(key=lambda c: c.kind != "district")
    if style.serial_column:
        columns.insert(0, SERIAL)
    if style.remark_column:
        columns.append(REMARK)
    n = len(rows)
    totals = None
    if n and (style.fmt == "xlsx" or style.totals):
        totals = _totals_row(columns, _sums(values, rows), style)
    surname = SURNAMES[int(district.code) % len(SURNAMES)]
    checker = SURNAMES[(int(district.code) + 5) % len(SURNAMES)]
    footer = (
        f"填报单位：{district.name_zh}总工会  填报人：{surname}某  审核人：{checker}某"
        if style.fmt == "xlsx" and n
        else None
    )
    return Sheet(
        title=title,
        header=[_header(c, style) for c in columns],
        kinds=[c.kind for c in columns],
        columns=columns,
        values=values,
        rows=rows,
        label=_district_label(district, style),
        style=style,
        totals=totals,
        footer=footer,
    )


def fit_xlsx(months: tuple[int, int], per_month: np.ndarray, style: Style) -> list[tuple[int, int]]:
    """Split a month range until each part fits on one Excel sheet."""
    first, last = months
    if style.fmt != "xlsx" or per_month[first - 1 : last].sum() <= XLSX_MAX_DATA_ROWS:
        return [months]
    if first == last:
        raise ValueError("a single month does not fit on one sheet; lower the scale")
    mid = (first + last) // 2
    return fit_xlsx((first, mid), per_month, style) + fit_xlsx((mid + 1, last), per_month, style)


def write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    width = len(sheet.header)
    with open(path, "w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        if sheet.title:
            # Saved from Excel, a title row keeps its empty cells.
            out.writerow([sheet.title] + [""] * (width - 1))
        out.writerow(sheet.header)
        for block in sheet.blocks():
            out.writerows(block)
        if sheet.totals:
            out.writerow(sheet.totals)


def _workbook(path: Path, created: dt.datetime) -> xlsxwriter.Workbook:
    # constant_memory streams rows to disk; the fixed document date (and
    # xlsxwriter's fixed zip timestamps) make the file byte-reproducible.
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"created": created, "author": "区总工会", "company": ""})
    return book


def write_xlsx(path: Path, sheet: Sheet, sheet_name: str, style: Style, created: dt.datetime) -> None:
    book = _workbook(path, created)
    ws = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True})
    title_format = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    number_formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "money": book.add_format({"num_format": "#,##0.000000" if style.wan else "#,##0.00"}),
    }
    for i, kind in enumerate(sheet.kinds):
        # Cells without a format of their own take the column's: dates
        # written as serial numbers become real Excel date cells.
        ws.set_column(
            i,
            i,
            14 if kind in ("date", "money") else 12,
            number_formats.get(kind) if style.dates == "excel" or kind != "date" else None,
        )
    row = 0
    if sheet.title:
        if style.merge_title:
            ws.merge_range(0, 0, 0, len(sheet.header) - 1, sheet.title, title_format)
        else:
            ws.write_string(0, 0, sheet.title, title_format)
        row = 1
    ws.write_row(row, 0, sheet.header, bold)
    row += 1
    for block in sheet.blocks():
        for values in block:
            ws.write_row(row, 0, values)
            row += 1
    if sheet.totals:
        ws.write_row(row, 0, sheet.totals)
        row += 1
    if sheet.footer:
        ws.write_string(row + 1, 0, sheet.footer)  # after one blank row
    book.close()


def write_targets(path: Path, rows: list[list[Any]], created: dt.datetime) -> None:
    book = _workbook(path, created)
    ws = book.add_worksheet(SHEET_NAMES["target"])
    ws.write_row(0, 0, ["年度", "区", "指标", "目标值"], book.add_format({"bold": True}))
    ws.set_column(2, 2, 24)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    book.close()
