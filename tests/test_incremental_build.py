"""A build after new loads starts from the published warehouse and adds only
them; it must give exactly what a full build from the landing data gives,
and fall back to a full build whenever that could differ."""

import json
import os
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kernel.home import Home
from tests.conftest import run_cli
from unionkpi import snapshot

HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果\n"
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")
BUILD_STAMPED = {"warehouse_meta"}  # holds the build time


def log(home: Path) -> list[dict]:
    return [json.loads(line) for line in (home / "publish_log.jsonl").read_text(encoding="utf-8").splitlines()]


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def copied_home(demo_home: Path, tmp_path: Path) -> Path:
    """The session's demo home, copied as it is: the published warehouse a
    hard link to its kept build file, as a build leaves it."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    published = home / "builds" / log(home)[-1]["build"]
    (home / "warehouse.duckdb").unlink()
    os.link(published, home / "warehouse.duckdb")
    return home


def logged_since(dbt_log: Path, since: int) -> str:
    """What dbt logged after byte `since`."""
    with dbt_log.open(encoding="utf-8") as handle:
        handle.seek(since)
        return handle.read()


def what_dbt_build_ran(dbt_log: Path, since: int) -> str:
    """dbt's summary of the `dbt build` logged after byte `since` ("Finished
    running 6 incremental models, 68 data tests, …")."""
    summaries = re.findall(r"\]: Finished running (\d.*models.*)", logged_since(dbt_log, since))
    assert len(summaries) == 1, summaries
    return summaries[0]


def differences(first: Path, second: Path) -> dict[str, tuple[int, int]]:
    """Rows in one build and not the other, per model table."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'a' "
            f"and schema_name in {COMPARED_SCHEMAS} order by all"
        ).fetchall()
        assert len(tables) > 20
        found = {}
        for schema, table in tables:
            if table in BUILD_STAMPED:
                continue
            name = f"{schema}.{table}"
            only_a = con.execute(f"select count(*) from (from a.{name} except all from b.{name})").fetchone()[0]
            only_b = con.execute(f"select count(*) from (from b.{name} except all from a.{name})").fetchone()[0]
            if only_a or only_b:
                found[name] = (only_a, only_b)
        return found
    finally:
        con.close()


def test_a_new_month_and_a_correction_build_incrementally_as_a_full_build_would(copied_home: Path, tmp_path: Path):
    home = copied_home
    before = query(
        home / "warehouse.duckdb",
        "select case_id, received_date, amount_recovered_yuan from marts.fct_legal_aid_cases "
        "where district_code = '310105' and received_date >= date '2026-10-01' order by case_id limit 1",
    )
    case_id, received, amount = before[0]
    cases_before = query(home / "warehouse.duckdb", "select count(*) from marts.fct_legal_aid_cases")[0][0]
    correction = tmp_path / "长宁_2026年10月_更正.csv"
    correction.write_text(
        "2026年10月长宁区法律援助案件明细表\n"
        + HEADER
        + f"{case_id},长宁,{received},2026-10-30,劳动报酬,3,{amount + Decimal('1000.25')},调解成功\n"
        + "INC-NEW-1,长宁,2026-10-20,,工伤,1,,办理中\n",
        encoding="utf-8",
    )
    # and a certification that passed its assessment, plus a new one: the
    # first key's history gains a version, the second's begins
    uscc, name, district, year, employees = query(
        home / "warehouse.duckdb",
        "select enterprise_uscc, enterprise_name, district_name_zh, campaign_year, employees "
        "from marts.fct_certifications join marts.dim_district using (district_code) "
        "where status = '测评中' order by enterprise_uscc limit 1",
    )[0]
    certified = tmp_path / "认定_2026年10月.csv"
    certified.write_text(
        "企业名称,统一社会信用代码,区,创建年度,状态,认定日期,职工人数\n"
        f"{name},{uscc},{district},{year},达标,2026-10-15,{employees}\n"
        f"上海某某餐饮管理有限公司,91350100M000100Y43,{district},{year},申报,,80\n",
        encoding="utf-8",
    )
    run_cli(home, "ingest", str(correction), str(certified))

    dbt_log = home / "dbt" / "logs" / "dbt.log"
    logged_before = dbt_log.stat().st_size
    docs_site = home / "dbt" / "target" / "static_index.html"
    docs_made = docs_site.stat().st_mtime_ns
    run_cli(home, "build")
    incremental = log(home)[-1]
    assert incremental["mode"] == "incremental"
    # only what the landing data flows into: no seed, no unit test (the
    # published build, from the same project, made and tested those)
    ran = what_dbt_build_ran(dbt_log, logged_before)
    assert "incremental models" in ran and "data tests" in ran
    assert "seed" not in ran and "unit test" not in ran
    published = home / "warehouse.duckdb"
    fact = "select case_id, workers, amount_recovered_yuan, outcome from marts.fct_legal_aid_cases "
    assert query(published, fact + f"where case_id in ('{case_id}', 'INC-NEW-1') order by 1") == sorted(
        [(case_id, 3, amount + Decimal("1000.25"), "调解成功"), ("INC-NEW-1", 1, Decimal("0.00"), "办理中")]
    )
    assert query(published, "select count(*) from marts.fct_legal_aid_cases")[0][0] == cases_before + 1
    history = "select enterprise_uscc, status, is_current from marts.fct_certification_history "
    history += f"where enterprise_uscc in ('{uscc}', '91350100M000100Y43') order by all"
    assert query(published, history) == sorted(
        [(uscc, "测评中", False), (uscc, "达标", True), ("91350100M000100Y43", "申报", True)]
    )
    certifications = "select status, certified_date from marts.fct_certifications "
    assert query(published, certifications + f"where enterprise_uscc = '{uscc}'") == [("达标", date(2026, 10, 15))]
    newest = query(published, "select max(load_seq) from raw.loads")[0][0]
    assert query(published, "select mode, after_load_seq from build.basis") == [("incremental", newest - 2)]

    logged_before = dbt_log.stat().st_size
    run_cli(home, "build", "--full")
    full = log(home)[-1]
    assert full["mode"] == "full"
    ran = what_dbt_build_ran(dbt_log, logged_before)
    assert "seeds" in ran and "unit tests" in ran
    # The same profile (the build file's fixed working name) and the same
    # today as the build before: dbt reuses its parse in both commands
    # (build, source freshness) rather than parse again; the docs site made
    # from the same project the same day stands.
    logged = logged_since(dbt_log, logged_before)
    assert logged.count("Nothing changed, skipping partial parsing") == 2
    assert "Unable to do partial parsing" not in logged
    assert differences(home / "builds" / incremental["build"], home / "builds" / full["build"]) == {}
    assert docs_site.stat().st_mtime_ns == docs_made

    # The next day: "today" reaches dbt as an environment variable, so only
    # the models that read it are parsed again, not the whole project.
    logged_before = dbt_log.stat().st_size
    run_cli(home, "build", today="2026-11-23")
    logged = logged_since(dbt_log, logged_before)
    assert "Unable to do partial parsing" not in logged
    assert "0 files added, 3 files changed" in logged
    assert "updated file: unionkpi://models/marts/core/warehouse_meta.sql" in logged
    assert query(published, "select today from marts.warehouse_meta") == [(date(2026, 11, 23),)]
    # The docs site shows the SQL compiled for the build's today: made again.
    assert docs_site.stat().st_mtime_ns != docs_made
    assert "cast('2026-11-23' as date)" in docs_site.read_text(encoding="utf-8")


def test_a_build_made_from_another_project_is_not_built_upon(copied_home: Path):
    home = Home(copied_home)
    assert snapshot.published_build(home, snapshot.fingerprint()) == home.builds / log(copied_home)[-1]["build"]
    assert snapshot.published_build(home, "a changed model") is None


def test_a_wider_calendar_makes_a_full_build(copied_home: Path, tmp_path: Path):
    """(A withdrawal making a full build: tests/test_corrections.py.)"""
    home = copied_home
    assert snapshot.published_build(Home(home), snapshot.fingerprint()) is not None  # else it would be full anyway
    span = "select min(date_day) from intermediate.int_dates_classified"
    assert query(home / "warehouse.duckdb", span) == [(date(2022, 1, 1),)]

    # A return from a year before the demo's widens the working-day
    # calendar, which the rows built before were counted over: the
    # incremental attempt is dropped and the build starts from scratch.
    earlier = tmp_path / "黄浦_2021年3月.csv"
    earlier.write_text(HEADER + "W-0,黄浦,2021-03-01,2021-03-05,劳动报酬,1,80.00,调解成功\n", encoding="utf-8")
    run_cli(home, "ingest", str(earlier))
    run_cli(home, "build")
    assert log(home)[-1]["mode"] == "full"
    assert query(home / "warehouse.duckdb", span) == [(date(2021, 1, 1),)]
    # receipt day not counted, closing day counted: Tuesday to Friday
    workdays = "select workdays_to_close from marts.fct_legal_aid_cases where case_id = 'W-0'"
    assert query(home / "warehouse.duckdb", workdays) == [(4,)]


def test_a_key_repeated_by_the_new_rows_holds_an_incremental_build_back(copied_home: Path, tmp_path: Path):
    """An incremental build checks the uniqueness of an incremental model's
    keys only where a newer load brought them (dbt/tests/generic/
    unique_combination.sql): a repeat there is still caught."""
    home = copied_home
    # An industry name listed twice in the published build, in a table built
    # from the seeds alone, which an incremental build keeps: a new case
    # naming that industry joins it twice.
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(
            "insert into intermediate.int_industry_names_listed "
            "from intermediate.int_industry_names_listed where industry_name = '制造业'"
        )
    new_case = tmp_path / "长宁_2026年10月_补报.csv"
    new_case.write_text(
        "2026年10月长宁区法律援助案件明细表\n"
        + HEADER.rstrip("\n")
        + ",行业\nDUP-1,长宁,2026-10-21,,劳动报酬,2,,办理中,制造业\n",
        encoding="utf-8",
    )
    run_cli(home, "ingest", str(new_case))
    assert run_cli(home, "build", check=False).returncode != 0

    held_back = json.loads((home / "held_back.json").read_text(encoding="utf-8"))
    assert held_back["mode"] == "incremental"
    test = "unique_combination_fct_legal_aid_cases_district_code__case_id"
    repeats = [failure for failure in held_back["failures"] if failure["name"] == test]
    assert len(repeats) == 1 and "Got 1 result" in repeats[0]["message"]
    # the check looked at the new loads' keys only
    after = query(home / "builds" / held_back["build"], "select after_load_seq from build.basis")[0][0]
    compiled = next((home / "dbt" / "target" / "compiled").rglob(test + ".sql"))
    assert f"where load_seq > {after}" in compiled.read_text(encoding="utf-8")


def test_every_view_in_the_published_warehouse_can_be_read(warehouse_home: Path):
    """dbt names a view's catalog; the build file is attached as `warehouse`,
    the name it is published under, so the views resolve there."""
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        views = con.execute(
            "select schema_name, view_name from duckdb_views() where not internal and schema_name != 'main'"
        ).fetchall()
        assert ("staging", "stg_landing__targets") in views
        for schema, view in views:
            con.execute(f'select count(*) from "{schema}"."{view}"').fetchone()
