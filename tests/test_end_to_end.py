"""The whole path on demo data: the published marts equal the totals of the
files the generator wrote, to the yuan. The SQL here runs on both engines:
tests/postgres/test_end_to_end_postgres.py runs these same tests on the
demo made with UNIONKPI_DATABASE_URL set."""

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def manifest(demo_home: Path) -> dict:
    return json.loads((demo_home / "demo_inbox" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warehouse(demo_home: Path):
    con = duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def one(con, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()


def test_mart_totals_equal_the_generated_files(manifest, warehouse):
    expected = manifest["expected"]
    cases, la_yuan, la_workers, wage_cases, wage_yuan = one(
        warehouse,
        "select sum(legal_aid_cases), sum(legal_aid_recovered_yuan), sum(legal_aid_workers), "
        "sum(wage_cases), sum(wages_recovered_yuan) from marts.kpi_district_month",
    )
    assert cases == expected["legal_aid"]["rows"]
    assert la_yuan == Decimal(expected["legal_aid"]["amount_recovered_yuan"])
    assert la_workers == expected["legal_aid"]["workers"]
    assert wage_cases == expected["wage_recovery"]["rows"]
    assert wage_yuan == Decimal(expected["wage_recovery"]["amount_recovered_yuan"])
    certified = one(warehouse, "select sum(certified_enterprises) from marts.kpi_district_month")[0]
    assert certified == expected["certification"]["certified"]


def test_totals_by_district_and_month(manifest, warehouse):
    by_district = {
        code: (rows, yuan)
        for code, rows, yuan in warehouse.execute(
            "select district_code, sum(legal_aid_cases), sum(legal_aid_recovered_yuan) "
            "from marts.kpi_district_month group by 1"
        ).fetchall()
    }
    for code, figures in manifest["expected"]["legal_aid"]["by_district"].items():
        assert by_district[code] == (figures["rows"], Decimal(figures["amount_recovered_yuan"])), code
    by_month = {
        month.strftime("%Y-%m"): (rows, yuan)
        for month, rows, yuan in warehouse.execute(
            "select month, sum(wage_cases), sum(wages_recovered_yuan) from marts.kpi_district_month group by 1"
        ).fetchall()
    }
    for month, figures in manifest["expected"]["wage_recovery"]["by_month"].items():
        assert by_month[month] == (figures["rows"], Decimal(figures["amount_recovered_yuan"])), month


def test_every_district_and_month_has_a_row(manifest, warehouse):
    months, districts, rows = one(
        warehouse,
        "select count(distinct month), count(distinct district_code), count(*) from marts.kpi_district_month",
    )
    assert districts == 16 and rows == months * 16
    assert (
        one(warehouse, "select max(month) from marts.kpi_district_month")[0].isoformat()[:7]
        == manifest["data_date"][:7]
    )
    assert one(warehouse, "select data_date from marts.warehouse_meta")[0].isoformat() == manifest["data_date"]


def test_money_is_decimal_in_the_published_marts(warehouse):
    types = {
        name: (kind.lower(), precision, scale)
        for name, kind, precision, scale in warehouse.execute(
            "select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'kpi_district_month'"
        ).fetchall()
    }
    for money in ("legal_aid_recovered_yuan", "wages_recovered_yuan"):
        kind, precision, scale = types[money]
        assert kind.startswith(("decimal", "numeric")) and (precision, scale) == (18, 2), types[money]


def test_year_to_date_and_same_period(warehouse):
    """kpi_district_year's current-year actual is the sum of this year's months,
    and its same-period figure the same months of last year."""
    data_date = one(warehouse, "select data_date from marts.warehouse_meta")[0]
    actual, last_year = one(
        warehouse,
        "select sum(actual), sum(actual_same_period_last_year) from marts.kpi_district_year "
        "where year = ? and metric = 'legal_aid_cases'",
        [data_date.year],
    )
    this_months, last_months = one(
        warehouse,
        "select sum(legal_aid_cases) filter (where extract(year from month) = ?), "
        "sum(legal_aid_cases) filter (where extract(year from month) = ? and extract(month from month) <= ?) "
        "from marts.kpi_district_month",
        [data_date.year, data_date.year - 1, data_date.month],
    )
    assert (actual, last_year) == (this_months, last_months)
    ranks = [
        r
        for (r,) in warehouse.execute(
            "select rank from marts.kpi_district_year where year = ? and metric = 'legal_aid_cases' order by rank",
            [data_date.year],
        ).fetchall()
    ]
    assert ranks[0] == 1 and len(ranks) == 16


def test_reingesting_the_demo_changes_nothing(demo_home):
    """Ingesting the demo's files again finds every file unchanged (that one
    seed writes identical files is tests/ingest/test_demo_generate.py's)."""
    from tests.conftest import run_cli

    done = run_cli(demo_home, "ingest", "--json", str(demo_home / "demo_inbox"))
    statuses = {f["status"] for f in json.loads(done.stdout)["files"]}
    assert statuses == {"unchanged"}


def test_submission_progress_shows_the_nil_return(manifest, warehouse):
    nil = [f for f in manifest["files"] if f["dataset"] == "wage_recovery" and f["rows"] == 0]
    assert nil, "the demo writes one nil return"
    for entry in nil:
        month = entry["period"][0] + "-01"
        status = one(
            warehouse,
            "select submission_status from marts.fct_submissions "
            "where district_code = ? and dataset = 'wage_recovery' and month = cast(? as date)",
            [entry["district_code"], month],
        )[0]
        assert status == "零报告"
    # A file without a title declares no period, so it covers only the months
    # its rows fall in; every other district-month of the demo is submitted.
    import importlib

    styles = importlib.import_module("ingest.demo.styles").STYLES
    untitled = {code for code, style in styles.items() if not style.title}
    missing = warehouse.execute(
        "select distinct district_code from marts.fct_submissions where submission_status = '未报送'"
    ).fetchall()
    assert {code for (code,) in missing} <= untitled


def test_certified_in_force_is_a_stock_at_the_month_end(warehouse):
    data_date = one(warehouse, "select data_date from marts.warehouse_meta")[0]
    rows = warehouse.execute(
        "select certified_date, valid_until, revoked_date, status from marts.fct_certifications"
    ).fetchall()
    expected = sum(
        1
        for certified, valid_until, revoked, status in rows
        if status in ("达标", "撤销")
        and certified is not None
        and certified <= data_date <= valid_until
        and (revoked is None or revoked > data_date)
    )
    actual = one(
        warehouse,
        "select sum(actual) from marts.kpi_district_year where year = ? and metric = 'certified_in_force'",
        [data_date.year],
    )[0]
    assert actual == expected > 0
