"""Smoke test of the benchmark harness (`python -m bench.run --quick`): it
runs end to end into a temporary folder and its results hold together.
Nothing here is about speed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-22"
STAGES = ("ingest", "build", "rebuild", "check")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("bench")
    results = root / "results"
    env = {**os.environ, "UNIONKPI_TODAY": TODAY}
    env.pop("UNIONKPI_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(root / "work"), "--results", str(results)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads((results / "results.json").read_text(encoding="utf-8")), results, done


def test_every_stage_has_a_subject_and_a_baseline(quick_run: tuple[dict, Path, subprocess.CompletedProcess]) -> None:
    results, _, _ = quick_run
    assert results["quick"] is True
    assert list(results["scales"]) == ["1"]
    entry = results["scales"]["1"]
    assert entry["missing"] == []
    pages = sorted(p.stem for p in (REPO / "dashboards" / "app_pages").glob("*.py") if not p.name.startswith("_"))
    expected = [*STAGES, *(f"dashboard_{page}" for page in pages)]
    assert sorted(entry["stages"]) == sorted(expected)
    for name, stage in entry["stages"].items():
        for side in ("subject", "baseline"):
            run = stage[side]
            assert run["returncode"] == 0, (name, side, run.get("error"))
            assert run["seconds"] > 0, (name, side)
            assert run["peak_mb"] > 0, (name, side)
        assert math.isclose(stage["ratio"], stage["subject"]["seconds"] / stage["baseline"]["seconds"]), name
        if name.startswith("dashboard_"):
            # The page's own render times, not the process's: three renders, the median reported.
            renders = stage["subject"]["renders"]
            assert len(renders) == 3 and stage["subject"]["seconds"] == sorted(renders)[1]
            assert stage["subject"]["elements"]["title"], name
            # The home holds every dataset: no page says “no data” (所选条件下没有数据).
            assert stage["subject"]["elements"]["info"] == [], name
    # a first visit in the browser: every page of the sidebar, timed from its click
    visit = entry["info"]["browser_first_visit"]
    assert set(visit) == {"overview (after sign-in)", "legal-aid", "wages", "certifications", "definitions", "overview"}
    assert all(0 < seconds < 120 for seconds in visit.values()), visit


def test_row_counts_are_what_was_generated(quick_run: tuple[dict, Path, subprocess.CompletedProcess]) -> None:
    results, folder, _ = quick_run
    entry = results["scales"]["1"]
    expected = entry["info"]["generate"]["expected"]
    base, update = expected["base"], expected["update"]
    # A city-year of the demo's calibration, every dataset and the targets.
    assert 25_000 < base["legal_aid"]["rows"] < 36_000
    assert base["wage_recovery"]["rows"] > 0 and base["certification"]["rows"] > 0 and base["target"]["rows"] > 0

    ingest = entry["stages"]["ingest"]
    assert ingest["rows_generated"] == entry["rows"] == base["legal_aid"]["rows"]
    assert ingest["subject"]["rows"] == ingest["baseline"]["rows"] == entry["rows"]
    assert ingest["subject"]["rows_quarantined"] == 0
    assert ingest["subject"]["statuses"] == {"loaded": ingest["subject"]["files"]}
    for side in ("subject", "baseline"):
        run = ingest[side]
        assert math.isclose(run["rows_per_second"], run["rows"] / run["seconds"])
    population = entry["info"]["population"]
    assert population["rows_loaded"] == sum(base[d]["rows"] for d in ("wage_recovery", "certification", "target"))
    assert population["rows_quarantined"] == 0

    build, rebuild = entry["stages"]["build"], entry["stages"]["rebuild"]
    assert build["expected_legal_aid_cases"] == base["legal_aid"]["rows"]
    for stage in (build, rebuild):
        assert stage["figures_agree"] is True
        assert stage["subject"]["figures"]["legal_aid_fact_rows"] == stage["expected_legal_aid_cases"]
        assert stage["baseline"]["figures"]["legal_aid_fact_rows"] == stage["expected_legal_aid_cases"]
    # One more month adds exactly the cases written for it.
    month = rebuild["month_rows_generated"]
    assert month == update["legal_aid"]["rows"] > 0
    assert rebuild["ingest_month"]["rows_loaded"] == sum(update[d]["rows"] for d in update)
    assert rebuild["ingest_month"]["rows_quarantined"] == 0
    assert rebuild["expected_legal_aid_cases"] == build["expected_legal_aid_cases"] + month
    assert build["subject"]["figures"]["last_month"] < rebuild["subject"]["figures"]["last_month"]
    assert rebuild["subject"]["figures"]["last_month"] == f"{rebuild['month']}-01"
    assert (build["subject"]["mode"], rebuild["subject"]["mode"]) == ("full", "incremental")
    # and the same build with nothing new, the floor every build pays
    assert rebuild["nothing_new"]["mode"] == "incremental" and rebuild["nothing_new"]["seconds"] > 0
    assert "the same build again with nothing new" in (folder / "README.md").read_text(encoding="utf-8")
    assert build["startup"]["seconds"] > 0

    check = entry["stages"]["check"]
    assert check["subject"]["checks"] > 0
    assert check["subject"]["failed_blocking"] == []


def test_outputs_stay_where_they_were_sent(quick_run: tuple[dict, Path, subprocess.CompletedProcess]) -> None:
    results, folder, done = quick_run
    readme = (folder / "README.md").read_text(encoding="utf-8")
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["memory_gb"] > 0
    assert f"{machine['cores']} cores" in readme
    assert "python -m bench.run --scales 1 --quick" in readme
    assert "| 1 | ingest |" in readme and "| 1 | check |" in readme
    assert "| 1 | ingest |" in done.stdout
    # The working folder is under tmp_path, and nothing was written into the repository's bench/.
    assert not any((REPO / "bench").glob("scale-*"))


def test_the_working_folder_must_be_outside_the_repository(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--out",
            str(REPO / "bench" / "out"),
            "--results",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "outside the repository" in done.stderr
    assert not (tmp_path / "results.json").exists()
