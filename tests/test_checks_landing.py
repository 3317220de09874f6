"""The landing suites: they follow the dataset contracts in
ingest/templates.py, and every blocking expectation fails on a landing
database that holds one deliberately bad row for it, naming that row."""

import csv
from datetime import date, datetime
from pathlib import Path

from expectations.run import check_warehouse, load_suites
from ingest import load
from ingest.templates import TEMPLATES
from kernel.home import REPO, Home
from unionkpi.snapshot import copy_landing

DISTRICTS = [r["district_code"] for r in csv.DictReader((REPO / "data/reference/districts.csv").open(encoding="utf-8"))]
USCC = "91310000MA1FL0000X"

GOOD = {
    "legal_aid": {
        "case_id": "C-1",
        "district_code": "310105",
        "received_date": date(2026, 3, 2),
        "closed_date": date(2026, 3, 20),
        "dispute_type": "其他",
        "service_type": "法律咨询",
        "channel": "工会窗口",
        "workers": 1,
        "amount_claimed": 100,
        "amount_recovered": 50,
        "outcome": "调解成功",
    },
    "wage_recovery": {
        "record_id": "W-1",
        "district_code": "310105",
        "opened_date": date(2026, 3, 2),
        "resolved_date": date(2026, 3, 9),
        "source": "投诉举报",
        "employer_name": "某公司",
        "employer_uscc": USCC,
        "workers": 3,
        "amount_owed": 9000,
        "amount_recovered": 9000,
        "status": "已办结",
    },
    "certification": {
        "enterprise_name": "某公司",
        "enterprise_uscc": USCC,
        "district_code": "310105",
        "employees": 40,
        "campaign_year": 2026,
        "score": 88,
        "status": "达标",
        "certified_date": date(2026, 3, 2),
        "valid_until": date(2029, 3, 1),
    },
    "target": {"year": 2026, "district_code": "310105", "metric": "legal_aid_cases", "target": 120},
}
GOOD_LOAD = {
    "sha256": "0" * 64,
    "status": "loaded",
    "period_start": date(2026, 3, 1),
    "period_end": date(2026, 3, 31),
    "rows_loaded": 1,
    "rows_quarantined": 0,
}

# Blocking expectation -> (table, the bad row's changes from a good one).
# Each bad row breaks that expectation only.
BAD_ROWS = {
    "landing_loads.expect_column_values_to_match_regex(sha256)": ("loads", {"sha256": "not a digest"}),
    "landing_loads.expect_column_values_to_be_in_set(dataset)": ("loads", {"dataset": "legal-aid"}),
    "landing_loads.expect_column_pair_values_a_to_be_greater_than_b(period_end, period_start)": (
        "loads",
        {"period_start": date(2026, 4, 1)},
    ),
    "landing_loads.expect_column_values_to_be_between(rows_loaded)": ("loads", {"rows_loaded": -1}),
    "landing_loads.expect_column_values_to_be_between(rows_quarantined)": ("loads", {"rows_quarantined": -1}),
    "landing_rows_in_declared_period.expect_column_values_to_be_in_set(is_inside_period)": (
        "legal_aid",
        {"received_date": date(2026, 5, 2), "closed_date": None},
    ),
    "landing_legal_aid.expect_column_values_to_be_in_set(dispute_type)": ("legal_aid", {"dispute_type": "工资"}),
    "landing_legal_aid.expect_column_values_to_be_in_set(service_type)": ("legal_aid", {"service_type": "咨询"}),
    "landing_legal_aid.expect_column_values_to_be_in_set(channel)": ("legal_aid", {"channel": "窗口"}),
    "landing_legal_aid.expect_column_values_to_be_in_set(outcome)": ("legal_aid", {"outcome": "调解"}),
    "landing_legal_aid.expect_column_values_to_be_between(workers)": ("legal_aid", {"workers": 0}),
    "landing_legal_aid.expect_column_values_to_be_between(amount_claimed)": ("legal_aid", {"amount_claimed": -1}),
    "landing_legal_aid.expect_column_values_to_be_between(amount_recovered)": ("legal_aid", {"amount_recovered": -1}),
    "landing_legal_aid.expect_column_pair_values_a_to_be_greater_than_b(closed_date, received_date)": (
        "legal_aid",
        {"closed_date": date(2026, 3, 1)},
    ),
    "landing_wage_recovery.expect_column_values_to_be_in_set(source)": ("wage_recovery", {"source": "投诉"}),
    "landing_wage_recovery.expect_column_values_to_be_in_set(status)": ("wage_recovery", {"status": "办结"}),
    "landing_wage_recovery.expect_column_values_to_match_regex(employer_uscc)": (
        "wage_recovery",
        {"employer_uscc": "9.13101E+17"},
    ),
    "landing_wage_recovery.expect_column_values_to_be_between(workers)": ("wage_recovery", {"workers": 0}),
    "landing_wage_recovery.expect_column_values_to_be_between(amount_owed)": ("wage_recovery", {"amount_owed": -1}),
    "landing_wage_recovery.expect_column_values_to_be_between(amount_recovered)": (
        "wage_recovery",
        {"amount_recovered": -1},
    ),
    "landing_wage_recovery.expect_column_pair_values_a_to_be_greater_than_b(resolved_date, opened_date)": (
        "wage_recovery",
        {"resolved_date": date(2026, 3, 1)},
    ),
    "landing_certification.expect_column_values_to_be_in_set(status)": ("certification", {"status": "已达标"}),
    "landing_certification.expect_column_values_to_match_regex(enterprise_uscc)": (
        "certification",
        {"enterprise_uscc": "91310000MA1FL0000"},  # 17 characters
    ),
    "landing_certification.expect_column_values_to_be_between(campaign_year)": (
        "certification",
        {"campaign_year": 1999},
    ),
    "landing_certification.expect_column_values_to_be_between(employees)": ("certification", {"employees": 0}),
    "landing_certification.expect_column_values_to_be_between(score)": ("certification", {"score": 101}),
    "landing_certification.expect_column_pair_values_a_to_be_greater_than_b(valid_until, certified_date)": (
        "certification",
        {"valid_until": date(2026, 3, 1)},
    ),
    "landing_certification.expect_column_pair_values_a_to_be_greater_than_b(revoked_date, certified_date)": (
        "certification",
        {"status": "撤销", "revoked_date": date(2026, 3, 1)},
    ),
    "landing_target.expect_column_values_to_be_in_set(metric)": ("target", {"metric": "cases"}),
    "landing_target.expect_column_values_to_be_between(year)": ("target", {"year": 2101}),
    "landing_target.expect_column_values_to_be_between(target)": ("target", {"target": -1}),
}
for _dataset, _template in TEMPLATES.items():
    for _column in _template.required:
        BAD_ROWS[f"landing_{_dataset}.expect_column_values_to_not_be_null({_column.name})"] = (
            _dataset,
            {_column.name: None},
        )
    BAD_ROWS[f"landing_{_dataset}.expect_column_values_to_be_in_set(district_code)"] = (
        _dataset,
        {"district_code": "310000"},
    )


def _insert(con, table: str, row: dict) -> None:
    columns = ", ".join(row)
    con.execute(f"insert into {table} ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))


def _load(con, load_id: str, seq: int, dataset: str, changes: dict | None = None) -> None:
    row = {"load_id": load_id, "load_seq": seq, "path": f"{load_id}.csv", "dataset": dataset, **GOOD_LOAD}
    _insert(con, "loads", {**row, "loaded_at": datetime(2026, 11, 22, 9), **(changes or {})})


def _bad_landing(home: Home) -> dict[str, list[dict[str, str]]]:
    """A landing database with one good load per dataset, then one load per
    bad row (a bad row of the load log, or a load of one bad row). Returns
    the rows each expectation should name."""
    con = load.connect(home)
    for seq, (dataset, good) in enumerate(GOOD.items(), start=1):
        _load(con, f"OK-{dataset}", seq, dataset)
        _insert(con, dataset, {"load_id": f"OK-{dataset}", "load_seq": seq, "source_row": 2, **good})
    expected = {}
    for seq, (name, (table, changes)) in enumerate(BAD_ROWS.items(), start=10):
        load_id = f"BAD-{seq}"
        if table == "loads":
            _load(con, load_id, seq, "legal_aid", changes)
            expected[name] = [{"load_id": load_id}]
            continue
        _load(con, load_id, seq, table)
        _insert(con, table, {"load_id": load_id, "load_seq": seq, "source_row": 2, **GOOD[table], **changes})
        expected[name] = [{"load_id": load_id, "source_row": "2"}]
        if name.startswith("landing_rows_in_declared_period."):  # it names the load, its file and the date
            expected[name] = [{"load_id": load_id, "row_date": "2026-05-02"}]
    # the same natural key twice in one load: both copies are named (by the
    # key, as GX gives no row index for compound uniqueness on SQL)
    for seq, (dataset, good) in enumerate(GOOD.items(), start=100):
        key = TEMPLATES[dataset].key
        name = f"landing_{dataset}.expect_compound_columns_to_be_unique(load_id, {', '.join(key)})"
        _load(con, f"DUP-{dataset}", seq, dataset)
        for source_row in (2, 3):
            _insert(con, dataset, {"load_id": f"DUP-{dataset}", "load_seq": seq, "source_row": source_row, **good})
        expected[name] = [{"load_id": f"DUP-{dataset}", **{k: str(good[k]) for k in key}}] * 2
    # a load the steward withdrew is out of the gate, bad rows and all
    _load(con, "WITHDRAWN", 200, "legal_aid")
    _insert(
        con,
        "legal_aid",
        {"load_id": "WITHDRAWN", "load_seq": 200, "source_row": 2, **GOOD["legal_aid"], "outcome": "调解"},
    )
    con.execute("insert into withdrawals values ('WITHDRAWN', 'steward', '标错 wrong', now())")
    con.close()
    return expected


def test_each_blocking_landing_expectation_fails_on_its_bad_row(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    expected = _bad_landing(home)
    snapshot = tmp_path / "snapshot.duckdb"
    copy_landing(home, snapshot)
    results = {r["name"]: r for r in check_warehouse(snapshot, home, prefix="landing_")}

    blocking = {name for name, r in results.items() if r["severity"] == "blocking"}
    assert blocking == set(expected), "every blocking landing expectation needs a bad row here"
    for name, rows in expected.items():
        result = results[name]
        assert not result["success"], name
        assert [{k: o[k] for k in rows[0]} for o in result["offending"]] == rows, name
    assert all(r["success"] for r in results.values() if r["severity"] == "warning")


def test_landing_suites_follow_the_dataset_contracts() -> None:
    """The value sets, required columns and keys are ingest's own
    (ingest/templates.py, data/reference/districts.csv)."""
    suites = {s["name"]: s for s in load_suites("landing_")}
    for dataset, template in TEMPLATES.items():
        suite = suites[f"landing_{dataset}"]
        kinds: dict[str, list[dict]] = {}
        for expectation in suite["expectations"]:
            kinds.setdefault(expectation["type"], []).append(expectation["kwargs"])
            meta = expectation["meta"]
            assert meta["severity"] in {"blocking", "warning"} and meta["description_zh"] and meta["description_en"]
        assert [k["column"] for k in kinds["expect_column_values_to_not_be_null"]] == [
            c.name for c in template.required
        ]
        sets = {k["column"]: k["value_set"] for k in kinds["expect_column_values_to_be_in_set"]}
        assert sets == {
            "district_code": DISTRICTS,
            **{c.name: list(c.categories) for c in template.columns if c.kind == "category"},
        }
        assert kinds["expect_compound_columns_to_be_unique"] == [{"column_list": ["load_id", *template.key]}]
