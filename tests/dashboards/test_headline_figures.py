"""One definition per figure: the overview's cards, the monthly brief and
the marts show the same six headline figures, for the city and for a
district user, and the city's figures are the districts' sums (a rate: the
ratio of the city's sums), as counted from the facts themselves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboards import brief, cards, i18n, metrics, queries

MINHANG = "310112"


def _marts(warehouse_home: Path, sql: str, params: list) -> dict[str, Decimal]:
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        return dict(con.execute(sql, params).fetchall())


def _cards(city, lang: i18n.Lang = "zh") -> dict[str, str]:
    return {
        metric: cards.build_card(metric, city.loc[metric].to_dict(), name=metric, help_text=None, lang=lang).value_text
        for metric in metrics.OVERVIEW_METRICS
    }


@pytest.fixture(scope="module")
def at_data_date(warehouse_home: Path) -> tuple[int, int]:
    data_date = queries.meta(warehouse_home).data_date
    return data_date.year, data_date.month


def test_the_cards_the_brief_and_the_marts_agree_for_the_city(warehouse_home: Path, at_data_date) -> None:
    year, month = at_data_date
    shown = _cards(queries.city_year(year, warehouse_home).set_index("metric"))
    figures = queries.brief_year_to_date(year, warehouse_home)
    table = {
        row["metric"]: row
        for row in brief.headline_rows(figures[figures["is_city"]], year=year, month=month, names={}, lang="zh")
    }
    marts = _marts(warehouse_home, "select metric, actual from marts.kpi_city_year where year = ?", [year])
    assert len(metrics.OVERVIEW_METRICS) == 6
    for metric in metrics.OVERVIEW_METRICS:
        assert shown[metric] == table[metric]["ytd"] == i18n.format_value(marts[metric], metric, "zh"), metric


def test_the_cards_say_where_the_city_is_heading(warehouse_home: Path, at_data_date) -> None:
    """The city's year-end projection (kpi_year_end_projection's city rows)
    is on every card with a target; a card without one shows a dash."""
    year, _month = at_data_date
    city = queries.city_year(year, warehouse_home).set_index("metric")
    projected = _marts(
        warehouse_home,
        "select metric, projected_year_end from marts.kpi_year_end_projection where is_city and year = ?",
        [year],
    )
    assert projected, "the city has targets in the demo, so it has projections"
    for metric in metrics.OVERVIEW_METRICS:
        card = cards.build_card(metric, city.loc[metric].to_dict(), name=metric, help_text=None, lang="zh")
        if metric in projected:
            assert i18n.format_value(projected[metric], metric, "zh") in card.projection_text, metric
        else:
            assert i18n.DASH in card.projection_text, metric


def test_the_brief_of_a_district_user_is_about_its_district(warehouse_home: Path, at_data_date) -> None:
    year, month = at_data_date
    token = queries.SCOPE.set(MINHANG)
    try:
        figures = queries.brief_year_to_date(year, warehouse_home)
        city_for_the_district_user = queries.city_year(year, warehouse_home)
    finally:
        queries.SCOPE.reset(token)
    assert set(figures["district_code"]) == {MINHANG}  # no other district's rows, not even the city's
    table = {row["metric"]: row for row in brief.headline_rows(figures, year=year, month=month, names={}, lang="zh")}
    own = _marts(
        warehouse_home,
        "select metric, actual from marts.kpi_district_year where year = ? and district_code = ?",
        [year, MINHANG],
    )
    targets = _marts(
        warehouse_home,
        "select metric, target from marts.kpi_district_year where year = ? and district_code = ?",
        [year, MINHANG],
    )
    for metric in metrics.OVERVIEW_METRICS:
        assert table[metric]["ytd"] == i18n.format_value(own[metric], metric, "zh"), metric
        # its own target, not the city's
        assert table[metric]["target"] == i18n.format_value(targets[metric], metric, "zh"), metric
    # the cards show the city's totals to everyone, district users included
    assert _cards(city_for_the_district_user.set_index("metric")) == _cards(
        queries.city_year(year, warehouse_home).set_index("metric")
    )


def test_the_city_is_the_districts_sum_and_its_rate_the_ratio_of_its_sums(warehouse_home: Path, at_data_date) -> None:
    year, _month = at_data_date
    city = _marts(warehouse_home, "select metric, actual from marts.kpi_city_year where year = ?", [year])
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        [(cases, closed, mediated, new_form, workers)] = con.execute(
            """
            select count(*), count(*) filter (where is_closed), count(*) filter (where is_mediated),
                sum(workers) filter (where is_new_employment_form), sum(workers)
            from marts.fct_legal_aid_cases
            where year(received_date) = ? and received_date <= (select data_date from marts.warehouse_meta)
            """,
            [year],
        ).fetchall()
        [(days,)] = con.execute(
            "select avg(actual) from marts.kpi_district_year where year = ? and metric = 'avg_days_to_close'", [year]
        ).fetchall()
    assert city["legal_aid_cases"] == cases
    assert float(city["mediation_rate"]) == pytest.approx(mediated / closed, abs=5e-5)
    assert float(city["new_employment_form_share"]) == pytest.approx(new_form / workers, abs=5e-5)
    assert 0 < city["new_employment_form_share"] < 1  # a share, not the sum of 16 shares
    # an average stays an average of days, near the districts' own averages
    assert abs(float(city["avg_days_to_close"]) - float(days)) < 0.25 * float(days)


def test_a_months_certified_enterprises_count_by_certified_date(warehouse_home: Path) -> None:
    """The month's own figure (the brief's 本月, the trends) counts
    certifications by certified date, as kpi_district_month does; the year to
    date counts the campaign year. It read 0 every month before."""
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        pairs = con.execute(
            """select ytd.month, ytd.month_value, sum(months.certified_enterprises)
            from marts.kpi_year_to_date as ytd
            join marts.kpi_district_month as months
              on months.month = ytd.month and (ytd.is_city or months.district_code = ytd.area_code)
            where ytd.metric = 'certified_enterprises'
            group by ytd.area_code, ytd.month, ytd.month_value"""
        ).fetchall()
    assert pairs and all(value == counted for _, value, counted in pairs)
    assert sum(counted for *_, counted in pairs) > 0
