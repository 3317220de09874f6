"""The subject pages' queries and reshaping (queries.py, subjects.py) against
figures computed here independently with DuckDB on the fixture warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards import queries, subjects

START, END = date(2026, 1, 1), date(2026, 10, 31)
YANGPU, MINHANG = "310110", "310112"


@pytest.fixture(scope="module")
def con(warehouse_db: Path):
    connection = duckdb.connect(str(warehouse_db), read_only=True)
    yield connection
    connection.close()


# Any range of days, not only whole months: the day marts sum to the facts.
ODD_START, ODD_END = date(2026, 3, 17), date(2026, 8, 9)


@pytest.mark.parametrize(
    ("districts", "start", "end"),
    [((), START, END), ((YANGPU,), START, END), ((YANGPU, MINHANG), ODD_START, ODD_END), ((), ODD_START, ODD_END)],
)
def test_legal_aid_totals(warehouse_home: Path, con, districts: tuple[str, ...], start: date, end: date) -> None:
    where = "received_date between ? and ?"
    params: list[object] = [start, end]
    if districts:
        where += f" and district_code in ({', '.join('?' for _ in districts)})"
        params += list(districts)
    cases, workers, closed, mediated, recovered, collective, new_form, days_mean, workdays_mean = con.execute(
        f"""
        select count(*), sum(workers), count(*) filter (where outcome <> '办理中'),
            count(*) filter (where outcome = '调解成功'), sum(amount_recovered_yuan),
            count(*) filter (where workers >= 10), sum(workers) filter (where is_new_employment_form),
            avg(closed_date - received_date), avg(workdays_to_close)
        from marts.fct_legal_aid_cases where {where}
        """,
        params,
    ).fetchone()
    assert cases > 0
    row = queries.legal_aid_breakdown(None, start, end, districts, warehouse_home).iloc[0]
    assert row["cases"] == cases
    assert row["workers"] == workers
    assert row["closed"] == closed and row["mediated"] == mediated
    assert row["mediation_rate"] == pytest.approx(mediated / closed)
    assert row["recovered_yuan"] == pytest.approx(float(recovered))
    assert row["collective_cases"] == collective
    assert row["new_form_workers"] == new_form
    assert row["new_form_share"] == pytest.approx(new_form / workers)
    assert row["days_mean"] == pytest.approx(float(days_mean))
    assert row["workdays_mean"] == pytest.approx(float(workdays_mean))
    assert row["share"] == 1.0


def test_legal_aid_breakdowns_add_up(warehouse_home: Path, con) -> None:
    (total,) = con.execute(
        "select count(*) from marts.fct_legal_aid_cases where received_date between ? and ?", [START, END]
    ).fetchone()
    for dimension in ("district", "dispute_type", "industry", "channel", "outcome", "service_type"):
        frame = queries.legal_aid_breakdown(dimension, START, END, (), warehouse_home)
        assert frame["cases"].sum() == total, dimension
        assert frame["cases"].is_monotonic_decreasing, dimension
    by_type = queries.legal_aid_breakdown("dispute_type", START, END, (YANGPU,), warehouse_home)
    expected = dict(
        con.execute(
            "select dispute_type, count(*) from marts.fct_legal_aid_cases"
            " where received_date between ? and ? and district_code = ? group by 1",
            [START, END, YANGPU],
        ).fetchall()
    )
    assert dict(zip(by_type["key"], by_type["cases"], strict=True)) == expected


def test_unknown_dimensions_are_refused(warehouse_home: Path) -> None:
    with pytest.raises(ValueError):
        queries.legal_aid_breakdown("district_code; drop table x", START, END, (), warehouse_home)


def test_districts_are_bound_values(warehouse_home: Path) -> None:
    frame = queries.legal_aid_breakdown(None, START, END, ("310110' or '1'='1",), warehouse_home)
    assert frame["cases"].sum() == 0


def test_legal_aid_records_of_a_street(warehouse_home: Path, con) -> None:
    street, count = con.execute(
        "select subdistrict, count(*) from marts.fct_legal_aid_cases"
        " where district_code = ? and received_date between ? and ? and subdistrict is not null"
        " group by 1 order by 2 desc, 1 limit 1",
        [YANGPU, START, END],
    ).fetchone()
    records = queries.legal_aid_records(YANGPU, street, START, END, home=warehouse_home)
    assert len(records) == count and (records["subdistrict"] == street).all()
    assert records["total"].iloc[0] == count
    assert records["received_date"].is_monotonic_decreasing
    whole = queries.legal_aid_records(YANGPU, None, START, END, all_streets=True, limit=3, home=warehouse_home)
    (district_total,) = con.execute(
        "select count(*) from marts.fct_legal_aid_cases where district_code = ? and received_date between ? and ?",
        [YANGPU, START, END],
    ).fetchone()
    assert len(whole) == 3 and whole["total"].iloc[0] == district_total
    streets = queries.legal_aid_breakdown("subdistrict", START, END, (YANGPU,), warehouse_home)
    assert streets["cases"].sum() == district_total


def test_wage_totals_and_records(warehouse_home: Path, con) -> None:
    cases, owed, recovered, resolved, days = con.execute(
        """
        select count(*), sum(amount_owed_yuan), sum(amount_recovered_yuan),
            count(*) filter (where status = '已办结'),
            avg(resolved_date - opened_date) filter (where status = '已办结')
        from marts.fct_wage_recoveries where opened_date between ? and ? and district_code = ?
        """,
        [START, END, MINHANG],
    ).fetchone()
    row = queries.wage_breakdown(None, START, END, (MINHANG,), warehouse_home).iloc[0]
    assert row["cases"] == cases and row["resolved"] == resolved
    assert row["owed_yuan"] == pytest.approx(float(owed))
    assert row["recovered_yuan"] == pytest.approx(float(recovered))
    assert row["recovery_rate"] == pytest.approx(float(recovered) / float(owed))
    assert row["days_mean"] == pytest.approx(float(days))
    by_source = queries.wage_breakdown("source", START, END, (MINHANG,), warehouse_home)
    assert by_source["cases"].sum() == cases
    assert set(by_source["key"]) <= {"投诉举报", "专项检查", "突发事件处置", "工会协调"}
    records = queries.wage_records(MINHANG, None, START, END, all_streets=True, home=warehouse_home)
    assert len(records) == cases
    assert records["employer_uscc"].str.len().eq(18).all()


def test_certifications_in_force_on_a_day(warehouse_home: Path, con) -> None:
    on = date(2026, 6, 30)
    (expected,) = con.execute(
        """
        select count(*) from marts.fct_certifications
        where certified_date <= ? and valid_until >= ? and (revoked_date is null or revoked_date > ?)
            and status in ('达标', '撤销')
        """,
        [on, on, on],
    ).fetchone()
    total = queries.certifications_in_force(None, on, (), warehouse_home)
    assert int(total["enterprises"].sum()) == expected > 0
    by_district = queries.certifications_in_force("district", on, (), warehouse_home)
    assert by_district["enterprises"].sum() == expected
    # An enterprise certified after the day is not yet in force.
    later = queries.certifications_in_force(None, date(2026, 10, 31), (), warehouse_home)
    (certified_between,) = con.execute(
        "select count(*) from marts.fct_certifications where status in ('达标', '撤销')"
        " and certified_date > ? and certified_date <= ?",
        [on, date(2026, 10, 31)],
    ).fetchone()
    assert certified_between > 0
    assert queries.certified_between(date(2026, 7, 1), date(2026, 10, 31), (), warehouse_home) == certified_between
    assert int(later["enterprises"].sum()) != expected


def test_certification_status_matrix(warehouse_home: Path, con) -> None:
    expected = {
        (code, status): n
        for code, status, n in con.execute(
            "select district_code, status, count(*) from marts.fct_certifications"
            " where campaign_year = 2026 group by all"
        ).fetchall()
    }
    frame = queries.certification_status("district", 2026, (), warehouse_home)
    districts = queries.districts(warehouse_home)
    matrix = subjects.status_matrix(frame, districts, "zh").set_index("district_code")
    for (code, status), n in expected.items():
        assert matrix.loc[code, queries.CAMPAIGN_STATUSES[status]] == n
    assert matrix["total"].sum() == sum(expected.values())
    row = matrix.iloc[0]
    decided = row["campaign_certified"] + row["failed"]
    if decided:
        assert row["certification_pass_rate"] == pytest.approx(row["campaign_certified"] / decided)
    assert matrix.loc["310110", "label"] == "杨浦区" and matrix.loc["310110", "short_label"] == "杨浦"
    city = queries.certification_status(None, 2026, (), warehouse_home).iloc[0]
    certified = sum(n for (_code, status), n in expected.items() if status == "达标")
    failed = sum(n for (_code, status), n in expected.items() if status == "未达标")
    assert city["total"] == sum(expected.values()) and city["campaign_certified"] == certified
    assert city["certification_pass_rate"] == pytest.approx(certified / (certified + failed))


def test_chart_frames_use_district_and_category_colours(warehouse_home: Path) -> None:
    from dashboards import charts

    districts = queries.districts(warehouse_home)
    frame = subjects.label_keys(
        queries.legal_aid_breakdown("district", START, END, (), warehouse_home),
        "district",
        "zh",
        districts,
    )
    measure = subjects.field(subjects.LEGAL_AID_FIELDS, "recovered_yuan")
    bars = subjects.chart_frame(frame, measure, "zh", dimension="district")
    assert bars["colour"].tolist() == [charts.district_colour(c) for c in bars["district_code"]]
    assert bars["value"].tolist() == pytest.approx((frame["recovered_yuan"] / 1e4).tolist())
    assert "浦东" in bars["label"].tolist()
    outcome = subjects.label_keys(
        queries.legal_aid_breakdown("outcome", START, END, (), warehouse_home), "outcome", "en", districts
    )
    bars = subjects.chart_frame(outcome, subjects.field(subjects.LEGAL_AID_FIELDS, "cases"), "en", dimension="outcome")
    assert "Mediated" in bars["label"].tolist()
    mediated = bars[bars["label"] == "Mediated"].iloc[0]
    assert mediated["colour"] == charts.CATEGORY_COLOURS["outcome"]["调解成功"]


def test_export_columns_name_their_units() -> None:
    columns = subjects.export_columns(None, subjects.WAGE_RECORD_FIELDS, "zh")
    by_key = {column.key: column for column in columns}
    assert by_key["employer_uscc"].kind == "code"
    assert by_key["amount_owed_yuan"].label == "欠薪金额（元）" and by_key["amount_owed_yuan"].kind == "money"
    assert by_key["workers"].label == "涉及职工（人）"
    english = {c.key: c.label for c in subjects.export_columns(None, subjects.WAGE_RECORD_FIELDS, "en")}
    assert english["amount_owed_yuan"] == "Wages owed (yuan)"


def test_records_for_display_translates_categories_and_flags() -> None:
    frame = pd.DataFrame(
        {"outcome": ["调解成功", None], "is_collective": [True, False], "industry": ["制造业", "教育"]}
    )
    zh = subjects.records_for_display(frame, "zh")
    assert zh["is_collective"].tolist() == ["是", "否"] and zh["outcome"].iloc[0] == "调解成功"
    en = subjects.records_for_display(frame, "en")
    assert en["outcome"].iloc[0] == "Mediated" and en["industry"].tolist() == ["Manufacturing", "Education"]
    assert en["is_collective"].tolist() == ["Yes", "No"]


def test_scope_labels(warehouse_home: Path) -> None:
    districts = queries.districts(warehouse_home)
    assert subjects.scope_label((), districts, "zh") == "全市"
    assert subjects.scope_label(("310110", "310101"), districts, "zh") == "黄浦区、杨浦区"
    assert subjects.scope_label(("310110", "310101"), districts, "en") == "Huangpu, Yangpu"
    many = subjects.scope_label(("310101", "310104", "310105", "310106"), districts, "zh")
    assert many == "黄浦区、徐汇区、长宁区等4个区"


def test_a_period_of_whole_months_reads_the_months_and_agrees_with_the_days(warehouse_home: Path) -> None:
    """Every period the pages offer but a custom range is whole months, and
    reads the month marts (kpi_legal_aid_month, kpi_wage_month); any other
    range reads the days. Both give the same breakdowns: January to March
    read by month equals 1 January to 17 February plus 18 February to 31
    March read by day, for every grouping of both subjects."""
    assert queries._grain(queries._LEGAL_AID_MARTS, date(2026, 1, 1), date(2026, 3, 31))[0].endswith("_month")
    assert queries._grain(queries._WAGE_MARTS, date(2024, 2, 1), date(2024, 2, 29))[0].endswith("_month")
    for start, end in ((date(2026, 1, 1), date(2026, 3, 30)), (date(2026, 1, 2), date(2026, 3, 31))):
        assert queries._grain(queries._LEGAL_AID_MARTS, start, end)[0].endswith("_day")
    whole, first, second = (
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 1, 1), date(2026, 2, 17)),
        (date(2026, 2, 18), date(2026, 3, 31)),
    )
    subjects_parts = (
        (
            queries.legal_aid_breakdown,
            queries.LEGAL_AID_DIMENSIONS,
            [
                "cases",
                "workers",
                "closed",
                "mediated",
                "recovered_yuan",
                "claimed_yuan",
                "collective_cases",
                "collective_workers",
                "new_form_cases",
                "new_form_workers",
            ],
        ),
        (
            queries.wage_breakdown,
            queries.WAGE_DIMENSIONS,
            ["cases", "workers", "owed_yuan", "recovered_yuan", "resolved", "open_cases"],
        ),
    )
    for breakdown, dimensions, parts in subjects_parts:
        for dimension in (None, *dimensions):
            by_month = breakdown(dimension, *whole, (), warehouse_home).set_index("key")[parts]
            halves = [
                breakdown(dimension, *half, (), warehouse_home).set_index("key")[parts] for half in (first, second)
            ]
            by_day = halves[0].add(halves[1], fill_value=0)
            assert len(by_month) and by_month["cases"].sum() > 0, (breakdown.__name__, dimension)
            pd.testing.assert_frame_equal(
                by_month.sort_index(),
                by_day.sort_index(),
                check_dtype=False,
                check_exact=False,
                rtol=1e-12,
                obj=f"{breakdown.__name__} {dimension}",
            )
