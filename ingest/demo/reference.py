"""The shipped reference data the simulation draws on: the 16 districts with
their streets and towns, and the official holidays and adjusted working days."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass

from kernel.home import REFERENCE


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    short_zh: str
    name_en: str
    weight: float
    subdistricts: tuple[str, ...]


def load_districts() -> list[District]:
    """The 16 districts with their streets and towns, in code order."""
    streets: dict[str, list[str]] = {}
    with open(REFERENCE / "subdistricts.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            streets.setdefault(row["district_code"], []).append(row["subdistrict_name_zh"])
    with open(REFERENCE / "districts.csv", encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["district_code"])
    return [
        District(
            r["district_code"],
            r["district_name_zh"],
            r["short_name_zh"],
            r["district_name_en"],
            float(r["population_weight"]),
            tuple(streets[r["district_code"]]),
        )
        for r in rows
    ]


def load_holidays() -> dict[dt.date, str]:
    """Official days off ("holiday") and adjusted working days ("workday")."""
    with open(REFERENCE / "cn_holidays.csv", encoding="utf-8", newline="") as f:
        return {dt.date.fromisoformat(r["date"]): r["kind"] for r in csv.DictReader(f)}
