"""The columns of each dataset (the contract's), what each holds of a drawn
table (for the demo files and the bulk output alike), and their cells as a
district writes them: category labels, record numbers, money in 元 or 万元,
dates as Excel dates or spelt the district's way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.demo.categories import (
    CERT_STATUSES,
    CHANNELS,
    DISPUTE_TYPES,
    FLAG,
    INDUSTRIES,
    OUTCOMES,
    SERVICE_TYPES,
    WAGE_SOURCES,
    WAGE_STATUSES,
)
from ingest.demo.draws import MISSING, Table
from ingest.demo.firms import FirmRegistry
from ingest.demo.reference import District
from ingest.demo.seasons import ymd
from ingest.demo.styles import Style
from ingest.templates import TEMPLATES
from ingest.templates import Column as TemplateColumn

EXCEL_EPOCH_OFFSET = 25569  # Excel serial number of 1970-01-01


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str  # text | district | date | count | int | money | score


# The demo's kinds where the contract's differ: `count` is summed in a 合计
# row, `int` (a year) is not; a score is drawn in tenths of a point; the other
# kinds are written as text.
_DEMO_KINDS = {"int": "count", "year": "int", "rate": "score", "category": "text", "uscc": "text", "flag": "text"}


def _from_template(column: TemplateColumn) -> Column:
    # Districts head their code column "district" in English.
    key = "district" if column.kind == "district" else column.name
    return Column(key, column.zh, key, _DEMO_KINDS.get(column.kind, column.kind))


# Each dataset's columns, the contract's headers in the contract's order.
COLUMNS: dict[str, tuple[Column, ...]] = {
    dataset: tuple(map(_from_template, TEMPLATES[dataset].columns))
    for dataset in ("legal_aid", "wage_recovery", "certification")
}
SERIAL = Column("serial", "序号", "no", "int")
REMARK = Column("remark", "备注", "remarks", "text")


@dataclass(frozen=True)
class Coded:
    """A column drawn as codes into `labels`; MISSING for a blank."""

    codes: np.ndarray
    labels: Sequence[str]


@dataclass(frozen=True)
class Numbered:
    """Record numbers: `prefix` and the sequence number, zero-padded to `width`."""

    prefix: str
    seq: np.ndarray
    width: int


ID_DIGITS = {"legal_aid": 6, "wage_recovery": 5}  # the fewest digits of a record number


def id_width(dataset: str, seq: np.ndarray) -> int:
    """Digits of a record number: zero-padded, wider only at huge scales."""
    minimum = ID_DIGITS[dataset]
    return max(minimum, len(str(int(seq.max())))) if len(seq) else minimum


# What each column holds of a drawn table: a Coded or Numbered column, else
# the drawn numbers (day numbers, cents, tenths of a point, counts). The
# district column is the writer's: it says the district the way the file does.


def legal_aid_columns(t: Table, district: District, year: int, width: int) -> dict[str, Any]:
    return {
        "case_id": Numbered(f"FY{district.code}-{year}-", t["seq"], width),
        "subdistrict": Coded(t["street"], district.subdistricts),
        "received_date": t["received"],
        "closed_date": t["closed"],
        "dispute_type": Coded(t["dispute"], DISPUTE_TYPES),
        "service_type": Coded(t["service"], SERVICE_TYPES),
        "channel": Coded(t["channel"], CHANNELS),
        "workers": t["workers"],
        "new_employment_form": Coded(t["new_form"], FLAG),
        "industry": Coded(t["industry"], INDUSTRIES),
        "amount_claimed": t["claimed"],
        "amount_recovered": t["recovered"],
        "outcome": Coded(t["outcome"], OUTCOMES),
    }


def _firm_columns(firms: FirmRegistry, firm: np.ndarray, prefix: str) -> dict[str, Coded]:
    return {
        f"{prefix}_name": Coded(firm, firms.names),
        f"{prefix}_uscc": Coded(firm, firms.codes),
        "subdistrict": Coded(firms.street[firm], firms.district.subdistricts),
        "industry": Coded(firms.industry[firm], INDUSTRIES),
    }


def wage_columns(t: Table, district: District, year: int, width: int, employers: FirmRegistry) -> dict[str, Any]:
    return {
        "record_id": Numbered(f"QX{district.code}-{year}-", t["seq"], width),
        **_firm_columns(employers, t["employer"], "employer"),
        "opened_date": t["opened"],
        "resolved_date": t["resolved"],
        "source": Coded(t["source"], WAGE_SOURCES),
        "workers": t["workers"],
        "amount_owed": t["owed"],
        "amount_recovered": t["recovered"],
        "status": Coded(t["status"], WAGE_STATUSES),
    }


def certification_columns(t: Table, enterprises: FirmRegistry) -> dict[str, Any]:
    return {
        **_firm_columns(enterprises, t["firm"], "enterprise"),
        "employees": t["employees"],
        "campaign_year": t["year"],
        "score": t["score"],
        "status": Coded(t["status"], CERT_STATUSES),
        "certified_date": t["certified_date"],
        "valid_until": t["valid_until"],
        "revoked_date": t["revoked_date"],
    }


def _strings(value: Coded | Numbered) -> list[str | None]:
    """The strings a Coded or Numbered column stands for; None for a blank."""
    if isinstance(value, Numbered):
        return [f"{value.prefix}{s:0{value.width}d}" for s in value.seq.tolist()]
    lookup = np.array([*value.labels, None], dtype=object)
    return lookup[np.where(value.codes == MISSING, len(value.labels), value.codes)].tolist()


def _values(columns: dict[str, Any]) -> dict[str, Any]:
    return {k: _strings(v) if isinstance(v, Coded | Numbered) else v for k, v in columns.items()}


def legal_aid_values(t: Table, district: District, year: int) -> dict[str, Any]:
    return _values(legal_aid_columns(t, district, year, id_width("legal_aid", t["seq"])))


def wage_values(t: Table, district: District, year: int, employers: FirmRegistry) -> dict[str, Any]:
    return _values(wage_columns(t, district, year, id_width("wage_recovery", t["seq"]), employers))


def certification_values(t: Table, enterprises: FirmRegistry, style: Style) -> dict[str, Any]:
    values = _values(certification_columns(t, enterprises))
    if style.valid_until_blank:
        values["valid_until"] = np.full(len(t["firm"]), MISSING)
    return values


def _money_text(cents: list[int], style: Style) -> list[str]:
    if style.wan:
        # yuan / 10000 exactly: at most six decimals, trailing zeros dropped.
        return ["" if c == MISSING else f"{c // 1_000_000}.{c % 1_000_000:06d}".rstrip("0").rstrip(".") for c in cents]
    sep = "," if style.thousands else ""
    return ["" if c == MISSING else f"{c // 100:{sep}}.{c % 100:02d}" for c in cents]


def _date_text(days: np.ndarray, style: str) -> list[str]:
    y, m, d = ymd(days)
    pattern = {
        "iso": "{0}-{1:02d}-{2:02d}",
        "dot": "{0}.{1}.{2}",
        "slash": "{0}/{1}/{2}",
        "cn": "{0}年{1}月{2}日",
    }[style]
    missing = (days == MISSING).tolist()
    return ["" if gone else pattern.format(a, b, c) for gone, a, b, c in zip(missing, y, m, d, strict=False)]


def cells(column: Column, values: Any, style: Style) -> list[Any]:
    """One column's cells: strings for CSV; typed values (None for blank) for xlsx."""
    xlsx = style.fmt == "xlsx"
    if column.kind == "date":
        if xlsx and style.dates == "excel":
            return [None if v == MISSING else v + EXCEL_EPOCH_OFFSET for v in values.tolist()]
        text = _date_text(values, "iso" if style.dates == "excel" else style.dates)
        return [v or None for v in text] if xlsx else text
    if column.kind == "money":
        cents = values.tolist()
        if not xlsx:
            return _money_text(cents, style)
        divisor = 1_000_000 if style.wan else 100
        return [None if c == MISSING else c / divisor for c in cents]
    if column.kind == "score":  # stored in tenths of a point
        if xlsx:
            return [None if v == MISSING else v // 10 if v % 10 == 0 else v / 10 for v in values.tolist()]
        return ["" if v == MISSING else f"{v / 10:g}" for v in values.tolist()]
    if column.kind in ("count", "int"):
        return values.tolist() if xlsx else [str(v) for v in values.tolist()]
    return values if xlsx else ["" if v is None else v for v in values]
