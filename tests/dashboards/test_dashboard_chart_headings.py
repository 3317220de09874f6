"""Every chart the pages draw, and so every image saved from it (the
server's PNG, SVG and PDF and the camera button's PNG), says what it shows,
where, for which period and as of which data date, in both languages: the
pages run in Streamlit's AppTest on the demo warehouse."""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import i18n
from dashboards.i18n import Lang, t
from tests.dashboards.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
SUBJECT_PAGES = {
    "legal_aid": "app_pages/legal_aid.py",
    "wages": "app_pages/wages.py",
    "certifications": "app_pages/certifications.py",
}


def data_date(warehouse_db: Path) -> date:
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (day,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
    return day


def headings(app: AppTest) -> list[tuple[str, list[str]]]:
    """Each chart's title and the lines under it, as Plotly draws them. The
    figures are made without plotly's checks (charts.new_figure): each
    passes them here, whole, as the page sent it."""
    out = []
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        go.Figure(spec)  # raises ValueError on any property plotly does not know
        title = spec["layout"]["title"]
        lines = html.unescape(title["subtitle"]["text"]).split("<br>")
        out.append((html.unescape(title["text"]).removeprefix("<b>").removesuffix("</b>"), lines))
    return out


def open_page(monkeypatch: pytest.MonkeyPatch, home: Path, page: str | None, lang: Lang) -> AppTest:
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=120), home)
    app.query_params["lang"] = lang
    app.run()
    if page is not None:
        app.switch_page(SUBJECT_PAGES[page]).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overviews_charts_say_what_where_when_and_the_data_date(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path, warehouse_db: Path, lang: Lang
) -> None:
    day = data_date(warehouse_db)
    app = open_page(monkeypatch, warehouse_home, None, lang)
    period = i18n.period_label(day.year, day.month, lang)
    caption = t("subject.caption", lang, scope=t("scope.city", lang), period=period, date=i18n.format_date(day, lang))
    trend = t("overview.trend_period", lang, period=period, last=day.year - 1)
    trend_caption = t(
        "subject.caption", lang, scope=t("scope.city", lang), period=trend, date=i18n.format_date(day, lang)
    )
    found = headings(app)
    assert len(found) == 3  # the bars, the map and the trend
    name = found[0][0]
    assert name and all(title == name for title, _lines in found)  # the metric's name, from the seeds
    assert [lines[0] for _title, lines in found] == [caption, caption, trend_caption]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(SUBJECT_PAGES))
def test_a_subject_pages_charts_name_the_subject_place_period_and_data_date(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path, warehouse_db: Path, page: str, lang: Lang
) -> None:
    day = data_date(warehouse_db)
    app = open_page(monkeypatch, warehouse_home, page, lang)
    found = headings(app)
    assert len(found) >= 2  # the breakdown and the drill's streets (and the campaign)
    as_of = i18n.format_date(day, lang)
    places = {t("scope.city", lang), *[option for box in app.selectbox for option in box.options]}
    for title, lines in found:
        assert title.startswith(f"{t(f'nav.{page}', lang)} · "), title
        scope, period, dated = lines[0].split(" · ")
        assert scope in places, lines
        assert period, lines
        assert dated == t("subject.caption", lang, scope="", period="", date=as_of).split(" · ")[-1]
    # The drill's streets are the chosen district's, not the city's.
    assert found[-1][1][0].split(" · ")[0] != t("scope.city", lang)
