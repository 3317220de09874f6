"""Shared fixtures, built once per test session: a real demo warehouse made
by the real CLI (generate, ingest, dbt build, checks, publish) at a small
scale, in a temporary home."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TODAY = "2026-11-22"
DEMO_SEED = 7
DEMO_SCALE = "0.02"


def run_cli(home: Path, *args: str, check: bool = True, today: str = TODAY) -> subprocess.CompletedProcess:
    env = {**os.environ, "UNIONKPI_TODAY": today}
    done = subprocess.run(
        [sys.executable, "-m", "unionkpi", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"unionkpi {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo_home")
    run_cli(home, "demo", "--no-serve", "--seed", str(DEMO_SEED), "--scale", DEMO_SCALE)
    return home


@pytest.fixture(scope="session")
def warehouse_home(demo_home: Path) -> Path:
    """A home folder with a real published warehouse.duckdb (demo data)."""
    return demo_home
