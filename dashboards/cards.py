"""What a KPI card says, worked out without Streamlit: the formatted value,
the 同比 change and how to colour it, the target line and the progress bar's
fill and tick. ``dashboards.ui`` draws it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dashboards import i18n, metrics
from dashboards.i18n import Lang, t
from dashboards.metrics import Status

DeltaColour = Literal["normal", "inverse", "off"]
DeltaArrow = Literal["auto", "off"]


@dataclass(frozen=True)
class KpiCard:
    metric: str
    name: str
    help: str | None
    value_text: str
    delta_text: str
    delta_description: str | None
    delta_colour: DeltaColour
    delta_arrow: DeltaArrow
    target_text: str | None  # None: no target set
    completion: float | None
    status: Status
    bar_value: float | None  # the bar's fill, as a fraction of its width
    benchmark: float | None  # where the tick sits, as a fraction
    benchmark_text: str
    projection_text: str  # where the year is heading, or a dash


def build_card(
    metric: str,
    figures: Mapping[str, object] | None,
    *,
    name: str,
    help_text: str | None,
    lang: Lang,
) -> KpiCard:
    """The card for one metric from its city row of ``queries.city_year``
    (None when the warehouse has no row for it)."""
    row = figures or {}
    actual = i18n.as_float(row.get("actual"))
    target = i18n.as_float(row.get("target"))
    completion = i18n.as_float(row.get("completion_rate")) if target else None
    time_progress = i18n.as_float(row.get("time_progress"))
    projected = i18n.as_float(row.get("projected_year_end"))

    # 同比 and the status as the KPI mart works them out (kpi_year_to_date)
    change = i18n.as_float(row.get("change_on_last_year"))
    rise_is_good = i18n.rise_is_good(metric)
    if change is None or rise_is_good is None:
        colour: DeltaColour = "off"
    else:
        colour = "normal" if rise_is_good else "inverse"

    if i18n.metric_kind(metric) == "rate":
        # A rate does not accumulate over the year: its bar is the rate itself
        # with the tick at the target.
        bar_value, benchmark = actual, target
        benchmark_text = t("card.rate_benchmark", lang)
    else:
        # completion against its benchmark (kpi_year_to_date's: the share of
        # the year gone, for counts and money)
        bar_value, benchmark = completion, i18n.as_float(row.get("completion_benchmark"))
        benchmark_text = t("card.time_progress", lang, value=i18n.format_rate(time_progress))

    return KpiCard(
        metric=metric,
        name=name,
        help=help_text,
        value_text=i18n.format_value(actual, metric, lang),
        delta_text=(i18n.format_change(change, metric, lang) if change is not None else t("card.yoy_none", lang)),
        delta_description=t("card.yoy", lang) if change is not None else None,
        delta_colour=colour,
        delta_arrow="off" if change is None or abs(change) < 5e-4 else "auto",
        target_text=i18n.format_value(target, metric, lang) if target else None,
        completion=completion,
        status=metrics.as_status(row.get("status")),
        bar_value=bar_value,
        benchmark=benchmark,
        benchmark_text=benchmark_text,
        projection_text=t(
            "card.projection",
            lang,
            value=i18n.format_value(projected, metric, lang),
            rate=i18n.format_rate(row.get("projected_completion_rate") if target else None),
        ),
    )
