"""kill -9 of `unionkpi build` and `unionkpi ingest` at seeded random points
of a copy of the demo home. After each kill the published warehouse still
opens read-only and answers with the figures it had (or, if the kill came
after the swap, with the new ones: never anything in between), every load
in the landing data has exactly the rows its load log says, and running
the command again completes and publishes the new figures."""

from __future__ import annotations

import fcntl
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from kernel.errors import UnionKpiError
from kernel.home import Home
from kernel.publish_log import read_log
from tests.conftest import TODAY, run_cli
from unionkpi import publish, snapshot
from unionkpi.backup import backup, restore

SEED = 20261122
BUILD_KILLS = 2  # two random points in the build; round 0 also tears the logs
INGEST_KILLS = 3
INGEST_ROWS = 40_000
HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果"
DATASETS = ("legal_aid", "wage_recovery", "certification", "target")


def copy_of(demo_home: Path, tmp_path: Path) -> Path:
    backup(Home(demo_home), tmp_path / "backup")
    restore(tmp_path / "backup", Home(tmp_path / "home"))
    return tmp_path / "home"


def cases_file(path: Path, prefix: str, rows: int) -> Path:
    lines = [HEADER] + [f"{prefix}-{i},长宁,2026-10-{i % 28 + 1:02d},,劳动报酬,1,0.5,办理中" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start(home: Path, *args: str) -> subprocess.Popen:
    """The command in the background, its messages to a file beside the home."""
    with (home.parent / "stderr.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "unionkpi", "--home", str(home), *args],
            env={**os.environ, "UNIONKPI_TODAY": TODAY},
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # its own process group: the kill reaches all it started
        )


def messages(home: Path) -> str:
    return (home.parent / "stderr.log").read_text(encoding="utf-8", errors="replace")[-3000:]


def kill_after(process: subprocess.Popen, delay: float) -> bool:
    """kill -9 the command after ``delay`` seconds; False if it ended first."""
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        # False if it ended on its own between the timeout and the kill (seen
        # once in a clean-clone run: exit 0 with the kill already sent)
        return process.wait() == -signal.SIGKILL


def published(home: Path, prefix: str) -> tuple[int, int, int]:
    """(cases, cases by month summed, cases of this round's file) of the
    published warehouse, opened read-only as the dashboards open it."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        (cases,) = con.execute("select count(*) from marts.fct_legal_aid_cases").fetchone()
        (by_month,) = con.execute("select sum(legal_aid_cases) from marts.kpi_district_month").fetchone()
        (ours,) = con.execute(
            "select count(*) from marts.fct_legal_aid_cases where case_id like ?", [f"{prefix}-%"]
        ).fetchone()
    return cases, int(by_month), ours


def landing_loads(home: Path) -> dict[str, int]:
    """{load_id: rows_loaded} after checking that every load has exactly
    the rows and quarantined rows its load log says, and no row lacks a load."""
    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        logged = {
            load_id: (status, loaded or 0, quarantined or 0)
            for load_id, status, loaded, quarantined in con.execute(
                "select load_id, status, rows_loaded, rows_quarantined from loads"
            ).fetchall()
        }
        stored: dict[str, int] = {}
        for table in DATASETS:
            for load_id, count in con.execute(f"select load_id, count(*) from {table} group by 1").fetchall():
                stored[load_id] = stored.get(load_id, 0) + count
        held = dict(con.execute("select load_id, count(*) from quarantine group by 1").fetchall())
        (seqs,) = con.execute("select count(distinct load_seq) = count(*) from loads").fetchone()
    assert seqs, "two loads share a sequence number"
    assert set(stored) <= set(logged) and set(held) <= set(logged), "rows without a load"
    for load_id, (status, loaded, quarantined) in logged.items():
        expected = (loaded, quarantined) if status == "loaded" else (0, 0)
        assert (stored.get(load_id, 0), held.get(load_id, 0)) == expected, f"{load_id} is partial"
    return {load_id: loaded for load_id, (status, loaded, _) in logged.items() if status == "loaded"}


def build_seconds(home: Path) -> float:
    """How long the stages of the last publish took on this machine."""
    return sum(read_log(Home(home))[-1]["timings"].values())


@pytest.mark.parametrize("round_no", range(BUILD_KILLS))
def test_kill_minus_nine_of_a_build_then_rerun(round_no, demo_home, tmp_path):
    home = copy_of(demo_home, tmp_path)
    prefix = f"CRASH{round_no}"
    run_cli(home, "ingest", str(cases_file(tmp_path / f"{prefix}.csv", prefix, 5)))
    before = published(home, prefix)
    assert before[2] == 0
    loads = landing_loads(home)
    # A random point between the start and the end of the build's stages
    # (the process also spends a few seconds importing before them).
    rng = random.Random(SEED + round_no)
    delay = rng.uniform(0.05, 1.0) * build_seconds(demo_home)
    while not kill_after(build := start(home, "build"), delay):
        assert build.returncode == 0, messages(home)
        delay /= 2  # finished before the kill: kill the next one sooner
        before = published(home, prefix)
    print(f"round {round_no}: killed the build after {delay:.1f}s")

    after_kill = published(home, prefix)  # opens, read-only, and answers
    assert after_kill == before or after_kill[2] == 5, "the warehouse holds part of a build"
    assert landing_loads(home) == loads  # a build never writes the landing data
    if round_no == 0:
        # As a kill in the middle of appending to the logs leaves them.
        with (home / "check_runs.jsonl").open("a", encoding="utf-8") as log:
            log.write('{"run_id": "2026-11-22T09:00:00+08:00-torn", "name": "to')
        with (home / "publish_log.jsonl").open("a", encoding="utf-8") as log:
            log.write('{"at": "2026-11-22T09:00:01+08:00", "by": "to')

    run_cli(home, "build")
    after = published(home, prefix)
    assert after[2] == 5 and after[0] == before[0] + 5 - before[2]
    entries = read_log(Home(home))
    assert entries[-1]["action"] == "publish" and (home / "builds" / entries[-1]["build"]).exists()
    assert os.stat(home / "warehouse.duckdb").st_ino == os.stat(home / "builds" / entries[-1]["build"]).st_ino
    # The killed build's file is pruned: only published builds stay.
    logged = {e["build"] for e in entries}
    assert {p.name for p in (home / "builds").glob("*.duckdb")} <= logged
    assert not (home / "held_back.json").exists()


def test_kill_minus_nine_of_ingest_at_random_points_then_rerun(demo_home, tmp_path):
    home = copy_of(demo_home, tmp_path)
    figures = published(home, "K")
    started = time.monotonic()
    run_cli(home, "ingest", str(cases_file(tmp_path / "K.csv", "K", INGEST_ROWS)))
    seconds = time.monotonic() - started
    loads = landing_loads(home)
    rng = random.Random(SEED)
    before_commit = 0
    for kill_no in range(INGEST_KILLS):
        source = cases_file(tmp_path / f"K{kill_no}.csv", f"K{kill_no}", INGEST_ROWS)
        delay = rng.uniform(0.2, 0.9) * seconds
        while not kill_after(ingest := start(home, "ingest", str(source)), delay):
            assert ingest.returncode == 0, messages(home)
            # It finished first: that file is in; kill the next one sooner.
            loads = landing_loads(home)
            source = cases_file(tmp_path / f"K{kill_no}-{delay:.0f}.csv", f"K{kill_no}-{delay:.0f}", INGEST_ROWS)
            delay /= 2
        print(f"kill {kill_no}: killed the ingest after {delay:.1f}s")
        now = landing_loads(home)  # every load whole
        added = [rows for load_id, rows in now.items() if load_id not in loads]
        assert {k: now[k] for k in loads} == loads and added in ([], [INGEST_ROWS])
        before_commit += not added
        assert published(home, "K") == figures  # ingest never touches the warehouse
        run_cli(home, "ingest", str(source))  # the rerun completes
        now = landing_loads(home)
        assert len(now) == len(loads) + 1 and INGEST_ROWS in [now[k] for k in now if k not in loads]
        loads = now
    assert before_commit, "every kill came after the commit: no kill tested a partial ingest"


def test_a_build_waits_for_the_one_running_and_dies_cleanly_while_waiting(demo_home, tmp_path):
    """Builds share the dbt target folder and prune old build files: one at a
    time. A build killed while it waits leaves nothing behind."""
    home = copy_of(demo_home, tmp_path)
    builds = sorted((home / "builds").iterdir())
    figures = published(home, "X")
    with (home / "build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running build holds it
        waiting = start(home, "build")
        try:
            time.sleep(6)
            assert waiting.poll() is None, "the build did not wait"
            assert sorted((home / "builds").iterdir()) == builds  # nothing started
        finally:
            assert kill_after(waiting, 0)
    assert published(home, "X") == figures and sorted((home / "builds").iterdir()) == builds
    with (home / "build.lock").open("a") as lock:  # the kernel let go of the dead one's turn
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_snapshot_keeps_what_a_dead_writer_left_in_the_landing_log(tmp_path: Path) -> None:
    """A build's snapshot is a byte copy of the landing file: rows a writer
    committed but, killed, never folded into the file (they are only in
    landing.duckdb.wal) must be in the snapshot too."""
    home = Home(tmp_path / "home")
    home.ensure()
    writer = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from ingest.load import connect, landing_schema\n"
        "from kernel.home import Home\n"
        "con = connect(Home(Path(sys.argv[1])))\n"
        "for statement in landing_schema():\n"
        "    con.execute(statement)\n"
        'con.execute("checkpoint")\n'
        "con.execute(\"insert into withdrawals values ('L1', 'steward', '重复 duplicate', now()::timestamp)\")\n"
        "os._exit(0)  # killed before closing: the row is in the write-ahead log only\n"
    )
    subprocess.run([sys.executable, "-c", writer, str(home.root)], check=True, cwd=Path(__file__).parents[2])
    assert home.landing.with_name("landing.duckdb.wal").stat().st_size > 0

    copied = tmp_path / "snapshot.duckdb"
    snapshot.copy_landing(home, copied)
    with duckdb.connect(str(copied), read_only=True) as con:
        assert con.execute("select load_id, reason from raw.withdrawals").fetchall() == [("L1", "重复 duplicate")]


def test_a_checks_process_that_dies_stops_the_build_with_a_clear_error(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    home.ensure()
    with publish.Checks(home) as checks:
        checks.process.kill()
        with pytest.raises(UnionKpiError) as raised:
            checks.answer()
    assert raised.value.code == "checks_failed_to_run"
    assert "数据质量检查进程" in raised.value.zh and "checks' process ended" in raised.value.en
