"""Every figure traced to its rows and files (issue 20, item 3): each record
of the three record lists names the file, sheet and row it was loaded from
and when; that row of the archived original (read with openpyxl or the csv
module, not with our readers) holds the record; a steward downloads the
original, a district user only its own district's; and the Definitions page
lists each KPI's dbt models and tests from dbt's own manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import gateway, queries, record_sources, subjects, tables
from kernel.home import REPO, Home
from tests.dashboards.conftest import signed_in
from trust import store

START, END = date(2025, 1, 1), date(2026, 10, 31)
YANGPU, MINHANG = "310110", "310112"
LINEAGE = ["load_id", "file_name", "sheet", "source_row", "loaded_at"]


def _records(home: Path) -> dict[str, pd.DataFrame]:
    return {
        "legal_aid": queries.legal_aid_records(YANGPU, None, START, END, all_streets=True, limit=50, home=home),
        "wages": queries.wage_records(YANGPU, None, START, END, all_streets=True, limit=50, home=home),
        "certifications": queries.certification_records(
            YANGPU, None, date(2026, 10, 31), all_streets=True, limit=50, home=home
        ),
    }


def _row_of_original(home: Path, load_id: str, sheet: str | None, row: int) -> list[str]:
    """The cells of one row of the archived original, as a person sees them."""
    source = queries.record_source(load_id, home)
    content = gateway.archived_file(Home(home), str(source["archive_path"].iloc[0]))
    assert content is not None
    assert hashlib.sha256(content).hexdigest() == source["sha256"].iloc[0]
    if str(source["file_name"].iloc[0]).lower().endswith(".csv"):
        text = content.decode("utf-8-sig", errors="replace")
        lines = text.splitlines()
        return next(csv.reader([lines[row - 1]]))
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    cells = next(book[sheet].iter_rows(min_row=row, max_row=row, values_only=True))
    return ["" if cell is None else str(cell) for cell in cells]


def test_every_record_names_its_file_sheet_row_and_load_time(warehouse_home: Path) -> None:
    for subject, frame in _records(warehouse_home).items():
        assert not frame.empty, subject
        assert set(LINEAGE) <= set(frame.columns), subject
        assert frame["file_name"].notna().all() and frame["source_row"].notna().all(), subject
        assert frame["loaded_at"].notna().all(), subject
        assert (frame["source_row"] >= 2).all(), subject  # below a header at least


@pytest.mark.parametrize(
    ("subject", "key"), [("legal_aid", "case_id"), ("wages", "record_id"), ("certifications", "enterprise_uscc")]
)
def test_the_named_row_of_the_archived_original_holds_the_record(warehouse_home: Path, subject: str, key: str) -> None:
    frame = _records(warehouse_home)[subject]
    for record in frame.head(5).itertuples():
        sheet = record.sheet if isinstance(record.sheet, str) else None
        cells = _row_of_original(warehouse_home, record.load_id, sheet, int(record.source_row))
        assert getattr(record, key) in cells, (subject, record.file_name, record.source_row, cells)


def test_the_lists_show_the_lineage_columns(warehouse_home: Path) -> None:
    for fields in (
        subjects.LEGAL_AID_RECORD_FIELDS,
        subjects.WAGE_RECORD_FIELDS,
        subjects.CERTIFICATION_RECORD_FIELDS,
    ):
        assert [f.key for f in fields][-4:] == ["file_name", "sheet", "source_row", "loaded_at"]
    shown = subjects.records_for_display(_records(warehouse_home)["legal_aid"], "en")
    assert shown["loaded_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert shown["source_row"].str.fullmatch(r"\d+").all()


def test_a_district_user_gets_no_archived_original(warehouse_home: Path) -> None:
    """Not even of a load of its own district's rows: the archived file is
    the whole file as sent, and may hold other districts' sheets or
    quarantined rows (a review downloaded 徐汇's rows as 闵行 that way)."""
    yangpu_load = _records(warehouse_home)["legal_aid"]["load_id"].iloc[0]
    assert not queries.record_source(yangpu_load, warehouse_home).empty  # a steward: any
    own = queries.legal_aid_records(MINHANG, None, START, END, all_streets=True, limit=1, home=warehouse_home)
    assert not queries.record_source(own["load_id"].iloc[0], warehouse_home).empty
    token = queries.SCOPE.set(MINHANG)
    try:
        assert queries.record_source(yangpu_load, warehouse_home).empty
        assert queries.record_source(own["load_id"].iloc[0], warehouse_home).empty
    finally:
        queries.SCOPE.reset(token)
    users = [store.User("s", "steward", None), store.User("d", "district", MINHANG), store.User("l", "leader", None)]
    assert [record_sources.may_download(user) for user in users] == [True, False, False]


def test_the_gateway_reads_nothing_outside_the_archive(warehouse_home: Path) -> None:
    home = Home(warehouse_home)
    assert gateway.archived_file(home, str(warehouse_home / "warehouse.duckdb")) is None
    assert gateway.archived_file(home, "../../etc/passwd") is None
    assert gateway.archived_file(home, "..") is None


def test_each_kpi_names_its_models_and_tests_as_dbt_s_manifest_has_them(warehouse_home: Path) -> None:
    lineage = queries.kpi_lineage(warehouse_home)
    definitions = queries.definitions(warehouse_home)
    assert set(lineage["metric"]) == set(definitions["metric"])
    manifest = json.loads((Home(warehouse_home).dbt_target / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    for row in lineage.itertuples():
        unique_id = f"model.unionkpi.{row.model_name}"
        assert row.docs_anchor == f"#!/model/{unique_id}"
        tests = sorted(
            node["name"]
            for node in nodes.values()
            if node["resource_type"] == "test" and unique_id in node["depends_on"]["nodes"]
        )
        assert row.data_tests == ", ".join(tests), row.model_name
        parents = sorted(parent.split(".")[-1] for parent in nodes[unique_id]["depends_on"]["nodes"])
        assert row.parent_models == ", ".join(parents), row.model_name
    # every KPI is made in kpi_year_to_date, the one place the rules apply
    made = lineage[lineage["model_name"] == "kpi_year_to_date"]
    assert set(made["metric"]) == set(definitions["metric"])
    assert all(made["data_tests"].str.len() > 0)
    shown = tables.lineage(lineage, ["mediation_rate"], definitions, "en")
    assert shown["metric"].unique().tolist() == ["Mediation success rate (mediation_rate)"]


def test_a_model_of_rows_per_metric_is_named_only_for_the_metrics_it_holds(warehouse_home: Path) -> None:
    """The lineage names a model for a metric only when the model holds it:
    kpi_district_month_compared has no ratio (a ratio is never read off one
    month), so the mediation rate's lineage must not send a reader there.
    (kpi_year_end_projection holds a metric once it has a target.)"""
    import duckdb

    lineage = queries.kpi_lineage(warehouse_home)
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        for model in ("kpi_district_month_compared", "kpi_year_to_date", "kpi_district_year", "kpi_city_year"):
            held = {metric for (metric,) in con.execute(f"select distinct metric from marts.{model}").fetchall()}
            named = set(lineage.loc[lineage["model_name"] == model, "metric"])
            assert named == held, model
    compared = set(lineage.loc[lineage["model_name"] == "kpi_district_month_compared", "metric"])
    assert "mediation_rate" not in compared and "legal_aid_cases" in compared
    # a ratio is named where both its parts are, as the pages divide it there
    assert "certification_pass_rate" in set(
        lineage.loc[lineage["model_name"] == "kpi_certification_campaign", "metric"]
    )
    assert {"mediation_rate", "legal_aid_cases"} <= set(
        lineage.loc[lineage["model_name"] == "kpi_legal_aid_day", "metric"]
    )
    assert "certification_pass_rate" not in set(lineage.loc[lineage["model_name"] == "kpi_city_month", "metric"])


def test_the_overview_s_last_month_counted_is_the_mart_s(warehouse_home: Path) -> None:
    data_date = queries.meta(warehouse_home).data_date
    this_year = queries.city_year(data_date.year, warehouse_home)
    last_year = queries.city_year(data_date.year - 1, warehouse_home)
    assert set(this_year["through_month"]) == {data_date.month}
    assert set(last_year["through_month"]) == {12}


def test_city_months_are_read_portably(warehouse_home: Path) -> None:
    source = Path(queries.__file__).read_text(encoding="utf-8")
    assert "* replace" not in source  # DuckDB's own select * replace (...)
    frame = queries.city_months(2026, warehouse_home)
    assert set(frame["year"]) == {2025, 2026}
    assert frame["legal_aid_recovered_yuan"].dtype == "float64"
    assert frame["wages_recovered_yuan"].dtype == "float64"


@pytest.mark.parametrize("district", [None, YANGPU])
def test_the_subject_pages_year_to_date_equals_the_marts(warehouse_home: Path, district: str | None) -> None:
    """Where a subject page's card and a mart hold the same figure (the year
    to date of the city or of one district), they agree; the mediation rate
    to the mart's four decimal places."""
    data_date = queries.meta(warehouse_home).data_date
    start, districts = date(data_date.year, 1, 1), (district,) if district else ()
    if district:
        marts = queries.district_year(data_date.year, "legal_aid_cases", warehouse_home)
        mart = {
            metric: queries.district_year(data_date.year, metric, warehouse_home)
            .set_index("district_code")
            .loc[district, "actual"]
            for metric in (
                "legal_aid_cases",
                "legal_aid_recovered_yuan",
                "mediation_rate",
                "wage_cases",
                "certification_pass_rate",
            )
        }
        assert not marts.empty
    else:
        mart = queries.city_year(data_date.year, warehouse_home).set_index("metric")["actual"].to_dict()
    legal_aid = queries.legal_aid_breakdown(None, start, data_date, districts, warehouse_home).iloc[0]
    wages = queries.wage_breakdown(None, start, data_date, districts, warehouse_home).iloc[0]
    assert legal_aid["cases"] == mart["legal_aid_cases"]
    assert legal_aid["recovered_yuan"] == pytest.approx(mart["legal_aid_recovered_yuan"])
    assert round(legal_aid["mediation_rate"], 4) == pytest.approx(mart["mediation_rate"])
    assert wages["cases"] == mart["wage_cases"]
    # the certifications page's pass rate is the KPI of the campaign year
    campaign = queries.certification_status(None, data_date.year, districts, warehouse_home).iloc[0]
    assert 0 < mart["certification_pass_rate"] <= 1
    assert round(campaign["certification_pass_rate"], 4) == pytest.approx(mart["certification_pass_rate"])


def test_the_definitions_page_shows_each_model_s_sql_as_the_project_has_it(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    """A figure's definition, its models and tests, and the SQL itself, on
    one page: the SQL shown is the project file's."""
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = signed_in(AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=90), warehouse_home)
    app.switch_page("app_pages/definitions.py").run()
    assert not app.exception
    models = app.selectbox(key="definitions_sql_model")
    assert "kpi_year_to_date" in models.options and "kpi_district_month" in models.options
    models.set_value("kpi_district_month").run()
    (code,) = app.code
    written = (REPO / "dbt" / "models" / "marts" / "kpi" / "kpi_district_month.sql").read_text(encoding="utf-8")
    assert code.value == written.rstrip("\n")  # dbt keeps no final newline
    assert "dbt/models/marts/kpi/kpi_district_month.sql" in " ".join(c.value for c in app.caption)
    # the status rule, with the amber band the published warehouse was built
    # with (dbt's status_amber_band, in marts.warehouse_meta)
    rules = " ".join(block.value for block in app.markdown)
    assert "落后不超过10个百分点为“略低于进度”" in rules and "比率（及平均值、时点数）的为目标本身" in rules
    sources = gateway.model_sources(Home(warehouse_home))
    assert set(models.options) <= set(sources) and len(sources) >= 30
    # the docs site with the lineage graph the anchors point into, on this
    # page (the data page is for stewards only)
    (docs,) = [button for button in app.get("download_button") if button.proto.label == "下载 dbt 文档（数据血缘）"]
    assert Home(warehouse_home).dbt_docs_site.exists()
    # each model's row links to its page in the docs the server serves
    # (tests/trust/test_cookie_session.py opens one in Chromium)
    (lineage,) = [frame.value for frame in app.dataframe if "文档位置" in frame.value.columns]
    assert set(lineage["文档位置"]) == {f"/dbt-docs#!/model/model.unionkpi.{model}" for model in lineage["模型"]}


def test_a_reader_who_may_not_export_is_not_sent_to_docs_they_cannot_open(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    """A leader (the one role that may not export) reads the models and
    their SQL, but gets no download button, no docs column and no text
    telling them to download."""
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=90)
    app = signed_in(app, warehouse_home, ("test-leader", "leader-password-1"), role="leader")
    app.switch_page("app_pages/definitions.py").run()
    assert not app.exception
    assert not app.get("download_button")
    words = " ".join(c.value for c in app.caption) + " ".join(m.value for m in app.markdown)
    assert "下载" not in words and "按钮" not in words
    assert "dbt 文档向可导出数据的用户开放" in words
    (lineage,) = [frame.value for frame in app.dataframe if "模型" in frame.value.columns]
    assert "文档位置" not in lineage.columns and "kpi_year_to_date" in set(lineage["模型"])
    assert app.selectbox(key="definitions_sql_model").options
