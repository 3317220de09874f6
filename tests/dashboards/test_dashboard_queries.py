"""queries.py against a published warehouse: the city figures must equal
sums computed here independently with DuckDB."""

from __future__ import annotations

import contextvars
import os
import shutil
import threading
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards import queries

MONEY_AND_COUNTS = (
    "legal_aid_cases",
    "legal_aid_recovered_yuan",
    "wage_cases",
    "wages_recovered_yuan",
    "certified_enterprises",
)


@pytest.fixture(scope="module")
def con(warehouse_db: Path):
    connection = duckdb.connect(str(warehouse_db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def data_date(con) -> date:
    return con.execute("select data_date from marts.warehouse_meta").fetchone()[0]


def test_meta_and_years(warehouse_home: Path, data_date: date) -> None:
    meta = queries.meta(warehouse_home)
    assert meta.data_date == data_date
    assert data_date.year in queries.years(warehouse_home)


def test_home_comes_from_the_environment(warehouse_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("UNIONKPI_HOME", str(warehouse_home))
    assert queries.warehouse_path() == Path(warehouse_home).resolve() / "warehouse.duckdb"
    assert queries.meta().data_date == queries.meta(warehouse_home).data_date


@pytest.mark.parametrize("years_back", [0, 1])
def test_city_totals_are_the_sums_of_all_district_rows(
    warehouse_home: Path, con, data_date: date, years_back: int
) -> None:
    year = data_date.year - years_back
    city = queries.city_year(year, warehouse_home).set_index("metric")
    for metric in MONEY_AND_COUNTS:
        actual, last_year = con.execute(
            "select sum(actual), sum(actual_same_period_last_year)"
            " from marts.kpi_district_year where year = ? and metric = ?",
            [year, metric],
        ).fetchone()
        assert city.loc[metric, "actual"] == pytest.approx(float(actual)), metric
        if last_year is None:
            assert pd.isna(city.loc[metric, "actual_same_period_last_year"])
        else:
            assert city.loc[metric, "actual_same_period_last_year"] == pytest.approx(float(last_year)), metric


def test_city_mediation_rate_is_mediated_over_closed(warehouse_home: Path, con, data_date: date) -> None:
    year, last_month = data_date.year, data_date.month
    mediated, closed = con.execute(
        "select sum(legal_aid_mediated), sum(legal_aid_closed)"
        " from marts.kpi_district_month"
        " where month >= make_date(?, 1, 1) and month <= make_date(?, ?, 1)",
        [year, year, last_month],
    ).fetchone()
    mediated_ly, closed_ly = con.execute(
        "select sum(legal_aid_mediated), sum(legal_aid_closed)"
        " from marts.kpi_district_month"
        " where month >= make_date(?, 1, 1) and month <= make_date(?, ?, 1)",
        [year - 1, year - 1, last_month],
    ).fetchone()
    city = queries.city_year(year, warehouse_home).set_index("metric")
    assert closed > 0
    # a ratio of the city's sums, to the warehouse's four decimal places
    assert city.loc["mediation_rate", "actual"] == pytest.approx(mediated / closed, abs=5e-5)
    if closed_ly:
        assert city.loc["mediation_rate", "actual_same_period_last_year"] == pytest.approx(
            mediated_ly / closed_ly, abs=5e-5
        )


def test_city_target_and_completion(warehouse_home: Path, con, data_date: date) -> None:
    year = data_date.year
    city = queries.city_year(year, warehouse_home).set_index("metric")
    for metric in MONEY_AND_COUNTS:
        total, set_for, districts = con.execute(
            """
            select sum(y.target), count(y.target), count(*)
            from marts.kpi_district_year as y
            where y.year = ? and y.metric = ? and y.district_code <> '000000'
            """,
            [year, metric],
        ).fetchone()
        target = city.loc[metric, "target"]
        if set_for == districts and total:
            assert target == pytest.approx(float(total)), metric
            assert city.loc[metric, "completion_rate"] == pytest.approx(city.loc[metric, "actual"] / float(total))
        else:
            # A target missing for some district gives no city target at all.
            assert pd.isna(target), metric


def test_district_year_lists_the_sixteen_districts(warehouse_home: Path, con, data_date: date) -> None:
    frame = queries.district_year(data_date.year, "legal_aid_cases", warehouse_home)
    assert len(frame) == 16
    assert "000000" not in set(frame["district_code"])
    assert frame["district_name_zh"].notna().all()
    assert frame["district_name_en"].notna().all()
    expected = con.execute(
        "select sum(actual) from marts.kpi_district_year"
        " where year = ? and metric = 'legal_aid_cases' and district_code <> '000000'",
        [data_date.year],
    ).fetchone()[0]
    assert frame["actual"].sum() == pytest.approx(float(expected))


def test_values_are_bound_not_spliced(warehouse_home: Path, data_date: date) -> None:
    # A metric name carrying SQL is just a name that matches nothing.
    frame = queries.district_year(data_date.year, "legal_aid_cases' or '1'='1", warehouse_home)
    assert frame.empty


def test_city_months_sum_the_districts(warehouse_home: Path, con, data_date: date) -> None:
    frame = queries.city_months(data_date.year, warehouse_home)
    assert set(frame["year"]) <= {data_date.year - 1, data_date.year}
    latest = frame[frame["year"] == data_date.year].sort_values("month").iloc[-1]
    assert latest["month_no"] == data_date.month
    cases, recovered = con.execute(
        "select sum(legal_aid_cases), sum(legal_aid_recovered_yuan)"
        " from marts.kpi_district_month where month = make_date(?, ?, 1)",
        [data_date.year, data_date.month],
    ).fetchone()
    assert latest["legal_aid_cases"] == cases
    assert latest["legal_aid_recovered_yuan"] == pytest.approx(float(recovered))


def test_definitions_and_districts(warehouse_home: Path) -> None:
    definitions = queries.definitions(warehouse_home)
    assert {"legal_aid_cases", "mediation_rate"} <= set(definitions["metric"])
    assert definitions["definition_zh"].notna().all()
    districts = queries.districts(warehouse_home)
    assert len(districts) == 16 and "000000" not in set(districts["district_code"])


def test_missing_warehouse_is_a_bilingual_error(tmp_path: Path) -> None:
    assert queries.warehouse_version(tmp_path) is None
    with pytest.raises(queries.WarehouseUnavailable) as caught:
        queries.meta(tmp_path)
    assert "尚未发布数据仓库" in caught.value.zh
    assert "No warehouse published yet" in caught.value.en


def test_an_unreadable_warehouse_is_a_bilingual_error(tmp_path: Path) -> None:
    (tmp_path / "warehouse.duckdb").write_text("not a database", encoding="utf-8")
    with pytest.raises(queries.WarehouseUnavailable) as caught:
        queries.meta(tmp_path)
    assert "数据仓库无法读取" in caught.value.zh


def test_a_new_publish_is_seen_without_restarting(warehouse_db: Path, tmp_path: Path) -> None:
    # Publish by os.replace(), as `unionkpi build` does, while a reader is open.
    home = tmp_path / "home"
    home.mkdir()
    published = home / "warehouse.duckdb"
    shutil.copy(warehouse_db, published)
    before = queries.warehouse_version(home)
    reader = duckdb.connect(str(published), read_only=True)
    try:
        staged = home / "warehouse.new.duckdb"
        shutil.copy(warehouse_db, staged)
        with duckdb.connect(str(staged)) as writer:
            writer.execute("update marts.warehouse_meta set data_date = date '2000-01-31'")
        os.replace(staged, published)
        after = queries.warehouse_version(home)
        assert after is not None and after != before  # the cache key changes
    finally:
        reader.close()
    assert queries.meta(home).data_date == date(2000, 1, 31)


def test_a_page_block_reads_one_file_and_a_reader_after_a_publish_waits_for_it(
    warehouse_db: Path, tmp_path: Path
) -> None:
    """A reading() block holds one connection for all its queries. A publish
    during it leaves the block reading the file it began with; a reader in
    another thread who finds the file replaced waits until the block ends,
    and then reads the new file (never the old one under the new version)."""
    home = tmp_path / "home"
    home.mkdir()
    published = home / "warehouse.duckdb"
    shutil.copy(warehouse_db, published)
    old_date = queries.meta(home).data_date
    staged = home / "warehouse.new.duckdb"
    shutil.copy(warehouse_db, staged)
    with duckdb.connect(str(staged)) as writer:
        writer.execute("update marts.warehouse_meta set data_date = date '2000-01-31'")
    seen: dict[str, object] = {}
    started, finished = threading.Event(), threading.Event()

    def other_reader() -> None:
        started.set()
        seen["version"] = queries.warehouse_version(home)
        seen["date"] = queries.meta(home).data_date
        seen["block_had_ended"] = block_ended.is_set()
        finished.set()

    block_ended = threading.Event()
    with queries.reading(home) as version:
        os.replace(staged, published)
        assert queries.meta(home).data_date == old_date  # the block's own file
        reader = threading.Thread(target=other_reader)
        reader.start()
        started.wait(10)
        assert not finished.wait(0.5)  # waits for the block
        assert queries.meta(home).data_date == old_date
        assert queries.warehouse_version(home) == version  # one version per block
        block_ended.set()
    reader.join(30)
    assert finished.is_set() and seen["block_had_ended"]
    assert seen["date"] == date(2000, 1, 31)
    assert seen["version"] != version


def test_work_deferred_past_a_block_reads_on_its_own(warehouse_home: Path) -> None:
    """A download's file is made when it is clicked, after the page's
    reading() block has ended, in a copy of the page's context: it must not
    use the block's closed connection."""
    with queries.reading(warehouse_home):
        deferred = contextvars.copy_context()
        expected = queries.meta(warehouse_home).data_date
    assert deferred.run(lambda: queries.meta(warehouse_home).data_date) == expected


def test_the_ratios_parts_are_read_once_per_published_warehouse(
    warehouse_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every breakdown divides the KPI ratios' parts (kpi_definitions): they
    are read once per warehouse version, and again after a publish, whose
    parts are then the ones divided."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(warehouse_db, home / "warehouse.duckdb")
    reads: list[str] = []
    read = queries._read

    def counted(sql: str, params, where):
        reads.append(sql)
        return read(sql, params, where)

    monkeypatch.setattr(queries, "_read", counted)
    period = (date(2000, 1, 1), date(2100, 1, 1))
    first = queries.legal_aid_breakdown(None, *period, home=home)
    again = queries.legal_aid_breakdown("channel", *period, home=home)
    assert sum("kpi_definitions" in sql for sql in reads) == 1
    assert 0 < first["mediation_rate"].iloc[0] < 1
    assert again["mediation_rate"].between(0, 1).all()

    staged = home / "warehouse.new.duckdb"
    shutil.copy(warehouse_db, staged)
    with duckdb.connect(str(staged)) as writer:
        writer.execute("update marts.kpi_definitions set numerator = denominator where metric = 'mediation_rate'")
    os.replace(staged, home / "warehouse.duckdb")
    after = queries.legal_aid_breakdown(None, *period, home=home)
    assert sum("kpi_definitions" in sql for sql in reads) == 2
    assert after["mediation_rate"].iloc[0] == 1.0
