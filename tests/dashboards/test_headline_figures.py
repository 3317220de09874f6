"""One definition per figure: the overview's cards, the monthly brief and
the marts show the same six headline figures, for the city and for a
district user, and the city's figures are the districts' sums (a rate: the
ratio of the city's sums), as counted from the facts themselves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards import brief, cards, district_map, i18n, metrics, queries, tables

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


def test_the_status_and_change_on_last_year_shown_are_the_marts(warehouse_home: Path, at_data_date) -> None:
    """The cards, the brief, the ranking table and the map say the status
    (红黄绿) and 同比 kpi_city_year and kpi_district_year give: none of them
    works either out again."""
    year, month = at_data_date
    city = queries.city_year(year, warehouse_home).set_index("metric")
    figures = queries.brief_year_to_date(year, warehouse_home)
    table = {
        row["metric"]: row
        for row in brief.headline_rows(figures[figures["is_city"]], year=year, month=month, names={}, lang="zh")
    }
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        judged = {
            metric: (status, change)
            for metric, status, change in con.execute(
                "select metric, status, change_on_last_year from marts.kpi_city_year where year = ?", [year]
            ).fetchall()
        }
        by_district = {
            (metric, code): status
            for metric, code, status in con.execute(
                "select metric, district_code, status from marts.kpi_district_year where year = ?", [year]
            ).fetchall()
        }
    for metric in metrics.OVERVIEW_METRICS:
        status, change = judged[metric]
        card = cards.build_card(metric, city.loc[metric].to_dict(), name=metric, help_text=None, lang="zh")
        assert card.status == status, metric
        assert table[metric]["status"] == i18n.t(f"status.{status}", "zh"), metric
        said = i18n.format_change(change, metric, "zh") if change is not None else i18n.t("card.yoy_none", "zh")
        assert card.delta_text == said, metric
        assert table[metric]["yoy"] == i18n.format_change(change, metric, "zh"), metric

        rows = queries.district_year(year, metric, warehouse_home)
        ranking = tables.ranking(rows, metric, "zh")
        wanted = [i18n.t(f"status.{by_district[(metric, code)]}", "zh") for code in rows["district_code"]]
        assert list(ranking["status"]) == wanted, metric
        drawn = district_map.map_frame(rows, metric, "zh")
        hovers = dict(zip(drawn["district_code"], drawn["hover"], strict=True))
        for code, completion in zip(rows["district_code"], rows["completion_rate"], strict=True):
            if not pd.isna(completion):
                assert i18n.t(f"status.{by_district[(metric, code)]}", "zh") in hovers[code], (metric, code)
    # the demo's targets give the cards and the ranking a status to show
    assert {status for status, _change in judged.values()} - {"none"}
    assert len(set(by_district.values()) - {"none"}) >= 2


def test_every_status_and_change_in_the_marts_follows_the_definition(warehouse_home: Path) -> None:
    """Every row of kpi_year_to_date, read against the rule the Definitions
    page states: green at or above the benchmark (the share of the year gone
    for counts and money, the whole target otherwise), amber at most the
    band (10 points) behind, red further; 同比 relative, or in points for a
    rate."""
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            """
            select m.kind, y.completion_rate, y.completion_benchmark, y.time_progress, y.status,
                cast(y.actual as double), cast(y.actual_same_period_last_year as double), y.change_on_last_year
            from marts.kpi_year_to_date as y
            inner join reference.metrics as m using (metric)
            """
        ).fetchall()
        [(band,)] = con.execute("select status_amber_band from marts.warehouse_meta").fetchall()
    assert band == pytest.approx(0.10)
    seen = set()
    for kind, completion, benchmark, progress, status, actual, last_year, change in rows:
        assert benchmark == (progress if kind in ("count", "money") else 1.0)
        if completion is None:
            expected = "none"
        elif completion >= benchmark - 1e-9:
            expected = "green"
        elif completion >= benchmark - band - 1e-9:
            expected = "amber"
        else:
            expected = "red"
        assert status == expected, (kind, completion, benchmark, status)
        seen.add(status)
        if actual is None or last_year is None or (kind != "rate" and last_year == 0):
            assert change is None
        elif kind == "rate":
            assert change == pytest.approx(actual - last_year)
        else:
            assert change == pytest.approx((actual - last_year) / last_year)
        # the subject pages' 同比 over a reader's period measures as the mart does
        ours = metrics.change(actual, last_year, rate=kind == "rate")
        assert (ours is None) == (change is None) and (ours is None or ours == pytest.approx(change))
    assert seen == {"green", "amber", "red", "none"}


def test_every_months_change_in_the_marts_is_measured_as_year_on_year(warehouse_home: Path) -> None:
    """A month's change on the month before (环比) and on the same month last
    year, in kpi_year_to_date: relative, or in points for a rate (the
    mediation rate among them), against the month it names."""
    with duckdb.connect(str(warehouse_home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            """
            select m.kind, y.metric, y.month,
                cast(y.month_value as double), cast(y.month_value_last_month as double),
                y.month_change_on_last_month,
                cast(y.month_value_last_year as double), y.month_change_on_last_year,
                cast(before.month_value as double), cast(year_before.month_value as double)
            from marts.kpi_year_to_date as y
            inner join reference.metrics as m using (metric)
            left join marts.kpi_year_to_date as before
                on before.area_code = y.area_code and before.metric = y.metric
                and before.month = y.month - interval 1 month
            left join marts.kpi_year_to_date as year_before
                on year_before.area_code = y.area_code and year_before.metric = y.metric
                and year_before.month = y.month - interval 1 year
            """
        ).fetchall()
    compared = set()
    for kind, metric, month, now, last_month, on_month, last_year, on_year, before, year_before in rows:
        assert (last_month, last_year) == (before, year_before), (metric, month)
        for then, change in ((last_month, on_month), (last_year, on_year)):
            expected = metrics.change(now, then, rate=kind == "rate")
            assert (change is None) == (expected is None), (metric, month)
            if expected is not None:
                assert change == pytest.approx(expected), (metric, month)
                compared.add(kind)
    assert compared >= {"count", "money", "rate", "average", "stock"}


def test_the_briefs_notable_changes_are_the_months_largest_moves(warehouse_home: Path, at_data_date) -> None:
    """The brief's 环比 and 同比 sentences: the month's three largest moves
    of each kind, read against the city's own months in kpi_city_month."""
    year, month = at_data_date
    figures = queries.brief_year_to_date(year, warehouse_home)
    said = brief.notable_changes(figures[figures["is_city"]], year=year, month=month, names={}, lang="zh")
    months = queries.city_months(year, warehouse_home).set_index(["year", "month_no"])
    now = months.loc[(year, month)]
    expected = []
    for kind, other in (("mom", (year, month - 1) if month > 1 else (year - 1, 12)), ("yoy", (year - 1, month))):
        moves = []
        for metric in brief.CHANGE_METRICS:
            a, b = float(now[metric]), float(months.loc[other][metric])
            rate = i18n.metric_kind(metric) == "rate"
            if not rate and b == 0:
                continue
            change = a - b if rate else (a - b) / b
            moves.append((-abs(change), metric, change, a, b))
        for _size, metric, change, a, b in sorted(moves)[: brief.NOTABLE_CHANGES]:
            expected.append(
                i18n.t(
                    f"brief.change_{kind}",
                    "zh",
                    metric=metric,
                    now=i18n.format_value(a, metric, "zh"),
                    change=i18n.format_change(change, metric, "zh"),
                    then=i18n.format_value(b, metric, "zh"),
                )
            )
    assert len(expected) == 2 * brief.NOTABLE_CHANGES
    assert said == expected


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
