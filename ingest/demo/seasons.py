"""The calendar of the simulation: dates as day numbers, the span it covers,
and how daily intake rises and falls over a year (weekends, holidays and the
Spring Festival)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

# Days since 1970-01-01 stand for dates throughout (see draws.MISSING for a blank).
EPOCH = dt.date(1970, 1, 1)

YEARS_BACK = 4  # full years before the current one

# Chinese New Year's day (正月初一). Legal aid dips in its month, wage
# arrears peak in the weeks before it.
SPRING_FESTIVAL = {
    2017: dt.date(2017, 1, 28),
    2018: dt.date(2018, 2, 16),
    2019: dt.date(2019, 2, 5),
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
    2031: dt.date(2031, 1, 23),
    2032: dt.date(2032, 2, 11),
}

# Legal aid: (multiplier of the festival's month, of each of the two months
# before it). Wage arrears: (first day, last day relative to 正月初一,
# multiplier) of the daily intake: the six weeks before the festival peak.
LEGAL_AID_FESTIVAL = (0.55, 1.2)
WAGE_FESTIVAL = ((-42, -8, 2.6), (-7, 12, 0.35))


def day_number(d: dt.date) -> int:
    """The date as days since 1970-01-01."""
    return (d - EPOCH).days


def data_date_for(today: dt.date) -> dt.date:
    """The last day of the last complete month before today."""
    return today.replace(day=1) - dt.timedelta(days=1)


@dataclass
class Calendar:
    """The time span and the shape of daily intake across each year."""

    data_date: dt.date
    holidays: dict[dt.date, str]
    years_back: int = YEARS_BACK  # full years before the data date's year
    _shapes: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    @property
    def first_year(self) -> int:
        return self.data_date.year - self.years_back

    @property
    def years(self) -> range:
        return range(self.first_year, self.data_date.year + 1)

    @property
    def last_day(self) -> int:
        return day_number(self.data_date)

    def last_month(self, year: int) -> int:
        """The last reported month of a year (the data date's month this year)."""
        return self.data_date.month if year == self.data_date.year else 12

    def months(self) -> list[str]:
        return [f"{y}-{m:02d}" for y in self.years for m in range(1, self.last_month(y) + 1)]

    @staticmethod
    def year_days(year: int) -> np.ndarray:
        return np.arange(day_number(dt.date(year, 1, 1)), day_number(dt.date(year + 1, 1, 1)))

    def shape(self, dataset: str, year: int) -> np.ndarray:
        """Weights of each day of the year (legal_aid or wage_recovery), summing to 1."""
        key = (dataset, year)
        if key not in self._shapes:
            days = self.year_days(year)
            if dataset == "legal_aid":
                w = self._weekly(days, weekend=0.25, holiday=0.15)
                w *= _festival_month_factor(days, year, *LEGAL_AID_FESTIVAL)
            elif dataset == "wage_recovery":
                w = self._weekly(days, weekend=0.3, holiday=0.2)
                w *= _festival_factor(days, year, WAGE_FESTIVAL)
            else:
                raise ValueError(f"no daily shape for {dataset}")
            self._shapes[key] = w / w.sum()
        return self._shapes[key]

    def _weekly(self, days: np.ndarray, *, weekend: float, holiday: float) -> np.ndarray:
        # Offices close at weekends and on holidays (hotline and online
        # platform cases still come in); adjusted working days count as weekdays.
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        w = np.where(weekday >= 5, weekend, 1.0)
        for d, kind in self.holidays.items():
            i = day_number(d) - days[0]
            if 0 <= i < len(days):
                w[i] = holiday if kind == "holiday" else 1.0
        return w


def _festivals(year: int) -> list[dt.date]:
    """The Spring Festivals whose effects can reach into `year`."""
    missing = [y for y in (year - 1, year, year + 1) if y not in SPRING_FESTIVAL]
    if missing:
        raise ValueError(f"no Spring Festival date for {missing}; extend SPRING_FESTIVAL")
    return [SPRING_FESTIVAL[y] for y in (year - 1, year, year + 1)]


def _festival_factor(days: np.ndarray, year: int, windows: tuple[tuple[int, int, float], ...]) -> np.ndarray:
    factor = np.ones(len(days))
    for festival in _festivals(year):
        offset = days - day_number(festival)
        for lo, hi, mult in windows:
            factor[(offset >= lo) & (offset <= hi)] *= mult
    return factor


def _festival_month_factor(days: np.ndarray, year: int, dip: float, before: float) -> np.ndarray:
    # Whole months, so that the festival's month shows a clear dip whether
    # the festival falls late in January or in mid-February.
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    factor = np.ones(len(days))
    for festival in _festivals(year):
        m = np.datetime64(festival, "M").astype(np.int64)
        factor[month == m] *= dip
        factor[(month >= m - 2) & (month < m)] *= before
    return factor


def month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month (1-12) of each day."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def ymd(days: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Year, month and day of each day number."""
    d64 = days.astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    d = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y.tolist(), m.tolist(), d.tolist()


def plus_years(days: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day `years` later (29 February becomes the 28th)."""
    d64 = days.astype("datetime64[D]")
    month = d64.astype("datetime64[M]")
    day_index = (d64 - month.astype("datetime64[D]")).astype(np.int64)
    target = month + 12 * years
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day_index, length - 1)
    return out.astype(np.int64)
