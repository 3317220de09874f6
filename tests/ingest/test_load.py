"""Ingest of real files written here: xlsx with titles, merged headers,
totals and footers; CSV in GB18030; rejections; the JSON report."""

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingest import load
from kernel.home import Home

TODAY = date(2026, 11, 22)
LEGAL_AID_HEADER = [
    "案件编号",
    "区",
    "受理日期",
    "结案日期",
    "争议类型",
    "涉及职工人数",
    "挽回经济损失（万元）",
    "办理结果",
]


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def ingest(home: Home, path: Path, **options) -> list[load.Entry]:
    con = load.connect(home)
    try:
        return load.ingest_file(con, home, path, today=TODAY, **options)
    finally:
        con.close()


def landing(home: Home, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.landing), read_only=True) as con:
        return con.execute(sql).fetchall()


def write_xlsx(path: Path, rows: list[list], merge: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "法律援助"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def messy_workbook(path: Path) -> Path:
    return write_xlsx(
        path,
        [
            ["2026年1-3月闵行区法律援助案件明细表"],
            LEGAL_AID_HEADER,
            ["FY-1", "闵行", date(2026, 1, 5), date(2026, 2, 1), "劳动报酬", 2, 1.234567, "调解成功"],
            ["FY-2", "310112", "2026/2/3", None, "工伤", 12, None, "办理中"],
            [None] * 8,
            ["FY-3", "Minhang", "2027-01-01", "2026-01-01", "火星", 0, -1, "调解成功"],
            ["合计", None, None, None, None, 14, 1.234567, None],
            ["填报单位：闵行区总工会", None, None, "填报人：张某"],
        ],
        merge="A1:H1",
    )


def test_messy_workbook_loads_good_rows_and_quarantines_every_reason(home, tmp_path):
    [entry] = ingest(home, messy_workbook(tmp_path / "闵行.xlsx"))
    assert (entry.status, entry.dataset, entry.sheet) == ("loaded", "legal_aid", "法律援助")
    assert entry.period == ["2026-01", "2026-03"]
    assert (entry.rows_read, entry.rows_loaded, entry.rows_quarantined) == (3, 2, 1)
    assert sorted((e["row"], e["column"], e["code"]) for e in entry.errors) == [
        (6, "争议类型", "unknown_category"),
        (6, "受理日期", "date_in_future"),
        (6, "挽回经济损失（万元）", "negative_amount"),
        (6, "涉及职工人数", "not_positive_integer"),
        (6, "结案日期", "closed_before_received"),
    ]
    rows = landing(
        home, "select case_id, district_code, received_date, amount_recovered, workers from legal_aid order by case_id"
    )
    assert rows == [
        ("FY-1", "310112", date(2026, 1, 5), Decimal("12345.67"), 2),
        ("FY-2", "310112", date(2026, 2, 3), None, 12),
    ]
    assert landing(home, "select count(*) from load_errors") == [(5,)]
    assert landing(home, "select source_row from quarantine") == [(6,)]


def test_same_file_twice_is_unchanged_and_stores_nothing_again(home, tmp_path):
    path = messy_workbook(tmp_path / "a.xlsx")
    ingest(home, path)
    [again] = ingest(home, path)
    assert (again.status, again.rows_read, again.rows_loaded, again.errors) == ("unchanged", 0, 0, [])
    assert landing(home, "select count(*) from legal_aid") == [(2,)]
    assert len(list(home.archive.rglob("*.xlsx"))) == 1


def test_gb18030_csv_with_title_totals_and_thousands(home, tmp_path):
    text = (
        "2026年10月浦东新区追讨欠薪情况表\r\n"
        "记录编号,区,受理日期,来源,用人单位,统一社会信用代码,涉及人数,欠薪金额,追回金额,状态\r\n"
        'Q1,浦东,2026.10.8,投诉举报,上海某某保安服务有限公司,91350100M000100Y43,3,"12,345.60","12,345.60",已办结\r\n'
        "Q2,浦东新区,2026-10-09,专项检查,上海某某建筑工程有限公司,9.13101E+17,5,100,100,已办结\r\n"
        '合计,,,,,,8,,"12,445.60",\r\n'
    )
    path = tmp_path / "pudong.csv"
    path.write_bytes(text.encode("gb18030"))
    [entry] = ingest(home, path)
    assert entry.period == ["2026-10", "2026-10"]
    assert (entry.rows_read, entry.rows_loaded) == (2, 1)
    assert [(e["row"], e["code"]) for e in entry.errors] == [(4, "uscc_as_number")]
    assert landing(home, "select amount_recovered, employer_name from wage_recovery") == [
        (Decimal("12345.60"), "上海某某保安服务有限公司")
    ]


def test_merged_two_row_header(home, tmp_path):
    path = write_xlsx(
        tmp_path / "merged.xlsx",
        [
            ["案件编号", "区", "受理日期", "争议类型", "涉及职工人数", "金额", None, "办理结果"],
            [None, None, None, None, None, "诉求金额", "挽回经济损失", None],
            ["M-1", "徐汇", "2026-05-01", "社会保险", 1, 500, 400, "调解成功"],
        ],
        merge="F1:G1",
    )
    [entry] = ingest(home, path)
    assert (entry.status, entry.rows_loaded) == ("loaded", 1)
    assert landing(home, "select amount_claimed, amount_recovered from legal_aid") == [
        (Decimal("500.00"), Decimal("400.00"))
    ]


def test_duplicate_keys_quarantine_every_copy(home, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text(
        ",".join(LEGAL_AID_HEADER) + "\n"
        "D-1,黄浦,2026-01-02,,其他,1,,办理中\n"
        "D-1,黄浦,2026-01-03,,其他,1,,办理中\n"
        "D-2,黄浦,2026-01-03,,其他,1,,办理中\n",
        encoding="utf-8-sig",
    )
    [entry] = ingest(home, path)
    assert [(e["row"], e["code"]) for e in entry.errors] == [(2, "duplicate_key"), (3, "duplicate_key")]
    assert entry.rows_loaded == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        ("姓名,年龄\n张三,30\n".encode(), "unknown_template"),
        ("案件编号,区,受理日期,争议类型\nA,黄浦,2026-01-01,其他\n".encode(), "missing_required_column"),
        (b"\xff\xfe\x00\x00garbage\x00", "unreadable_file"),
        (b"PK\x03\x04not really a zip", "unreadable_file"),
    ],
)
def test_whole_file_rejections_store_nothing_but_keep_the_file(home, tmp_path, content, code):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    [entry] = ingest(home, path)
    assert entry.status == "rejected"
    assert [(e["row"], e["column"], e["code"]) for e in entry.errors] == [(None, None, code)]
    assert landing(home, "select count(*) from legal_aid") == [(0,)]
    assert landing(home, "select status from loads") == [("rejected",)]
    assert len(list(home.archive.rglob("*"))) >= 1


def test_nil_return_counts_as_submitted(home, tmp_path):
    path = tmp_path / "nil.csv"
    path.write_text(
        "2026年10月崇明区追讨欠薪情况表\n记录编号,区,受理日期,来源,用人单位,涉及人数,追回金额,状态\n", encoding="utf-8"
    )
    [entry] = ingest(home, path)
    assert (entry.status, entry.rows_read, entry.period) == ("loaded", 0, ["2026-10", "2026-10"])
    assert landing(home, "select is_nil_return, districts from loads") == [(True, ["310151"])]


def test_header_only_without_a_period_is_rejected(home, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(",".join(LEGAL_AID_HEADER) + "\n", encoding="utf-8")
    [entry] = ingest(home, path)
    assert entry.status == "rejected" and entry.errors[0]["code"] == "empty_file"


def test_cli_json_report_and_exit_codes(home, tmp_path):
    good = messy_workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名\n张三\n", encoding="utf-8")
    env = {**os.environ, "UNIONKPI_TODAY": TODAY.isoformat()}
    command = [sys.executable, "-m", "unionkpi", "--home", str(home.root), "ingest", "--json"]
    ok = subprocess.run([*command, str(good)], capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert set(report["files"][0]) == {
        "path",
        "sheet",
        "sha256",
        "load_id",
        "dataset",
        "period",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "errors",
        "notes",
    }
    assert report["files"][0]["notes"] == []
    assert set(report["files"][0]["errors"][0]) == {"row", "column", "code", "message", "message_en"}
    rejected = subprocess.run([*command, str(bad)], capture_output=True, text=True, env=env, check=False)
    assert rejected.returncode == 1
    assert json.loads(rejected.stdout)["files"][0]["status"] == "rejected"
    missing = subprocess.run(
        [*command, str(tmp_path / "nope.csv")], capture_output=True, text=True, env=env, check=False
    )
    assert missing.returncode == 2 and missing.stdout == ""


def test_a_second_writer_waits_for_the_first(home, tmp_path):
    """Writers to the landing data are serialised: an ingest that finds the
    lock held says so and waits, then loads. The holder keeps the lock until
    the ingest has said it waits, however slowly a busy machine starts it."""
    load.connect(home).close()  # create the landing database
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.readline()",
            str(home.landing),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    path = messy_workbook(tmp_path / "wait.xlsx")
    env = {**os.environ, "UNIONKPI_TODAY": TODAY.isoformat()}
    command = [sys.executable, "-m", "unionkpi", "--home", str(home.root), "ingest", "--json"]
    ingest = subprocess.Popen(
        [*command, "--submitted-by", "张三", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    said = ""  # what the ingest printed until it said it waits (or ended)
    while "waiting" not in said and (line := ingest.stderr.readline()):
        said += line
    holder.communicate("\n")  # the lock is let go only now
    _, rest = ingest.communicate()
    assert "等待" in said and "waiting" in said, said + rest
    assert ingest.returncode == 0, rest
    assert landing(home, "select submitted_by, rows_loaded from loads") == [("张三", 2)]


def test_errors_xlsx_returns_bad_rows_in_the_districts_layout(home, tmp_path):
    from ingest.feedback import write_errors_xlsx

    entries = ingest(home, messy_workbook(tmp_path / "闵行.xlsx"))
    out = tmp_path / "退回.xlsx"
    assert write_errors_xlsx(entries, out) == 1
    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    # The header stands under the sheet's title block (tests/ingest/test_feedback.py).
    top = next(i for i, row in enumerate(rows) if row[0] == "原行号 row")
    assert rows[top] == ["原行号 row", *LEGAL_AID_HEADER, "错误原因 reasons"]
    assert rows[top + 1][:3] == [6, "FY-3", "Minhang"]
    assert "受理日期：日期晚于今天" in rows[top + 1][-1] and "争议类型：不在可选值范围内" in rows[top + 1][-1]
    header = top + 1  # openpyxl's rows count from 1
    highlighted = {
        sheet.cell(row=header, column=c.column).value for c in sheet[header + 1] if c.fill.fgColor.rgb == "FFFFC7CE"
    }
    assert highlighted == {"受理日期", "结案日期", "争议类型", "涉及职工人数", "挽回经济损失（万元）"}
