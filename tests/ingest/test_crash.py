"""kill -9 of an ingest at any moment leaves the landing data consistent
(a file's rows are all there or none), and running it again completes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest import bulk
from tests.ingest.test_load import LEGAL_AID_HEADER

# Seconds after the landing database appears: the kill lands while the file's
# rows are being written, however slowly a busy machine started the process.
KILL_AFTER_OPEN = (0.3, 0.8, 1.5)


def kill_after_open(process: subprocess.Popen, landing: Path, delay: float) -> bool:
    """kill -9 the process `delay` seconds after it created the landing
    database; False when it ended first."""
    while not landing.exists() and process.poll() is None:
        time.sleep(0.01)
    time.sleep(delay)
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    return True


def big_csv(path: Path, rows: int) -> Path:
    lines = [",".join(LEGAL_AID_HEADER)]
    lines += [f"K-{i},杨浦,2026-03-{i % 28 + 1:02d},,劳动报酬,1,0.5,办理中" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def has_loads_table(landing: Path) -> bool:
    """The kill came after the landing database had its tables."""
    with duckdb.connect(str(landing), read_only=True) as con:
        return bool(con.execute("select count(*) from duckdb_tables() where table_name = 'loads'").fetchone()[0])


def consistent(landing: Path) -> tuple[int, int]:
    """(loaded loads, stored rows) after asserting each load has exactly its rows."""
    with duckdb.connect(str(landing), read_only=True) as con:
        orphans = con.execute("select count(*) from legal_aid where load_id not in (select load_id from loads)")
        assert orphans.fetchone()[0] == 0
        loads = con.execute("select load_id, rows_loaded from loads where status = 'loaded'").fetchall()
        for load_id, rows_loaded in loads:
            stored = con.execute("select count(*) from legal_aid where load_id = ?", [load_id]).fetchone()[0]
            assert stored == rows_loaded
        return (
            con.execute("select count(*) from loads where status = 'loaded'").fetchone()[0],
            con.execute("select count(*) from legal_aid").fetchone()[0],
        )


# 120,000 rows (5 MB) take the small-file path, 600,000 (25 MB) DuckDB's reader
@pytest.mark.parametrize("rows", [120_000, 600_000])
def test_kill_minus_nine_mid_ingest_then_rerun(tmp_path, rows):
    source = big_csv(tmp_path / "杨浦_2026年3月.csv", rows)
    assert bulk.eligible(source) == (rows > 120_000)
    env = {**os.environ, "UNIONKPI_TODAY": "2026-11-22"}
    seen_partial_states = set()
    for attempt, delay in enumerate(KILL_AFTER_OPEN):
        home = tmp_path / f"home{attempt}"
        command = [sys.executable, "-m", "unionkpi", "--home", str(home), "ingest", str(source)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed = kill_after_open(process, home / "landing.duckdb", delay)
        if killed and has_loads_table(home / "landing.duckdb"):
            state = consistent(home / "landing.duckdb")
            assert state in {(0, 0), (1, rows)}
            seen_partial_states.add(state)
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert consistent(home / "landing.duckdb") == (1, rows)
        assert not list(home.glob(".bulk-*"))  # no work folder left behind
    # at least one kill landed mid-file, after the landing database was open
    # and before the commit, and left no trace of the file
    assert (0, 0) in seen_partial_states
