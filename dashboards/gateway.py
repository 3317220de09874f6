"""The dashboards' one door into the orchestration. Everything the app
does that writes (an upload's ingest, a build, a district's return file)
goes through here, and so does what publishing leaves beside the
warehouse (the publish log, why a build was held back, the docs). The
warehouse's figures themselves are read by dashboards.queries.

An ingest and a build run as the command line runs them, in a process of
their own: the app only reads, and an ingest's memory limit stops a file
bomb there, not in the server."""

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.home import REPO, Home
from unionkpi import publish_log


@dataclass(frozen=True)
class Run:
    """A command's outcome: its exit status, what it printed, and its JSON
    report when it gave one."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def crashed(self) -> bool:
        """Ended neither done (0) nor refused (1 or 2, said in both languages)."""
        return self.returncode not in (0, 1, 2) or "Traceback" in self.stderr


def _run(home: Home, *args: str, memory_bytes: int | None = None) -> Run:
    def limit() -> None:
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    done = subprocess.run(
        [sys.executable, "-m", "unionkpi", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIONKPI_HOME": str(home.root)},
        cwd=REPO,
        check=False,
        preexec_fn=limit,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def ingest(
    home: Home, paths: Sequence[Path], submitted_by: str, only_district: str | None, memory_bytes: int
) -> tuple[Run, list[dict[str, Any]] | None]:
    """`unionkpi ingest --json` on uploaded files, within `memory_bytes`;
    the run and the files' report, None when it ended without one (killed
    at its memory limit, say)."""
    args = ["ingest", "--json", "--submitted-by", submitted_by]
    if only_district:
        args += ["--only-district", only_district]
    run = _run(home, *args, *map(str, paths), memory_bytes=memory_bytes)
    try:
        return run, json.loads(run.stdout)["files"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return run, None


def build(home: Home) -> Run:
    """`unionkpi build`: build, check and publish when every check passes."""
    return _run(home, "build")


def return_file(archive_path: str, sheet: str | None, sha256: str, dataset: str, errors: list[dict]) -> bytes:
    """A load's quarantined rows in the district's own layout, with their
    reasons (ingest.feedback), from the archived copy of its file."""
    from ingest.feedback import write_errors_xlsx
    from ingest.load import Entry

    entry = Entry(archive_path, sheet or None, sha256, dataset=dataset, errors=errors)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "return.xlsx"
        write_errors_xlsx([entry], out)
        return out.read_bytes()


def publish_history(home: Home, last: int = 10) -> list[dict]:
    """The latest publishes and rollbacks, oldest first."""
    return publish_log.read_log(home)[-last:]


def held_back(home: Home) -> dict[str, Any] | None:
    """Why the newest build was not published, while that is so."""
    return publish_log.held_back(home)


def dbt_docs(home: Home) -> Callable[[], bytes] | None:
    """What reads the dbt docs site of the published build (one HTML file),
    when there is one."""
    site = home.dbt_docs_site
    return site.read_bytes if site.exists() else None


def data_docs_index(home: Home) -> Path:
    """Great Expectations' data docs on the server (a path, for stewards)."""
    return home.data_docs / "index.html"
