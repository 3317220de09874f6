"""`unionkpi check`: results per expectation with severity and the
offending districts, exit status per the contract, every run kept and
carried into the published warehouse."""

import json
from datetime import date

import duckdb

from expectations.run import check_warehouse
from kernel.home import Home
from tests.conftest import run_cli

HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果\n"


def test_check_on_the_demo(demo_home):
    done = run_cli(demo_home, "check", "--json")
    results = json.loads(done.stdout)["checks"]
    suites = {r["suite"] for r in results}
    assert {"landing_rows_in_declared_period", "marts_kpi_district_month", "marts_district_behaviour"} <= suites
    assert all(
        r["severity"] in {"blocking", "warning"} and r["description_zh"] and r["description_en"] for r in results
    )
    assert all(r["success"] for r in results if r["severity"] == "blocking")
    # Passing suites run once, without listing rows, yet still say that no
    # row failed (a whole-table expectation has no rows to count).
    named = {r["name"]: r for r in results}
    assert named["landing_legal_aid.expect_column_values_to_not_be_null(case_id)"]["unexpected_count"] == 0
    assert named["landing_legal_aid.expect_table_row_count_to_be_between"]["unexpected_count"] is None
    # The demo's seasons (the Spring Festival dip, wage cases peaking before
    # it) are each district's own history, not jumps out of it.
    behaviour = [r for r in results if r["suite"] == "marts_district_behaviour"]
    assert behaviour and all(r["success"] for r in behaviour)
    assert (demo_home / "data_docs" / "index.html").exists()
    # one stored result per suite, even for a suite run twice (a failed
    # suite's detailed second run replaces the first)
    stored = [
        path.relative_to(demo_home / "data_docs" / "results").parts[0]
        for path in (demo_home / "data_docs" / "results").glob("*/*/*/*.json")
    ]
    assert sorted(stored) == sorted(suites)
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        carried = con.execute("select count(*) from quality.check_results where target like 'build %'").fetchone()[0]
    assert carried >= len(results)


def test_an_expectation_that_lets_some_rows_fail_counts_them(tmp_path):
    """`mostly`: a suite that passes with a few offending rows still says
    how many: it runs in detail from the start."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        # 1 case in 200 took longer than two years: within `mostly: 0.99`
        con.execute(
            "create table marts.fct_legal_aid_cases as select if(i = 0, 900, 30) as days_to_close from range(200) t(i)"
        )
    home = Home(tmp_path / "home")
    home.ensure()
    [result] = check_warehouse(warehouse, home, prefix="marts_fct_legal_aid_cases")
    assert (result["success"], result["unexpected_count"]) == (True, 1)
    assert result["partial_unexpected_list"] == ["900"]


def test_a_district_jumping_out_of_its_history_is_a_warning_naming_it(tmp_path):
    home = tmp_path / "home"
    lines = []
    number = 0
    for month in range(1, 14):  # 2025-10 .. 2026-10
        year, mon = (2025, 9 + month) if month <= 3 else (2026, month - 3)
        count = 10 * 10 if (year, mon) == (2026, 10) else 8 + month % 5  # ten times the usual ~10
        for day in range(count):
            number += 1
            received = date(year, mon, day % 28 + 1)
            lines.append(f"J-{number},宝山,{received},,其他,1,100,办理中\n")
    (tmp_path / "宝山_2025年10月-2026年10月.csv").write_text(HEADER + "".join(lines), encoding="utf-8")
    run_cli(home, "ingest", str(tmp_path / "宝山_2025年10月-2026年10月.csv"))
    run_cli(home, "build")  # warnings do not hold the build back
    done = run_cli(home, "check", "--json")  # exit 0: only warnings fail
    results = {r["name"]: r for r in json.loads(done.stdout)["checks"]}
    jump = results["marts_district_behaviour.expect_column_values_to_be_between(robust_z_cases)"]
    assert (jump["success"], jump["severity"]) == (False, "warning")
    assert [o["district_code"] for o in jump["offending"]] == ["310113"]
