"""Which files a district sends for one year, in order: the month ranges
(some split the current year), workbooks split to fit a sheet, the nil
return and the correction; and each file's name, title and document date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ingest.demo.draws import Table
from ingest.demo.reference import District
from ingest.demo.seasons import Calendar, month_of
from ingest.demo.styles import NIL_RETURN_DISTRICT, Style
from ingest.demo.writers import fit_xlsx

DATASET_TITLES = {
    "legal_aid": "法律援助案件明细表",
    "wage_recovery": "追讨欠薪情况表",
    "certification": "和谐劳动关系达标企业创建情况表",
}


@dataclass
class Submission:
    """One file a district sends: a dataset's rows of a range of months."""

    dataset: str
    months: tuple[int, int]
    rows: np.ndarray  # positions in the year's table
    kind: str = "regular"  # regular | correction | nil

    def file_name(self, index: int, full_year: tuple[int, int], ext: str) -> str:
        name = f"{index:02d}_{self.dataset}"
        if self.kind == "correction":
            name += "_correction"
        if self.months != full_year or self.kind != "regular":
            first, last = self.months
            name += f"_{first:02d}" if first == last else f"_{first:02d}-{last:02d}"
        return f"{name}.{ext}"

    def title(self, year: int, district: District) -> str:
        first, last = self.months
        months = f"{first}月" if first == last else f"{first}-{last}月"
        note = "（更正）" if self.kind == "correction" else ""
        return f"{year}年{months}{district.name_zh}{DATASET_TITLES[self.dataset]}{note}"

    def created(self, year: int, today: dt.date) -> dt.datetime:
        """The file's document date: a week into the month after its period."""
        last_month = self.months[1]
        after = dt.date(year + last_month // 12, last_month % 12 + 1, 8)
        return dt.datetime.combine(min(after, today), dt.time(9, 30))


def _month_groups(style: Style, last_month: int, current: bool) -> list[tuple[int, int]]:
    if not current or not style.split_current_year or last_month == 1:
        return [(1, last_month)]
    cut = min(6, last_month - 1)  # 1-6月 and 7-N月 (earlier in the year: 1..N-1, N)
    return [(1, cut), (cut + 1, last_month)]


def plan_submissions(
    style: Style,
    district: District,
    year: int,
    cal: Calendar,
    legal: Table,
    wage: Table,
    cert: Table,
    corrected_rows: np.ndarray,
) -> list[Submission]:
    """The files of one district and year, in submission order."""
    last_month = cal.last_month(year)
    current = year == cal.data_date.year
    legal_month = month_of(legal["received"])
    wage_month = month_of(wage["opened"])
    nil_month = last_month if current and district.code == NIL_RETURN_DISTRICT else None
    subs: list[Submission] = []
    for first, last in _month_groups(style, last_month, current):
        for dataset, month in (
            ("legal_aid", legal_month),
            ("wage_recovery", wage_month),
        ):
            end = last - 1 if dataset == "wage_recovery" and nil_month == last else last
            if end < first:
                continue
            per_month = np.bincount(month, minlength=13)[1:]
            for lo, hi in fit_xlsx((first, end), per_month, style):
                rows = np.flatnonzero((month >= lo) & (month <= hi))
                subs.append(Submission(dataset, (lo, hi), rows))
    subs.append(Submission("certification", (1, last_month), np.arange(len(cert["firm"]))))
    if nil_month is not None:
        subs.append(
            Submission(
                "wage_recovery",
                (nil_month, nil_month),
                np.zeros(0, dtype=np.int64),
                "nil",
            )
        )
    if len(corrected_rows):
        corrected_in = int(legal_month[corrected_rows[0]])
        subs.append(Submission("legal_aid", (corrected_in, corrected_in), corrected_rows, "correction"))
    return subs
