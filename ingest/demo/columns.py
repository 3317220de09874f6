"""The columns of each dataset and their cells as a district writes them:
category labels, record numbers, money in 元 or 万元, dates as Excel dates or
spelt the district's way."""

from __future__ import annotations

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

EXCEL_EPOCH_OFFSET = 25569  # Excel serial number of 1970-01-01


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str  # text | district | date | count | int | money | score


COLUMNS: dict[str, tuple[Column, ...]] = {
    "legal_aid": (
        Column("case_id", "案件编号", "case_id", "text"),
        Column("district", "区", "district", "district"),
        Column("subdistrict", "街镇", "subdistrict", "text"),
        Column("received_date", "受理日期", "received_date", "date"),
        Column("closed_date", "结案日期", "closed_date", "date"),
        Column("dispute_type", "争议类型", "dispute_type", "text"),
        Column("service_type", "服务方式", "service_type", "text"),
        Column("channel", "受理渠道", "channel", "text"),
        Column("workers", "涉及职工人数", "workers", "count"),
        Column("new_employment_form", "新就业形态", "new_employment_form", "text"),
        Column("industry", "行业", "industry", "text"),
        Column("amount_claimed", "诉求金额", "amount_claimed", "money"),
        Column("amount_recovered", "挽回经济损失", "amount_recovered", "money"),
        Column("outcome", "办理结果", "outcome", "text"),
    ),
    "wage_recovery": (
        Column("record_id", "记录编号", "record_id", "text"),
        Column("district", "区", "district", "district"),
        Column("subdistrict", "街镇", "subdistrict", "text"),
        Column("opened_date", "受理日期", "opened_date", "date"),
        Column("resolved_date", "办结日期", "resolved_date", "date"),
        Column("source", "来源", "source", "text"),
        Column("employer_name", "用人单位", "employer_name", "text"),
        Column("employer_uscc", "统一社会信用代码", "employer_uscc", "text"),
        Column("industry", "行业", "industry", "text"),
        Column("workers", "涉及人数", "workers", "count"),
        Column("amount_owed", "欠薪金额", "amount_owed", "money"),
        Column("amount_recovered", "追回金额", "amount_recovered", "money"),
        Column("status", "状态", "status", "text"),
    ),
    "certification": (
        Column("enterprise_name", "企业名称", "enterprise_name", "text"),
        Column("enterprise_uscc", "统一社会信用代码", "enterprise_uscc", "text"),
        Column("district", "区", "district", "district"),
        Column("subdistrict", "街镇", "subdistrict", "text"),
        Column("industry", "行业", "industry", "text"),
        Column("employees", "职工人数", "employees", "count"),
        Column("campaign_year", "创建年度", "campaign_year", "int"),
        Column("score", "测评得分", "score", "score"),
        Column("status", "状态", "status", "text"),
        Column("certified_date", "认定日期", "certified_date", "date"),
        Column("valid_until", "有效期至", "valid_until", "date"),
        Column("revoked_date", "撤销日期", "revoked_date", "date"),
    ),
}
SERIAL = Column("serial", "序号", "no", "int")
REMARK = Column("remark", "备注", "remarks", "text")


def _labels(codes: np.ndarray, labels: tuple[str, ...]) -> list[str | None]:
    """Category codes to their labels; MISSING to a blank."""
    lookup = np.array(list(labels) + [""], dtype=object)
    out = lookup[np.where(codes == MISSING, len(labels), codes)].tolist()
    return [v or None for v in out]


def id_width(seq: np.ndarray, minimum: int) -> int:
    """Digits of a record number: zero-padded, wider only at huge scales."""
    return max(minimum, len(str(int(seq.max())))) if len(seq) else minimum


def legal_aid_values(t: Table, district: District, year: int) -> dict[str, Any]:
    width = id_width(t["seq"], 6)
    prefix = f"FY{district.code}-{year}-"
    return {
        "case_id": [f"{prefix}{s:0{width}d}" for s in t["seq"].tolist()],
        "subdistrict": _labels(t["street"], district.subdistricts),
        "received_date": t["received"],
        "closed_date": t["closed"],
        "dispute_type": _labels(t["dispute"], DISPUTE_TYPES),
        "service_type": _labels(t["service"], SERVICE_TYPES),
        "channel": _labels(t["channel"], CHANNELS),
        "workers": t["workers"],
        "new_employment_form": _labels(t["new_form"], FLAG),
        "industry": _labels(t["industry"], INDUSTRIES),
        "amount_claimed": t["claimed"],
        "amount_recovered": t["recovered"],
        "outcome": _labels(t["outcome"], OUTCOMES),
    }


def wage_values(t: Table, district: District, year: int, employers: FirmRegistry) -> dict[str, Any]:
    width = id_width(t["seq"], 5)
    prefix = f"QX{district.code}-{year}-"
    firm = t["employer"]
    return {
        "record_id": [f"{prefix}{s:0{width}d}" for s in t["seq"].tolist()],
        "subdistrict": _labels(employers.street[firm], district.subdistricts),
        "opened_date": t["opened"],
        "resolved_date": t["resolved"],
        "source": _labels(t["source"], WAGE_SOURCES),
        "employer_name": [employers.names[i] for i in firm.tolist()],
        "employer_uscc": [employers.codes[i] for i in firm.tolist()],
        "industry": _labels(employers.industry[firm], INDUSTRIES),
        "workers": t["workers"],
        "amount_owed": t["owed"],
        "amount_recovered": t["recovered"],
        "status": _labels(t["status"], WAGE_STATUSES),
    }


def certification_values(t: Table, district: District, firms: FirmRegistry, style: Style) -> dict[str, Any]:
    firm = t["firm"]
    valid_until = t["valid_until"]
    if style.valid_until_blank:
        valid_until = np.full(len(firm), MISSING)
    return {
        "enterprise_name": [firms.names[i] for i in firm.tolist()],
        "enterprise_uscc": [firms.codes[i] for i in firm.tolist()],
        "subdistrict": _labels(firms.street[firm], district.subdistricts),
        "industry": _labels(firms.industry[firm], INDUSTRIES),
        "employees": t["employees"],
        "campaign_year": t["year"],
        "score": t["score"],
        "status": _labels(t["status"], CERT_STATUSES),
        "certified_date": t["certified_date"],
        "valid_until": valid_until,
        "revoked_date": t["revoked_date"],
    }


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
