"""The subject pages (法律援助, 追讨欠薪, 和谐企业创建) run with Streamlit's
AppTest: they render, show the warehouse's figures (checked against SQL
here), and the period and district filters change them and are written to
the URL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import i18n, queries
from tests.dashboards.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
YANGPU, MINHANG = "310110", "310112"
PAGES = {
    "legal_aid": "app_pages/legal_aid.py",
    "wages": "app_pages/wages.py",
    "certifications": "app_pages/certifications.py",
}


def _open(monkeypatch: pytest.MonkeyPatch, home: Path, page: str, **query: str) -> AppTest:
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), home)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(PAGES[page]).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.fixture(scope="module")
def sql(warehouse_db: Path):
    con = duckdb.connect(str(warehouse_db), read_only=True)

    def run(query: str, *params: object):
        return con.execute(query, list(params)).fetchone()

    yield run
    con.close()


@pytest.fixture(scope="module")
def data_date(sql) -> date:
    return sql("select data_date from marts.warehouse_meta")[0]


def _cases(sql, start: date, end: date, *districts: str) -> int:
    where = " and district_code in (select unnest(?::varchar[]))" if districts else ""
    params = [start, end, list(districts)] if districts else [start, end]
    return sql(f"select count(*) from marts.fct_legal_aid_cases where received_date between ? and ?{where}", *params)[0]


def test_legal_aid_shows_the_year_to_date(monkeypatch, warehouse_home: Path, sql, data_date: date) -> None:
    app = _open(monkeypatch, warehouse_home, "legal_aid")
    assert app.title[0].value == "法律援助"
    start = date(data_date.year, 1, 1)
    cases = _cases(sql, start, data_date)
    assert _metric(app, "案件数") == i18n.format_number(cases, "cases", "zh")
    (collective,) = sql(
        "select count(*) from marts.fct_legal_aid_cases where received_date between ? and ? and workers >= 10",
        start,
        data_date,
    )
    assert _metric(app, "群体性案件") == i18n.format_number(collective, "cases", "zh")
    mediated, closed = sql(
        "select count(*) filter (where outcome = '调解成功'), count(*) filter (where outcome <> '办理中')"
        " from marts.fct_legal_aid_cases where received_date between ? and ?",
        start,
        data_date,
    )
    assert _metric(app, "调解成功率") == i18n.format_rate(mediated / closed)
    # The help (口径) is on the first card; charts and tables are exportable.
    assert app.metric[0].help
    labels = [button.proto.label for button in app.get("download_button")]
    assert {"PNG", "SVG", "PDF", "Excel", "CSV"} <= set(labels)
    # The breakdown table lists every district with cases this year.
    (with_cases,) = sql(
        "select count(distinct district_code) from marts.fct_legal_aid_cases where received_date between ? and ?",
        start,
        data_date,
    )
    assert len(app.dataframe[0].value) == with_cases


def test_the_district_filter_changes_the_figures(monkeypatch, warehouse_home: Path, sql, data_date: date) -> None:
    app = _open(monkeypatch, warehouse_home, "legal_aid")
    city = _metric(app, "案件数")
    app.multiselect(key="districts").set_value([YANGPU]).run()
    assert not app.exception
    start = date(data_date.year, 1, 1)
    yangpu = i18n.format_number(_cases(sql, start, data_date, YANGPU), "cases", "zh")
    assert _metric(app, "案件数") == yangpu != city
    assert app.query_params["districts"] == [YANGPU] or app.query_params["districts"] == YANGPU
    assert app.caption[0].value.startswith("杨浦区 · ")
    # The drill follows the filter: Yangpu's records, all of them.
    assert app.selectbox(key="drill").value == YANGPU
    assert len(app.dataframe[-1].value) == _cases(sql, start, data_date, YANGPU)


def test_a_link_reproduces_period_and_districts(monkeypatch, warehouse_home: Path, sql, data_date: date) -> None:
    app = _open(
        monkeypatch,
        warehouse_home,
        "legal_aid",
        period="quarter",
        quarter="2",
        districts=f"{MINHANG},{YANGPU}",
    )
    year = data_date.year
    cases = _cases(sql, date(year, 4, 1), date(year, 6, 30), MINHANG, YANGPU)
    assert _metric(app, "案件数") == i18n.format_number(cases, "cases", "zh")
    assert f"{year}年第2季度" in app.caption[0].value
    assert sorted(app.multiselect(key="districts").value) == [YANGPU, MINHANG]
    # Switching to one month rewrites the URL.
    app.selectbox(key="period").set_value("month").run()
    app.selectbox(key="month").set_value(3).run()
    assert not app.exception
    cases = _cases(sql, date(year, 3, 1), date(year, 3, 31), MINHANG, YANGPU)
    assert _metric(app, "案件数") == i18n.format_number(cases, "cases", "zh")
    params = {key: app.query_params[key] for key in app.query_params}
    flat = {key: value[0] if isinstance(value, list) else value for key, value in params.items()}
    assert flat["period"] == "month" and flat["month"] == "3" and "quarter" not in flat


def test_the_combined_jan_feb_and_a_custom_range(monkeypatch, warehouse_home: Path, sql, data_date: date) -> None:
    year = data_date.year
    app = _open(monkeypatch, warehouse_home, "legal_aid", period="jan_feb")
    assert _metric(app, "案件数") == i18n.format_number(
        _cases(sql, date(year, 1, 1), date(year, 2, 28 if year % 4 else 29)), "cases", "zh"
    )
    app = _open(
        monkeypatch, warehouse_home, "legal_aid", period="custom", **{"from": f"{year}-03-05", "to": f"{year}-05-20"}
    )
    assert _metric(app, "案件数") == i18n.format_number(_cases(sql, date(year, 3, 5), date(year, 5, 20)), "cases", "zh")
    assert f"{year}年3月5日至{year}年5月20日" in app.caption[0].value


def test_legal_aid_in_english(monkeypatch, warehouse_home: Path) -> None:
    app = _open(monkeypatch, warehouse_home, "legal_aid", lang="en")
    assert app.title[0].value == "Legal aid"
    assert [m.label for m in app.metric][:4] == ["Cases", "Workers", "Recovered for workers", "Mediation success rate"]
    app.selectbox(key="by").set_value("outcome").run()
    assert not app.exception
    assert "Mediated" in app.dataframe[0].value["label"].tolist()


def test_wages_page(monkeypatch, warehouse_home: Path, sql, data_date: date) -> None:
    app = _open(monkeypatch, warehouse_home, "wages")
    assert app.title[0].value == "追讨欠薪"
    start = date(data_date.year, 1, 1)
    cases, recovered, owed = sql(
        "select count(*), sum(amount_recovered_yuan), sum(amount_owed_yuan) from marts.fct_wage_recoveries"
        " where opened_date between ? and ?",
        start,
        data_date,
    )
    assert _metric(app, "案件数") == i18n.format_number(cases, "cases", "zh")
    assert _metric(app, "追回金额") == i18n.format_money(recovered, "zh")
    assert _metric(app, "欠薪追回率") == i18n.format_rate(float(recovered) / float(owed))
    app.multiselect(key="districts").set_value([MINHANG]).run()
    (minhang,) = sql(
        "select sum(amount_recovered_yuan) from marts.fct_wage_recoveries"
        " where opened_date between ? and ? and district_code = ?",
        start,
        data_date,
        MINHANG,
    )
    assert _metric(app, "追回金额") == i18n.format_money(minhang, "zh")
    app.selectbox(key="by").set_value("source").run()
    assert not app.exception
    assert set(app.dataframe[0].value["label"]) <= {"投诉举报", "专项检查", "突发事件处置", "工会协调"}
    # The case list carries the employer's credit code as text.
    assert app.dataframe[-1].value["employer_uscc"].str.len().eq(18).all()


def test_certifications_page(monkeypatch, warehouse_home: Path, sql, data_date: date) -> None:
    app = _open(monkeypatch, warehouse_home, "certifications")
    assert app.title[0].value == "和谐企业创建"
    year = data_date.year
    in_force_sql = (
        "select count(*) from marts.fct_certifications where status in ('达标', '撤销')"
        " and certified_date <= ? and valid_until >= ? and (revoked_date is null or revoked_date > ?)"
    )
    (in_force,) = sql(in_force_sql, data_date, data_date, data_date)
    (campaign,) = sql("select count(*) from marts.fct_certifications where campaign_year = ?", year)
    (certified,) = sql(
        "select count(*) from marts.fct_certifications where campaign_year = ? and status = '达标'", year
    )
    assert _metric(app, "有效达标企业") == i18n.format_number(in_force, "enterprises", "zh")
    assert _metric(app, "年度创建企业") == i18n.format_number(campaign, "enterprises", "zh")
    assert _metric(app, "达标企业") == i18n.format_number(certified, "enterprises", "zh")
    # In force on an earlier day, chosen on the page and kept in the URL.
    day = date(year, 3, 31)
    app.date_input(key="on").set_value(day).run()
    assert not app.exception
    (earlier,) = sql(in_force_sql, day, day, day)
    assert _metric(app, "有效达标企业") == i18n.format_number(earlier, "enterprises", "zh")
    assert app.query_params["on"] in (day.isoformat(), [day.isoformat()])
    # The district filter narrows every figure.
    app.multiselect(key="districts").set_value([YANGPU]).run()
    (yangpu,) = sql(in_force_sql + " and district_code = ?", day, day, day, YANGPU)
    assert _metric(app, "有效达标企业") == i18n.format_number(yangpu, "enterprises", "zh")


def test_no_warehouse_on_a_subject_page(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UNIONKPI_HOME", str(tmp_path))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), tmp_path).run()
    app.switch_page(PAGES["wages"]).run()
    assert not app.exception
    assert "尚未发布数据仓库" in app.info[0].value


def test_a_broken_link_falls_back_instead_of_failing(monkeypatch, warehouse_home: Path) -> None:
    app = _open(
        monkeypatch,
        warehouse_home,
        "certifications",
        period="custom",
        **{"from": "1999-01-01", "to": "2099-12-31", "on": "2099-01-01", "districts": "999999,310110", "month": "x"},
    )
    assert app.multiselect(key="districts").value == [YANGPU]
    data_date = queries.meta(warehouse_home).data_date
    assert app.date_input(key="on").value == data_date
    app = _open(monkeypatch, warehouse_home, "legal_aid", period="month", month="13", by="nonsense")
    assert app.selectbox(key="by").value == "district"
    assert app.selectbox(key="month").value == data_date.month
