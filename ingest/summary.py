"""A workbook's summary sheet (汇总): one row per district and a 合计 row,
beside a detail sheet per district. It is recognised as totals, never loaded
as detail, and its figures are checked against the detail rows the same
workbook loads: a difference is a note in the report, not an error."""

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from ingest import normalise as n
from ingest import validate
from ingest.readers import Sheet
from ingest.templates import Template
from kernel.errors import UnionKpiError, note

SUMMARY_WORDS = ("汇总", "合计", "总计", "总表", "summary", "total")
SUMMARY_NAME = re.compile("|".join(SUMMARY_WORDS), re.IGNORECASE)
SUMMARY_TITLE = re.compile(r"汇总|合计|总计")
# Headers of a column counting the detail rows (cases, records, enterprises).
COUNT_HEADERS = {"案件数", "件数", "案件数量", "受理案件数", "案件总数", "宗数", "记录数", "数量", "企业数", "户数"}
COUNT_HEADERS |= {"cases", "records", "count", "enterprises"}
MEASURED = {"int", "money"}
SHOWN_DIFFERENCES = 20


def looks_like_one(sheet: Sheet) -> bool:
    """Named like a summary (汇总, 合计 …), or titled so: a lone text in one
    of its first rows."""
    if sheet.name and SUMMARY_NAME.search(sheet.name):
        return True
    for _, cells in sheet.rows[:3]:
        texts = [t for t in (n.text(c) for c in cells) if t]
        if len(texts) == 1 and SUMMARY_TITLE.search(texts[0]):
            return True
    return False


def check(sheet: Sheet, details: list[validate.Parsed]) -> list[dict[str, str]]:
    """The notes of a summary sheet: that it was passed over, and every
    figure that differs from the detail rows loaded beside it."""
    notes = [note("summary_sheet", sheet.name or "", sheet.name or "")]
    try:
        found = _layout(sheet, {p.template.dataset: p.template for p in details}.values())
    except UnionKpiError as error:
        return [*notes, note("summary_not_checked", error.zh, error.en)]
    if found is None:
        return [*notes, note("summary_not_checked", "找不到与明细对应的列", "no column matches the detail sheets")]
    template, index, columns, scales = found
    detail = _detail_totals([p for p in details if p.template is template])
    quarantined = sum(len(p.quarantined) for p in details if p.template is template)
    differences = []
    for number, cells in sheet.rows[index + 1 :]:
        label = _row_label(cells, columns)
        if label is None:
            continue
        for position, (measure, header) in columns.items():
            if measure == "district_code" or position >= len(cells) or n.text(cells[position]) is None:
                continue
            try:
                stated = n.parse_decimal(cells[position]) * scales.get(measure, 1)
            except n.CellError:
                continue
            counted = detail[label][measure]
            if stated.quantize(n.CENT) != counted.quantize(n.CENT):
                differences.append((number, label, header, stated, counted))
    for number, label, header, stated, counted in differences[:SHOWN_DIFFERENCES]:
        where = "合计" if label == "total" else label
        extra_zh = f"（明细另有{quarantined}行被隔离）" if quarantined else ""
        extra_en = f" ({quarantined} detail rows were quarantined)" if quarantined else ""
        notes.append(
            note(
                "summary_totals_differ",
                f"第{number}行 {where}「{header}」汇总表为 {_shown(stated)}，明细为 {_shown(counted)}{extra_zh}",
                f"row {number} {label} '{header}': the summary says {_shown(stated)}, "
                f"the detail rows add up to {_shown(counted)}{extra_en}",
            )
        )
    return notes


def _layout(sheet: Sheet, templates: Any) -> tuple[Template, int, dict[int, tuple[str, str]], dict[str, int]] | None:
    """The detail template the summary's header matches best, the header's
    row index, its measured columns (position -> (column name or 'rows',
    header as written)) and their money scales."""
    best = None
    for template in templates:
        names = validate._names(template)
        for index, (_, cells) in enumerate(sheet.rows[: validate.HEADER_SEARCH_ROWS]):
            columns: dict[int, tuple[str, str]] = {}
            for position, cell in enumerate(cells):
                key = n.header_key(cell)[0]
                column = names.get(key)
                if column is not None and (column.kind in MEASURED or column.name == "district_code"):
                    columns[position] = (column.name, str(cell).strip())
                elif key in COUNT_HEADERS:
                    columns[position] = ("rows", str(cell).strip())
            measures = sum(name != "district_code" for name, _ in columns.values())
            if measures and (best is None or measures > best[0]):
                best = (measures, template, index, columns)
    if best is None:
        return None
    _, template, index, columns = best
    positions = {p: template.column(name) for p, (name, _) in columns.items() if name != "rows"}
    written = dict(columns.values())
    return template, index, columns, validate._money_scales(sheet, index, template, positions, written)


def _row_label(cells: list[Any], columns: dict[int, tuple[str, str]]) -> str | None:
    """'total' for a 合计 row, a district's code for a district's row."""
    texts = [n.text(c) for c in cells[:3]]
    if any(t and validate.TOTAL_ROW.match(t) for t in texts):
        return "total"
    position = next((p for p, (name, _) in columns.items() if name == "district_code"), None)
    candidates = [cells[position]] if position is not None and position < len(cells) else cells[:2]
    for value in candidates:
        if n.text(value) is None:
            continue
        try:
            return n.parse_district(value)
        except n.CellError:
            continue
    return None


def _detail_totals(details: list[validate.Parsed]) -> dict[str, dict[str, Decimal]]:
    """Row counts and sums of every measured column, by district and in all."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for parsed in details:
        for record in parsed.records:
            for label in (record["district_code"], "total"):
                totals[label]["rows"] += 1
                for column in parsed.template.columns:
                    if column.kind in MEASURED and record.get(column.name) is not None:
                        totals[label][column.name] += Decimal(record[column.name])
    return totals


def _shown(number: Decimal) -> str:
    return f"{number.normalize():,f}"
