"""The outside corpus (772 spreadsheets and CSVs from other projects' test
data, /work/shared/corpus/outside) through the real `unionkpi ingest --json`,
one call per sub-folder: every file gets a verdict in the JSON report, the
exit status is the contract's (0, or 1 when anything is rejected), nothing
prints a traceback, the call's peak memory stays under 1 GB and it answers
within a time limit. Skipped, with the reason, when the corpus is absent."""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

TODAY = "2026-11-22"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
OUTSIDE = CORPUS / "outside"
FOLDERS = ["calamine", "duckdb", "frictionless", "poi", "spectrum", "xlrd"]
CORPUS_FILES = 772
STATUSES = {"loaded", "unchanged", "rejected", "skipped"}
TIMEOUT_SECONDS = 300  # one whole sub-folder; the biggest has 240 small files
PEAK_RSS_BYTES = 1024**3
# A safety net, not the assertion: a runaway allocation fails fast (and shows
# up as a traceback or a crash) instead of taking the machine's memory.
ADDRESS_SPACE_BYTES = 4 * 1024**3


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def walk_skips(path: Path) -> bool:
    """Names the CLI's folder walk leaves out (load.walk); such files are
    passed by name so they get a verdict too."""
    return path.name == "manifest.json" or path.name.startswith((".", "~$"))


@dataclass
class Run:
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    peak_rss_bytes: int


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))


# Runs the command as its own child and writes that child's peak RSS (KB,
# from os.wait4) to the file named in PEAK_FILE. A process started straight
# from pytest would report pytest's own size: Linux carries the parent's
# high-water mark into the child's ru_maxrss across fork and exec, and a
# test worker can be gigabytes by then. This small launcher is the parent.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
with open(os.environ["PEAK_FILE"], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_measured(command: list[str], env: dict[str, str], work: Path, timeout: float) -> Run:
    """Run a command with its output in files (no pipe to fill), killed with
    its process group at the time limit; its peak RSS (with its own
    children) as LAUNCHER measures it."""
    out, err, peak = work / "stdout", work / "stderr", work / "peak_kb"
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, *command],
            env={**env, "PEAK_FILE": str(peak)},
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=_limit_address_space,
        )
    timed_out = False
    while True:
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            _, status, _ = os.wait4(process.pid, 0)
            break
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    return Run(
        returncode=None if timed_out else process.returncode,
        stdout=out.read_text(encoding="utf-8", errors="replace"),
        stderr=err.read_text(encoding="utf-8", errors="replace"),
        seconds=time.monotonic() - started,
        peak_rss_bytes=int(peak.read_text() or 0) * 1024 if peak.exists() else 0,  # kilobytes on Linux
    )


def require_corpus() -> None:
    if not OUTSIDE.is_dir():
        pytest.skip(f"outside corpus not found at {OUTSIDE} (see the shared corpus README)")


def test_outside_corpus_is_all_there():
    """The corpus is whole: a truncated copy would make the per-folder tests pass on less."""
    require_corpus()
    assert sorted(p.name for p in OUTSIDE.iterdir() if p.is_dir()) == FOLDERS
    assert sum(len(corpus_files(OUTSIDE / name)) for name in FOLDERS) == CORPUS_FILES


@pytest.mark.parametrize("name", FOLDERS)
def test_outside_folder_gets_a_verdict_for_every_file(tmp_path, name):
    """One CLI call over a whole sub-folder: a verdict per file, exit 0 or 1
    as the report says, no traceback, under 1 GB, within the time limit."""
    require_corpus()
    folder = OUTSIDE / name
    files = corpus_files(folder)
    assert files, f"{folder} holds no files"
    home = tmp_path / "home"
    command = [sys.executable, "-m", "unionkpi", "--home", str(home), "ingest", "--json", str(folder)]
    command += [str(p) for p in files if walk_skips(p)]
    env = {**os.environ, "UNIONKPI_TODAY": TODAY}
    run = run_measured(command, env, tmp_path, TIMEOUT_SECONDS)
    tail = f"stderr (last 3000 characters):\n{run.stderr[-3000:]}"
    if run.returncode is None:
        pytest.fail(
            f"unionkpi ingest of {folder} ({len(files)} files) was still running after {TIMEOUT_SECONDS} s\n{tail}"
        )

    problems = []
    for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        if "Traceback" in text:
            problems.append(f"a traceback on {stream}")
    if run.returncode not in (0, 1):
        problems.append(f"exit status {run.returncode}, the contract allows only 0 or 1")
    try:
        entries = json.loads(run.stdout)["files"]
    except (ValueError, KeyError, TypeError) as error:
        problems.append(f"stdout is not one JSON report ({error!r}): {run.stdout[:300]!r}")
        entries = []
    judged = {entry.get("path") for entry in entries}
    missing = [str(p) for p in files if str(p) not in judged]
    if missing:
        problems.append(f"{len(missing)} of {len(files)} files have no verdict, e.g. {missing[:10]}")
    odd = [e.get("path") for e in entries if e.get("status") not in STATUSES]
    if odd:
        problems.append(f"{len(odd)} entries have a status outside {sorted(STATUSES)}, e.g. {odd[:5]}")
    unexplained = [
        e.get("path")
        for e in entries
        if e.get("status") == "rejected" and not any(isinstance(x, dict) and x.get("code") for x in e.get("errors", []))
    ]
    if unexplained:
        problems.append(f"{len(unexplained)} rejected entries carry no error code, e.g. {unexplained[:5]}")
    unforeseen = [e.get("path") for e in entries if any(x.get("code") == "ingest_failed" for x in e.get("errors", []))]
    if unforeseen:
        problems.append(f"{len(unforeseen)} files met an error nobody foresaw (ingest_failed), e.g. {unforeseen[:5]}")
    if entries and run.returncode in (0, 1):
        wanted = 1 if any(e.get("status") == "rejected" for e in entries) else 0
        if run.returncode != wanted:
            problems.append(f"exit status {run.returncode}, but the report says it should be {wanted}")
    if run.peak_rss_bytes >= PEAK_RSS_BYTES:
        problems.append(
            f"peak RSS {run.peak_rss_bytes / 1024**2:.0f} MB, the limit is {PEAK_RSS_BYTES / 1024**2:.0f} MB"
        )
    assert not problems, (
        f"unionkpi ingest of {folder} ({len(files)} files, {run.seconds:.1f} s, exit {run.returncode}):\n- "
        + "\n- ".join(problems)
        + f"\n{tail}"
    )
