"""Which metrics the overview shows and how a figure is judged against its
target: the dashboards' small piece of business logic, kept free of
Streamlit so it is tested directly."""

from __future__ import annotations

from typing import Literal

from dashboards.i18n import as_float, metric_kind

Status = Literal["green", "amber", "red", "none"]

# The overview's cards, in the order leadership reads them.
OVERVIEW_METRICS: tuple[str, ...] = (
    "legal_aid_cases",
    "legal_aid_recovered_yuan",
    "mediation_rate",
    "wage_cases",
    "wages_recovered_yuan",
    "certified_enterprises",
)

# How far below the benchmark (in fraction points) still counts as amber.
AMBER_BAND = 0.10


def status(completion_rate: float | None, time_progress: float | None, metric: str) -> Status:
    """Red/amber/green for a completion rate against time elapsed.

    Green when completion is at least the time progress, amber when it is
    less than 10 percentage points behind, red further behind, and "none"
    without a target. A rate (mediation_rate) does not accumulate through the
    year, so it is judged against 100% of its target instead of time elapsed.
    """
    completion = as_float(completion_rate)
    if completion is None:
        return "none"
    benchmark = 1.0 if metric_kind(metric) == "rate" else as_float(time_progress)
    if benchmark is None:
        return "none"
    gap = benchmark - completion
    # A hair of tolerance so a figure exactly on pace is not amber by rounding.
    if gap <= 1e-9:
        return "green"
    if gap <= AMBER_BAND + 1e-9:
        return "amber"
    return "red"


def year_on_year(actual: object, last_year: object, metric: str) -> float | None:
    """The change against the same period last year, as a fraction.

    Relative change for counts and money; for a rate the difference in
    fraction points (0.021 = 2.1 percentage points). None when last year's
    figure is missing, or zero for a relative change.
    """
    return change(actual, last_year, rate=metric_kind(metric) == "rate")


def change(actual: object, before: object, *, rate: bool) -> float | None:
    """year_on_year() for a figure that is a rate or not."""
    now, before = as_float(actual), as_float(before)
    if now is None or before is None:
        return None
    if rate:
        return now - before
    if before == 0:
        return None
    return (now - before) / before
