"""District scope, enforced in the data-access layer: a district user
reaches no other district's rows through any query, URL parameter, filter,
drill-down or cache, but still sees city totals and its own rank."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data, queries
from tests.dashboards.conftest import ensure_user, signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
MINHANG, YANGPU = "310112", "310110"
INJECTIONS = ["310110' or '1'='1", "310110); drop table marts.kpi_district_month; --", "' union select * from x --"]


def own_case_ids(home) -> set[str]:
    with duckdb.connect(str(Path(home) / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select case_id from marts.fct_legal_aid_cases where district_code = ?", [MINHANG])
        return {r[0] for r in rows.fetchall()}


@pytest.fixture
def minhang_scope():
    token = queries.SCOPE.set(MINHANG)
    yield
    queries.SCOPE.reset(token)


def test_queries_return_only_the_users_district(warehouse_home, minhang_scope):
    start, end = date(2022, 1, 1), date(2026, 12, 31)
    for districts in ((), (YANGPU,), (YANGPU, MINHANG), tuple(INJECTIONS)):
        by_district = queries.legal_aid_breakdown("district", start, end, districts, warehouse_home)
        assert set(by_district["key"]) <= {MINHANG}
    for asked in (YANGPU, *INJECTIONS):  # a drill-down to another district
        cases = queries.legal_aid_records(asked, None, start, end, all_streets=True, home=warehouse_home)
        wages = queries.wage_records(asked, None, start, end, all_streets=True, home=warehouse_home)
        assert len(cases) and len(wages)
        assert set(cases["case_id"]) <= own_case_ids(warehouse_home)
    ranking = queries.district_year(2026, "legal_aid_cases", warehouse_home)
    assert list(ranking["district_code"]) == [MINHANG]
    assert int(ranking["rank"].iloc[0]) >= 1  # its own rank among all districts
    assert list(queries.districts(warehouse_home)["district_code"]) == [MINHANG]


def test_city_totals_stay_city_wide_for_a_district_user(warehouse_home, warehouse_db, minhang_scope):
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (city,) = con.execute(
            "select sum(actual) from marts.kpi_district_year where year = 2026 and metric = 'legal_aid_cases'"
        ).fetchone()
    frame = queries.city_year(2026, warehouse_home)
    row = frame[frame["metric"] == "legal_aid_cases"].iloc[0]
    assert float(row["actual"]) == float(city)


def test_cached_results_never_cross_scopes(warehouse_home, monkeypatch):
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    everyone = data.districts()  # a steward's view, now cached
    assert len(everyone) == 16
    token = queries.SCOPE.set(MINHANG)
    try:
        assert list(data.districts()["district_code"]) == [MINHANG]
    finally:
        queries.SCOPE.reset(token)


def test_a_district_user_asking_for_another_district_in_the_url_gets_their_own(
    monkeypatch, warehouse_home, warehouse_db
):
    credentials = ensure_user(warehouse_home, "minhang-test", "district", "minhang-pass-1", district="闵行")
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=60), warehouse_home, credentials)
    app.query_params["districts"] = YANGPU
    app.run()
    app.switch_page("app_pages/legal_aid.py").run()
    assert not app.exception
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (data_date,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
        own, yangpu = (
            con.execute(
                "select count(*) from marts.fct_legal_aid_cases where district_code = ? "
                "and received_date between make_date(?, 1, 1) and ?",
                [code, data_date.year, data_date],
            ).fetchone()[0]
            for code in (MINHANG, YANGPU)
        )
    shown = next(m.value for m in app.metric if m.label == "案件数")
    assert shown.replace(",", "").rstrip("件") == str(own) != str(yangpu)
    from kernel.home import Home
    from trust import store

    refusals = [e for e in store.read_audit(Home(warehouse_home)) if e["action"] == "scope_refused"]
    assert refusals and refusals[0]["username"] == "minhang-test" and YANGPU in refusals[0]["detail"]["asked"]


def test_signed_out_sessions_see_only_the_sign_in_form(monkeypatch, warehouse_home):
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    assert [b.proto.label for b in app.get("form_submit_button")] == ["登录"]
    assert not app.metric and not app.dataframe


def test_leaders_get_no_export_buttons_planners_do_and_exports_are_audited(monkeypatch, warehouse_home):
    from dashboards import downloads

    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    buttons = {}
    for role in ("leader", "planner"):
        credentials = ensure_user(warehouse_home, f"{role}-test", role, f"{role}-pass-1")
        app = signed_in(AppTest.from_file(str(APP), default_timeout=60), warehouse_home, credentials).run()
        assert not app.exception
        buttons[role] = len(app.get("download_button"))
    assert buttons["leader"] == 0 < buttons["planner"]

    seen = []
    token = downloads.ON_EXPORT.set(seen.append)
    try:
        maker = downloads.audited(lambda: b"bytes", "表.xlsx")
    finally:
        downloads.ON_EXPORT.reset(token)
    assert seen == [] and maker() == b"bytes" and seen == ["表.xlsx"]  # logged when the file is made
