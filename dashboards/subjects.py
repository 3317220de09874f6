"""What the subject pages (legal aid, recovered wages, certifications) show:
their breakdown dimensions, their measures, the columns of their tables, and
the query results reshaped for charts and tables. Pure pandas, no Streamlit.

A table is described once, as a list of ``Field``s, and drawn twice: on
screen (money in 万元 / m yuan, rates in per cent) and in the exported files
(money in yuan to the cent, rates as fractions with a percent format), so the
two can never disagree about what a column holds.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd

from dashboards import charts, i18n
from dashboards.export import Column, ColumnKind
from dashboards.i18n import Lang, t
from dashboards.queries import CAMPAIGN_STATUSES, SCOPE
from kernel.home import NO_DISTRICT, REFERENCE


@dataclass(frozen=True)
class Field:
    """A table column: frame ``key``, label key in i18n, kind, and for counts
    its unit in the seed's English (cases, workers, days). A column that is
    a KPI names its ``metric`` instead of a label key and a unit: its name
    and unit are the seed's (the warehouse's kpi_definitions), and whether
    its rise is good news the seed's ``better``."""

    key: str
    label_key: str
    kind: ColumnKind = "text"
    unit: str | None = None  # a field that is no KPI: the seed's unit word in English (i18n.unit_word)
    metric: str | None = None
    category: str | None = None  # a count of one stored category value, named by the seeds

    @property
    def unit_en(self) -> str | None:
        """The unit in the seed's English (cases, days): a KPI's from its
        row of the seed."""
        if self.metric:
            return i18n.metric_unit(self.metric, "en") or None
        return self.unit

    def unit_word(self, lang: Lang) -> str:
        """The unit word (件, 人, 家, 天) in ``lang``."""
        if self.metric:
            return i18n.metric_unit(self.metric, lang)
        return i18n.unit_word(self.unit, lang) if self.unit else ""

    def label(self, lang: Lang) -> str:
        if self.metric:
            return i18n.metric_short_name(self.metric, lang)
        if self.category:
            return i18n.category_label(self.category, lang)
        return t(self.label_key, lang)

    @property
    def rise_is_good(self) -> bool | None:
        return i18n.rise_is_good(self.metric) if self.metric else None


# ---------------------------------------------------------------------------
# Dimensions and measures
# ---------------------------------------------------------------------------

# Breakdown dimensions per page, in the order the selector offers them. The
# street (街镇) is reached through the drill, district by district.
LEGAL_AID_DIMENSIONS: tuple[str, ...] = ("district", "dispute_type", "industry", "channel", "outcome", "service_type")
WAGE_DIMENSIONS: tuple[str, ...] = ("district", "source", "industry", "status")
CERTIFICATION_DIMENSIONS: tuple[str, ...] = ("district", "industry")

# Which colour map a dimension's values take (charts.CATEGORY_COLOURS).
COLOUR_MAPS: dict[tuple[str, str], str] = {
    ("legal_aid", "dispute_type"): "dispute_type",
    ("legal_aid", "service_type"): "service_type",
    ("legal_aid", "channel"): "channel",
    ("legal_aid", "outcome"): "outcome",
    ("wages", "source"): "source",
    ("wages", "status"): "wage_status",
    ("certifications", "status"): "certification_status",
}

LEGAL_AID_FIELDS: tuple[Field, ...] = (
    Field("cases", "", "count", metric="legal_aid_cases"),
    Field("share", "m.share", "rate"),
    Field("workers", "", "count", metric="legal_aid_workers"),
    Field("closed", "", "count", metric="legal_aid_closed"),
    Field("mediated", "", "count", metric="legal_aid_mediated"),
    Field("mediation_rate", "", "rate", metric="mediation_rate"),
    Field("recovered_yuan", "", "money", metric="legal_aid_recovered_yuan"),
    Field("claimed_yuan", "m.claimed", "money"),
    Field("collective_cases", "", "count", metric="legal_aid_collective_cases"),
    Field("collective_workers", "m.collective_workers", "count", "workers"),
    Field("new_form_cases", "m.new_form", "count", "cases"),
    Field("new_form_share", "", "rate", metric="new_employment_form_share"),
    Field("days_mean", "", "number", metric="avg_days_to_close"),
    Field("workdays_mean", "", "number", metric="avg_workdays_to_close"),
)
LEGAL_AID_CHART_MEASURES: tuple[str, ...] = (
    "cases",
    "recovered_yuan",
    "mediation_rate",
    "collective_cases",
    "new_form_share",
    "days_mean",
    "workdays_mean",
)

WAGE_FIELDS: tuple[Field, ...] = (
    Field("cases", "", "count", metric="wage_cases"),
    Field("share", "m.share", "rate"),
    Field("workers", "", "count", metric="wage_workers"),
    Field("owed_yuan", "m.owed", "money"),
    Field("recovered_yuan", "", "money", metric="wages_recovered_yuan"),
    Field("recovery_rate", "", "rate", metric="wage_recovery_rate"),
    Field("resolved", "m.resolved", "count", "cases"),
    Field("open_cases", "m.open", "count", "cases"),
    Field("days_mean", "", "number", metric="wage_avg_days_to_resolve"),
)
WAGE_CHART_MEASURES: tuple[str, ...] = ("cases", "recovered_yuan", "workers", "recovery_rate", "days_mean")

IN_FORCE_FIELDS: tuple[Field, ...] = (
    Field("enterprises", "", "count", metric="certified_in_force"),
    Field("share", "m.share", "rate"),
    Field("employees", "", "count", metric="certified_workforce"),
)
STATUS_FIELDS: tuple[Field, ...] = (
    *(Field(key, "", "count", "enterprises", category=status) for status, key in CAMPAIGN_STATUSES.items()),
    Field("total", "m.campaign", "count", "enterprises"),
    Field("certification_pass_rate", "", "rate", metric="certification_pass_rate"),
    Field("employees", "m.employees", "count", "workers"),
)


def status_columns() -> list[tuple[str, str]]:
    """(frame column, stored status) of the status table's counts."""
    return [(field.key, field.category) for field in STATUS_FIELDS if field.category]


# Where each record came from, at the end of every record list: the file
# (and sheet) it was loaded from, its row there, when it was loaded.
SOURCE_FIELDS: tuple[Field, ...] = (
    Field("file_name", "col.file_name"),
    Field("sheet", "col.sheet"),
    Field("source_row", "col.source_row", "code"),
    Field("loaded_at", "col.loaded_at"),
)
LEGAL_AID_RECORD_FIELDS: tuple[Field, ...] = (
    Field("case_id", "col.case_id", "code"),
    Field("subdistrict", "dim.subdistrict"),
    Field("received_date", "col.received_date", "date"),
    Field("closed_date", "col.closed_date", "date"),
    Field("dispute_type", "dim.dispute_type"),
    Field("service_type", "dim.service_type"),
    Field("channel", "dim.channel"),
    Field("workers", "", "count", metric="legal_aid_workers"),
    Field("is_collective", "col.is_collective"),
    Field("is_new_employment_form", "col.is_new_form"),
    Field("industry", "dim.industry"),
    Field("amount_claimed_yuan", "m.claimed", "money"),
    Field("amount_recovered_yuan", "", "money", metric="legal_aid_recovered_yuan"),
    Field("outcome", "dim.outcome"),
    Field("days_to_close", "col.days_to_close", "count", "days"),
    *SOURCE_FIELDS,
)
WAGE_RECORD_FIELDS: tuple[Field, ...] = (
    Field("record_id", "col.record_id", "code"),
    Field("subdistrict", "dim.subdistrict"),
    Field("opened_date", "col.opened_date", "date"),
    Field("resolved_date", "col.resolved_date", "date"),
    Field("source", "dim.source"),
    Field("employer_name", "col.employer_name"),
    Field("employer_uscc", "col.uscc", "code"),
    Field("industry", "dim.industry"),
    Field("workers", "", "count", metric="wage_workers"),
    Field("amount_owed_yuan", "m.owed", "money"),
    Field("amount_recovered_yuan", "", "money", metric="wages_recovered_yuan"),
    Field("status", "dim.status"),
    *SOURCE_FIELDS,
)
CERTIFICATION_RECORD_FIELDS: tuple[Field, ...] = (
    Field("enterprise_name", "col.enterprise_name"),
    Field("enterprise_uscc", "col.uscc", "code"),
    Field("subdistrict", "dim.subdistrict"),
    Field("industry", "dim.industry"),
    Field("employees", "m.employees", "count", "workers"),
    Field("campaign_year", "col.campaign_year", "code"),
    Field("score", "col.score", "number"),
    Field("status", "dim.status"),
    Field("certified_date", "col.certified_date", "date"),
    Field("valid_until", "col.valid_until", "date"),
    Field("revoked_date", "col.revoked_date", "date"),
    *SOURCE_FIELDS,
)
# Record columns holding stored category values, shown in the reader's language.
CATEGORY_COLUMNS = ("dispute_type", "service_type", "channel", "outcome", "industry", "source", "status")
FLAG_COLUMNS = ("is_collective", "is_new_employment_form")


def field(fields: Sequence[Field], key: str) -> Field:
    return next(f for f in fields if f.key == key)


# ---------------------------------------------------------------------------
# Units: screen and file
# ---------------------------------------------------------------------------


def screen_scale(item: Field, lang: Lang) -> tuple[float, str]:
    """(divide by, unit) for the screen: money in 万元 / m yuan, rates in %."""
    if item.kind == "money":
        return (1e4, "万元") if lang == "zh" else (1e6, "m yuan")
    if item.kind == "rate":
        return (0.01, "%")
    return (1.0, item.unit_word(lang))


def _names_its_unit(item: Field, lang: Lang) -> bool:
    """Whether the header needs no unit: a rate, or in English a count or
    days, whose name already says it ("Cases", not "Cases (cases)")."""
    return item.kind == "rate" or (lang == "en" and item.kind in ("count", "number"))


def screen_header(item: Field, lang: Lang) -> str:
    _scale, unit = screen_scale(item, lang)
    return item.label(lang) if _names_its_unit(item, lang) else i18n.with_unit(item.label(lang), unit, lang)


def export_columns(label_field: Field | None, fields: Sequence[Field], lang: Lang) -> list[Column]:
    """The exported files' columns: money in yuan, counts with their unit."""
    columns = [Column(label_field.key, label_field.label(lang), label_field.kind)] if label_field else []
    for item in fields:
        if item.kind == "money":
            unit = i18n.unit_word("yuan", lang)
        elif not _names_its_unit(item, lang):
            unit = item.unit_word(lang)
        else:
            unit = ""
        columns.append(Column(item.key, i18n.with_unit(item.label(lang), unit, lang), item.kind))
    return columns


def format_measure(value: object, item: Field, lang: Lang) -> str:
    """One figure in the reader's style (cards, hover, bar ends)."""
    if item.kind == "money":
        return i18n.format_money(value, lang)
    if item.kind == "rate":
        return i18n.format_rate(value, lang)
    unit = item.unit_en
    if item.kind == "number" and unit in ("days", "working days"):
        return i18n.format_days(value, lang, unit)
    # a KPI the warehouse does not describe has no unit, rather than a wrong one
    return i18n.format_number(value, unit, lang)


# ---------------------------------------------------------------------------
# Reshaping query results
# ---------------------------------------------------------------------------


def bar_text(value: float, item: Field) -> str:
    """The short figure at a bar's end, in the chart's unit (the subtitle
    names it): 1,091.96 / 71.1% / 28.3 / 108."""
    if item.kind == "rate":
        return f"{value:.1f}%"
    if item.kind == "money":
        return f"{value:,.2f}"
    if item.kind == "number":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def district_names(districts: pd.DataFrame, lang: Lang, short: bool = True) -> dict[str, str]:
    """Code -> display name, the unknown member included."""
    column = i18n.district_label_column(lang, short=short)
    names = dict(zip(districts["district_code"], districts[column].fillna(districts["district_name_zh"]), strict=True))
    names[NO_DISTRICT] = t("subject.unknown_district", lang)
    return names


@cache
def _street_names_en() -> dict[str, str]:
    """Street and town names in English, from the reference list that also
    seeds marts.dim_subdistrict."""
    with (REFERENCE / "subdistricts.csv").open(encoding="utf-8") as handle:
        return {row["subdistrict_name_zh"]: row["subdistrict_name_en"] for row in csv.DictReader(handle)}


def street_label(value: object, lang: Lang) -> str:
    """A street or town as written in the returns, in English where known."""
    label = i18n.category_label(value, lang)
    return _street_names_en().get(label, label) if lang == "en" else label


def label_keys(frame: pd.DataFrame, dimension: str, lang: Lang, districts: pd.DataFrame) -> pd.DataFrame:
    """Add ``label`` (what the table shows) and ``short_label`` (what a chart's
    axis shows: 浦东 for 浦东新区) for each ``key``; for districts also
    ``district_code``."""
    result = frame.copy()
    if dimension == "district":
        names = district_names(districts, lang, short=False)
        short = district_names(districts, lang, short=True)
        result["district_code"] = result["key"].astype(str)
        result["label"] = [names.get(str(code), str(code)) for code in result["key"]]
        result["short_label"] = [short.get(str(code), str(code)) for code in result["key"]]
    else:
        label = street_label if dimension == "subdistrict" else i18n.category_label
        result["label"] = [label(value, lang) for value in result["key"]]
        result["short_label"] = result["label"]
    return result


def chart_frame(
    frame: pd.DataFrame,
    measure: Field,
    lang: Lang,
    *,
    dimension: str,
    colour_map: str | None = None,
    colour: str | None = None,
) -> pd.DataFrame:
    """Rows of a labelled breakdown shaped for ``charts.ranked_bar`` (and
    ``charts.district_bar``): label, value in the screen unit, value_text,
    colour, district_code. Rows without a value (a rate over nothing) drop."""
    scale, _unit = screen_scale(measure, lang)
    values = frame[measure.key].astype("float64")
    keep = values.notna()
    data = frame[keep]
    labels = (data["short_label"] if "short_label" in data else data["label"]).tolist()
    if dimension == "district":
        colours = [charts.district_colour(code) for code in data["district_code"]]
    else:
        colours = [colour or charts.category_colour(colour_map or dimension, key) for key in data["key"]]
    return pd.DataFrame(
        {
            "district_code": data.get("district_code", ""),
            "label": labels,
            "value": values[keep] / scale,
            "value_text": [format_measure(v, measure, lang) for v in data[measure.key]],
            "bar_text": [bar_text(v, measure) for v in values[keep] / scale],
            "colour": colours,
        }
    )


def status_matrix(frame: pd.DataFrame, districts: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``queries.certification_status`` by district, in code order, with
    each district's ``label`` and ``short_label``."""
    wide = frame.rename(columns={"key": "district_code"}).sort_values("district_code")
    names = district_names(districts, lang, short=False)
    short = district_names(districts, lang, short=True)
    wide.insert(1, "label", [names.get(str(code), str(code)) for code in wide["district_code"]])
    wide.insert(2, "short_label", [short.get(str(code), str(code)) for code in wide["district_code"]])
    return wide.reset_index(drop=True)


def records_for_display(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """A record list with categories and 是/否 flags in the reader's language;
    the stored values stay untouched in the warehouse."""
    result = frame.copy()
    if lang == "en":
        for column in CATEGORY_COLUMNS:
            if column in result:
                result[column] = [i18n.category_label(v, lang) if pd.notna(v) else None for v in result[column]]
        if "subdistrict" in result:
            result["subdistrict"] = [street_label(v, lang) if pd.notna(v) else None for v in result["subdistrict"]]
    for column in FLAG_COLUMNS:
        if column in result:
            result[column] = [i18n.yes_no(v, lang) for v in result[column]]
    if "campaign_year" in result:
        result["campaign_year"] = result["campaign_year"].astype("Int64").astype(str)
    if "source_row" in result:
        result["source_row"] = result["source_row"].astype("Int64").astype(str)
    if "loaded_at" in result:
        result["loaded_at"] = pd.to_datetime(result["loaded_at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return result


def scope_label(codes: Sequence[str], districts: pd.DataFrame, lang: Lang) -> str:
    """全市, or the chosen districts' names (three at most, then 等N个区); a
    district user's figures are its district's, whatever was chosen."""
    scope = SCOPE.get()
    if scope is not None:
        codes = [scope]
    if not codes:
        return t("scope.city", lang)
    names = district_names(districts, lang, short=False)
    ordered = [names.get(code, code) for code in sorted(codes)]
    separator = "、" if lang == "zh" else ", "
    if len(ordered) <= 3:
        return separator.join(ordered)
    return t("scope.many", lang, names=separator.join(ordered[:3]), n=len(ordered))
