"""Time progress (时间进度), the yardstick every completion rate is read
against: the share of the year elapsed at the data date. A division done in
integers would make it 0 without an error (PostgreSQL divides integers so),
so its value is checked on known dates, not only its range."""

from datetime import date

import duckdb


def _progress(home) -> tuple[date, dict[int, tuple[float, float]]]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        data_date = con.execute("select data_date from marts.warehouse_meta").fetchone()[0]
        rows = con.execute(
            "select distinct year, time_progress, time_progress_workdays from marts.kpi_year_to_date where is_latest"
        ).fetchall()
    return data_date, {year: (calendar, workdays) for year, calendar, workdays in rows}


def test_time_progress_is_the_share_of_the_year_elapsed_at_the_data_date(demo_home):
    data_date, progress = _progress(demo_home)
    this_year = data_date.year
    elapsed = (data_date - date(this_year, 1, 1)).days + 1
    days = (date(this_year + 1, 1, 1) - date(this_year, 1, 1)).days
    calendar, workdays = progress[this_year]
    assert calendar == elapsed / days  # e.g. 305/365 = 0.8356 on 31 October 2026
    assert 0.5 < elapsed / days < 1  # the demo's data date is late in the year
    # working days run a little behind or ahead of calendar days, never far
    assert abs(workdays - calendar) < 0.05


def test_past_years_are_complete_and_every_value_is_a_share(demo_home):
    data_date, progress = _progress(demo_home)
    assert set(progress) >= {data_date.year - 1, data_date.year}
    for year, (calendar, workdays) in progress.items():
        assert 0 < calendar <= 1 and 0 < workdays <= 1, year
        if year < data_date.year:
            assert (calendar, workdays) == (1, 1), year


def test_time_progress_matches_the_kpi_rows(demo_home):
    """The district KPIs carry the time progress of the last month counted."""
    data_date, progress = _progress(demo_home)
    with duckdb.connect(str(demo_home / "warehouse.duckdb"), read_only=True) as con:
        carried = con.execute(
            "select distinct year, time_progress from marts.kpi_district_year where year = ?", [data_date.year]
        ).fetchall()
    assert carried == [(data_date.year, progress[data_date.year][0])]
    # the demo is made on 2026-11-22 (tests/conftest.py), so its data date is
    # the end of the last whole month, October: day 304 of 365
    assert data_date == date(2026, 10, 31)
    assert carried == [(2026, 304 / 365)]
