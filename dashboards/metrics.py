"""Which metrics the overview shows, the statuses the KPI mart gives, and
the change between two figures of a period the reader chose (the KPI
marts' own 同比 and status are columns of kpi_year_to_date)."""

from __future__ import annotations

from typing import Literal

from dashboards.i18n import as_float

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

_STATUSES: dict[str, Status] = {"green": "green", "amber": "amber", "red": "red", "none": "none"}


def as_status(value: object) -> Status:
    """A status as the KPI mart gives it (kpi_year_to_date.status: green,
    amber, red or none), "none" for a row without one."""
    return _STATUSES.get(str(value), "none")


def change(actual: object, before: object, *, rate: bool) -> float | None:
    """The change between two figures of a period the reader chose on a
    subject page, measured as the KPI mart measures 同比
    (macros/change_between.sql): for a rate the difference in fraction
    points, otherwise the relative change, None when ``before`` is missing
    or, for a relative change, zero."""
    now, before = as_float(actual), as_float(before)
    if now is None or before is None:
        return None
    if rate:
        return now - before
    if before == 0:
        return None
    return (now - before) / before
