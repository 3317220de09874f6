"""Turn the cells districts write into typed values: dates in every form they
use, full-width digits, thousands separators, 元 and 万元, 是/否, district
names in every spelling. Each parser returns the value or raises CellError."""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ingest import uscc
from kernel.reference import district_code

CENT = Decimal("0.01")
EXCEL_EPOCH = date(1899, 12, 30)


class CellError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def text(value: Any) -> str | None:
    """Stripped text, or None for an empty cell (full-width spaces included)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip().strip("\u3000").strip()
    return result or None


def half_width(value: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", value).strip()


UNITS = {"元": 1, "千元": 1000, "万元": 10000, "亿元": 100000000}
_UNIT = re.compile(r"[千万亿]?元")


def unit_scale(value: Any) -> int | None:
    """The money scale a cell's text states (万元 -> 10000), or None."""
    found = _UNIT.search(half_width(text(value) or ""))
    return UNITS[found.group(0)] if found else None


def header_key(value: Any) -> tuple[str, int | None]:
    """A header cell as a lookup key, and the money scale its unit states."""
    raw = half_width(text(value) or "")
    key = re.sub(r"\(.*?\)|\[.*?\]|[*\s:：]", "", raw).lower()
    return key, unit_scale(raw)


# A weekday written after a date: 星期二, 周三, 礼拜五, (周四), Tue, Tuesday.
_WEEKDAY = re.compile(
    r"\s*[(（]?\s*(?:(?:星期|周|礼拜)[一二三四五六日天]|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?)\s*[)）]?\s*$",
    re.IGNORECASE,
)
# The widest numbers the landing columns hold: integer (int32), money
# DECIMAL(18,2) and rates DECIMAL(18,4). Checked on the exponent before any
# arithmetic, so 1e999999999 is refused at once instead of being expanded.
INT_MAX = 2**31 - 1
MONEY_DIGITS = 16
RATE_DIGITS = 14

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(float(value))
    raw = _WEEKDAY.sub("", half_width(str(value)))
    raw = re.sub(r"\s*([年月日/.-])\s*", r"\1", raw)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise CellError("invalid_date") from exc
    if re.fullmatch(r"\d{5}(\.0+)?", raw):
        return _excel_serial(float(raw))
    raise CellError("invalid_date")


def _excel_serial(serial: float) -> date:
    # Excel's 1900 date system; serials below 20000 (before 1954) are not
    # dates anyone here would mean.
    if not 20000 <= serial < 100000:
        raise CellError("invalid_date")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _number_text(value: Any) -> str:
    raw = half_width(str(value))
    raw = re.sub(r"[,\s¥￥元人件家]", "", raw)
    if re.fullmatch(r"\(\d+(\.\d+)?\)", raw):  # accounting negative
        raw = "-" + raw[1:-1]
    return raw


def parse_int(value: Any) -> int:
    """A whole number the landing's integer column holds."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else parse_decimal(value)
    if isinstance(number, Decimal) and number.adjusted() > len(str(INT_MAX)):
        raise CellError("number_out_of_range")
    if number != int(number):
        raise CellError("not_positive_integer")
    if abs(int(number)) > INT_MAX:
        raise CellError("number_out_of_range")
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("invalid_number")
    if isinstance(value, (int, float)):
        # repr of a float is the shortest string that round-trips: what the
        # person typed into Excel, not a binary expansion.
        raw, percent = repr(value), False
    else:
        raw = _number_text(value)
        percent = raw.endswith("%")
        raw = raw.removesuffix("%")
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise CellError("invalid_number") from exc
    if not number.is_finite():  # Infinity, NaN, sNaN
        raise CellError("invalid_number")
    return number.scaleb(-2) if percent else number


def _bounded(number: Decimal, digits: int, code: str) -> Decimal:
    """The number, if its whole part has at most `digits` digits."""
    if number.adjusted() >= digits:
        raise CellError(code)
    return number


def parse_money(value: Any, scale: int) -> Decimal:
    """Yuan, rounded half-up to the fen; `scale` is 10000 for 万元 columns."""
    number = _bounded(parse_decimal(value), MONEY_DIGITS, "amount_too_large") * scale
    return _bounded(number, MONEY_DIGITS, "amount_too_large").quantize(CENT, rounding=ROUND_HALF_UP)


def parse_rate(value: Any) -> Decimal:
    """A rate or score, as the landing's DECIMAL(18,4) holds it."""
    return _bounded(parse_decimal(value), RATE_DIGITS, "number_out_of_range")


_FLAGS = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "√": True,
    "×": False,
}


def parse_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = half_width(str(value)).lower()
    if key not in _FLAGS:
        raise CellError("invalid_flag")
    return _FLAGS[key]


def parse_year(value: Any) -> int:
    raw = value if isinstance(value, (int, float)) else half_width(str(value)).rstrip("年度")
    try:
        year = parse_int(raw)
    except CellError as exc:
        raise CellError("invalid_year") from exc
    if not 2000 <= year <= 2100:
        raise CellError("invalid_year")
    return year


def parse_uscc(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError("uscc_as_number")
    code = half_width(str(value)).upper().replace(" ", "")
    if uscc.looks_like_excel_number(code):
        raise CellError("uscc_as_number")
    if not uscc.is_valid(code):
        raise CellError("invalid_uscc")
    return code


def parse_district(value: Any) -> str:
    code = district_code(value)
    if code is None:
        raise CellError("unknown_district")
    return code


def parse_category(value: Any, accepted: tuple[str, ...], synonyms: dict[str, str]) -> str:
    raw = half_width(str(value))
    if raw in accepted:
        return raw
    found = synonyms.get(raw) or synonyms.get(raw.lower())
    if found is None:
        raise CellError("unknown_category")
    return found
