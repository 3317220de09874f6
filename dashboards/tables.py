"""Query results reshaped for display: the ranking and glossary tables,
the frames the chart builders take, and the metrics' names and definitions.
Pure pandas, no Streamlit.

Table columns keep stable internal names (``rank``, ``district`` …) and
numeric values in the unit of ``i18n.display_unit``, so a table stays
sortable; the page gives them their labels and number formats.
"""

from __future__ import annotations

import pandas as pd

from dashboards import i18n, metrics
from dashboards.i18n import Lang

RANKING_COLUMNS = (
    "rank", "district", "actual", "yoy", "target", "completion", "status", "projected", "projected_completion",
)  # fmt: skip


def ranking(frame: pd.DataFrame, metric: str, lang: Lang) -> pd.DataFrame:
    """The district ranking for one metric (rows of ``queries.district_year``).

    Columns: rank, district, actual, yoy (per cent, or percentage points for a
    rate), target, completion (per cent), status (words; both yoy and status
    as the KPI mart gives them), and where the year
    is heading (marts.kpi_year_end_projection): projected, and its
    completion (per cent).
    """
    scale, _unit = i18n.display_unit(metric, lang)
    name_col = i18n.district_label_column(lang)
    rows = []
    for row in frame.itertuples(index=False):
        change = i18n.as_float(row.change_on_last_year)
        state = metrics.as_status(row.status)
        rows.append(
            {
                "rank": None if pd.isna(row.rank) else int(row.rank),
                "district": getattr(row, name_col),
                "actual": None if pd.isna(row.actual) else row.actual / scale,
                "yoy": None if change is None else change * 100,
                "target": None if pd.isna(row.target) else row.target / scale,
                "completion": (None if pd.isna(row.completion_rate) else row.completion_rate * 100),
                "status": i18n.t(f"status.{state}", lang),
                "projected": None if pd.isna(row.projected_year_end) else row.projected_year_end / scale,
                "projected_completion": (
                    None if pd.isna(row.projected_completion_rate) else row.projected_completion_rate * 100
                ),
            }
        )
    result = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    # Whole columns of None would become object dtype; keep them numeric so
    # the table formats and sorts them as numbers.
    for column in ("actual", "yoy", "target", "completion", "projected", "projected_completion"):
        result[column] = pd.to_numeric(result[column], errors="coerce").astype("float64")
    result["rank"] = result["rank"].astype("Int64")
    return result


def glossary(frame: pd.DataFrame, lang: Lang, search: str = "") -> pd.DataFrame:
    """The definitions table in one language, optionally filtered by a search
    text matched against the name, field name and definition."""
    suffix = "en" if lang == "en" else "zh"
    result = pd.DataFrame(
        {
            "metric": frame[f"name_{suffix}"],
            "code": frame["metric"],
            "definition": frame[f"definition_{suffix}"],
            "unit": frame[f"unit_{suffix}"],
            "source": frame[f"source_{suffix}"],
        }
    )
    needle = search.strip().casefold()
    if needle:
        haystack = (
            result["metric"].fillna("") + " " + result["code"].fillna("") + " " + result["definition"].fillna("")
        ).str.casefold()
        result = result[haystack.str.contains(needle, regex=False)]
    return result.reset_index(drop=True)


def lineage(frame: pd.DataFrame, metrics: list[str], definitions: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``queries.kpi_lineage`` for the given metrics (the glossary's rows,
    in its order), each metric named in ``lang``: metric, model_name,
    parent_models, data_tests, docs_anchor."""
    names = dict(zip(definitions["metric"], definitions["name_en" if lang == "en" else "name_zh"], strict=True))
    order = {metric: position for position, metric in enumerate(metrics)}
    chosen = frame[frame["metric"].isin(order)].copy()
    chosen["_order"] = chosen["metric"].map(order)
    chosen = chosen.sort_values(["_order", "model_name"], kind="stable").drop(columns="_order")
    chosen["metric"] = [f"{names.get(metric, metric)} ({metric})" for metric in chosen["metric"]]
    return chosen[["metric", "model_name", "parent_models", "data_tests", "docs_anchor"]].reset_index(drop=True)


def metric_names(definitions: pd.DataFrame, lang: Lang) -> dict[str, str]:
    """Display names of the published glossary's metrics, in its order."""
    return {str(metric): i18n.metric_name(str(metric), lang) for metric in definitions["metric"]}


def metric_help(definitions: pd.DataFrame, metric: str, lang: Lang) -> str | None:
    """A card's tooltip: the metric's definition (口径) and source."""
    suffix = "en" if lang == "en" else "zh"
    rows = definitions[definitions["metric"] == metric]
    if rows.empty:
        return None
    row = rows.iloc[0]
    parts = []
    if isinstance(row[f"definition_{suffix}"], str):
        parts.append(i18n.t("card.definition", lang, text=row[f"definition_{suffix}"]))
    if isinstance(row[f"source_{suffix}"], str):
        parts.append(i18n.t("card.source", lang, text=row[f"source_{suffix}"]))
    return "\n\n".join(parts) or None


def bar_frame(frame: pd.DataFrame, metric: str, lang: Lang) -> pd.DataFrame:
    """Rows of ``queries.district_year`` shaped for ``charts.district_bar``."""
    scale, _unit = i18n.display_unit(metric, lang)
    labels = frame[i18n.district_label_column(lang, short=True)]
    return pd.DataFrame(
        {
            "district_code": frame["district_code"],
            "label": labels.fillna(frame["district_name_zh"]),
            "value": frame["actual"] / scale,
            "value_text": [i18n.format_value(v, metric, lang) for v in frame["actual"]],
            "target": frame["target"] / scale,
            "target_text": [i18n.format_value(v, metric, lang) for v in frame["target"]],
        }
    )


def trend_frame(months: pd.DataFrame, year: int, metric: str, lang: Lang) -> pd.DataFrame:
    """One year of ``queries.city_months`` shaped for ``charts.monthly_trend``."""
    scale, _unit = i18n.display_unit(metric, lang)
    rows = months[months["year"] == year]
    return pd.DataFrame(
        {
            "month_no": rows["month_no"],
            "value": rows[metric].astype("float64") / scale,
            "value_text": [i18n.format_value(v, metric, lang) for v in rows[metric]],
        }
    )
