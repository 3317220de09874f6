"""Which metrics the overview shows and how a figure is judged against its
target: the dashboards' small piece of business logic, kept free of
Streamlit so it is tested directly."""

from __future__ import annotations

import math
from typing import Literal

from dashboards.i18n import metric_kind

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

# Whether a rise is good news. A rise in case counts is not plainly good or
# bad (more help given, or more disputes), so those changes are shown grey
# rather than green or red.
RISE_IS_GOOD: dict[str, bool | None] = {
    "legal_aid_cases": None,
    "wage_cases": None,
    "legal_aid_recovered_yuan": True,
    "wages_recovered_yuan": True,
    "mediation_rate": True,
    "certified_enterprises": True,
}

# How far below the benchmark (in fraction points) still counts as amber.
AMBER_BAND = 0.10


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def status(completion_rate: float | None, time_progress: float | None, metric: str) -> Status:
    """Red/amber/green for a completion rate against time elapsed.

    Green when completion is at least the time progress, amber when it is
    less than 10 percentage points behind, red further behind, and "none"
    without a target. A rate (mediation_rate) does not accumulate through the
    year, so it is judged against 100% of its target instead of time elapsed.
    """
    if _missing(completion_rate):
        return "none"
    if metric_kind(metric) == "rate":
        benchmark = 1.0
    elif _missing(time_progress):
        return "none"
    else:
        benchmark = float(time_progress)  # type: ignore[arg-type]
    gap = benchmark - float(completion_rate)  # type: ignore[arg-type]
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
    if _missing(actual) or _missing(last_year):
        return None
    now, before = float(actual), float(last_year)  # type: ignore[arg-type]
    if metric_kind(metric) == "rate":
        return now - before
    if before == 0:
        return None
    return (now - before) / before
