"""Find the template of a sheet from its headers, skip what is not data
(titles, totals, footers, blank rows), and check every row, collecting every
reason a row is wrong."""

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ingest import normalise as n
from ingest.readers import Sheet, Uncalculated
from ingest.templates import RATE_METRICS, TEMPLATES, Column, Template, synonyms_for
from kernel.errors import CODES, UnionKpiError

HEADER_SEARCH_ROWS = 30
TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|小\s*计|total|subtotal)", re.IGNORECASE)
FOOTER_ROW = re.compile(r"^(填报单位|填报人|填表人|审核人|制表|负责人|联系电话|注[:：]|说明[:：])")
SPANNING_PERIOD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月?\s*[-—–~至到]\s*(\d{4})\s*年\s*(\d{1,2})\s*月")
TITLE_PERIOD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})?\s*(?:[-—–~至到]\s*(\d{1,2}))?\s*月?")
FORMULA_START = ("=", "+", "-", "@")
MAX_TEXT_CHARS = 500  # a name or an id; anything longer is not what the column holds
EARLIEST = date(2000, 1, 1)
# Dates that may lie in the future (a certificate's expiry).
FUTURE_ALLOWED = {"valid_until"}
# (dataset, column, value) -> (the column that value requires, the code when it is blank)
REQUIRED_WHEN = {("certification", "status", "达标"): ("certified_date", "missing_certified_date")}
LATER_THAN = {  # column -> the column it must not precede
    "closed_date": "received_date",
    "resolved_date": "opened_date",
    "revoked_date": "certified_date",
}
# one parsed cell per (column, type, value): its typed value and its (code, detail) problems
CellCache = dict[tuple[str, type, Any], tuple[Any, list[tuple[str, str]]]]


def max_amount() -> Decimal:
    return Decimal(os.environ.get("UNIONKPI_MAX_AMOUNT_YUAN", "100000000"))


@dataclass
class RowError:
    row: int | None
    column: str | None
    code: str
    message: str
    message_en: str

    @classmethod
    def of(cls, row: int | None, column: str | None, code: str, detail: str = "") -> "RowError":
        zh, en = CODES[code]
        suffix = f"：{detail}" if detail else ""
        return cls(row, column, code, zh + suffix, en + (f": {detail}" if detail else ""))


@dataclass
class Parsed:
    """One sheet checked against its template."""

    template: Template
    header: dict[str, str]  # column name -> the header as written
    records: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[tuple[int, dict[str, Any], list[RowError]]] = field(default_factory=list)
    title_period: tuple[str, str] | None = None
    title_texts: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return [e for _, _, errs in self.quarantined for e in errs]


@dataclass
class Header:
    template: Template
    row_index: int  # index into sheet.rows of the last header row
    positions: dict[int, Column]  # cell position -> column
    scales: dict[str, int]  # money column name -> scale (10000 for 万元)
    written: dict[str, str]  # column name -> the header as written


def find_template(sheet: Sheet, dataset: str | None) -> Header:
    """The template a sheet follows, where its header is, and the money
    unit of each column."""
    candidates = [TEMPLATES[dataset]] if dataset else list(TEMPLATES.values())
    head = [(number, _keys(cells)) for number, cells in sheet.rows[:HEADER_SEARCH_ROWS]]
    best: list[tuple[float, int, int, Template, dict[int, Column]]] = []
    for index, (_, keys) in enumerate(head):
        for template in candidates:
            positions = _match_header(template, keys)
            if not positions:
                continue
            names = {c.name for c in positions.values()}
            share = sum(c.name in names for c in template.required) / len(template.required)
            best.append((share, len(positions), index, template, positions))
    best.sort(key=lambda b: (b[0], b[1]), reverse=True)
    if not best or best[0][1] < 2:
        raise UnionKpiError("unknown_template" if not dataset else "dataset_mismatch")
    share, count, index, template, positions = best[0]
    rivals = [b for b in best[1:] if b[2] == index and (b[0], b[1]) == (share, count)]
    if rivals and not dataset:
        raise UnionKpiError("ambiguous_template")
    first = index
    # A header whose cells were merged over two rows: the row below names
    # the columns the upper row left blank or grouped.
    if index + 1 < len(sheet.rows):
        lower = _match_header(template, _keys(sheet.rows[index + 1][1]))
        if lower and not set(lower.values()) & set(positions.values()):
            positions.update(lower)
            index += 1
    names = {c.name for c in positions.values()}
    missing = [c for c in template.required if c.name not in names]
    if missing:
        listed = "、".join(c.zh for c in missing)
        listed_en = ", ".join(c.name for c in missing)
        raise UnionKpiError(
            "missing_required_column",
            f"缺少必填列：{listed}",
            f"required column missing: {listed_en}",
        )
    header_rows = [cells for _, cells in sheet.rows[first : index + 1]]
    written = {}
    for position, column in positions.items():
        for cells in header_rows:
            if position < len(cells) and n.header_key(cells[position])[0] in _names(template):
                written[column.name] = str(cells[position]).strip()
    return Header(template, index, positions, _money_scales(sheet, index, template, positions, written), written)


def _keys(cells: list[Any]) -> list[tuple[int, str]]:
    """(position, lookup key) of each cell that is not blank."""
    return [(p, n.header_key(c)[0]) for p, c in enumerate(cells) if c is not None and c != ""]


def _money_scales(
    sheet: Sheet, index: int, template: Template, positions: dict[int, Column], written: dict[str, str]
) -> dict[str, int]:
    """Each column's money scale, from every place a unit can be stated: the
    column's own header cell, a group header above it (merged over the
    columns it spans, or followed by blank cells up to the next label), and
    a units line in the title block (单位：万元, 金额单位：万元), which covers
    every money column. Two different units for one column reject the file."""
    stated: dict[int, set[int]] = {p: set() for p, c in positions.items() if c.kind == "money"}
    for position, column in positions.items():
        unit = n.unit_scale(written.get(column.name))
        if position in stated and unit:
            stated[position].add(unit)
    for number, cells in sheet.rows[:index]:
        labelled = [p for p, c in enumerate(cells) if n.text(c) is not None]
        for order, position in enumerate(labelled):
            label = n.half_width(n.text(cells[position]) or "")
            unit = n.unit_scale(label[label.find("单位") :] if "单位" in label else label)
            if unit is None or n.header_key(label)[0] in _names(template):
                continue  # a column's own header: its unit was read above
            if "单位" not in label and len(labelled) == 1 and position == 0:
                continue  # a title (挽回经济损失超百万元的案件): only a units statement in it counts
            if "单位" in label:
                covered = set(stated)
            else:
                spans = [
                    (a[1], b[1]) for a, b in sheet.merged if a[0] <= number - 1 <= b[0] and a[1] <= position <= b[1]
                ]
                if spans:
                    covered = set(range(spans[0][0], spans[0][1] + 1))
                else:
                    end = labelled[order + 1] if order + 1 < len(labelled) else max(positions) + 1
                    covered = set(range(position, end))
            for covered_position in covered & set(stated):
                stated[covered_position].add(unit)
    scales = {}
    for position, units in stated.items():
        column = positions[position]
        if len(units) > 1:
            named = "、".join(sorted((k for k, v in n.UNITS.items() if v in units), key=len))
            raise UnionKpiError(
                "conflicting_units",
                f"“{written.get(column.name, column.zh)}”列写明了两种金额单位：{named}",
                f"two money units are stated for column {column.name}: {named}",
            )
        scales[column.name] = units.pop() if units else 1
    return scales


def _names(template: Template) -> dict[str, Column]:
    return _NAMES[template.dataset]


def _match_header(template: Template, keys: list[tuple[int, str]]) -> dict[int, Column]:
    names = _names(template)
    positions: dict[int, Column] = {}
    seen: set[str] = set()
    for position, key in keys:
        column = names.get(key)
        if column and column.name not in seen:
            seen.add(column.name)
            positions[position] = column
    return positions


_NAMES = {
    template.dataset: {
        n.header_key(alias)[0]: column
        for column in template.columns
        for alias in (column.zh, column.name, *column.aliases)
    }
    for template in TEMPLATES.values()
}


def title_period(texts: list[str]) -> tuple[str, str] | None:
    """The reporting months a title declares: 2024年1-3月, 2024年3月, 2024年度."""
    for title in texts:
        spanning = SPANNING_PERIOD.search(n.half_width(title))
        if spanning:
            first_year, first_month, last_year, last_month = (int(g) for g in spanning.groups())
            if (
                (first_year, first_month) <= (last_year, last_month)
                and 1 <= first_month <= 12
                and 1 <= last_month <= 12
            ):
                return f"{first_year}-{first_month:02d}", f"{last_year}-{last_month:02d}"
        match = TITLE_PERIOD.search(n.half_width(title))
        if not match:
            continue
        year, first, last = match.groups()
        if first is None:
            return f"{year}-01", f"{year}-12"
        first_month, last_month = int(first), int(last or first)
        if 1 <= first_month <= last_month <= 12:
            return f"{year}-{first_month:02d}", f"{year}-{last_month:02d}"
    return None


def parse_sheet(
    sheet: Sheet, dataset: str | None, today: date, file_name: str = "", only_district: str | None = None
) -> Parsed:
    found = find_template(sheet, dataset)
    template, positions = found.template, found.positions
    titles = [n.text(c) for _, cells in sheet.rows[: found.row_index] for c in cells]
    title_texts = [t for t in titles if t]
    parsed = Parsed(
        template,
        header=found.written,
        title_period=title_period([*title_texts, file_name]),
        title_texts=title_texts,
    )
    rows = []
    # Districts, categories and dates repeat row after row: parse each
    # distinct cell once per column.
    cache: CellCache = {}
    for number, cells in sheet.rows[found.row_index + 1 :]:
        if skipped_row(cells):
            continue
        raw = {c.name: cells[p] if p < len(cells) else None for p, c in positions.items()}
        record, errors = check_row(template, parsed.header, raw, found.scales, number, today, cache, only_district)
        rows.append((number, raw, record, errors))
    _mark_duplicates(template, parsed.header, rows)
    for number, raw, record, errors in rows:
        if errors:
            parsed.quarantined.append((number, {k: jsonable(v) for k, v in raw.items()}, errors))
        else:
            record["source_row"] = number
            parsed.records.append(record)
    return parsed


def skipped_row(cells: list[Any]) -> bool:
    """Blank rows, totals rows (合计/总计/小计) and footers (填报人…) are not data."""
    present = [v for v in (n.text(c) for c in cells) if v is not None]
    return not present or any(TOTAL_ROW.match(v) for v in present[:3]) or bool(FOOTER_ROW.match(present[0]))


def check_cell(
    template: Template, column: Column, value: Any, scale: int, today: date
) -> tuple[Any, list[tuple[str, str]]]:
    """One cell: its typed value and the (code, detail) of everything wrong with it."""
    if isinstance(value, Uncalculated):
        return None, [("formula_not_calculated", value[:30])]
    shown = n.text(value)
    if shown is None:
        return None, [("required_missing", "")] if column.required else []
    if column.kind == "text" and shown.startswith(FORMULA_START):
        return None, [("formula_text", shown[:30])]
    if column.kind == "text" and len(shown) > MAX_TEXT_CHARS:
        return None, [("text_too_long", shown[:30])]
    try:
        typed = _parse(template, column, value, scale)
    except n.CellError as error:
        return None, [(error.code, shown[:30])]
    return typed, _value_problems(column, typed, shown[:30], today)


def check_row(
    template: Template,
    header: dict[str, str],
    raw: dict[str, Any],
    scales: dict[str, int],
    number: int,
    today: date,
    cache: CellCache,
    only_district: str | None = None,
) -> tuple[dict[str, Any], list[RowError]]:
    record: dict[str, Any] = {c.name: None for c in template.columns}
    errors: list[RowError] = []

    def fail(column: Column, code: str, detail: str = "") -> None:
        errors.append(RowError.of(number, header.get(column.name, column.zh), code, detail))

    for column in template.columns:
        value = raw.get(column.name)
        key = (column.name, type(value), value)  # 1, 1.0 and True are equal keys
        if key not in cache:
            cache[key] = check_cell(template, column, value, scales.get(column.name, 1), today)
        record[column.name], problems = cache[key]
        for code, detail in problems:
            fail(column, code, detail)
    for later, earlier in LATER_THAN.items():
        if record.get(later) and record.get(earlier) and record[later] < record[earlier]:
            fail(template.column(later), "closed_before_received")
    dataset = template.dataset
    for (required_in, column_name, value), (needed, code) in REQUIRED_WHEN.items():
        if dataset == required_in and record.get(column_name) == value and n.text(raw.get(needed)) is None:
            fail(template.column(needed), code)
    rate = record.get("target") if record.get("metric") in RATE_METRICS else None
    if dataset == "target" and rate is not None and not 0 <= rate <= 1:
        fail(template.column("target"), "invalid_rate")
    if only_district and record.get("district_code") not in (None, only_district):
        fail(template.column("district_code"), "district_out_of_scope")
    return record, errors


# The parser of each kind of cell but money and category, which take more than the value.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": n.text,
    "date": n.parse_date,
    "int": n.parse_int,
    "rate": n.parse_rate,
    "flag": n.parse_flag,
    "district": n.parse_district,
    "uscc": n.parse_uscc,
    "year": n.parse_year,
}


def _parse(template: Template, column: Column, value: Any, scale: int) -> Any:
    if column.kind == "money":
        return n.parse_money(value, scale)
    if column.kind == "category":
        return n.parse_category(value, column.categories, synonyms_for(template, column))
    return PARSERS[column.kind](value)


def _value_problems(column: Column, value: Any, shown: str, today: date) -> list[tuple[str, str]]:
    if column.kind == "date":
        if value > today and column.name not in FUTURE_ALLOWED:
            return [("date_in_future", value.isoformat())]
        if value < EARLIEST:
            return [("date_too_early", value.isoformat())]
    elif column.kind == "int" and value < 1:
        return [("not_positive_integer", shown)]
    elif column.kind == "money":
        if value < 0:
            return [("negative_amount", shown)]
        if value > max_amount():
            return [("amount_too_large", shown)]
    elif column.kind == "rate" and value < 0:
        return [("invalid_number", shown)]
    return []


def natural_key(template: Template, record: dict[str, Any]) -> tuple | None:
    parts = tuple(record.get(k) for k in template.key)
    return parts if all(p is not None for p in parts) else None


def duplicate_error(template: Template, header: dict[str, str], number: int, key: tuple) -> RowError:
    column = template.key[-1] if template.dataset != "target" else template.key[0]
    return RowError.of(number, header.get(column), "duplicate_key", "/".join(str(p) for p in key))


def _mark_duplicates(template: Template, header: dict[str, str], rows: list) -> None:
    counts = Counter(k for *_, record, _ in rows if (k := natural_key(template, record)) is not None)
    for number, _, record, errors in rows:
        k = natural_key(template, record)
        if k is not None and counts[k] > 1:
            errors.append(duplicate_error(template, header, number, k))


def jsonable(value: Any) -> Any:
    """A raw cell as JSON; an empty cell is null however the file wrote it."""
    if value == "":
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
