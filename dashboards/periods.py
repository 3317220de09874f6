"""The reporting periods the subject pages filter on (month, quarter,
cumulative 1–N月, the combined 1–2月, a custom range), resolved to a date
range and named in both languages. Pure: no Streamlit, no SQL."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

from dashboards import i18n
from dashboards.i18n import Lang, t

PeriodKind = Literal["ytd", "month", "quarter", "jan_feb", "custom"]
# In the order the period selector offers them; the first is the default.
KINDS: tuple[PeriodKind, ...] = ("ytd", "month", "quarter", "jan_feb", "custom")


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end] and how it was chosen (for its name)."""

    kind: PeriodKind
    start: date
    end: date
    year: int
    month: int | None = None  # the month of "month", the last month of "ytd"
    quarter: int | None = None

    def label(self, lang: Lang) -> str:
        if self.kind == "ytd":
            return i18n.period_label(self.year, self.month or 12, lang)
        if self.kind == "month":
            return t("period.month", lang, year=self.year, month=i18n.month_label(self.month or 1, lang))
        if self.kind == "quarter":
            return t("period.quarter", lang, year=self.year, quarter=self.quarter)
        if self.kind == "jan_feb":
            return t("period.jan_feb", lang, year=self.year)
        return t(
            "period.custom",
            lang,
            start=i18n.format_date(self.start, lang),
            end=i18n.format_date(self.end, lang),
        )


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def last_month(year: int, data_date: date) -> int:
    """The last month of ``year`` with data: the data date's month in its own
    year, December for earlier years (and 12 for a later one, which has no
    data yet but must still resolve)."""
    return data_date.month if year == data_date.year else 12


def months_on_offer(year: int, data_date: date) -> list[int]:
    return list(range(1, last_month(year, data_date) + 1))


def quarters_on_offer(year: int, data_date: date) -> list[int]:
    """Quarters that have begun by the data date (all four in a past year)."""
    return list(range(1, (last_month(year, data_date) - 1) // 3 + 2))


def resolve(
    kind: str,
    year: int,
    *,
    month: int | None = None,
    quarter: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Period:
    """The period for the selector's choices. Missing or out-of-range parts
    fall back to the whole year (ytd through December, January, Q1), so a
    half-edited URL still gives a sensible view."""
    if kind == "month":
        chosen = month if month and 1 <= month <= 12 else 1
        return Period("month", date(year, chosen, 1), month_end(year, chosen), year, month=chosen)
    if kind == "quarter":
        q = quarter if quarter and 1 <= quarter <= 4 else 1
        return Period("quarter", date(year, 3 * q - 2, 1), month_end(year, 3 * q), year, quarter=q)
    if kind == "jan_feb":
        return Period("jan_feb", date(year, 1, 1), month_end(year, 2), year)
    if kind == "custom" and start is not None:
        first, last = sorted((start, end or start))
        return Period("custom", first, last, first.year)
    through = month if month and 1 <= month <= 12 else 12
    return Period("ytd", date(year, 1, 1), month_end(year, through), year, month=through)


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def whole_months(start: date, end: date) -> bool:
    """Whether [start, end] is a run of whole calendar months: every period
    the pages offer but a custom range (which may be too)."""
    return start.day == 1 and end == month_end(end.year, end.month)


def same_period_last_year(period: Period) -> Period:
    """The same months (or days) one year earlier, for 同比. A period of
    whole months is compared with the same whole months, as the KPI marts
    compare them: February 2025 with the whole of February 2024, its 29th
    included."""
    end = _shift(period.end, -1)
    if whole_months(period.start, period.end):
        end = month_end(end.year, end.month)
    return Period(
        period.kind,
        _shift(period.start, -1),
        end,
        period.year - 1,
        month=period.month,
        quarter=period.quarter,
    )


def in_force_date(period: Period, data_date: date) -> date:
    """The default day for "in force on": the period's end, but never past
    the data date (later days have no data yet)."""
    return min(period.end, data_date)
