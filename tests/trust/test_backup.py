"""Backup while a dashboard reads, restore into a new home, rebuild: the
same figures."""

import subprocess
import sys

import duckdb

from tests.conftest import run_cli

TOTALS = (
    "select sum(legal_aid_cases), sum(legal_aid_recovered_yuan), sum(wages_recovered_yuan) "
    "from marts.kpi_district_month"
)


def totals(home):
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(TOTALS).fetchone()


def test_backup_while_reading_then_restore_and_rebuild(demo_home, tmp_path):
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "c.execute('select 1').fetchall(); print('reading', flush=True); time.sleep(20)",
            str(demo_home / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "reading"
        run_cli(demo_home, "users", "add", "steward1", "--role", "steward")
        run_cli(demo_home, "backup", str(tmp_path / "backup"))
    finally:
        reader.kill()
    restored = tmp_path / "restored"
    run_cli(restored, "restore", str(tmp_path / "backup"))
    assert totals(restored) == totals(demo_home)
    run_cli(restored, "build")  # rebuilt from the restored landing data
    assert totals(restored) == totals(demo_home)
    users = run_cli(restored, "users", "list").stdout
    assert "steward1\tsteward" in users
    archived = sorted(p.name for p in (demo_home / "archive").rglob("*") if p.is_file())
    assert sorted(p.name for p in (restored / "archive").rglob("*") if p.is_file()) == archived


def test_a_damaged_backup_is_refused(tmp_path, demo_home):
    run_cli(demo_home, "backup", str(tmp_path / "b"))
    with (tmp_path / "b" / "landing.duckdb").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\x00garbage")
    done = run_cli(tmp_path / "r", "restore", str(tmp_path / "b"), check=False)
    assert done.returncode == 2 and "damaged" in done.stderr
