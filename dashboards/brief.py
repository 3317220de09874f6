"""The monthly brief (月度简报): a several-page A4 PDF typeset by Typst from
the template dashboards/brief.typ, for the city or one district, in Chinese
or English. The same function serves the overview's button, the
`unionkpi brief` command and delivery by mail (docs/brief.md).

Every figure is selected from the marts through ``dashboards.queries``
(``brief_year_to_date``: marts.kpi_year_to_date at the chosen month, with
the time progress, the rank and the year-end projection) and formatted by
the helpers the overview's cards use (``dashboards.i18n``); nothing here
computes a KPI. Text reaches Typst only as JSON data, never as markup.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import typst
from plotly.subplots import make_subplots

from dashboards import charts, export, i18n, metrics, queries, tables
from dashboards.i18n import Lang, t
from kernel.errors import UnionKpiError
from kernel.home import SHANGHAI, Home
from kernel.reference import district_code

TEMPLATE = Path(__file__).with_name("brief.typ")
# The one family that holds Chinese and Latin letters alike; Typst embeds
# the subset it uses as a CID font with a ToUnicode map (docs/brief.md).
FONT = "Noto Sans CJK SC"
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

# A section per subject area, each with the figures it lists; the first
# is the one its chart shows. The order is the order of the overview.
SUBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "legal_aid",
        (
            "legal_aid_cases",
            "legal_aid_workers",
            "legal_aid_closed",
            "mediation_rate",
            "legal_aid_recovered_yuan",
            "legal_aid_collective_cases",
            "avg_days_to_close",
        ),
    ),
    ("wages", ("wages_recovered_yuan", "wage_recovery_rate", "wage_cases", "wage_workers", "wage_avg_days_to_resolve")),
    (
        "certifications",
        ("certified_enterprises", "certification_pass_rate", "certified_in_force", "certified_workforce"),
    ),
)
# Figures whose month-on-month and year-on-year moves are weighed for
# "notable changes"; stocks and averages move by construction, not news.
CHANGE_METRICS: tuple[str, ...] = (
    "legal_aid_cases",
    "legal_aid_workers",
    "legal_aid_recovered_yuan",
    "mediation_rate",
    "legal_aid_collective_cases",
    "wage_cases",
    "wage_workers",
    "wages_recovered_yuan",
    "certified_enterprises",
)
NOTABLE_CHANGES = 3  # of each kind (环比, 同比)
# The trend's panels: each subject area's main monthly figure. Certified
# enterprises count in their campaign year, so their month is no trend;
# the enterprises in force at each month's end are.
TREND_METRICS: tuple[str, ...] = ("legal_aid_cases", "wages_recovered_yuan", "certified_in_force")
# A chart's size in CSS pixels; Typst scales it to the text width.
CHART_WIDTH = 900


class BriefUnavailable(UnionKpiError):
    """No brief can be made: no data for the month asked for."""


@dataclass(frozen=True)
class Brief:
    """A made brief: the PDF, its own file name, the month it covers
    (YYYY-MM) and a few plain-text lines of its headline figures (a mail
    body)."""

    pdf: bytes
    file_name: str
    month: str
    summary: str


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); a usage error otherwise."""
    found = MONTH_PATTERN.match(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise UnionKpiError(
            "bad_month",
            f"月份格式应为 YYYY-MM（如 2026-10），而不是 {text!r}",
            f"a month looks like YYYY-MM (e.g. 2026-10), not {text!r}",
        )
    return int(found.group(1)), int(found.group(2))


def resolve_district(value: str) -> str:
    """The code of the district a code or a name means; a usage error
    when none does."""
    code = district_code(value)
    if code is None:
        raise UnionKpiError(
            "unknown_district",
            f"无法识别的区：{value!r}（可填区代码或区名）",
            f"unknown district {value!r} (give a district code or name)",
        )
    return code


def file_name(year: int, month: int, scope: str, lang: Lang) -> str:
    """The brief's own file name: its title and scope
    (工会工作指标月度简报_2026年10月_全市.pdf)."""
    title = t("brief.title", lang, period=t("period.month", lang, year=year, month=i18n.month_label(month, lang)))
    return export.file_stem(title, scope) + ".pdf"


def write_brief(
    home: Home,
    *,
    month: str | None = None,
    lang: str = "zh",
    district: str | None = None,
) -> Brief:
    """The brief of ``month`` (YYYY-MM; default the latest data month) in
    ``lang`` for the city, or for ``district`` (a code or a name). A district
    user's scope (``queries.SCOPE``) makes it that district's brief.

    Raises UnionKpiError: ``queries.WarehouseUnavailable`` when no warehouse
    is published, ``BriefUnavailable`` when it has no data for the month,
    and a plain UnionKpiError for a bad month, language or district."""
    if lang not in i18n.LANGS:
        raise UnionKpiError(
            "unknown_lang", f"语言应为 zh 或 en，而不是 {lang!r}", f"the language is zh or en, not {lang!r}"
        )
    language: Lang = "en" if lang == "en" else "zh"
    area = resolve_district(district) if district is not None else None
    scope = queries.SCOPE.get()
    if scope is not None and area not in (None, scope):
        raise UnionKpiError(
            "district_out_of_scope", "只能生成本区的简报", "you may make the brief of your own district only"
        )
    area = area or scope
    with _warehouse_context(home, area):
        return _write(home, month=month, lang=language, area=area)


@contextmanager
def _warehouse_context(home: Home, area: str | None) -> Iterator[None]:
    """The data-access layer's context outside Streamlit: the warehouse's
    dimensions (names, units, kinds) and, for a district's brief, its
    scope, so the brief holds that district's rows only."""
    dimensions = queries.dimensions(home.root)
    scope_token = queries.SCOPE.set(area)
    dimensions_token = i18n.DIMENSIONS.set(dimensions)
    try:
        yield
    finally:
        i18n.DIMENSIONS.reset(dimensions_token)
        queries.SCOPE.reset(scope_token)


def _write(home: Home, *, month: str | None, lang: Lang, area: str | None) -> Brief:
    meta = queries.meta(home.root)
    year, month_no = parse_month(month) if month else (meta.data_date.year, meta.data_date.month)
    figures = queries.brief_year_to_date(year, home.root)
    rows = _area_rows(figures, area)
    at_month = rows[(rows["year"] == year) & (rows["through_month"] == month_no)]
    if at_month.empty:
        raise BriefUnavailable(
            "no_data_for_month",
            f"数据仓库中没有 {year}年{month_no}月 的数据（数据截至 {i18n.format_date(meta.data_date, 'zh')}）",
            f"the warehouse has no data for {year}-{month_no:02d} "
            f"(data as of {i18n.format_date(meta.data_date, 'en')})",
        )
    districts = queries.districts(home.root)
    definitions = queries.definitions(home.root)
    made = datetime.now(SHANGHAI)
    document = brief_document(
        figures,
        districts,
        definitions,
        area=area,
        year=year,
        month=month_no,
        data_date=meta.data_date,
        lang=lang,
        made=made,
    )
    pdf = render_pdf(document, _charts(figures, districts, area=area, year=year, month=month_no, lang=lang))
    return Brief(
        pdf=pdf,
        file_name=file_name(year, month_no, document["scope"], lang),
        month=f"{year:04d}-{month_no:02d}",
        summary=document["summary"],
    )


# --- selecting the figures --------------------------------------------------


def _area_rows(figures: pd.DataFrame, area: str | None) -> pd.DataFrame:
    """The rows of the area the brief is about: the city's, or a district's."""
    return figures[figures["is_city"]] if area is None else figures[figures["district_code"] == area]


def _row(rows: pd.DataFrame, metric: str, year: int, month: int) -> Mapping[str, Any]:
    found = rows[(rows["metric"] == metric) & (rows["year"] == year) & (rows["through_month"] == month)]
    return found.iloc[0].to_dict() if len(found) else {}


def _rank_text(row: Mapping[str, Any], lang: Lang) -> str:
    rank, of = i18n.as_float(row.get("rank")), i18n.as_float(row.get("ranked_districts"))
    if rank is None or not of:
        return i18n.DASH
    return t("brief.rank_of", lang, rank=int(rank), total=int(of))


def headline_rows(
    rows: pd.DataFrame, *, year: int, month: int, names: Mapping[str, str], lang: Lang
) -> list[dict[str, str]]:
    """One row per overview metric, as display text: this month, year to
    date, 同比, the annual target, completion, time progress and the
    year-end projection (with its completion), at ``month``."""
    table = []
    for metric in metrics.OVERVIEW_METRICS:
        row = _row(rows, metric, year, month)
        actual = i18n.as_float(row.get("actual"))
        target = i18n.as_float(row.get("target"))
        projected = i18n.as_float(row.get("projected_year_end"))
        completion = row.get("completion_rate") if target else None
        table.append(
            {
                "metric": metric,
                "name": names.get(metric, metric),
                "month": i18n.format_value(row.get("month_value"), metric, lang),
                "ytd": i18n.format_value(actual, metric, lang),
                "last": i18n.format_value(row.get("actual_same_period_last_year"), metric, lang),
                "yoy": i18n.format_change(row.get("change_on_last_year"), metric, lang),
                "target": i18n.format_value(target, metric, lang) if target else i18n.DASH,
                "completion": i18n.format_rate(completion, lang),
                "time_progress": i18n.format_rate(row.get("time_progress"), lang)
                if i18n.metric_kind(metric) != "rate"
                else i18n.DASH,
                "projected": i18n.format_value(projected, metric, lang) if projected is not None else i18n.DASH,
                "projected_completion": i18n.format_rate(row.get("projected_completion_rate") if target else None),
                "status": t(f"status.{metrics.as_status(row.get('status'))}", lang),
                "rank": _rank_text(row, lang),
            }
        )
    return table


def notable_changes(rows: pd.DataFrame, *, year: int, month: int, names: Mapping[str, str], lang: Lang) -> list[str]:
    """The month's largest moves of the area's own figures: month on month
    (against the month before) and year on year (against the same month last
    year), the largest first, as sentences."""
    found: list[tuple[float, str]] = []
    for kind, against in (("mom", "last_month"), ("yoy", "last_year")):
        moves = []
        for metric in CHANGE_METRICS:
            row = _row(rows, metric, year, month)
            now, then = row.get("month_value"), row.get(f"month_value_{against}")
            change = i18n.as_float(row.get(f"month_change_on_{against}"))
            if change is None:
                continue
            # A rate moves in points, a count in per cent: weigh both as
            # fractions of their own scale.
            moves.append((abs(change), metric, change, now, then))
        moves.sort(key=lambda move: (-move[0], move[1]))
        for _size, metric, change, now, then in moves[:NOTABLE_CHANGES]:
            found.append(
                (
                    0 if kind == "mom" else 1,
                    t(
                        f"brief.change_{kind}",
                        lang,
                        metric=names.get(metric, metric),
                        now=i18n.format_value(now, metric, lang),
                        change=i18n.format_change(change, metric, lang),
                        then=i18n.format_value(then, metric, lang),
                    ),
                )
            )
    return [text for _kind, text in found]


def ranking_rows(
    figures: pd.DataFrame, districts: pd.DataFrame, *, year: int, month: int, lang: Lang
) -> list[list[str]]:
    """The city brief's district ranking: one row per district, for each
    overview metric its rank and completion at ``month``, best first by the
    first metric."""
    at_month = figures[~figures["is_city"] & (figures["year"] == year) & (figures["through_month"] == month)]
    names = dict(zip(districts["district_code"], districts[i18n.district_label_column(lang)], strict=True))
    first = at_month[at_month["metric"] == metrics.OVERVIEW_METRICS[0]].sort_values(
        ["rank", "district_code"], na_position="last"
    )
    table = []
    for code in first["district_code"]:
        own = at_month[at_month["district_code"] == code].set_index("metric")
        cells = [names.get(code, code)]
        for metric in metrics.OVERVIEW_METRICS:
            row = own.loc[metric].to_dict() if metric in own.index else {}
            rank = i18n.as_float(row.get("rank"))
            completion = i18n.format_rate(row.get("completion_rate") if i18n.as_float(row.get("target")) else None)
            cells.append(f"{int(rank) if rank is not None else i18n.DASH} · {completion}")
        table.append(cells)
    return table


def subject_rows(
    rows: pd.DataFrame, metric_list: Sequence[str], *, year: int, month: int, names: Mapping[str, str], lang: Lang
) -> list[list[str]]:
    """A subject area's figures: this month, year to date, the same period
    last year, 同比, target and completion."""
    table = []
    for metric in metric_list:
        row = _row(rows, metric, year, month)
        target = i18n.as_float(row.get("target"))
        table.append(
            [
                names.get(metric, metric),
                i18n.format_value(row.get("month_value"), metric, lang),
                i18n.format_value(row.get("actual"), metric, lang),
                i18n.format_value(row.get("actual_same_period_last_year"), metric, lang),
                i18n.format_change(row.get("change_on_last_year"), metric, lang),
                i18n.format_value(target, metric, lang) if target else i18n.DASH,
                i18n.format_rate(row.get("completion_rate") if target else None),
            ]
        )
    return table


def brief_document(
    figures: pd.DataFrame,
    districts: pd.DataFrame,
    definitions: pd.DataFrame,
    *,
    area: str | None,
    year: int,
    month: int,
    data_date: date,
    lang: Lang,
    made: datetime,
) -> dict[str, Any]:
    """Everything the template prints, as display text (the JSON the Typst
    template reads), plus ``summary`` for a mail body."""
    names = tables.metric_names(definitions, lang)
    rows = _area_rows(figures, area)
    district_names = dict(zip(districts["district_code"], districts[i18n.district_label_column(lang)], strict=True))
    scope = t("scope.city", lang) if area is None else district_names.get(area, area)
    month_name = t("period.month", lang, year=year, month=i18n.month_label(month, lang))
    title = t("brief.title", lang, period=month_name)
    period = i18n.period_label(year, month, lang)
    data_date_text = i18n.format_date(data_date, lang)
    headline = headline_rows(rows, year=year, month=month, names=names, lang=lang)
    is_latest = bool(
        rows[(rows["year"] == year) & (rows["through_month"] == month)]["projected_year_end"].notna().any()
    )

    shown = [metric for _key, group in SUBJECTS for metric in group]
    glossary = definitions.set_index("metric")
    definition_rows = [
        [
            names.get(metric, metric),
            str(glossary.loc[metric, f"definition_{lang}"] or i18n.DASH),
            str(glossary.loc[metric, f"source_{lang}"] or i18n.DASH),
        ]
        for metric in shown
        if metric in glossary.index
    ]

    summary_lines = [
        f"{title} · {scope}",
        t("brief.summary_period", lang, period=period, date=data_date_text),
        *(
            t(
                _summary_key(row),
                lang,
                name=row["name"],
                ytd=row["ytd"],
                completion=row["completion"],
                time_progress=row["time_progress"],
            )
            for row in headline
        ),
    ]

    return {
        "lang": lang,
        "font": FONT,
        "title": title,
        "scope": scope,
        "is_district": area is not None,
        "subtitle": t(
            "brief.dateline",
            lang,
            period=period,
            date=data_date_text,
            made=made.strftime("%Y-%m-%d %H:%M"),
        ),
        "data_date": data_date_text,
        "made": made.strftime("%Y-%m-%d %H:%M"),
        "footer": t("brief.page_footer", lang, title=title, scope=scope, date=data_date_text),
        "page_label": t("brief.page", lang),
        "headline": {
            "heading": t("brief.headline_heading", lang),
            "note": t("brief.headline_note", lang) if is_latest else t("brief.headline_note_no_projection", lang),
            "progress_note": t("brief.progress_note", lang),
            "progress_image": "progress.svg",
            "columns": [
                t("brief.metric", lang),
                t("brief.month_value", lang),
                t("brief.ytd", lang),
                t("brief.yoy", lang),
                t("brief.target", lang),
                t("brief.completion", lang),
                t("brief.time_progress", lang),
                t("brief.projected", lang),
            ],
            "rows": [
                [
                    row["name"],
                    row["month"],
                    row["ytd"],
                    row["yoy"],
                    row["target"],
                    row["completion"],
                    row["time_progress"],
                    [row["projected"]]
                    + ([] if row["projected_completion"] == i18n.DASH else [f"({row['projected_completion']})"]),
                ]
                for row in headline
            ],
        },
        "changes": {
            "heading": t("brief.changes_heading", lang),
            "items": notable_changes(rows, year=year, month=month, names=names, lang=lang)
            or [t("brief.changes_none", lang)],
        },
        "ranking": _ranking_section(figures, districts, headline, area=area, year=year, month=month, lang=lang),
        "trend": {
            "heading": t("brief.trend_heading", lang),
            "note": t("brief.trend_note", lang, scope=scope),
            "image": "trend.svg",
        },
        "subjects": [
            {
                "heading": t(f"brief.subject.{key}", lang),
                "columns": [
                    t("brief.metric", lang),
                    t("brief.month_value", lang),
                    t("brief.ytd", lang),
                    t("brief.ytd_last_year", lang),
                    t("brief.yoy", lang),
                    t("brief.target", lang),
                    t("brief.completion", lang),
                ],
                "rows": subject_rows(rows, group, year=year, month=month, names=names, lang=lang),
                "image": f"{key}.svg" if area is None else None,
                "note": t("brief.subject_note", lang, metric=names.get(group[0], group[0])) if area is None else "",
            }
            for key, group in SUBJECTS
        ],
        "definitions": {
            "heading": t("brief.definitions_heading", lang),
            "columns": [t("brief.metric", lang), t("brief.definition", lang), t("brief.source", lang)],
            "rows": definition_rows,
            "rules": t("brief.footer", lang),
            "about": [
                [t("export.note.data_date", lang), data_date_text],
                [t("export.note.scope", lang), scope],
                [t("export.note.period", lang), period],
                [t("export.note.source", lang), t("export.source", lang)],
                [t("brief.made", lang), made.strftime("%Y-%m-%d %H:%M")],
            ],
        },
        "summary": "\n".join(summary_lines),
    }


def _summary_key(row: Mapping[str, str]) -> str:
    """Which summary sentence a headline row takes: without a target, a
    rate (judged against its target, not the time elapsed), or the rest."""
    if row["completion"] == i18n.DASH:
        return "brief.summary_line_no_target"
    return "brief.summary_line_rate" if i18n.metric_kind(row["metric"]) == "rate" else "brief.summary_line"


def _ranking_section(
    figures: pd.DataFrame,
    districts: pd.DataFrame,
    headline: list[dict[str, str]],
    *,
    area: str | None,
    year: int,
    month: int,
    lang: Lang,
) -> dict[str, Any]:
    """The city brief: every district's rank and completion per metric. A
    district's brief: its own rank in the city per metric."""
    if area is None:
        return {
            "heading": t("brief.ranking_heading", lang),
            "note": t("brief.ranking_note", lang),
            "columns": [t("table.district", lang), *(row["name"] for row in headline)],
            "rows": ranking_rows(figures, districts, year=year, month=month, lang=lang),
        }
    return {
        "heading": t("brief.district_rank_heading", lang),
        "note": t("brief.district_rank_note", lang),
        "columns": [
            t("brief.metric", lang),
            t("brief.ytd", lang),
            t("brief.target", lang),
            t("brief.completion", lang),
            t("table.status", lang),
            t("brief.rank", lang),
        ],
        "rows": [
            [row["name"], row["ytd"], row["target"], row["completion"], row["status"], row["rank"]] for row in headline
        ],
    }


# --- the charts ---------------------------------------------------------------


def trend_figure(rows: pd.DataFrame, *, year: int, month: int, names: Mapping[str, str], lang: Lang) -> go.Figure:
    """The area's own value of each month of the year against last year, one
    panel per subject area's main figure, this year through ``month``."""
    month_labels = [i18n.month_label(m, lang) for m in range(1, 13)]
    titles = [
        i18n.with_unit(names.get(metric, metric), i18n.display_unit(metric, lang)[1], lang) for metric in TREND_METRICS
    ]
    fig = make_subplots(rows=len(TREND_METRICS), cols=1, subplot_titles=charts.plain(titles), vertical_spacing=0.13)
    for index, metric in enumerate(TREND_METRICS, start=1):
        scale, _unit = i18n.display_unit(metric, lang)
        for trend_year, colour, dash, width, last in (
            (year - 1, charts.LAST_YEAR_COLOUR, "dash", 2, 12),
            (year, charts.THIS_YEAR_COLOUR, "solid", 3, month),
        ):
            own = rows[(rows["metric"] == metric) & (rows["year"] == trend_year) & (rows["through_month"] <= last)]
            own = own.sort_values("through_month")
            fig.add_trace(
                go.Scatter(
                    x=[month_labels[int(m) - 1] for m in own["through_month"]],
                    y=(own["month_value"] / scale).tolist(),
                    mode="lines+markers",
                    name=t("chart.this_year", lang, year=trend_year),
                    line={"color": colour, "dash": dash, "width": width},
                    marker={"size": 5, "color": colour},
                    showlegend=index == 1,
                ),
                row=index,
                col=1,
            )
        fig.update_xaxes(categoryorder="array", categoryarray=month_labels, range=[-0.5, 11.5], row=index, col=1)
    _chart_look(fig, height=600)
    for annotation in fig.layout.annotations:
        annotation.update(x=0, xanchor="left", font={"size": 14})
    return fig


def progress_figure(rows: pd.DataFrame, *, year: int, month: int, lang: Lang) -> go.Figure:
    """Completion of each headline figure with a target, against its
    benchmark (kpi_year_to_date's: the time elapsed, or for a rate its
    target, 100%), as horizontal bars."""
    names, completion, benchmark, texts = [], [], [], []
    for metric in metrics.OVERVIEW_METRICS:
        row = _row(rows, metric, year, month)
        rate = i18n.as_float(row.get("completion_rate")) if i18n.as_float(row.get("target")) else None
        if rate is None:
            continue
        names.append(i18n.metric_name(metric, lang))
        completion.append(rate * 100)
        benchmark.append((i18n.as_float(row.get("completion_benchmark")) or 0) * 100)
        texts.append(i18n.format_rate(rate))
    fig = go.Figure(
        [
            go.Bar(
                y=charts.plain(names),
                x=completion,
                orientation="h",
                marker={"color": charts.THIS_YEAR_COLOUR},
                text=texts,
                textposition="outside",
                cliponaxis=False,
                name=t("brief.completion", lang),
            ),
            go.Scatter(
                y=charts.plain(names),
                x=benchmark,
                mode="markers",
                marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": charts.TARGET_COLOUR}},
                name=t("brief.benchmark", lang),
            ),
        ]
    )
    _chart_look(fig, height=70 + 46 * max(len(names), 1))
    fig.update_yaxes(autorange="reversed", tickformat=None, gridcolor=None)
    fig.update_xaxes(ticksuffix="%", rangemode="tozero", gridcolor="#ECEFF1")
    fig.update_layout(margin={"l": 10, "r": 60, "t": 40, "b": 30}, bargap=0.35)
    fig.update_yaxes(automargin=True)
    return fig


def district_bars(
    figures: pd.DataFrame, districts: pd.DataFrame, metric: str, *, year: int, month: int, name: str, lang: Lang
) -> go.Figure:
    """Each district's year to date of ``metric`` through ``month``, with its
    target, largest first, in the districts' colours."""
    rows = figures[
        ~figures["is_city"]
        & (figures["year"] == year)
        & (figures["through_month"] == month)
        & (figures["metric"] == metric)
    ].merge(districts, on="district_code")
    scale, unit = i18n.display_unit(metric, lang)
    labels = rows[i18n.district_label_column(lang, short=True)].fillna(rows["district_name_zh"])
    data = rows.assign(label=labels).sort_values("actual", ascending=False, kind="stable")
    # Drawn here rather than by charts.district_bar: the section around the
    # chart already says where, when and as of which date.
    fig = go.Figure(
        [
            go.Bar(
                x=charts.plain(data["label"]),
                y=(data["actual"] / scale).tolist(),
                marker={"color": [charts.district_colour(code) for code in data["district_code"]]},
                showlegend=False,
                name=name,
            ),
            go.Scatter(
                x=charts.plain(data["label"]),
                y=(data["target"] / scale).tolist(),
                mode="markers",
                name=t("chart.target", lang),
                marker={"symbol": "line-ew", "size": 20, "line": {"width": 3, "color": charts.TARGET_COLOUR}},
            ),
        ]
    )
    _chart_look(fig, height=340)
    fig.update_layout(
        title={"text": charts.plain([f"{name} ({unit})" if lang == "en" else f"{name}（{unit}）"])[0], "x": 0},
        margin={"t": 50, "b": 70 if lang == "en" else 40},
    )
    fig.update_xaxes(tickangle=0 if lang == "zh" else -40)
    return fig


def _chart_look(fig: go.Figure, *, height: int) -> None:
    fig.update_layout(
        template=charts.TEMPLATE,
        width=CHART_WIDTH,
        height=height,
        font={"family": charts.FONT_FAMILY, "size": 13, "color": "#202124"},
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.04, "yanchor": "bottom"},
    )
    fig.update_yaxes(tickformat=",~f", rangemode="tozero", gridcolor="#ECEFF1")


def _charts(
    figures: pd.DataFrame, districts: pd.DataFrame, *, area: str | None, year: int, month: int, lang: Lang
) -> dict[str, bytes]:
    """The brief's charts as SVG files by name (vector images in the PDF)."""
    names = {metric: i18n.metric_name(metric, lang) for _key, group in SUBJECTS for metric in group}
    rows = _area_rows(figures, area)
    found = {
        "progress.svg": progress_figure(rows, year=year, month=month, lang=lang),
        "trend.svg": trend_figure(rows, year=year, month=month, names=names, lang=lang),
    }
    if area is None:
        for key, group in SUBJECTS:
            found[f"{key}.svg"] = district_bars(
                figures, districts, group[0], year=year, month=month, name=names[group[0]], lang=lang
            )
    return {
        name: export.figure_image(fig, "svg", width=int(fig.layout.width), height=int(fig.layout.height))
        for name, fig in found.items()
    }


# --- typesetting --------------------------------------------------------------


def render_pdf(document: Mapping[str, Any], images: Mapping[str, bytes]) -> bytes:
    """The document typeset by the Typst template. The data travel as a JSON
    file beside the template, so no text of the warehouse is ever read as
    Typst markup; the images are files in the same folder."""
    with tempfile.TemporaryDirectory(prefix="unionkpi-brief-") as folder:
        root = Path(folder)
        shutil.copyfile(TEMPLATE, root / "brief.typ")
        (root / "brief.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        for name, content in images.items():
            (root / name).write_bytes(content)
        pdf = typst.compile(str(root / "brief.typ"), root=str(root), format="pdf")
    if not isinstance(pdf, bytes):  # typst returns one bytes per page only for images
        raise TypeError("Typst returned no PDF")
    return pdf
