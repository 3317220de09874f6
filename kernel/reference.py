"""Reference-data lookups that several packages need: which district a
name, short name, code or English name means (data/reference/districts.csv)."""

import csv
import re
import unicodedata
from functools import cache

from kernel.home import REFERENCE


@cache
def district_lookup() -> dict[str, str]:
    """Every spelling of a district (name, short name, code, English) -> code."""
    lookup: dict[str, str] = {}
    with (REFERENCE / "districts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["district_code"]
            english = row["district_name_en"].lower()
            for name in (
                code,
                row["district_name_zh"],
                row["short_name_zh"],
                english,
                english.replace("'", ""),
                f"{english} district",
                f"{english} new area",
                f"{english} new district",
            ):
                lookup[name] = code
    return lookup


def district_code(value: object) -> str | None:
    """The district code a cell or a person means (闵行, 闵行区, 闵行区总工会,
    310112, Minhang, full-width letters too), or None."""
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return district_lookup().get(re.sub(r"(总工会|工会)$", "", key))
