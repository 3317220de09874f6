"""Large CSVs go through DuckDB's reader (ingest/bulk.py). Every row must get
the same verdict, typed values, reasons and row number as on the small-file
path: each test here ingests the same file both ways and compares the
landing data."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest import bulk, load
from kernel.home import Home
from tests.ingest.test_load import TODAY

HEADER = "案件编号,区,街镇,受理日期,结案日期,争议类型,涉及职工人数,新就业形态,挽回经济损失{unit},办理结果\n"
GOOD = "A-{i},闵行区,古美路街道,2026-03-{d:02d},2026-04-01,劳动报酬,{w},否,{m},调解成功\n"
# Rows SQL cannot judge or that are wrong: the Python checks must see them.
ODD = [
    'B-1,Minhang,,2026/3/5,,欠薪,２,是,"1,234.5",在办\n',  # English name, slash date, full width, 1,234
    "B-2,闵行,, 2026-03-06 ,,劳动报酬,3,Y,12.345,办理中\n",  # padded date, 3 decimals (rounded)
    "B-3,火星区,,2026-03-07,,劳动报酬,1,否,5,办理中\n",  # unknown district
    "B-4,闵行区,,2027-01-01,,劳动报酬,0,否,-5,办理中\n",  # future date, zero workers, negative amount
    "B-5,闵行区,,2026-03-09,2026-03-01,劳动报酬,1,否,5,调解成功\n",  # closed before received
    "=cmd(),闵行区,,2026-03-10,,劳动报酬,1,否,5,办理中\n",  # formula
    "A-1,闵行区,,2026-03-11,,劳动报酬,1,否,5,办理中\n",  # repeats a clean row's key
    "B-6,310112,,45366,,社保,1,否,,撤诉\n",  # code, Excel serial, synonyms, empty amount
    "合计,,,,,,99,,999,\n",  # totals row
    ",,,,,,,,,\n",  # only separators
    "B-7,闵行区,,2026年3月12日,,劳动报酬,1,否,5,办理中,extra,cells\n",  # trailing cells
    "B-8,闵行区,,2026-02-30,,劳动报酬,1,否,5,办理中\n",  # no such day
    "\n",  # a blank line: row numbers after it must still match
    "B-9,闵行区,,2026-03-13,,劳动报酬,1,否,99999999999,办理中\n",  # above the ceiling
    "填报人：张三,,,,,,,,,\n",  # footer
]


def write(path: Path, rows: list[str], *, unit: str = "（元）", encoding: str = "utf-8", title: bool = True) -> Path:
    text = ("2026年3月闵行区法律援助案件明细表\n" if title else "") + HEADER.format(unit=unit) + "".join(rows)
    path.write_bytes(text.encode(encoding))
    return path


def good_rows(count: int) -> list[str]:
    return [GOOD.format(i=i, d=i % 28 + 1, w=i % 7 + 1, m=f"{i * 37 % 100000}.{i % 100:02d}") for i in range(count)]


def both_ways(tmp_path: Path, path: Path, monkeypatch, **options) -> tuple[dict, dict]:
    """Ingest the file on the small-file path and on the bulk path, each into
    its own home; what each stored."""
    seen = {}
    for way, threshold in (("small", 1 << 40), ("bulk", 0)):
        monkeypatch.setattr(bulk, "BULK_BYTES", threshold)
        home = Home(tmp_path / way).ensure()
        con = load.connect(home)
        try:
            [entry] = load.ingest_file(con, home, path, today=TODAY, **options)
        finally:
            con.close()
        seen[way] = stored(home, entry)
    return seen["small"], seen["bulk"]


def stored(home: Home, entry: load.Entry) -> dict:
    with duckdb.connect(str(home.landing), read_only=True) as con:
        return {
            "entry": (entry.status, entry.dataset, entry.period, entry.rows_read, entry.rows_loaded),
            "quarantined": entry.rows_quarantined,
            "errors": entry.errors,
            "rows": con.execute("select * exclude (load_id) from legal_aid order by source_row").fetchall(),
            "quarantine": con.execute("select source_row, raw from quarantine order by all").fetchall(),
            "load_errors": con.execute("select * exclude (load_id) from load_errors order by all").fetchall(),
            "load": con.execute(
                "select dataset, status, period_start, period_end, districts, rows_read, rows_loaded from loads"
            ).fetchall(),
        }


def test_a_messy_file_gets_the_same_verdicts_both_ways(tmp_path, monkeypatch):
    rows = good_rows(40)
    for at, odd in enumerate(ODD):
        rows.insert(3 + at * 2, odd)
    small, big = both_ways(tmp_path, write(tmp_path / "messy.csv", rows), monkeypatch)
    assert big == small
    # and the small path's verdicts are the ones intended
    codes = sorted({(e["row"], e["code"]) for e in small["errors"]})
    assert ("duplicate_key" in {c for _, c in codes}) and ("formula_text" in {c for _, c in codes})
    # read: all but the totals, separators-only, blank and footer lines; loaded: the
    # good rows but A-1 (its key repeats) and the four odd rows that are right
    assert small["entry"][3:] == (40 + len(ODD) - 4, 40 - 1 + 4)
    assert big["rows"][0][1] == 3  # first data row: line 3, after the title and header


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_encodings_and_wan_yuan_the_same_both_ways(tmp_path, monkeypatch, encoding):
    rows = good_rows(30) + ODD[:3]
    path = write(tmp_path / "f.csv", rows, unit="（万元）", encoding=encoding, title=False)
    small, big = both_ways(tmp_path, path, monkeypatch)
    assert big == small
    assert small["rows"][1][14] == 370100  # 37.01 万元 in yuan


def test_quoted_line_breaks_fall_back_to_the_small_file_path(tmp_path, monkeypatch):
    rows = good_rows(5) + ['C-1,闵行区,"古美\n路",2026-03-02,,劳动报酬,1,否,5,办理中\n'] + good_rows(3)
    small, big = both_ways(tmp_path, write(tmp_path / "nl.csv", rows), monkeypatch)
    assert big == small
    assert small["entry"][3] == 9


def test_only_district_refuses_other_districts_rows_both_ways(tmp_path, monkeypatch):
    rows = good_rows(5) + ["D-1,黄浦区,,2026-03-02,,劳动报酬,1,否,5,办理中\n"]
    small, big = both_ways(tmp_path, write(tmp_path / "scope.csv", rows), monkeypatch, only_district="310112")
    assert big == small
    assert [e["code"] for e in small["errors"]] == ["district_out_of_scope"]


cells = {
    "case": st.sampled_from(["X-1", "X-2", "X-3", " X-4", "=1", "合计", ""]),
    "district": st.sampled_from(["闵行区", "闵行", "Minhang", "310112", "黄浦区", "未知区", ""]),
    "date": st.sampled_from(["2026-03-01", "2026/3/2", "2026年3月3日", "20260304", "2027-01-01", "2026-13-01", ""]),
    "type": st.sampled_from(["劳动报酬", "社保", "other", "未知", ""]),
    "workers": st.sampled_from(["1", "12", "０", "1.5", "-1", ""]),
    "flag": st.sampled_from(["是", "否", "Y", "n", "maybe", ""]),
    "money": st.sampled_from(["0", "12.5", "1,000", "12.345", "-3", "1e3", ""]),
    "outcome": st.sampled_from(["办理中", "调解成功", "在办", "?", ""]),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries(cells), min_size=1, max_size=12))
# found by hypothesis: a totals row whose other cells are all valid
@example(
    [
        {
            "case": "合计",
            "district": "闵行区",
            "date": "2026-03-01",
            "type": "劳动报酬",
            "workers": "1",
            "flag": "是",
            "money": "0",
            "outcome": "办理中",
        }
    ]
)
def test_any_rows_get_the_same_verdicts_both_ways(tmp_path_factory, monkeypatch, rows):
    tmp_path = tmp_path_factory.mktemp("prop")
    lines = [
        f'{r["case"]},{r["district"]},,{r["date"]},,{r["type"]},{r["workers"]},{r["flag"]},"{r["money"]}",'
        f"{r['outcome']}\n"
        for r in rows
    ]
    small, big = both_ways(tmp_path, write(tmp_path / "p.csv", good_rows(3) + lines), monkeypatch)
    assert big == small


def test_a_million_rows_load_with_bounded_memory(tmp_path):
    """The CLI on a 1,000,000-row CSV: every row in, the memory of the
    process well under the target for ten million."""
    path = tmp_path / "million.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER.format(unit="（元）"))
        for i in range(1_000_000):
            district = ("闵行区", "黄浦区", "浦东新区")[i % 3]
            out.write(f"M-{i},{district},,2026-{i % 9 + 1:02d}-{i % 28 + 1:02d},,劳动报酬,")
            out.write(f"{i % 5 + 1},否,{i % 1000}.{i % 100:02d},办理中\n")
    script = (
        "import sys, runpy;"
        "sys.argv = ['unionkpi', '--home', sys.argv[1], 'ingest', '--json', sys.argv[2]];"
        "code = 0\n"
        "try: runpy.run_module('unionkpi', run_name='__main__')\n"
        "except SystemExit as e: code = e.code or 0\n"
        # VmHWM, this process's own high-water mark: ru_maxrss would carry
        # the test worker's size over from before the exec (Linux does).
        "peak = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
        "print('PEAK', peak, file=sys.stderr); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "home"), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIONKPI_TODAY": "2026-11-22"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stderr.split("PEAK")[1].split()[0]) / 1024
    assert peak_mb < 1500, peak_mb
    with duckdb.connect(str(tmp_path / "home" / "landing.duckdb"), read_only=True) as con:
        count, amount, last = con.execute(
            "select count(*), sum(amount_recovered), max(source_row) from legal_aid"
        ).fetchone()
    assert (count, last) == (1_000_000, 1_000_001)
    assert amount == sum(i % 1000 for i in range(1_000_000)) + sum(i % 100 for i in range(1_000_000)) / 100


def test_the_size_limit_is_configurable(tmp_path):
    path = write(tmp_path / "f.csv", good_rows(50))
    done = subprocess.run(
        [sys.executable, "-m", "unionkpi", "--home", str(tmp_path / "home"), "ingest", "--json", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIONKPI_TODAY": "2026-11-22", "UNIONKPI_MAX_FILE_MB": "0.001"},
        check=False,
    )
    assert '"code": "file_too_large"' in done.stdout
    assert done.returncode == 1
