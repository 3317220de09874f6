"""Streamlit pieces shared by the pages: the reader's choices from the
sidebar, the message shown when there is no warehouse, and the KPI card."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboards import i18n, periods
from dashboards.cards import DeltaColour, KpiCard
from dashboards.charts import STATUS_COLOURS
from dashboards.i18n import Lang, t
from dashboards.periods import Period
from dashboards.queries import WarehouseUnavailable

T = TypeVar("T")

# Widget keys of the shared sidebar; each is also the URL's query parameter.
LANG_KEY = "lang"
YEAR_KEY = "year"
# The subject pages' filters (see subject_filters).
PERIOD_KEY = "period"
MONTH_KEY = "month"
QUARTER_KEY = "quarter"
RANGE_KEY = "range"  # in the URL as ?from=YYYY-MM-DD&to=YYYY-MM-DD
RANGE_FROM, RANGE_TO = "from", "to"
DISTRICTS_KEY = "districts"  # in the URL as ?districts=310101,310110

# Badge colours: tinted background, dark text of the same hue, readable for
# every status (white on amber is not).
BADGE_COLOURS = {
    "green": ("#E6F4EA", "#137333"),
    "amber": ("#FEF3D6", "#8A5300"),
    "red": ("#FCE8E6", "#B3261E"),
    "none": ("#F1F3F4", "#5F6368"),
}

_CSS = """
<style>
/* KPI cards: the target line, progress bar and status under st.metric. */
.ukpi-progress { font-size: 0.85rem; color: #5F6368; margin-top: -0.35rem; }
.ukpi-row { display: flex; justify-content: space-between; align-items: center;
            gap: 0.5rem; line-height: 1.5rem; white-space: nowrap; }
.ukpi-row span { overflow: hidden; text-overflow: ellipsis; }
.ukpi-badge { border-radius: 999px; padding: 0 0.6rem; font-size: 0.78rem;
              font-weight: 600; line-height: 1.35rem; flex-shrink: 0; }
.ukpi-bar { position: relative; height: 8px; background: #ECEFF1;
            border-radius: 4px; margin: 0.4rem 0 0.3rem 0; }
.ukpi-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 4px; }
.ukpi-tick { position: absolute; top: -4px; bottom: -4px; width: 2px;
             background: #202124; border-radius: 1px; }
/* Less empty space above the page title, so the cards fit a laptop screen. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
h1 { font-size: 2rem !important; padding-top: 0.5rem !important; }
/* Card values: a little smaller than Streamlit's default so 10-character
   Chinese figures fit three cards to a row on a laptop screen. */
[data-testid="stMetricValue"] { font-size: 1.85rem; }
/* A fixed line height: figures with and without Chinese characters would
   otherwise sit a few pixels apart in neighbouring cards. */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { line-height: 2.5rem; }
[data-testid="stMetricLabel"] p { font-size: 0.95rem; font-weight: 600; }
/* Data leaves the app only through its own export buttons: the config
   option client.disableDataExport (dashboards/.streamlit/config.toml and
   app.py) removes the tables' download button and clipboard copy; this
   rule is the fallback for a server started without the config file, whose
   first render comes before app.py has set the option. */
[data-testid="stDataFrame"] [data-testid="stElementToolbar"] button[aria-label*="Download"],
[data-testid="stDataFrame"] [data-testid="stElementToolbar"] button[aria-label*="下载"] { display: none !important; }
/* The export buttons under a chart or table: small and tight. */
.st-key-ukpi-exports button, [class*="st-key-export-"] button { min-height: 1.9rem; padding: 0 0.55rem; }
/* Glossary headers on one line, however narrow the unit column is. */
[data-testid="stTable"] th, [data-testid="stTable"] th * { white-space: nowrap !important; }
/* ui.plain_heading: a bold line of text from the data */
.plain-heading { font-weight: 600; margin: 0 0 0.25rem 0; }
</style>
"""


def as_code(text: str) -> str:
    """A name from outside (a file, a user, an e-mail) inside a markdown
    message (st.error, st.caption …): a code span, in which nothing is
    markdown. Escaping is not enough: Streamlit's markdown makes a link of a
    bare web address even when its characters are escaped."""
    flat = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}"


def plain_heading(text: str) -> None:
    """A bold line holding text from the data (a street, an enterprise), shown
    as typed: HTML-escaped and drawn by st.html, not markdown, so no link,
    emphasis, icon or formula can come from it."""
    st.html(f'<p class="plain-heading">{html.escape(text)}</p>')


def seed_from_url(
    key: str,
    options: Sequence[T],
    default: T,
    parse: Callable[[str], T] | None = None,
    *,
    shared: bool = False,
) -> None:
    """Before drawing the widget ``key``: on a session's first run take its
    value from the URL (``?key=…``) when valid, and fall back to ``default``
    whenever the remembered value is no longer offered (a new publish can
    change the years on offer). ``shared``: several pages draw a widget
    under this key (the subject pages' filters); see hand_over.

    Done by hand rather than with ``bind="query-params"``, which writes the
    option's display label (``lang=English``) into the URL; ours carries the
    stable code (``lang=en``, ``metric=wage_cases``); ``parse`` reads it when
    the options are not strings.
    """
    if key not in st.session_state:
        raw = st.query_params.get(key)
        try:
            value = default if raw is None else (parse(raw) if parse else raw)
        except ValueError:
            value = default
        st.session_state[key] = value if value in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default
    elif shared:
        hand_over(key)


def hand_over(key: str) -> None:
    """Before drawing a widget that more than one page draws under ``key``:
    give it the session's value through the Session State API, so the page
    shows what the reader chose on the page before.

    To Streamlit the same key on two pages is two widgets (a widget's id
    includes its page). On a page switch the new page's widget is drawn
    while the value is still filed under the old page's widget, and
    persist_state="session" moves it across only when that run ends; so the
    new page started from the widget's own first option (January, the first
    quarter) and wrote it into its URL and every export's period. Reading
    the value here returns the widget's current one, the reader's latest
    change included, so doing it on every run changes nothing else.
    """
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def write_to_url(key: str, value: object, default: object) -> None:
    """Keep ``?key=value`` in the URL, or drop it at the default to keep the
    link clean. Called on every run, because a page switch clears the URL's
    parameters."""
    if value is None or value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


def current_lang() -> Lang:
    """The language chosen in the sidebar (Chinese unless ``?lang=en``)."""
    return i18n.normalise_lang(st.session_state.get(LANG_KEY))


def current_year(default: int) -> int:
    """The year chosen in the sidebar, else ``default``."""
    chosen = st.session_state.get(YEAR_KEY)
    return int(chosen) if chosen is not None else default


def inject_css() -> None:
    st.html(_CSS)


def show_unavailable(error: WarehouseUnavailable) -> None:
    """A bilingual notice in place of a traceback."""
    st.info(f"{error.zh}\n\n{error.en}", icon=":material/database_off:")


@contextmanager
def warehouse_guard() -> Iterator[None]:
    """Run a page body; if the warehouse is missing or unreadable, show the
    notice and stop the page instead of raising."""
    try:
        yield
    except WarehouseUnavailable as error:
        show_unavailable(error)
        st.stop()


def _pct(fraction: float) -> float:
    """A fraction as a CSS width in per cent, kept inside the bar."""
    return max(0.0, min(100.0, fraction * 100))


def kpi_card(card: KpiCard) -> None:
    """Draw one KPI card: st.metric (value, 同比, 口径 as help) above the
    target line, progress bar and status."""
    with st.container(border=True, height="stretch"):
        st.metric(
            label=card.name,
            value=card.value_text,
            delta=card.delta_text,
            delta_description=card.delta_description,
            delta_color=card.delta_colour,
            delta_arrow=card.delta_arrow,
            help=card.help,
        )
        st.html(progress_html(card, current_lang()))


def progress_html(card: KpiCard, lang: Lang) -> str:
    """The lines under a card's value: target and status, a bar with a tick
    at the benchmark (time elapsed, or the target for a rate), the
    completion rate beside the benchmark, and the year-end projection.

    Every card draws all three lines, with dashes when there is no target, so
    the cards in a row keep the same height.
    """
    background, colour = BADGE_COLOURS[card.status]
    target_line = t("card.target", lang, value=card.target_text) if card.target_text else t("card.no_target", lang)
    badge = (
        f'<span class="ukpi-badge" style="background:{background};color:{colour}">'
        f"{html.escape(t(f'status.{card.status}', lang))}</span>"
    )
    fill = ""
    if card.bar_value is not None:
        fill = (
            f'<div class="ukpi-fill" style="width:{_pct(card.bar_value):.1f}%;'
            f'background:{STATUS_COLOURS[card.status]}"></div>'
        )
    tick = ""
    if card.benchmark is not None:
        tick = f'<div class="ukpi-tick" style="left:calc({_pct(card.benchmark):.1f}% - 1px)"></div>'
    completion = t("card.completion", lang, value=i18n.format_rate(card.completion))
    return (
        '<div class="ukpi-progress">'
        f'<div class="ukpi-row"><span>{html.escape(target_line)}</span>{badge}</div>'
        f'<div class="ukpi-bar">{fill}{tick}</div>'
        f'<div class="ukpi-row"><span>{html.escape(completion)}</span>'
        f"<span>{html.escape(card.benchmark_text)}</span></div>"
        f'<div class="ukpi-row"><span>{html.escape(card.projection_text)}</span></div>'
        "</div>"
    )


# ---------------------------------------------------------------------------
# The subject pages' filters: period and districts, in the sidebar and in
# the URL, shared by the pages: each page draws its own widgets under the
# same keys, and hand_over keeps the reader's choice when the page changes.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period
    districts: tuple[str, ...]  # empty: the whole city
    data_date: date


def _parse_date(raw: str) -> date:
    return date.fromisoformat(raw)


def _seed_districts(options: Sequence[str]) -> None:
    """Like seed_from_url, for the district multiselect's list of codes. It
    sets the value on every run (keeping the codes on offer), which also
    hands it over from page to page."""
    if DISTRICTS_KEY not in st.session_state:
        raw = st.query_params.get(DISTRICTS_KEY) or ""
        codes = [code.strip() for code in raw.split(",") if code.strip()]
        st.session_state[DISTRICTS_KEY] = [code for code in dict.fromkeys(codes) if code in options]
    else:
        st.session_state[DISTRICTS_KEY] = [code for code in st.session_state[DISTRICTS_KEY] if code in options]


def _seed_range(default: tuple[date, date], earliest: date, latest: date) -> None:
    if RANGE_KEY in st.session_state:
        hand_over(RANGE_KEY)
        return
    try:
        start = _parse_date(st.query_params.get(RANGE_FROM) or "")
        end = _parse_date(st.query_params.get(RANGE_TO) or "")
    except ValueError:
        st.session_state[RANGE_KEY] = default
        return
    # Days outside the picker's range would make Streamlit raise.
    inside = earliest <= min(start, end) and max(start, end) <= latest
    st.session_state[RANGE_KEY] = tuple(sorted((start, end))) if inside else default


def subject_filters(lang: Lang, data_date: date, districts: pd.DataFrame) -> Filters:
    """Draw the period and district filters in the sidebar and return the
    choice. Every value is seeded from the URL on a session's first run and
    written back on every run, so a copied link reproduces the view."""
    year = current_year(data_date.year)
    with st.sidebar:
        st.markdown(f"**{t('filter.heading', lang)}**")
        seed_from_url(PERIOD_KEY, periods.KINDS, periods.KINDS[0], shared=True)
        kind = st.selectbox(
            t("filter.period", lang),
            options=list(periods.KINDS),
            format_func=lambda k: t(f"filter.kind.{k}", lang),
            key=PERIOD_KEY,
            persist_state="session",
        )
        write_to_url(PERIOD_KEY, kind, periods.KINDS[0])
        month = _month_filter(kind, periods.months_on_offer(year, data_date), lang)
        quarter = _quarter_filter(kind, periods.quarters_on_offer(year, data_date), lang)
        start, end = _range_filter(kind, year, data_date, lang)
        selected = _district_filter(districts, lang)
    period = periods.resolve(kind, year, month=month, quarter=quarter, start=start, end=end)
    return Filters(period=period, districts=selected, data_date=data_date)


def _month_filter(kind: str, months: Sequence[int], lang: Lang) -> int | None:
    """The month a year-to-date or monthly period runs through or is."""
    if kind not in ("ytd", "month"):
        st.query_params.pop(MONTH_KEY, None)
        return None
    seed_from_url(MONTH_KEY, months, months[-1], parse=int, shared=True)
    month = st.selectbox(
        t("filter.through" if kind == "ytd" else "filter.month", lang),
        options=months,
        format_func=lambda m: i18n.month_label(m, lang),
        key=MONTH_KEY,
        persist_state="session",
    )
    write_to_url(MONTH_KEY, month, months[-1])
    return month


def _quarter_filter(kind: str, quarters: Sequence[int], lang: Lang) -> int | None:
    if kind != "quarter":
        st.query_params.pop(QUARTER_KEY, None)
        return None
    seed_from_url(QUARTER_KEY, quarters, quarters[-1], parse=int, shared=True)
    quarter = st.selectbox(
        t("filter.quarter", lang),
        options=quarters,
        format_func=lambda q: t("quarter.name", lang, quarter=q),
        key=QUARTER_KEY,
        persist_state="session",
    )
    write_to_url(QUARTER_KEY, quarter, quarters[-1])
    return quarter


def _range_filter(kind: str, year: int, data_date: date, lang: Lang) -> tuple[date | None, date | None]:
    """A custom period's first and last day."""
    if kind != "custom":
        st.query_params.pop(RANGE_FROM, None)
        st.query_params.pop(RANGE_TO, None)
        return None, None
    default_range = (date(year, 1, 1), min(periods.month_end(year, 12), data_date))
    earliest, latest = date(2000, 1, 1), periods.month_end(data_date.year, 12)
    _seed_range(default_range, earliest, latest)
    chosen = st.date_input(
        t("filter.range", lang),
        key=RANGE_KEY,
        min_value=earliest,
        max_value=latest,
        format="YYYY-MM-DD",
        persist_state="session",
    )
    # While the reader has picked only the first day, use it alone.
    picked = [d for d in (chosen if isinstance(chosen, (tuple, list)) else (chosen,)) if d]
    start, end = (picked[0], picked[-1]) if picked else default_range
    at_default = (start, end) == default_range
    write_to_url(RANGE_FROM, None if at_default else start.isoformat(), None)
    write_to_url(RANGE_TO, None if at_default else end.isoformat(), None)
    return start, end


def _district_filter(districts: pd.DataFrame, lang: Lang) -> tuple[str, ...]:
    """The chosen districts' codes, sorted; none for the whole city."""
    codes = districts["district_code"].tolist()
    names = dict(zip(codes, districts[i18n.district_label_column(lang)], strict=True))
    _seed_districts(codes)
    chosen = st.multiselect(
        t("filter.districts", lang),
        options=codes,
        format_func=lambda code: names.get(code, code),
        key=DISTRICTS_KEY,
        placeholder=t("filter.all_districts", lang),
        persist_state="session",
    )
    selected = tuple(sorted(chosen))
    write_to_url(DISTRICTS_KEY, ",".join(selected) or None, None)
    return selected


def seed_choice(key: str, options: Sequence[T], default: T) -> T:
    """seed_from_url for a page's own choice (breakdown, drill), returning
    the seeded value; the caller draws the widget and writes it back."""
    seed_from_url(key, options, default)
    return st.session_state[key]


def metric_card(
    label: str,
    value: str,
    *,
    note: str | None = None,
    help_text: str | None = None,
    delta: str | None = None,
    delta_description: str | None = None,
    delta_colour: DeltaColour = "off",
) -> None:
    """A bordered figure for the subject pages: value, optional 同比 change
    and a one-line note (no target line: these figures have no targets)."""
    with st.container(border=True, height="stretch"):
        st.metric(
            label=label,
            value=value,
            delta=delta,
            delta_color=delta_colour,
            delta_arrow="auto" if delta else "off",
            delta_description=delta_description if delta else None,
            help=help_text,
        )
        if note:
            st.caption(note)
