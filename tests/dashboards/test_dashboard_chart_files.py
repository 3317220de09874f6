"""Exported chart files read in the clients people use: poppler's pdftotext
and pdffonts for the PDF, Pillow for the PNG. Each chart the pages export (a
subject page's bars, the overview's bars, trend and map), in Chinese and in
English, says what it shows, where, for which period and as of which data
date, and its PDF holds that as real text: the characters and digits as
shown, no CJK radicals in their place, every font embedded, none Type 3."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboards import charts, district_map, export, i18n
from dashboards.i18n import Lang, t

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")) or shutil.which("pdftotext") is None,
    reason="chart export needs Chromium, reading it needs poppler",
)

DATA_DATE = date(2026, 11, 22)
# The Kangxi radicals and the CJK radicals supplement: what a broken text
# layer gives for 工, 月 and their kin.
RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
METRIC = "legal_aid_cases"
NAMES = {"zh": "法律援助案件数", "en": "Legal aid cases"}
SCOPE = {"zh": "全市", "en": "Citywide"}
PERIOD = {"zh": "2026年1–10月", "en": "Jan–Oct 2026"}
DATA_DATE_TEXT = {"zh": "数据截至 2026年11月22日", "en": "data as of 22 Nov 2026"}


@pytest.fixture(autouse=True)
def dimensions():
    """The metric's name, unit and kind as the seeds give them, without the
    demo warehouse behind the package's fixture of the same name: these
    tests are data in, file out."""
    metric = i18n.Metric(
        "法律援助案件数", "Legal aid cases", "件", "cases", "count", short_zh="案件数", short_en="Cases"
    )
    token = i18n.DIMENSIONS.set(i18n.Dimensions(metrics={METRIC: metric}))
    yield
    i18n.DIMENSIONS.reset(token)


def caption(lang: Lang) -> charts.Caption:
    return charts.Caption(SCOPE[lang], PERIOD[lang], DATA_DATE, lang)


def subject_chart(lang: Lang) -> tuple[go.Figure, list[str]]:
    """A subject page's breakdown: legal aid cases by district, as
    subject_ui draws it (the subject named first, the unit under the caption)."""
    frame = pd.DataFrame(
        {
            "label": ["浦东", "闵行", "杨浦"] if lang == "zh" else ["Pudong", "Minhang", "Yangpu"],
            "value": [1234.0, 61.0, 32.0],
            "value_text": ["1,234件", "61件", "32件"],
            "bar_text": ["1,234", "61", "32"],
            "colour": [charts.district_colour(c) for c in ("310115", "310112", "310110")],
        }
    )
    what = t("subject.chart_title", lang, measure=i18n.metric_short_name(METRIC, lang), dim=t("dim.district", lang))
    title = f"{t('nav.legal_aid', lang)} · {what}"
    fig = charts.ranked_bar(frame, title=title, caption=caption(lang), subtitle=i18n.unit_word("cases", lang))
    return fig, [title, "1,234", "61", "32"]


def overview_bar(lang: Lang) -> tuple[go.Figure, list[str]]:
    """The overview's districts compared, with the average line's label."""
    frame = pd.DataFrame(
        {
            "district_code": ["310115", "310112", "310110"],
            "label": ["浦东", "闵行", "杨浦"] if lang == "zh" else ["Pudong", "Minhang", "Yangpu"],
            "value": [5100.0, 2400.0, 1891.0],
            "value_text": ["5,100件", "2,400件", "1,891件"],
        }
    )
    average = i18n.format_value(3130.333, METRIC, lang)
    fig = charts.district_bar(
        frame,
        title=NAMES[lang],
        caption=caption(lang),
        subtitle=t("overview.bar_subtitle", lang, unit=i18n.metric_unit(METRIC, lang)),
        reference=3130.333,
        reference_label=f"{t('chart.average', lang)} {average}",
    )
    return fig, [NAMES[lang], f"{t('chart.average', lang)} {average}"]


def overview_trend(lang: Lang) -> tuple[go.Figure, list[str]]:
    """The overview's months, this year against last."""
    this_year = pd.DataFrame({"month_no": [1, 2, 3], "value": [210.0, 180.0, 305.0], "value_text": ["a", "b", "c"]})
    last_year = pd.DataFrame(
        {"month_no": list(range(1, 13)), "value": [200.0] * 12, "value_text": [""] * 12},
    )
    trend_period = t("overview.trend_period", lang, period=PERIOD[lang], last=2025)
    fig = charts.monthly_trend(
        this_year,
        last_year,
        month_labels=[i18n.month_label(m, lang) for m in range(1, 13)],
        this_name=t("chart.this_year", lang, year=2026),
        last_name=t("chart.this_year", lang, year=2025),
        title=NAMES[lang],
        caption=charts.Caption(SCOPE[lang], trend_period, DATA_DATE, lang),
        subtitle=t("overview.trend_subtitle", lang, unit=i18n.metric_unit(METRIC, lang)),
    )
    return fig, [NAMES[lang], trend_period, i18n.month_label(11, lang), t("chart.this_year", lang, year=2025)]


def district_rows() -> pd.DataFrame:
    """Rows of queries.district_year for the sixteen districts."""
    codes = [feature["id"] for feature in district_map.boundaries()["features"]]
    return pd.DataFrame(
        {
            "district_code": codes,
            "actual": [100.0 + 7 * i for i in range(16)],
            "target": [200.0] * 16,
            "completion_rate": [(100.0 + 7 * i) / 200 for i in range(16)],
            "time_progress": [0.89] * 16,
            "completion_benchmark": [0.89] * 16,
            "status": ["red"] * 9 + ["amber"] * 3 + ["green"] * 4,
            "rank": list(range(16, 0, -1)),
        }
    )


def overview_map(lang: Lang) -> tuple[go.Figure, list[str]]:
    """The overview's map: names on the large districts, the colour ramp's
    per cents and the boundaries' credit under it."""
    fig = district_map.overview_map(district_rows(), METRIC, name=NAMES[lang], caption=caption(lang), lang=lang)
    names = ["崇明", "浦东"] if lang == "zh" else ["Chongming", "Pudong"]
    return fig, [NAMES[lang], *names, "50%", "89%", "128%", t("overview.map_credit", lang)]


CHARTS: dict[str, Callable[[Lang], tuple[go.Figure, list[str]]]] = {
    "subject": subject_chart,
    "overview-bar": overview_bar,
    "overview-trend": overview_trend,
    "map": overview_map,
}


def squeeze(text: str) -> str:
    """Text with its runs of white space made one space: pdftotext breaks
    lines where the chart does."""
    return " ".join(text.split())


def pdf_text(pdf: bytes, folder: Path) -> str:
    path = folder / "chart.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return done.stdout.decode("utf-8")


def pdf_fonts(pdf: bytes, folder: Path) -> list[list[str]]:
    """pdffonts' rows: name, type words…, encoding, emb, sub, uni, object, generation."""
    path = folder / "fonts.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return [line.split() for line in done.stdout.splitlines()[2:] if line.strip()]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("chart", list(CHARTS))
def test_a_chart_pdf_says_what_where_when_and_the_data_date_in_real_text(
    chart: str, lang: Lang, tmp_path: Path
) -> None:
    fig, shown = CHARTS[chart](lang)
    pdf = export.figure_image(fig, "pdf", width=1200, height=int(fig.layout.height or 450))
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert not RADICALS.search(text), sorted(set(RADICALS.findall(text)))
    flat = squeeze(text)
    for expected in [SCOPE[lang], PERIOD[lang], DATA_DATE_TEXT[lang], *shown]:
        assert squeeze(expected) in flat, (expected, flat)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("chart", ["subject", "map"])
def test_a_chart_pdf_embeds_every_font_and_none_is_type_3(chart: str, lang: Lang, tmp_path: Path) -> None:
    fig, _shown = CHARTS[chart](lang)
    fonts = pdf_fonts(export.figure_image(fig, "pdf", width=1200), tmp_path)
    assert fonts, "no fonts: the text was drawn as shapes"
    assert all("3" not in row[1:-6] for row in fonts), fonts  # the type words: "Type 3"
    assert all(row[-5] == "yes" for row in fonts), fonts  # emb
    assert all(row[-3] == "yes" for row in fonts), fonts  # uni: each glyph maps to its character
    assert any("CJK" in row[0] for row in fonts), fonts


def test_a_chart_pdf_page_is_the_charts_size(tmp_path: Path) -> None:
    fig, _shown = subject_chart("zh")
    path = tmp_path / "size.pdf"
    path.write_bytes(export.figure_image(fig, "pdf", width=1200, height=400))
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    # 1200 x 400 CSS pixels at 96 to the inch are 900 x 300 points.
    assert re.search(r"Page size:\s+900 x 300 pts", info), info
    assert re.search(r"Pages:\s+1\b", info), info


def test_the_map_png_holds_the_whole_credit_line() -> None:
    """Under the map, its credit's ink, with blank rows under it before the
    image's edge: nothing of it is cut off."""
    fig, _shown = overview_map("zh")
    png = export.figure_image(fig, "png", width=1200, height=520, scale=1)
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    band = image.crop((0, height - district_map.CREDIT_ROOM, width // 3, height))
    ink_rows = [y for y in range(band.height) if min(band.getpixel((x, y)) for x in range(band.width)) < 160]
    assert ink_rows, "no credit under the map"
    assert band.height - 1 - max(ink_rows) >= 3, "the credit's line touches the image's edge"
