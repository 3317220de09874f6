"""A correction supersedes earlier rows of the same keys, a key it leaves
out stays, and withdrawing the correction brings the earlier figures back;
every version stays in the landing data."""

from decimal import Decimal

import duckdb

from tests.conftest import run_cli

HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果\n"


def marts(home, sql):
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_correct_then_withdraw(tmp_path):
    home = tmp_path / "home"
    first = tmp_path / "01_黄浦_2026年10月.csv"
    first.write_text(
        HEADER + "C-1,黄浦,2026-10-02,2026-10-09,劳动报酬,1,100.00,调解成功\nC-2,黄浦,2026-10-03,,工伤,2,,办理中\n",
        encoding="utf-8",
    )
    correction = tmp_path / "02_黄浦_2026年10月_更正.csv"
    correction.write_text(HEADER + "C-1,黄浦,2026-10-02,2026-10-09,劳动报酬,1,250.50,调解成功\n", encoding="utf-8")
    run_cli(home, "ingest", str(tmp_path))
    run_cli(home, "build")
    cases = "select case_id, amount_recovered_yuan from marts.fct_legal_aid_cases order by 1"
    assert marts(home, cases) == [("C-1", Decimal("250.50")), ("C-2", Decimal("0.00"))]
    assert marts(home, "select count(*) from raw.legal_aid") == [(3,)]

    load_id = marts(home, "select load_id from raw.loads where path like '%更正%'")[0][0]
    run_cli(home, "withdraw", load_id, "--reason", "重复报送 duplicate", "--by", "steward")
    run_cli(home, "build")
    assert marts(home, cases) == [("C-1", Decimal("100.00")), ("C-2", Decimal("0.00"))]
    assert marts(home, "select withdrawn_by, reason from raw.withdrawals") == [("steward", "重复报送 duplicate")]
    again = run_cli(home, "withdraw", load_id, "--reason", "x", check=False)
    assert again.returncode == 2 and "already withdrawn" in again.stderr
