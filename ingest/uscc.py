"""Unified social credit codes (统一社会信用代码, GB 32100-2015): the check
character, and recognising codes that Excel turned into numbers."""

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(rf"^[{CHARSET}]{{18}}$")
# What Excel shows for an 18-digit code it stored as a number: 9.13101E+17
_EXCEL_NUMBER = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def check_char(first17: str) -> str:
    """The 18th character for the first 17 characters of a code."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    return bool(_SHAPE.match(code)) and check_char(code[:17]) == code[17]


def looks_like_excel_number(text: str) -> bool:
    """True for a code that Excel turned into a number (`9.13E+17`)."""
    return bool(_EXCEL_NUMBER.match(text.strip()))
