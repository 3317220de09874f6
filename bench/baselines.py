"""The bare baselines: the least a stage's work could cost on this machine,
written directly against DuckDB (nothing but the stdlib and duckdb is
imported, so start-up is as small as Python's). Each runs as its own
subprocess of bench.run and prints one JSON line.

    python -m bench.baselines csv OUT.duckdb FILE...     # load CSV files
    python -m bench.baselines build LANDING OUT.duckdb    # dedupe + monthly KPIs
    python -m bench.baselines check WAREHOUSE             # the checks' aggregates
    python -m bench.baselines counts WAREHOUSE            # figures to compare builds by
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
DISTRICTS_CSV = REPO / "data" / "reference" / "districts.csv"

# The same rule as the staging models: the latest version of each natural
# key by load_seq (then source row), withdrawn loads left out.
LATEST = """
create table {name} as
select * from landing.{table}
where load_id not in (select load_id from landing.withdrawals)
qualify row_number() over (partition by {key} order by load_seq desc, source_row desc) = 1
"""

KPI_DISTRICT_MONTH = """
create table kpi_district_month as
with window_ as (
    select
        cast(date_trunc('month', (select min(d) from (
            select min(received_date) as d from legal_aid_latest
            union all select min(opened_date) from wage_latest))) as date) as first_month,
        least(
            (select max(period_end) from landing.loads
             where status = 'loaded' and dataset in ('legal_aid', 'wage_recovery')),
            cast(? as date)) as data_date
),
months as (
    select cast(range as date) as month
    from window_, range(window_.first_month,
                        cast(date_trunc('month', window_.data_date) as date) + interval 1 month,
                        interval 1 month)
),
spine as (
    select d.district_code, months.month
    from read_csv(?, all_varchar = true) as d cross join months
),
legal as (
    select district_code, cast(date_trunc('month', received_date) as date) as month,
        count(*) as legal_aid_cases, sum(workers) as legal_aid_workers,
        count(*) filter (where outcome != '办理中') as legal_aid_closed,
        count(*) filter (where outcome = '调解成功') as legal_aid_mediated,
        sum(coalesce(amount_recovered, 0)) as legal_aid_recovered_yuan
    from legal_aid_latest group by all
),
wages as (
    select district_code, cast(date_trunc('month', opened_date) as date) as month,
        count(*) as wage_cases, sum(workers) as wage_workers,
        sum(amount_recovered) as wages_recovered_yuan
    from wage_latest group by all
),
certified as (
    select district_code, cast(date_trunc('month', certified_date) as date) as month,
        count(*) as certified_enterprises
    from certification_latest where status = '达标' group by all
)
select spine.district_code, spine.month,
    coalesce(legal.legal_aid_cases, 0) as legal_aid_cases,
    coalesce(legal.legal_aid_workers, 0) as legal_aid_workers,
    coalesce(legal.legal_aid_closed, 0) as legal_aid_closed,
    coalesce(legal.legal_aid_mediated, 0) as legal_aid_mediated,
    coalesce(legal.legal_aid_recovered_yuan, 0)::decimal(18, 2) as legal_aid_recovered_yuan,
    coalesce(wages.wage_cases, 0) as wage_cases,
    coalesce(wages.wage_workers, 0) as wage_workers,
    coalesce(wages.wages_recovered_yuan, 0)::decimal(18, 2) as wages_recovered_yuan,
    coalesce(certified.certified_enterprises, 0) as certified_enterprises
from spine
left join legal using (district_code, month)
left join wages using (district_code, month)
left join certified using (district_code, month)
"""

# The aggregates the Great Expectations suites need, one pass per table.
CHECK_QUERIES = {
    "marts_fct_legal_aid_cases": """
        select count(*) as rows_,
            count(*) filter (where dispute_type not in ('劳动报酬', '社会保险', '劳动合同', '工伤', '其他'))
                as bad_dispute_type,
            count(*) filter (where outcome not in ('调解成功', '仲裁裁决', '判决', '撤回', '办理中'))
                as bad_outcome,
            min(workers) as min_workers,
            count(*) filter (where days_to_close not between 0 and 730) as days_to_close_outside,
            count(days_to_close) as days_to_close_present
        from marts.fct_legal_aid_cases""",
    "marts_fct_wage_recoveries": """
        select count(*) as rows_,
            count(*) filter (where source not in ('投诉举报', '专项检查', '突发事件处置', '工会协调')) as bad_source,
            count(*) filter (where not regexp_full_match(employer_uscc, '[0-9A-HJ-NPQRTUWXY]{18}')) as bad_uscc,
            count(*) filter (where amount_owed_yuan < amount_recovered_yuan) as owed_below_recovered
        from marts.fct_wage_recoveries""",
    "marts_kpi_district_month": """
        select count(*) as rows_,
            count(*) - count(district_code) as null_district, count(*) - count(month) as null_month,
            min(legal_aid_cases) as min_cases, min(legal_aid_recovered_yuan) as min_legal_yuan,
            min(wages_recovered_yuan) as min_wage_yuan,
            count(*) filter (where legal_aid_closed < legal_aid_mediated) as closed_below_mediated
        from marts.kpi_district_month""",
    "landing_rows_in_declared_period": """
        select count(*) as rows_,
            count(*) filter (where not coalesce(c.received_date, w.opened_date)
                between l.period_start and l.period_end) as outside_period
        from raw.loads as l
        left join raw.legal_aid as c on c.load_id = l.load_id
        left join raw.wage_recovery as w on w.load_id = l.load_id
        where l.status = 'loaded' and l.dataset in ('legal_aid', 'wage_recovery')
            and coalesce(c.received_date, w.opened_date) is not null
            and l.load_id not in (select load_id from raw.withdrawals)""",
}


def load_csv(out: Path, files: list[str]) -> dict:
    with duckdb.connect(str(out)) as con:
        con.execute("create table t as select * from read_csv(?)", [files])
        (rows,) = con.execute("select count(*) from t").fetchone()
    return {"rows": rows}


def build(landing: Path, out: Path, today: str) -> dict:
    with duckdb.connect(str(out)) as con:
        con.execute(f"attach '{landing}' as landing (read_only)")
        for name, table, key in (
            ("legal_aid_latest", "legal_aid", "district_code, case_id"),
            ("wage_latest", "wage_recovery", "district_code, record_id"),
            ("certification_latest", "certification", "enterprise_uscc, campaign_year"),
        ):
            con.execute(LATEST.format(name=name, table=table, key=key))
        con.execute(KPI_DISTRICT_MONTH, [today, str(DISTRICTS_CSV)])
        con.execute("detach landing")
        con.execute("checkpoint")
        return figures(con, "")


def figures(con: duckdb.DuckDBPyConnection, schema: str) -> dict:
    """Row counts and totals that a correct build must reproduce."""
    facts = "marts.fct_legal_aid_cases" if schema else "legal_aid_latest"
    rows, cases, money, month = con.execute(
        f"select count(*), sum(legal_aid_cases), sum(legal_aid_recovered_yuan), max(month) "
        f"from {schema}kpi_district_month"
    ).fetchone()
    (facts_rows,) = con.execute(f"select count(*) from {facts}").fetchone()
    return {
        "kpi_district_month_rows": rows,
        "legal_aid_cases": int(cases or 0),
        "legal_aid_recovered_yuan": str(money),
        "last_month": str(month),
        "legal_aid_fact_rows": facts_rows,
    }


def counts(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return figures(con, "marts.")


def check(warehouse: Path) -> dict:
    results = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, sql in CHECK_QUERIES.items():
            cursor = con.execute(sql)
            columns = [c[0] for c in cursor.description]
            results[name] = {
                k: (v if isinstance(v, int | None) else str(v)) for k, v in zip(columns, cursor.fetchone(), strict=True)
            }
    return results


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    kind, *args = argv
    if kind == "csv":
        outcome = load_csv(Path(args[0]), args[1:])
    elif kind == "build":
        today = os.environ.get("UNIONKPI_TODAY") or dt.date.today().isoformat()
        outcome = build(Path(args[0]), Path(args[1]), today)
    elif kind == "check":
        outcome = check(Path(args[0]))
    elif kind == "counts":
        outcome = counts(Path(args[0]))
    else:
        raise SystemExit(f"unknown baseline {kind}")
    outcome["seconds_inside"] = time.perf_counter() - started
    print(json.dumps(outcome, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
