"""The monthly brief (dashboards/brief.py, `unionkpi brief`): the PDF opened
with poppler's clients (pdftotext, pdffonts, pdfinfo), its figures against
the overview's cards and the marts, a district's brief against its own
targets and rank, and the command line against the same function."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import brief, cards, i18n, metrics, queries, tables
from kernel.errors import UnionKpiError
from kernel.home import Home
from tests.conftest import run_cli
from tests.dashboards.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
MINHANG = "310112"
# The Kangxi radicals and the CJK radicals supplement: what a broken text
# layer gives for 工 and 月 (⼯ U+2F2F, ⽉ U+2F49).
RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
MADE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")  # the making time, in every brief

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("chromium")),
    reason="needs poppler's pdftotext and Chromium (the charts' export)",
)


def pdf_text(pdf: bytes, *layout: str) -> str:
    done = subprocess.run(["pdftotext", *layout, "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Text with every run of white space as one space: a name that wraps
    in its table cell reads as one."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def briefs(warehouse_home: Path) -> dict[tuple[str, str | None], brief.Brief]:
    """The city's brief in both languages and Minhang's in Chinese, at the
    latest data month, made once for the module."""
    home = Home(warehouse_home)
    return {
        ("zh", None): brief.write_brief(home),
        ("en", None): brief.write_brief(home, lang="en"),
        ("zh", MINHANG): brief.write_brief(home, district=MINHANG),
    }


def overview_cards(warehouse_home: Path, lang: i18n.Lang) -> list[tuple[cards.KpiCard, list[str]]]:
    """The overview's cards as the page builds them (overview.card_grid),
    each with the texts a brief must show as the card does: name, value,
    target, completion, time progress and the year-end projection."""
    year = queries.meta(warehouse_home).data_date.year
    city = queries.city_year(year, warehouse_home).set_index("metric")
    names = tables.metric_names(queries.definitions(warehouse_home), lang)
    found = []
    for metric in metrics.OVERVIEW_METRICS:
        row = city.loc[metric].to_dict()
        card = cards.build_card(metric, row, name=names[metric], help_text=None, lang=lang)
        shown = [card.name, card.value_text]
        if card.target_text:
            shown += [card.target_text, i18n.format_rate(card.completion)]
            projected = i18n.format_value(row["projected_year_end"], metric, lang)
            assert projected in card.projection_text  # the card's own text
            shown.append(projected)
        if i18n.metric_kind(metric) != "rate":
            time_progress = i18n.format_rate(row["time_progress"])
            assert time_progress in card.benchmark_text
            shown.append(time_progress)
        found.append((card, shown))
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_headline_figure_reads_as_the_overview_shows_it(briefs, warehouse_home: Path, lang) -> None:
    made = briefs[(lang, None)]
    text = pdf_text(made.pdf)
    for card, shown in overview_cards(warehouse_home, lang):
        for figure in shown:
            assert figure in flat(text), (card.metric, figure)
    assert made.month == f"{queries.meta(warehouse_home).data_date:%Y-%m}"
    assert not RADICALS.search(text)


def test_the_chinese_text_layer_is_real_text(briefs) -> None:
    text = pdf_text(briefs[("zh", None)].pdf)
    assert "工会" in text and "2026" in text and "数据截至" in text and "口径" in text
    assert re.search(r"\d{1,3}(,\d{3})*件", text)  # digits kept, no space before the unit
    assert not RADICALS.search(text)


def test_the_english_brief_has_every_row(briefs, warehouse_home: Path) -> None:
    text = flat(pdf_text(briefs[("en", None)].pdf))
    for _key, group in brief.SUBJECTS:
        for metric in group:
            assert i18n.metric_name(metric, "en") in text, metric
    assert "Enterprises certified" in text and "Wages recovered" in text
    for heading in ("Headline figures", "Notable changes", "District ranking", "Month by month", "Definitions"):
        assert heading in text
    for name in queries.districts(warehouse_home)["district_name_en"]:
        assert name in text, name  # every district in the ranking, none clipped
    # No Chinese in the English brief but the stored terms the seed's English
    # definitions quote in brackets, such as "(调解成功)".
    assert not re.search("[\u4e00-\u9fff]", re.sub(r"\([^)]*\)", "", text))


@pytest.mark.parametrize("which", [("zh", None), ("en", None), ("zh", MINHANG)])
def test_fonts_are_embedded_and_it_has_several_pages(briefs, which, tmp_path: Path) -> None:
    path = tmp_path / "brief.pdf"
    path.write_bytes(briefs[which].pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    assert not any("Type 3" in row for row in rows), fonts
    assert all(row.split()[-5] == "yes" for row in rows), fonts  # the emb column
    assert all(row.split()[-3] == "yes" for row in rows), fonts  # a ToUnicode map
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages > 1


def test_a_districts_brief_is_about_its_district(briefs, warehouse_db: Path) -> None:
    made = briefs[("zh", MINHANG)]
    text = pdf_text(made.pdf)
    assert "闵行区" in text.splitlines()[0] + text.splitlines()[1]  # under the title
    assert made.file_name.endswith("_闵行区.pdf")
    flat_text = flat(text)
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        rows = con.execute(
            """
            select y.metric, y.actual, y.target, y.completion_rate, y.rank, c.completion_rate
            from marts.kpi_district_year as y
            inner join marts.kpi_city_year as c using (year, metric)
            where y.district_code = ? and y.year = (select year(data_date) from marts.warehouse_meta)
            """,
            [MINHANG],
        ).fetchall()
    seen = {metric: rest for metric, *rest in rows}
    ranked = 16
    for metric in metrics.OVERVIEW_METRICS:
        actual, target, completion, rank, city_completion = seen[metric]
        assert i18n.format_value(actual, metric, "zh") in flat_text, metric
        if target:
            # its own target and completion, not the city's
            assert i18n.format_value(target, metric, "zh") in flat_text, metric
            assert i18n.format_rate(completion) in flat_text, metric
            assert completion != pytest.approx(city_completion)
        assert f"第{rank}名/{ranked}个区" in flat_text, metric
    assert "全市 · " not in flat_text


def test_a_district_users_scope_makes_its_districts_brief(warehouse_home: Path) -> None:
    """The overview's button calls write_brief without a district: a district
    user's scope (queries.SCOPE, set by the app) makes it that district's."""
    token = queries.SCOPE.set(MINHANG)
    try:
        made = brief.write_brief(Home(warehouse_home), lang="en")
        with pytest.raises(UnionKpiError, match="own district"):
            brief.write_brief(Home(warehouse_home), district="黄浦")
    finally:
        queries.SCOPE.reset(token)
    assert made.file_name.endswith("_Minhang.pdf")
    assert "Minhang" in pdf_text(made.pdf).splitlines()[1]
    assert queries.SCOPE.get() is None  # the brief leaves the scope as it found it


def test_the_summary_holds_the_headline_figures(briefs, warehouse_home: Path) -> None:
    summary = briefs[("en", None)].summary
    for card, _shown in overview_cards(warehouse_home, "en"):
        assert f"{card.name}: {card.value_text}" in summary


def test_an_earlier_month_and_the_errors(warehouse_home: Path, tmp_path: Path) -> None:
    home = Home(warehouse_home)
    earlier = brief.write_brief(home, month="2026-03", lang="en")
    assert earlier.month == "2026-03"
    assert "Mar_2026" in earlier.file_name
    text = flat(pdf_text(earlier.pdf))
    assert "Jan–Mar 2026" in text  # year to date through March
    with pytest.raises(brief.BriefUnavailable):
        brief.write_brief(home, month="2030-01")
    with pytest.raises(queries.WarehouseUnavailable):
        brief.write_brief(Home(tmp_path))
    with pytest.raises(UnionKpiError, match="unknown district"):
        brief.write_brief(home, district="Atlantis")
    with pytest.raises(UnionKpiError, match="YYYY-MM"):
        brief.write_brief(home, month="2026-13")


def test_text_of_the_data_is_never_typst_markup(warehouse_home: Path) -> None:
    """A name that reads like Typst markup (code, emphasis, maths, a label,
    a reference) is printed as itself: the data reach the template as JSON."""
    hostile = '#read("/etc/passwd") *bold* _x_ $a^2$ <label> @ref \\ ] } // not a comment'
    figures = queries.brief_year_to_date(2026, warehouse_home)
    document = brief.brief_document(
        figures,
        queries.districts(warehouse_home),
        queries.definitions(warehouse_home),
        area=None,
        year=2026,
        month=9,
        data_date=queries.meta(warehouse_home).data_date,
        lang="en",
        made=datetime(2026, 11, 22, 9, 0),
    )
    document = {**document, "scope": hostile, "title": hostile}
    blank = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    names = ["progress.svg", "trend.svg", *(f"{key}.svg" for key, _group in brief.SUBJECTS)]
    text = pdf_text(brief.render_pdf(document, dict.fromkeys(names, blank)))
    assert hostile in text
    assert "root:" not in text


# --- the command line -------------------------------------------------------


def test_the_command_writes_the_same_brief(warehouse_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "minhang.pdf"
    run_cli(warehouse_home, "brief", "--district", "闵行", "--lang", "en", "--out", str(out))
    made = brief.write_brief(Home(warehouse_home), lang="en", district=MINHANG)
    assert MADE.sub("", pdf_text(out.read_bytes())) == MADE.sub("", pdf_text(made.pdf))


def test_the_command_names_the_file_itself(warehouse_home: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [*run_cli_prefix(warehouse_home), "brief", "--month", "2026-09"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = list(tmp_path.glob("*.pdf"))
    assert [path.name for path in written] == [brief.file_name(2026, 9, "全市", "zh")]
    assert "2026年9月" in pdf_text(written[0].read_bytes())


def run_cli_prefix(home: Path) -> list[str]:
    import sys

    return [sys.executable, "-m", "unionkpi", "--home", str(home)]


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("--month", "2026-12"), 1),  # after the data date
        (("--month", "2026-13"), 2),
        (("--lang", "fr"), 2),
        (("--district", "Atlantis"), 2),
    ],
)
def test_the_commands_exit_status(warehouse_home: Path, tmp_path: Path, args, status) -> None:
    done = run_cli(warehouse_home, "brief", *args, "--out", str(tmp_path / "b.pdf"), check=False)
    assert done.returncode == status, done.stderr
    assert not (tmp_path / "b.pdf").exists()


@pytest.mark.parametrize("out", ["no_such_folder/b.pdf", "."])
def test_an_output_path_that_cannot_be_written_is_a_usage_error(warehouse_home: Path, tmp_path: Path, out) -> None:
    """Told before the brief is made, in both languages, with no traceback."""
    done = run_cli(warehouse_home, "brief", "--out", str(tmp_path / out), check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "existing folder" in done.stderr


def test_the_command_on_an_empty_home(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "brief", "--out", str(tmp_path / "b.pdf"), check=False)
    assert done.returncode == 1, done.stderr
    assert "unionkpi build" in done.stderr


# --- the page -----------------------------------------------------------------


def test_overview_offers_the_brief_and_chart_exports(monkeypatch, warehouse_home: Path) -> None:
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), warehouse_home).run()
    assert not app.exception
    buttons = {button.proto.label for button in app.get("download_button")}
    assert {"生成 PDF 简报", "PNG", "SVG", "PDF", "Excel", "CSV"} <= buttons
    brief_month = app.selectbox(key="brief_month")
    assert brief_month.value == queries.meta(warehouse_home).data_date.month
