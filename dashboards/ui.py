"""Streamlit pieces shared by the pages: the reader's choices from the
sidebar, the message shown when there is no warehouse, and the KPI card."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from dashboards import i18n
from dashboards.cards import KpiCard
from dashboards.charts import STATUS_COLOURS
from dashboards.i18n import Lang, t
from dashboards.queries import WarehouseUnavailable

T = TypeVar("T")

# Widget keys of the shared sidebar; each is also the URL's query parameter.
LANG_KEY = "lang"
YEAR_KEY = "year"

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
/* Glossary headers on one line, however narrow the unit column is. */
[data-testid="stTable"] th, [data-testid="stTable"] th * { white-space: nowrap !important; }
</style>
"""


def seed_from_url(
    key: str,
    options: Sequence[T],
    default: T,
    parse: Callable[[str], T] = lambda raw: raw,  # type: ignore[assignment, return-value]
) -> None:
    """Before drawing the widget ``key``: on a session's first run take its
    value from the URL (``?key=…``) when valid, and fall back to ``default``
    whenever the remembered value is no longer offered (a new publish can
    change the years on offer).

    Done by hand rather than with ``bind="query-params"``, which writes the
    option's display label (``lang=English``) into the URL; ours carries the
    stable code (``lang=en``, ``metric=wage_cases``).
    """
    if key not in st.session_state:
        raw = st.query_params.get(key)
        try:
            value = parse(raw) if raw is not None else default
        except ValueError:
            value = default
        st.session_state[key] = value if value in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default


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
    at the benchmark (time elapsed, or the target for a rate), and the
    completion rate beside the benchmark.

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
        "</div>"
    )
