"""dashboards/periods.py: the subject pages' periods as date ranges."""

from __future__ import annotations

from datetime import date

import pytest

from dashboards import periods

DATA_DATE = date(2026, 10, 31)


@pytest.mark.parametrize(
    ("kind", "kwargs", "start", "end", "zh", "en"),
    [
        ("ytd", {"month": 10}, date(2026, 1, 1), date(2026, 10, 31), "2026年1–10月", "Jan–Oct 2026"),
        ("ytd", {"month": 1}, date(2026, 1, 1), date(2026, 1, 31), "2026年1月", "Jan 2026"),
        ("month", {"month": 2}, date(2026, 2, 1), date(2026, 2, 28), "2026年2月", "Feb 2026"),
        ("quarter", {"quarter": 3}, date(2026, 7, 1), date(2026, 9, 30), "2026年第3季度", "Q3 2026"),
        ("jan_feb", {}, date(2026, 1, 1), date(2026, 2, 28), "2026年1–2月", "Jan–Feb 2026"),
        (
            "custom",
            {"start": date(2026, 3, 31), "end": date(2026, 1, 5)},
            date(2026, 1, 5),
            date(2026, 3, 31),
            "2026年1月5日至2026年3月31日",
            "5 Jan 2026 – 31 Mar 2026",
        ),
    ],
)
def test_periods_resolve_to_dates_and_names(kind, kwargs, start, end, zh, en) -> None:
    period = periods.resolve(kind, 2026, **kwargs)
    assert (period.start, period.end) == (start, end)
    assert period.label("zh") == zh
    assert period.label("en") == en


def test_jan_feb_in_a_leap_year_and_bad_parts_fall_back() -> None:
    assert periods.resolve("jan_feb", 2024).end == date(2024, 2, 29)
    assert periods.resolve("month", 2026, month=13).month == 1
    assert periods.resolve("ytd", 2025).end == date(2025, 12, 31)
    assert periods.resolve("nonsense", 2026, month=4).end == date(2026, 4, 30)


def test_same_period_last_year() -> None:
    last = periods.same_period_last_year(periods.resolve("jan_feb", 2024))
    assert (last.start, last.end) == (date(2023, 1, 1), date(2023, 2, 28))
    assert last.label("zh") == "2023年1–2月"


def test_last_years_february_is_the_whole_month_in_a_leap_year() -> None:
    """Whole months are compared with whole months, as the KPI marts do:
    February 2025 (and 1–2月, and the year through February) with the
    whole of February 2024, its 29th included; a custom range of days
    moves by a year, day for day."""
    for period in (
        periods.resolve("month", 2025, month=2),
        periods.resolve("jan_feb", 2025),
        periods.resolve("ytd", 2025, month=2),
    ):
        assert periods.same_period_last_year(period).end == date(2024, 2, 29), period.kind
    assert periods.same_period_last_year(periods.resolve("month", 2024, month=2)).end == date(2023, 2, 28)
    custom = periods.resolve("custom", 2025, start=date(2025, 2, 10), end=date(2025, 2, 28))
    assert (periods.same_period_last_year(custom).start, periods.same_period_last_year(custom).end) == (
        date(2024, 2, 10),
        date(2024, 2, 28),
    )
    # a custom range of whole months is whole months, as the queries read it
    whole = periods.resolve("custom", 2025, start=date(2025, 2, 1), end=date(2025, 2, 28))
    assert periods.whole_months(whole.start, whole.end)
    assert periods.same_period_last_year(whole).end == date(2024, 2, 29)
    assert not periods.whole_months(date(2025, 2, 1), date(2025, 2, 27))
    assert not periods.whole_months(date(2025, 2, 2), date(2025, 2, 28))


def test_choices_on_offer_stop_at_the_data_date() -> None:
    assert periods.months_on_offer(2026, DATA_DATE) == list(range(1, 11))
    assert periods.months_on_offer(2025, DATA_DATE) == list(range(1, 13))
    assert periods.quarters_on_offer(2026, DATA_DATE) == [1, 2, 3, 4]
    assert periods.quarters_on_offer(2026, date(2026, 6, 30)) == [1, 2]
    assert periods.quarters_on_offer(2026, date(2026, 7, 31)) == [1, 2, 3]
    assert periods.in_force_date(periods.resolve("quarter", 2026, quarter=4), DATA_DATE) == DATA_DATE
    assert periods.in_force_date(periods.resolve("month", 2026, month=3), DATA_DATE) == date(2026, 3, 31)
