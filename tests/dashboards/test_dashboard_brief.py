"""The monthly brief (dashboards/brief.py): its KPI table against SQL on the
fixture warehouse, and the one-page PDF with the CJK font embedded."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import brief, export, i18n, queries, tables
from tests.dashboards.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
YEAR, MONTH = 2026, 9


@pytest.fixture(scope="module")
def inputs(warehouse_home: Path):
    figures = queries.year_to_date(YEAR, warehouse_home)
    districts = queries.districts(warehouse_home)
    names = tables.metric_names(queries.definitions(warehouse_home), "zh")
    return figures, districts, names


def test_kpi_table_is_year_to_date_through_the_month(inputs, warehouse_db: Path) -> None:
    figures, _districts, names = inputs
    table = brief.kpi_table(figures, area=None, year=YEAR, month=MONTH, names=names, lang="zh").set_index("metric")
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        cases, recovered, mediated, closed, this_month = con.execute(
            """
            select sum(legal_aid_cases), sum(legal_aid_recovered_yuan), sum(legal_aid_mediated),
                sum(legal_aid_closed), sum(legal_aid_cases) filter (where month = make_date(?, ?, 1))
            from marts.kpi_district_month where month between make_date(?, 1, 1) and make_date(?, ?, 1)
            """,
            [YEAR, MONTH, YEAR, YEAR, MONTH],
        ).fetchone()
        (last_year,) = con.execute(
            "select sum(legal_aid_cases) from marts.kpi_district_month"
            " where month between make_date(?, 1, 1) and make_date(?, ?, 1)",
            [YEAR - 1, YEAR - 1, MONTH],
        ).fetchone()
    row = table.loc["legal_aid_cases"]
    assert row["ytd"] == cases
    assert row["ytd_text"] == i18n.format_value(cases, "legal_aid_cases", "zh")
    assert row["month_text"] == i18n.format_value(this_month, "legal_aid_cases", "zh")
    assert row["last_text"] == i18n.format_value(last_year, "legal_aid_cases", "zh")
    assert row["yoy_text"] == i18n.format_change((cases - last_year) / last_year, "legal_aid_cases", "zh")
    assert table.loc["legal_aid_recovered_yuan", "ytd"] == pytest.approx(float(recovered))
    assert table.loc["mediation_rate", "ytd"] == pytest.approx(mediated / closed, abs=5e-5)  # to 4 places
    assert list(table.index) == [
        "legal_aid_cases",
        "legal_aid_recovered_yuan",
        "mediation_rate",
        "wage_cases",
        "wages_recovered_yuan",
        "certified_enterprises",
    ]


def test_brief_figure_has_the_table_and_both_charts(inputs) -> None:
    figures, districts, names = inputs
    fig = brief.brief_figure(
        figures,
        districts,
        area=None,
        year=YEAR,
        month=MONTH,
        metric="wages_recovered_yuan",
        names=names,
        data_date_text="2026年10月31日",
        lang="zh",
        made=datetime(2026, 11, 22, 9, 0),
    )
    kinds = [trace.type for trace in fig.data]
    assert kinds == ["table", "bar", "scatter", "scatter"]
    assert len(fig.data[1].x) == 16  # every district, the unknown member left out
    assert list(fig.data[3].x)[-1] == "9月"  # this year stops at the brief's month
    assert "2026年9月" in fig.layout.title.text
    assert fig.layout.title.subtitle.text.startswith("全市 · ")


def test_a_districts_brief_names_its_district(inputs) -> None:
    figures, districts, names = inputs
    fig = brief.brief_figure(
        figures,
        districts,
        area="310112",
        year=YEAR,
        month=MONTH,
        metric="legal_aid_cases",
        names=names,
        data_date_text="2026年10月31日",
        lang="zh",
        made=datetime(2026, 11, 22, 9, 0),
    )
    assert fig.layout.title.subtitle.text.startswith("闵行区 · ")
    assert list(fig.data[3].y)[-1] == pytest.approx(
        figures[
            (figures["district_code"] == "310112")
            & (figures["year"] == YEAR)
            & (figures["through_month"] == MONTH)
            & (figures["metric"] == "legal_aid_cases")
        ]["month_value"].iloc[0]
    )  # the trend is the district's own
    assert (fig.layout.width, fig.layout.height) == (brief.PAGE_WIDTH, brief.PAGE_HEIGHT)


@pytest.mark.skipif(not shutil.which("chromium"), reason="PDF export needs Chromium")
def test_brief_pdf_is_one_page_with_the_cjk_font(inputs) -> None:
    figures, districts, names = inputs
    fig = brief.brief_figure(
        figures,
        districts,
        area=None,
        year=YEAR,
        month=MONTH,
        metric="legal_aid_cases",
        names=names,
        data_date_text="2026年10月31日",
        lang="zh",
        made=datetime(2026, 11, 22, 9, 0),
    )
    pdf = export.figure_image(fig, "pdf", width=brief.PAGE_WIDTH, height=brief.PAGE_HEIGHT)
    assert pdf.startswith(b"%PDF-")
    # One page: the page tree counts one, and one page object exists.
    assert re.findall(rb"/Count\s+(\d+)", pdf) == [b"1"]
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    assert b"/FontDescriptor" in pdf and (b"Noto Sans CJK" in pdf or b"WenQuanYi" in pdf)


def test_overview_offers_the_brief_and_chart_exports(monkeypatch, warehouse_home: Path) -> None:
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), warehouse_home).run()
    assert not app.exception
    buttons = {button.proto.label for button in app.get("download_button")}
    assert {"生成 PDF 简报", "PNG", "SVG", "PDF", "Excel", "CSV"} <= buttons
    brief_month = app.selectbox(key="brief_month")
    assert brief_month.value == queries.meta(warehouse_home).data_date.month
