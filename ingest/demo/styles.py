"""How each district submits (xlsx or CSV, encoding, headers, units, date
spelling, extra rows and columns): fixed per district, so the mess is
documented; and which district resends a correction, which a nil return."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    fmt: str  # "xlsx" or "csv"
    encoding: str = "utf-8-sig"  # csv only
    title: bool = True  # xlsx files always carry a title row
    merge_title: bool = False
    headers: str = "zh"  # zh | zh_units | zh_units_ascii | en
    wan: bool = False  # money in 万元
    district_label: str = "name"  # name | short | code | en
    dates: str = "excel"  # excel (real date cells) | slash | cn | iso | dot
    thousands: bool = False  # csv money like "12,345.60"
    totals: bool = False  # csv 合计 row (xlsx files always have one)
    serial_column: bool = False  # leading 序号 column
    remark_column: bool = False  # trailing empty 备注 column
    district_first: bool = False  # 区 as the first column
    split_current_year: bool = False  # current year sent as 1-6月 and 7-N月
    valid_until_blank: bool = False  # 有效期至 left empty: the default applies


STYLES: dict[str, Style] = {
    "310101": Style("xlsx", merge_title=True, serial_column=True, valid_until_blank=True),
    "310104": Style("csv", title=False, headers="en", district_label="en", dates="iso"),
    "310105": Style("xlsx", headers="en", district_label="en"),
    "310106": Style("csv", encoding="gb18030", headers="zh_units", dates="iso", thousands=True),
    "310107": Style("xlsx", district_label="short", serial_column=True, remark_column=True),
    "310109": Style(
        "csv",
        encoding="gb18030",
        title=False,
        district_label="short",
        dates="dot",
        split_current_year=True,
        valid_until_blank=True,
    ),
    "310110": Style("xlsx", merge_title=True, headers="zh_units", wan=True),
    "310112": Style("xlsx", merge_title=True, headers="zh_units", split_current_year=True),
    "310113": Style(
        "csv",
        headers="zh_units",
        district_label="code",
        dates="iso",
        thousands=True,
        totals=True,
    ),
    "310114": Style("xlsx", district_label="code", dates="slash", serial_column=True),
    "310115": Style("csv", dates="iso", thousands=True, split_current_year=True),
    "310116": Style(
        "csv",
        encoding="gb18030",
        headers="zh_units",
        wan=True,
        district_label="short",
        dates="dot",
        district_first=True,
    ),
    "310117": Style("csv", title=False, headers="zh_units_ascii", dates="iso"),
    "310118": Style("xlsx", merge_title=True, split_current_year=True),
    "310120": Style(
        "csv",
        encoding="gb18030",
        headers="zh_units",
        wan=True,
        dates="iso",
        valid_until_blank=True,
    ),
    "310151": Style("xlsx", district_label="short", dates="cn"),
}
CORRECTION_DISTRICT = "310112"  # resends some cases of its last month
NIL_RETURN_DISTRICT = "310151"  # reports no wage cases for the last month
