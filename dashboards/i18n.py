"""Every label the dashboards show, in Chinese and English, and the number
formatting that goes with each language.

Chinese figures follow the way the federation's own reports write them
(51.8亿元, 1115.19万元, 30,123件); English figures use thousands separators
and "m"/"bn" for large money (1.23 m yuan, 5.18 bn yuan). Both are built
here so a card, a chart's hover text and a table never disagree.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
LANG_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

Kind = Literal["count", "money", "rate"]

# key -> (Chinese, English). Placeholders use str.format names.
LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("上海市总工会 · 工会工作指标", "Shanghai Trade Unions · KPIs"),
    "nav.overview": ("总览", "Overview"),
    "nav.definitions": ("指标口径", "Definitions"),
    "sidebar.language": ("语言 / Language", "语言 / Language"),
    "sidebar.year": ("年度", "Year"),
    "sidebar.data_date": ("数据截至", "Data as of"),
    "sidebar.built_at": ("发布于 {when}", "Published {when}"),
    "sidebar.no_data": ("尚无数据", "No data yet"),
    "notice.held_back": (
        "较新的数据未通过检查，暂未发布（{at}）；当前显示的是上一个合格版本。未通过的检查：{checks}",
        "Newer data failed its checks and is held back ({at}); you are seeing the last good warehouse. "
        "Failed checks: {checks}",
    ),
    "overview.title": ("工会工作指标总览", "Union KPI overview"),
    "overview.subtitle": (
        "全市 · {period} · 数据截至 {date}",
        "Citywide · {period} · data as of {date}",
    ),
    "overview.by_district": ("分区对比", "Districts compared"),
    "overview.metric": ("指标", "Metric"),
    "overview.bar_subtitle": ("各区 · {unit}", "By district, {unit}"),
    "overview.trend_subtitle": ("逐月 · {unit}", "Month by month, {unit}"),
    "overview.ranking": ("各区排名", "District ranking"),
    "overview.cert_month_note": (
        "趋势图按认定日期所在月份统计；卡片与排名按创建年度统计。",
        (
            "The trend counts certifications in the month certified; the cards"
            " and ranking count them in their campaign year."
        ),
    ),
    "period.ytd": ("{year}年1–{month}月", "Jan–{month_name} {year}"),
    "period.ytd_one": ("{year}年1月", "Jan {year}"),
    "period.full": ("{year}年全年", "Full year {year}"),
    "card.yoy": ("同比", "vs same period last year"),
    "card.yoy_none": ("无上年同期数据", "no figure for last year"),
    "card.target": ("目标 {value}", "Target {value}"),
    "card.no_target": ("未下达目标", "No target set"),
    "card.completion": ("完成率 {value}", "Completed {value}"),
    "card.time_progress": ("时间进度 {value}", "Time elapsed {value}"),
    "card.rate_benchmark": ("对比目标值", "compared with the target"),
    "card.definition": ("**口径**：{text}", "**Definition**: {text}"),
    "card.source": ("**来源**：{text}", "**Source**: {text}"),
    "status.green": ("达到进度", "On track"),
    "status.amber": ("略低于进度", "Slightly behind"),
    "status.red": ("落后于进度", "Behind"),
    "status.none": ("无目标", "No target"),
    "chart.average": ("各区平均", "District average"),
    "chart.city_rate": ("全市", "Citywide"),
    "chart.target": ("目标", "Target"),
    "chart.this_year": ("{year}年", "{year}"),
    "chart.month": ("月份", "Month"),
    "table.rank": ("排名", "Rank"),
    "table.district": ("区", "District"),
    "table.actual": ("实际（{unit}）", "Actual ({unit})"),
    "table.yoy": ("同比", "Year on year"),
    "table.yoy_pp": ("同比（百分点）", "Year on year (pp)"),
    "table.target": ("目标（{unit}）", "Target ({unit})"),
    "table.completion": ("完成率", "Completion"),
    "table.status": ("状态", "Status"),
    "definitions.title": ("指标口径", "Metric definitions"),
    "definitions.caption": (
        "看板上每个数字的统计口径、单位与数据来源。",
        "How each figure on the dashboards is counted, its unit and source.",
    ),
    "definitions.search": ("查找指标", "Find a metric"),
    "definitions.metric": ("指标", "Metric"),
    "definitions.code": ("字段名", "Field"),
    "definitions.definition": ("口径", "Definition"),
    "definitions.unit": ("单位", "Unit"),
    "definitions.source": ("数据来源", "Source"),
    "definitions.empty": ("没有符合条件的指标。", "No metric matches."),
    "error.no_warehouse": (
        "尚未发布数据仓库，请先运行 unionkpi build（或 make demo）。",
        "No warehouse published yet: run unionkpi build (or make demo) first.",
    ),
    "error.unreadable": (
        "数据仓库无法读取：{detail}",
        "The warehouse cannot be read: {detail}",
    ),
}

# Names for the metrics when the definitions table has no row for one.
METRIC_NAMES: dict[str, tuple[str, str]] = {
    "legal_aid_cases": ("法律援助案件", "Legal-aid cases"),
    "legal_aid_workers": ("法律援助职工人数", "Workers given legal aid"),
    "legal_aid_closed": ("法律援助结案数", "Legal-aid cases closed"),
    "legal_aid_mediated": ("调解成功案件", "Cases mediated"),
    "legal_aid_recovered_yuan": ("法律援助挽回经济损失", "Recovered through legal aid"),
    "mediation_rate": ("调解成功率", "Mediation success rate"),
    "wage_cases": ("追讨欠薪案件", "Wage-arrears cases"),
    "wage_workers": ("追讨欠薪职工人数", "Workers owed wages"),
    "wages_recovered_yuan": ("追回欠薪金额", "Wages recovered"),
    "certified_enterprises": ("和谐劳动关系达标企业", "Certified enterprises"),
}

# The unit word written after a count.
COUNT_UNITS: dict[str, tuple[str, str]] = {
    "legal_aid_cases": ("件", "cases"),
    "legal_aid_closed": ("件", "cases"),
    "legal_aid_mediated": ("件", "cases"),
    "wage_cases": ("件", "cases"),
    "legal_aid_workers": ("人", "workers"),
    "wage_workers": ("人", "workers"),
    "certified_enterprises": ("家", "enterprises"),
}

MONTHS_EN = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

DASH = "—"


def normalise_lang(value: object) -> Lang:
    """The language for a query-parameter or widget value; Chinese by default."""
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang, **values: object) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def metric_kind(metric: str) -> Kind:
    """Whether a metric is a count, an amount of money or a rate.

    The warehouse names units in its column names (``_yuan``, ``_rate``), so
    the kind follows from the name and new metrics need no entry here.
    """
    if metric.endswith("_yuan"):
        return "money"
    if metric.endswith("_rate"):
        return "rate"
    return "count"


def metric_name(metric: str, lang: Lang) -> str:
    """A fallback display name; the pages prefer ``marts.kpi_definitions``."""
    zh, en = METRIC_NAMES.get(metric, (metric, metric))
    return en if lang == "en" else zh


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _trim(number: float, decimals: int) -> str:
    """``number`` to at most ``decimals`` places, without trailing zeros."""
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_count(value: object, metric: str, lang: Lang) -> str:
    """A whole-number count with its unit word: 30,123件 / 30,123 cases.

    Chinese switches to 万 from 10万 up (22.25万件), where the exact figure
    stops being read digit by digit.
    """
    if _is_missing(value):
        return DASH
    number = float(value)  # type: ignore[arg-type]
    zh_unit, en_unit = COUNT_UNITS.get(metric, ("", ""))
    if lang == "en":
        return f"{number:,.0f} {en_unit}".rstrip()
    if abs(number) >= 100_000:
        return f"{_trim(number / 10_000, 2)}万{zh_unit}"
    return f"{number:,.0f}{zh_unit}"


def format_money(yuan: object, lang: Lang) -> str:
    """An amount in yuan: 51.8亿元, 1115.19万元, 8,500元 / 5.18 bn yuan."""
    if _is_missing(yuan):
        return DASH
    number = float(yuan)  # type: ignore[arg-type]
    size = abs(number)
    if lang == "en":
        if size >= 1e9:
            return f"{number / 1e9:,.2f} bn yuan"
        if size >= 1e6:
            return f"{number / 1e6:,.2f} m yuan"
        return f"{number:,.0f} yuan"
    if size >= 1e8:
        # No thousands separator inside 亿/万 figures: 1115.19万元, as printed.
        return f"{_trim(number / 1e8, 2).replace(',', '')}亿元"
    if size >= 1e4:
        return f"{_trim(number / 1e4, 2).replace(',', '')}万元"
    return f"{number:,.0f}元"


def format_rate(fraction: object, lang: Lang = "zh") -> str:
    """A fraction as a percentage with one decimal: 0.769 -> 76.9%."""
    if _is_missing(fraction):
        return DASH
    return f"{float(fraction) * 100:.1f}%"  # type: ignore[arg-type]


def format_value(value: object, metric: str, lang: Lang) -> str:
    """Any metric's value, formatted for its kind."""
    kind = metric_kind(metric)
    if kind == "money":
        return format_money(value, lang)
    if kind == "rate":
        return format_rate(value, lang)
    return format_count(value, metric, lang)


def format_change(change: object, metric: str, lang: Lang) -> str:
    """A year-on-year change: +12.3% for counts and money, and percentage
    points for a rate (+2.1个百分点 / +2.1 pp), since a relative change of a
    rate misleads."""
    if _is_missing(change):
        return DASH
    number = float(change) * 100  # type: ignore[arg-type]
    body = f"{abs(number):.1f}"
    # An ASCII minus: st.metric reads it to point the arrow down.
    sign = "±" if body == "0.0" else ("+" if number > 0 else "-")
    if metric_kind(metric) == "rate":
        return f"{sign}{body}个百分点" if lang == "zh" else f"{sign}{body} pp"
    return f"{sign}{body}%"


def format_date(day: date | None, lang: Lang) -> str:
    """2026年10月31日 / 31 Oct 2026."""
    if day is None:
        return DASH
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def month_label(month: int, lang: Lang) -> str:
    """1 -> 1月 / Jan."""
    return MONTHS_EN[month - 1] if lang == "en" else f"{month}月"


def period_label(year: int, last_month: int, lang: Lang) -> str:
    """The months a year-to-date figure covers: 2026年1–10月 / Jan–Oct 2026."""
    if last_month >= 12:
        return t("period.full", lang, year=year)
    if last_month == 1:
        return t("period.ytd_one", lang, year=year)
    return t(
        "period.ytd",
        lang,
        year=year,
        month=last_month,
        month_name=MONTHS_EN[last_month - 1],
    )


def display_unit(metric: str, lang: Lang) -> tuple[float, str]:
    """How charts and tables scale a metric: (divide by, unit label).

    Axis ticks and sortable table columns need one unit for every row, so
    money is shown in 万元 in Chinese and in millions in English, and rates
    in per cent.
    """
    kind = metric_kind(metric)
    if kind == "money":
        return (1e4, "万元") if lang == "zh" else (1e6, "m yuan")
    if kind == "rate":
        return (0.01, "%")
    zh_unit, en_unit = COUNT_UNITS.get(metric, ("", ""))
    return (1.0, zh_unit if lang == "zh" else en_unit)


def district_label_column(lang: Lang, short: bool = False) -> str:
    """Which ``marts.dim_district`` column names a district in ``lang``."""
    if lang == "en":
        return "district_name_en"
    return "short_name_zh" if short else "district_name_zh"
