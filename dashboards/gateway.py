"""The dashboards' one door to everything but the warehouse's figures
(which dashboards.queries reads). What the app does that writes (an
upload's ingest, a build, a district's return file) runs here in a child
process, as the command line runs it, and so the dashboards import nothing
of the orchestration or of ingest: an ingest's memory limit stops a file
bomb in its own process, not in the server. What publishing leaves beside
the warehouse (the publish log, why a build was held back, the docs) and
the archive of submitted files are read here too."""

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

from kernel import publish_log
from kernel.home import REPO, Home


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


def _run(home: Home, *args: str, memory_bytes: int | None = None, module: str = "unionkpi", stdin: str = "") -> Run:
    def limit() -> None:
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin,
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


def return_file(
    home: Home, archive_path: str, sheet: str | None, sha256: str, dataset: str, errors: list[dict]
) -> bytes:
    """A load's quarantined rows in the district's own layout, with their
    reasons (ingest.feedback, in a child process), from the archived copy
    of its file."""
    entry = {"path": archive_path, "sheet": sheet or None, "sha256": sha256, "dataset": dataset, "errors": errors}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "return.xlsx"
        run = _run(home, str(out), module="ingest.feedback", stdin=json.dumps([entry], ensure_ascii=False))
        if run.returncode != 0:
            raise RuntimeError(f"ingest.feedback exited {run.returncode}: {run.stderr[-2000:]}")
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


@dataclass(frozen=True)
class ModelSource:
    """A dbt model as its file in the project has it."""

    path: str  # in the dbt project, e.g. models/marts/kpi/kpi_district_month.sql
    sql: str  # as written (Jinja and all), the code a reviewer reads


def model_sources(home: Home) -> dict[str, ModelSource]:
    """Each model of the project, by name, from the manifest of the last dbt
    run in this home (the project the published build was made with, unless
    a held-back build changed it since); empty before any build."""
    manifest = home.dbt_target / "manifest.json"
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return {}
    return {
        node["name"]: ModelSource(node["original_file_path"], node["raw_code"])
        for node in nodes.values()
        if node.get("resource_type") == "model"
    }


def data_docs_index(home: Home) -> Path:
    """Great Expectations' data docs on the server (a path, for stewards)."""
    return home.data_docs / "index.html"


def archived_file(home: Home, archive_path: str) -> bytes | None:
    """The archived original of a submitted file, for a download from a
    record list; None when this home's archive has no such file. Only the
    path's last part is used: ingest.archive keeps each file as
    <archive>/<first two hex digits>/<sha256><suffix>, so a path the
    warehouse names (written where the home was then) is found in this
    home's archive, and nothing outside it is ever read."""
    name = Path(archive_path).name
    if len(name) < 3 or name.startswith("."):
        return None
    path = home.archive / name[:2] / name
    return path.read_bytes() if path.is_file() else None
