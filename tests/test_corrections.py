"""A correction supersedes earlier rows of the same keys, a key it leaves
out stays, and withdrawing the correction brings the earlier figures back;
every version stays in the landing data. tests/postgres/test_end_to_end_postgres.py
runs these same tests with UNIONKPI_DATABASE_URL set."""

from decimal import Decimal

import duckdb

from kernel import publish_log
from kernel.database import postgres
from kernel.home import Home
from tests.conftest import run_cli

HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果\n"


def marts(home, sql):
    """The rows of `sql` on the published warehouse (its landing schema `raw`
    beside it), on whichever engine UNIONKPI_DATABASE_URL chooses."""
    database = postgres()
    if database is not None:
        with database.connect() as con:
            return [tuple(row) for row in con.execute(sql).fetchall()]
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
    # only a build from the landing data can bring an earlier version back
    modes = [entry["mode"] for entry in publish_log.read_log(Home(home))]
    assert modes == ["full", "full"]
    assert marts(home, cases) == [("C-1", Decimal("100.00")), ("C-2", Decimal("0.00"))]
    assert marts(home, "select withdrawn_by, reason from raw.withdrawals") == [("steward", "重复报送 duplicate")]
    again = run_cli(home, "withdraw", load_id, "--reason", "x", check=False)
    assert again.returncode == 2 and "already withdrawn" in again.stderr


def test_certification_history_keeps_every_version(tmp_path):
    home = tmp_path / "home"
    header = "企业名称,统一社会信用代码,区,创建年度,状态,认定日期,职工人数\n"
    (tmp_path / "01.csv").write_text(
        header + "上海某某餐饮管理有限公司,91350100M000100Y43,静安,2026,测评中,,80\n", encoding="utf-8"
    )
    (tmp_path / "02.csv").write_text(
        header + "上海某某餐饮管理有限公司,91350100M000100Y43,静安,2026,达标,2026-10-09,80\n", encoding="utf-8"
    )
    legal = tmp_path / "03.csv"  # a month of legal aid so the warehouse has a data date
    legal.write_text(HEADER + "H-1,静安,2026-10-02,,其他,1,,办理中\n", encoding="utf-8")
    run_cli(home, "ingest", str(tmp_path))
    run_cli(home, "build")
    history = marts(
        home,
        "select status, valid_from < valid_to, is_current from marts.fct_certification_history order by load_seq",
    )
    assert history == [("测评中", True, False), ("达标", None, True)]
    assert marts(home, "select status, valid_until from marts.fct_certifications") == [
        ("达标", __import__("datetime").date(2029, 10, 9))
    ]
