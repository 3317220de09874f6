"""The gate: a build whose blocking checks fail is not published, the last
good warehouse stays and says why newer data is held back; each publish
is logged and a bad one can be rolled back."""

import json

import duckdb

from tests.conftest import run_cli

HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果\n"


def cases(home):
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("select case_id from marts.fct_legal_aid_cases order by 1").fetchall()]


def test_failed_check_holds_back_then_publish_and_rollback(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    inbox.mkdir()
    good = inbox / "01.csv"
    good.write_text(
        "2026年3月长宁区法律援助案件明细表\n" + HEADER + "G-1,长宁,2026-03-02,,其他,1,,办理中\n", encoding="utf-8"
    )
    run_cli(home, "ingest", str(good))
    run_cli(home, "build")
    assert cases(home) == ["G-1"]

    # Titled March, but a row was received in May: ingest cannot know, the
    # landing suite can.
    mislabelled = inbox / "02.csv"
    mislabelled.write_text(
        "2026年3月长宁区法律援助案件明细表\n" + HEADER + "G-2,长宁,2026-05-02,,其他,1,,办理中\n", encoding="utf-8"
    )
    run_cli(home, "ingest", str(mislabelled))
    failed = run_cli(home, "build", check=False)
    assert failed.returncode == 1
    assert "landing_rows_in_declared_period" in failed.stderr
    assert cases(home) == ["G-1"]  # the last good warehouse stays
    held = json.loads((home / "held_back.json").read_text(encoding="utf-8"))
    # The landing suite names the cause first; dbt's reconciliation, which
    # ran alongside, fails on the same row.
    assert [f.get("suite") or f["name"] for f in held["failures"]] == [
        "landing_rows_in_declared_period",
        "assert_marts_reconcile_with_staging",
    ]
    assert held["mode"] == "incremental"  # only the new load's rows were checked, and that was enough

    load_id = json.loads(run_cli(home, "ingest", "--json", str(mislabelled)).stdout)["files"][0]
    assert load_id["status"] == "unchanged"
    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        bad_load = con.execute("select load_id from loads where path like '%02.csv'").fetchone()[0]
    run_cli(home, "withdraw", bad_load, "--reason", "月份标错 wrong month")
    fixed = inbox / "03.csv"
    fixed.write_text(
        "2026年5月长宁区法律援助案件明细表\n" + HEADER + "G-2,长宁,2026-05-02,,其他,1,,办理中\n", encoding="utf-8"
    )
    run_cli(home, "ingest", str(fixed))
    run_cli(home, "build")
    assert cases(home) == ["G-1", "G-2"]
    assert not (home / "held_back.json").exists()

    log = [json.loads(line) for line in (home / "publish_log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["action"] for e in log] == ["publish", "publish"]
    assert len(log[1]["loads"]) == len(log[0]["loads"]) + 1

    run_cli(home, "publish", "--rollback")
    assert cases(home) == ["G-1"]
    log = [json.loads(line) for line in (home / "publish_log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert log[-1]["action"] == "rollback" and log[-1]["build"] == log[0]["build"]


def test_a_process_that_built_does_not_lock_the_published_warehouse(tmp_path, monkeypatch):
    """`unionkpi demo` builds and then serves from one process: after an
    in-process build, another process must be able to open the published
    warehouse read-only (dbt-duckdb's handle released)."""
    import subprocess
    import sys
    from datetime import date

    from ingest import load
    from kernel.home import Home
    from unionkpi.publish import build

    home = Home(tmp_path / "home").ensure()
    path = tmp_path / "a.csv"
    path.write_text(
        "2026年3月长宁区法律援助案件明细表\n" + HEADER + "A-1,长宁,2026-03-02,,其他,1,,办理中\n", encoding="utf-8"
    )
    con = load.connect(home)
    load.ingest_file(con, home, path, today=date(2026, 11, 22))
    con.close()
    assert build(home, date(2026, 11, 22)).published
    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True);"
            "print(c.execute('select count(*) from marts.fct_legal_aid_cases').fetchone()[0])",
            str(home.warehouse),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (reader.returncode, reader.stdout.strip()) == (0, "1"), reader.stderr
