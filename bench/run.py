"""Benchmarks at city, national and beyond-national scale (`make bench`).

    .venv/bin/python -m bench.run [--scales 1 100 300] [--out DIR] [--results DIR]
                                  [--quick] [--keep] [--merge] [--timeout S]

The data come from the demo simulation's bulk output (ingest/demo/bulk.py):
at scale 1 a city-year, about 30,000 legal-aid cases, 9,000 wage cases and
2,500 certification applications; 100 is about 3 million cases, 300 about 9
million. Twelve months (before the data month) of every dataset and the
targets fill the home; the data month is the "one more month". For each
scale, every stage runs as its own subprocess (spawned through
bench.measure, so its peak memory is its own) and is compared with a bare
baseline timed in the same run:

1. ingest: `unionkpi ingest` of the twelve months' legal-aid CSV vs DuckDB
   `create table t as select * from read_csv(...)` of the same file;
2. build: the wage, certification and target files ingested too, then
   `unionkpi build` vs a bare DuckDB script doing the same dedupe
   (latest version per natural key) and kpi_district_month; the start-up
   of dbt and Great Expectations (their import) is reported apart;
3. rebuild: ingest the data month's files, `unionkpi build` again vs the
   script again;
4. check: `unionkpi check` vs one DuckDB query per suite computing the
   aggregates the checks need;
5. dashboards: server render of each page in dashboards/app_pages/ with
   Streamlit's AppTest vs a one-chart page (bench/one_chart_page.py);
6. the peak memory of every one of them.

Results go to RESULTS/results.json and a table into RESULTS/README.md
(default RESULTS = bench/). Working files go to --out (default a new folder
under /tmp, removed afterwards unless --keep); never inside the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PYTHON = sys.executable
DEFAULT_SCALES = (1.0, 100.0, 300.0)
DEMO_SEED = 2024
MONTHS = 12  # months of data in the home before the data month
DEFAULT_TODAY = "2026-11-22"
DEFAULT_TIMEOUT = 5400
MARK_START = "<!-- bench:results:start -->"
MARK_END = "<!-- bench:results:end -->"
STAGES = ("ingest", "build", "rebuild", "check")
CHROMIUM = "/usr/bin/chromium"
BUSY_CORES = 0.3  # other processes' CPU use (cores) above which a figure is marked ‡


class Runner:
    """Runs commands through bench.measure and keeps their logs."""

    def __init__(self, logs: Path, env: dict[str, str], timeout: float) -> None:
        self.logs = logs
        self.env = env
        self.timeout = timeout
        logs.mkdir(parents=True, exist_ok=True)

    def run(self, name: str, command: list[Any], env: dict[str, str] | None = None) -> dict[str, Any]:
        command = [str(c) for c in command]
        result_file, out, err = (self.logs / f"{name}.{ext}" for ext in ("result.json", "out", "err"))
        result_file.unlink(missing_ok=True)
        say(f"  {name}: {shown(command)}")
        process = subprocess.Popen(
            [PYTHON, "-m", "bench.measure", str(result_file), str(out), str(err), "--", *command],
            cwd=REPO,
            env={**self.env, **(env or {})},
            start_new_session=True,  # the measure process and the command form one group
        )
        timed_out = False
        try:
            process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        outcome: dict[str, Any] = {"command": shown(command)}
        if timed_out or not result_file.exists():
            outcome.update(seconds=None, peak_mb=None, returncode=None, timed_out=timed_out)
        else:
            outcome.update(json.loads(result_file.read_text(encoding="utf-8")))
        outcome["stdout"] = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
        outcome["stderr_tail"] = (err.read_text(encoding="utf-8", errors="replace") if err.exists() else "")[-2000:]
        if outcome.get("seconds") is not None:
            say(f"    {outcome['seconds']:.2f} s, peak {outcome['peak_mb']:.0f} MB, exit {outcome['returncode']}")
        else:
            say(f"    timed out after {self.timeout:.0f} s" if timed_out else "    failed to run")
        return outcome


def shown(command: list[str]) -> str:
    """A command as one would type it from the repository root."""
    parts = []
    for part in command:
        if part == PYTHON:
            part = ".venv/bin/python" if Path(PYTHON).parent.parent == REPO / ".venv" else PYTHON
        parts.append(part.replace(str(REPO) + "/", ""))
    return shlex.join(parts)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def ok(result: dict[str, Any]) -> bool:
    return result.get("returncode") == 0 and bool(result.get("seconds"))


def last_json(text: str) -> Any:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


def last_published(home: Path) -> dict[str, Any]:
    """The publish log's newest entry (its mode and timings), or {}."""
    log = home / "publish_log.jsonl"
    return json.loads(log.read_text(encoding="utf-8").splitlines()[-1]) if log.exists() else {}


def measured(result: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What results.json keeps of a run."""
    kept = {
        k: result.get(k) for k in ("command", "seconds", "peak_mb", "returncode", "user_seconds", "other_cpu_cores")
    }
    if result.get("timed_out"):
        kept["timed_out"] = True
    if result.get("returncode") not in (0, None) or result.get("timed_out"):
        kept["error"] = result.get("stderr_tail", "")[-800:]
    kept.update(extra)
    return kept


def compare(subject: dict[str, Any], baseline: dict[str, Any], **extra: Any) -> dict[str, Any]:
    stage = {"subject": subject, "baseline": baseline, "ratio": None}
    if subject.get("seconds") and baseline.get("seconds"):
        stage["ratio"] = subject["seconds"] / baseline["seconds"]
    stage.update(extra)
    return stage


def scale_name(scale: float) -> str:
    return str(int(scale)) if float(scale).is_integer() else str(scale)


# ---------------------------------------------------------------------------
# One scale
# ---------------------------------------------------------------------------


class Scale:
    def __init__(self, scale: float, args: argparse.Namespace, work: Path, env: dict[str, str], today: dt.date):
        self.scale = scale
        self.args = args
        self.work = work / f"scale-{scale_name(scale)}"
        self.work.mkdir(parents=True, exist_ok=True)
        self.runner = Runner(self.work / "logs", env, args.timeout)
        self.today = today
        self.demo = self.work / "demo"
        self.manifest: dict[str, Any] = {}
        self.entry: dict[str, Any] = {
            "scale": scale,
            "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "rows": None,
            "stages": {},
            "info": {},
            "notes": [],
            "missing": [],
        }

    def generate(self) -> None:
        """The demo simulation's bulk output: base/ (the twelve months before
        the data month: every dataset and the targets) and update/ (the data
        month), with the rows each holds in manifest.json."""
        result = self.runner.run(
            "generate",
            [
                PYTHON,
                "-m",
                "ingest.demo.bulk",
                self.demo,
                "--seed",
                DEMO_SEED,
                "--today",
                self.today.isoformat(),
                "--scale",
                self.scale,
                "--months",
                MONTHS,
            ],
        )
        if not ok(result):
            raise RuntimeError(f"the demo generator failed:\n{result['stderr_tail']}")
        self.manifest = json.loads((self.demo / "manifest.json").read_text(encoding="utf-8"))
        self.entry["info"]["generate"] = measured(
            result,
            seed=DEMO_SEED,
            data_date=self.manifest["data_date"],
            parts=self.manifest["parts"],
            expected=self.manifest["expected"],
            files=self.manifest["files"],
        )

    def files(self, part: str, *datasets: str) -> list[Path]:
        return [self.demo / f["path"] for f in self.manifest["files"] if f["part"] == part and f["dataset"] in datasets]

    def expected(self, part: str, dataset: str) -> int:
        return self.manifest["expected"][part].get(dataset, {}).get("rows", 0)

    def ingest(self, name: str, home: Path, paths: list[Path], rows: int) -> dict[str, Any]:
        """`unionkpi ingest` of the files; every row must load."""
        result = self.runner.run(name, [PYTHON, "-m", "unionkpi", "--home", home, "ingest", *paths, "--json"])
        counts = self.ingest_counts(result)
        self.require_loaded(result, counts, rows)
        return measured(result, **counts)

    @staticmethod
    def require_loaded(result: dict[str, Any], counts: dict[str, Any], rows: int) -> None:
        if not ok(result) or counts["rows_loaded"] != rows:
            raise RuntimeError(
                f"unionkpi ingest failed (exit {result.get('returncode')}, {counts['rows_loaded']:,} of "
                f"{rows:,} rows loaded): {result.get('stderr_tail', '')[-300:].strip()}"
            )

    @staticmethod
    def ingest_counts(result: dict[str, Any]) -> dict[str, Any]:
        try:
            files = json.loads(result["stdout"])["files"]
        except (json.JSONDecodeError, KeyError):
            return {"files": 0, "rows_loaded": 0, "rows_quarantined": 0, "statuses": {}}
        statuses: dict[str, int] = {}
        for f in files:
            statuses[f["status"]] = statuses.get(f["status"], 0) + 1
        return {
            "files": len(files),
            "rows_loaded": sum(f["rows_loaded"] for f in files),
            "rows_quarantined": sum(f["rows_quarantined"] for f in files),
            "statuses": statuses,
            "error_codes": sorted({e["code"] for f in files for e in f["errors"]}),
        }

    # -- stage 1 ---------------------------------------------------------

    def stage_ingest(self) -> Path:
        say(f"[scale {scale_name(self.scale)}] 1. ingest throughput")
        self.generate()
        rows = self.entry["rows"] = self.expected("base", "legal_aid")
        paths = self.files("base", "legal_aid")
        size = sum(p.stat().st_size for p in paths)
        home = self.work / "home"
        subject = self.runner.run("ingest", [PYTHON, "-m", "unionkpi", "--home", home, "ingest", *paths, "--json"])
        counts = self.ingest_counts(subject)
        baseline_file = self.work / "baseline-csv.duckdb"
        baseline = self.runner.run("ingest_baseline", [PYTHON, "-m", "bench.baselines", "csv", baseline_file, *paths])
        baseline_file.unlink(missing_ok=True)
        baseline_rows = (last_json(baseline["stdout"]) or {}).get("rows", 0) if ok(baseline) else 0
        stage = compare(
            measured(subject, rows=counts["rows_loaded"], **counts),
            measured(baseline, rows=baseline_rows),
            rows_generated=rows,
            input_bytes=size,
        )
        for side in ("subject", "baseline"):
            if stage[side].get("seconds") and stage[side]["rows"]:
                stage[side]["rows_per_second"] = stage[side]["rows"] / stage[side]["seconds"]
        self.entry["stages"]["ingest"] = stage
        self.require_loaded(subject, counts, rows)
        return home

    # -- stage 2 ---------------------------------------------------------

    def populate(self, home: Path) -> None:
        """The rest of base/ (wage recovery, certification, targets) into the
        ingest stage's home, so that every page has data."""
        datasets = ("wage_recovery", "certification", "target")
        rows = sum(self.expected("base", d) for d in datasets)
        loaded = self.ingest("populate_ingest", home, self.files("base", *datasets), rows)
        self.entry["info"]["population"] = loaded
        parts, base = self.manifest["parts"], self.manifest["expected"]["base"]
        self.entry["notes"].append(
            f"data from the demo simulation (`ingest.demo.bulk`, seed {DEMO_SEED}, scale {scale_name(self.scale)}; "
            f"one UTF-8 CSV per dataset and period): {parts['base']['first_date']} to "
            f"{parts['base']['last_date']}: {base['legal_aid']['rows']:,} legal-aid, "
            f"{base['wage_recovery']['rows']:,} wage and {base['certification']['rows']:,} certification rows "
            f"and the targets; the rebuild adds {parts['update']['first_date'][:7]}"
        )

    def build(self, name: str, home: Path, expected_cases: int) -> dict[str, Any]:
        subject = self.runner.run(name, [PYTHON, "-m", "unionkpi", "--home", home, "build"])
        extra: dict[str, Any] = {}
        if ok(subject):
            published = last_published(home)
            extra["timings"] = published.get("timings")
            extra["mode"] = published.get("mode")  # full, or incremental (only the loads since the last publish)
        figures = self.runner.run(
            f"{name}_figures", [PYTHON, "-m", "bench.baselines", "counts", home / "warehouse.duckdb"]
        )
        extra["figures"] = last_json(figures["stdout"]) if ok(figures) else None
        base_file = self.work / f"baseline-{name}.duckdb"
        base_file.unlink(missing_ok=True)
        baseline = self.runner.run(
            f"{name}_baseline", [PYTHON, "-m", "bench.baselines", "build", home / "landing.duckdb", base_file]
        )
        base_figures = last_json(baseline["stdout"]) if ok(baseline) else None
        base_file.unlink(missing_ok=True)
        base_file.with_name(base_file.name + ".wal").unlink(missing_ok=True)
        keys = ("kpi_district_month_rows", "legal_aid_cases", "legal_aid_recovered_yuan", "last_month")
        agree = bool(extra["figures"] and base_figures) and all(extra["figures"][k] == base_figures[k] for k in keys)
        return compare(
            measured(subject, **extra),
            measured(baseline, figures=base_figures),
            expected_legal_aid_cases=expected_cases,
            figures_agree=agree,
        )

    def stage_build(self, home: Path) -> None:
        say(f"[scale {scale_name(self.scale)}] 2. full build")
        self.populate(home)
        expected = self.expected("base", "legal_aid")
        startup = self.runner.run("startup", [PYTHON, "-c", "import dbt.cli.main, great_expectations"])
        cli_startup = self.runner.run("cli_startup", [PYTHON, "-m", "unionkpi", "--help"])
        stage = self.build("build", home, expected)
        stage["startup"] = measured(startup)
        stage["cli_startup"] = measured(cli_startup)
        self.entry["stages"]["build"] = stage
        if not ok(stage["subject"]):
            raise RuntimeError(
                f"unionkpi build failed (exit {stage['subject'].get('returncode')}): "
                f"{(stage['subject'].get('error') or '')[-300:].strip()}"
            )

    # -- stage 3 ---------------------------------------------------------

    def stage_rebuild(self, home: Path) -> None:
        say(f"[scale {scale_name(self.scale)}] 3. rebuild after one more month")
        datasets = ("legal_aid", "wage_recovery", "certification")
        rows = sum(self.expected("update", d) for d in datasets)
        loaded = self.ingest("ingest_month", home, self.files("update", *datasets), rows)
        month_cases = self.expected("update", "legal_aid")
        stage = self.build("rebuild", home, self.expected("base", "legal_aid") + month_cases)
        stage["month"] = self.manifest["parts"]["update"]["first_date"][:7]
        stage["month_rows_generated"] = month_cases
        stage["ingest_month"] = loaded
        # The same build once more with nothing new: what any build costs
        # whatever it adds (imports, the dbt commands over every node, the
        # checks, the copy of the warehouse), so that what the month itself
        # costs shows apart.
        again = self.runner.run("build_nothing_new", [PYTHON, "-m", "unionkpi", "--home", home, "build"])
        published = last_published(home) if ok(again) else {}
        stage["nothing_new"] = measured(again, timings=published.get("timings"), mode=published.get("mode"))
        self.entry["stages"]["rebuild"] = stage

    # -- stage 4 ---------------------------------------------------------

    def stage_check(self, home: Path) -> None:
        say(f"[scale {scale_name(self.scale)}] 4. check")
        subject = self.runner.run("check", [PYTHON, "-m", "unionkpi", "--home", home, "check", "--json"])
        checks = []
        with contextlib.suppress(json.JSONDecodeError, KeyError):
            checks = json.loads(subject["stdout"])["checks"]
        baseline = self.runner.run(
            "check_baseline", [PYTHON, "-m", "bench.baselines", "check", home / "warehouse.duckdb"]
        )
        self.entry["stages"]["check"] = compare(
            measured(
                subject,
                checks=len(checks),
                failed_blocking=[c["name"] for c in checks if not c["success"] and c["severity"] == "blocking"],
                failed_warnings=[c["name"] for c in checks if not c["success"] and c["severity"] != "blocking"],
            ),
            measured(baseline, aggregates=last_json(baseline["stdout"]) if ok(baseline) else None),
        )

    # -- stage 5 ---------------------------------------------------------

    def stage_dashboards(self, home: Path) -> None:
        say(f"[scale {scale_name(self.scale)}] 5. dashboard render")
        env = {"UNIONKPI_HOME": str(home)}
        base = self.runner.run(
            "dashboard_baseline", [PYTHON, "-m", "bench.render_page", BENCH / "one_chart_page.py"], env=env
        )
        baseline = self.render_result(base)
        pages = sorted(p for p in (REPO / "dashboards" / "app_pages").glob("*.py") if not p.name.startswith("_"))
        for page in pages:
            result = self.runner.run(
                f"dashboard_{page.stem}",
                [PYTHON, "-m", "bench.render_page", REPO / "dashboards" / "app.py", f"app_pages/{page.name}"],
                env=env,
            )
            self.entry["stages"][f"dashboard_{page.stem}"] = compare(
                self.render_result(result), dict(baseline), page=page.name
            )
        self.browser_visit(env)

    def browser_visit(self, env: dict[str, str]) -> None:
        """A first visit in headless Chromium (bench.browser_visit): each
        page from the click on its link until Streamlit stops running."""
        if not Path(CHROMIUM).exists():
            self.entry["notes"].append(f"no first visit in a browser: no Chromium at {CHROMIUM}")
            return
        result = self.runner.run("browser_first_visit", [PYTHON, "-m", "bench.browser_visit"], env=env)
        visit = last_json(result["stdout"]) if ok(result) else None
        if not visit:
            self.entry["notes"].append(f"the first visit in a browser failed: {result.get('stderr_tail', '')[-300:]}")
            return
        self.entry["info"]["browser_first_visit"] = visit["seconds"]
        self.entry["notes"].append(
            "first visit in headless Chromium, a new server (cold caches), from the click on a page's link until "
            "Streamlit stops running: " + ", ".join(f"{page} {s:.2f} s" for page, s in visit["seconds"].items())
        )

    @staticmethod
    def render_result(result: dict[str, Any]) -> dict[str, Any]:
        """The render times bench.render_page printed; `seconds` is the page's
        median render with caches cleared, not the process's wall time."""
        try:
            render = last_json(result["stdout"]) or {}
        except json.JSONDecodeError:
            render = {}
        kept = measured(result, process_seconds=result.get("seconds"))
        if ok(result) and "seconds" in render:
            kept.update(
                seconds=render["seconds"],
                renders=render["renders"],
                boot_seconds=render["boot_seconds"],
                cached_seconds=render["cached_seconds"],
                signed_in=render["signed_in"],
                elements=render["elements"],
            )
        else:
            kept["seconds"] = None
            kept["error"] = "; ".join(render.get("error") or []) or result.get("stderr_tail", "")[-800:]
        return kept

    def run(self, save: Any) -> dict[str, Any]:
        try:
            home = self.stage_ingest()
            save()
            self.stage_build(home)
            save()
            self.stage_rebuild(home)
            save()
            self.stage_check(home)
            save()
            self.stage_dashboards(home)
        except RuntimeError as error:
            self.entry["notes"].append(f"stopped: {error}")
            say(f"  stopped: {error}")
        for stage in (*STAGES, "dashboard_*"):
            if stage == "dashboard_*":
                present = any(k.startswith("dashboard_") for k in self.entry["stages"])
            else:
                present = stage in self.entry["stages"]
            if not present:
                self.entry["missing"].append(stage)
        return self.entry


# ---------------------------------------------------------------------------
# Machine, results, README
# ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    memory_gb = None
    try:
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory_gb = round(kb / 2**20, 1)
    except (OSError, AttributeError):
        pass
    versions = {}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "streamlit", "pandas"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:,.1f}"


def fmt_mb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}×"


def stage_note(name: str, stage: dict[str, Any]) -> str:
    subject, baseline = stage["subject"], stage["baseline"]
    if subject.get("error") or subject.get("returncode") not in (0, None) or subject.get("timed_out"):
        return "**failed**: " + (subject.get("error") or "timed out").strip().splitlines()[-1][:160].replace("|", "/")
    if name == "ingest":
        text = (
            f"{stage['rows_generated']:,} rows, {stage['input_bytes'] / 2**20:,.0f} MB: "
            f"{subject.get('rows_per_second', 0):,.0f} vs {baseline.get('rows_per_second', 0):,.0f} rows/s"
        )
        if (subject.get("files") or 0) > 1:
            text += f"; {subject['files']} files (cut under ingest's size limit)"
        return text
    if name in ("build", "rebuild"):
        timings = subject.get("timings") or {}
        parts = ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
        text = f"{subject['mode']} build; " if subject.get("mode") else ""
        text += f"inside: {parts}" if parts else ""
        if name == "build":
            text += f"; start-up (import dbt + GX) {fmt_seconds(stage['startup'].get('seconds'))} s apart"
        else:
            ingest = stage["ingest_month"]
            text += (
                f"; after ingesting {stage['month']} ({stage['month_rows_generated']:,} rows) in "
                f"{fmt_seconds(ingest.get('seconds'))} s"
            )
            again = stage.get("nothing_new") or {}
            if again.get("seconds") is not None:
                text += f"; the same build again with nothing new: {fmt_seconds(again['seconds'])} s"
        if not stage.get("figures_agree"):
            text += "; **figures differ from the baseline's**"
        return text.strip("; ")
    if name == "check":
        text = f"{subject.get('checks', 0)} expectations"
        if subject.get("failed_blocking"):
            text += f"; blocking failures: {', '.join(subject['failed_blocking'])}"
        if subject.get("failed_warnings"):
            text += f"; warnings (non-blocking) not met: {len(subject['failed_warnings'])}"
        return text
    if name.startswith("dashboard_"):
        return (
            f"median of 3 renders, caches cleared; cached {fmt_seconds(subject.get('cached_seconds'))} s vs "
            f"{fmt_seconds(baseline.get('cached_seconds'))} s; app's first run in a fresh process "
            f"{fmt_seconds(subject.get('boot_seconds'))} s vs {fmt_seconds(baseline.get('boot_seconds'))} s"
        )
    return ""


def other_load(stage: dict[str, Any]) -> float:
    """The most CPU (in cores) other processes used during the stage's two runs."""
    values = [stage[side].get("other_cpu_cores") for side in ("subject", "baseline")]
    return max((v for v in values if v is not None), default=0.0)


def table(results: dict[str, Any]) -> str:
    lines = [
        "| scale | stage | unionkpi (s) | baseline (s) | ratio | peak MB unionkpi | peak MB baseline | notes |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key in sorted(results["scales"], key=float):
        entry = results["scales"][key]
        for name, stage in entry["stages"].items():
            subject, baseline = stage["subject"], stage["baseline"]
            busy = other_load(stage)
            mark, note = "", stage_note(name, stage)
            if busy >= BUSY_CORES:
                mark, note = " ‡", f"{note}; ‡ other processes used {busy:.1f} cores meanwhile"
            lines.append(
                f"| {key} | {name} | {fmt_seconds(subject.get('seconds'))} | {fmt_seconds(baseline.get('seconds'))} "
                f"| {fmt_ratio(stage.get('ratio'))}{mark} | {fmt_mb(subject.get('peak_mb'))} "
                f"| {fmt_mb(baseline.get('peak_mb'))} | {note} |"
            )
        for missing in entry["missing"]:
            lines.append(f"| {key} | {missing} | not run | | | | | see notes |")
    return "\n".join(lines)


def measured_dates(results: dict[str, Any]) -> str:
    dates = sorted({(e.get("measured_at") or results["started_at"])[:10] for e in results["scales"].values()})
    return " and ".join(dates) or results["started_at"][:10]


def reproduce_command(results: dict[str, Any]) -> str:
    """The command that measures every scale in the results at once."""
    scales = " ".join(sorted(results["scales"], key=float))
    command = f".venv/bin/python -m bench.run --scales {scales}" + (" --quick" if results["quick"] else "")
    return command if results["today"] == DEFAULT_TODAY else f"UNIONKPI_TODAY={results['today']} {command}"


def results_block(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        MARK_START,
        "",
        f"Measured {measured_dates(results)} on {m['cores']} cores, "
        f"{m['memory_gb']} GB memory ({m['cpu'] or 'unknown CPU'}; {m['platform']}; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f"). `UNIONKPI_TODAY={results['today']}`. Each figure is one run.",
        "",
        "Reproduce with:",
        "",
        f"    {reproduce_command(results)}",
        "",
        table(results),
        "",
    ]
    for key in sorted(results["scales"], key=float):
        entry = results["scales"][key]
        for note in entry["notes"]:
            lines.append(f"- scale {key}: {note}")
    if any(other_load(stage) >= BUSY_CORES for e in results["scales"].values() for stage in e["stages"].values()):
        lines.append(
            f"- ‡: this machine is shared; other processes used at least {BUSY_CORES} of its cores while that "
            "stage ran (CPU time from /proc/stat minus the stage's own), so its times are likely inflated."
        )
    if results.get("not_run"):
        lines.append("")
        lines.append("Not run: " + "; ".join(results["not_run"]))
    lines += ["", MARK_END]
    return "\n".join(lines)


README_HEAD = """# Benchmarks

`make bench` (that is, `.venv/bin/python -m bench.run`) measures the warehouse
on this machine at scales 1 (a city-year: 30,000 legal-aid cases), 100
(3 million: national) and 300 (9 million: beyond national), each stage as its
own subprocess against a bare baseline timed in the same run; see
`bench/run.py` for what each stage and baseline does. `--quick` is the CI
smoke run (`tests/bench/test_bench_smoke.py`).

"""


def write_outputs(results: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / "results.json.partial"
    partial.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(partial, folder / "results.json")
    readme = folder / "README.md"
    block = results_block(results)
    text = readme.read_text(encoding="utf-8") if readme.exists() else README_HEAD + MARK_START + "\n" + MARK_END + "\n"
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        tail = rest.split(MARK_END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=None, help="default: 1 100 300")
    parser.add_argument("--out", type=Path, default=None, help="working files (default: a new folder in /tmp)")
    parser.add_argument("--results", type=Path, default=BENCH, help="where results.json and README.md go")
    parser.add_argument("--quick", action="store_true", help="CI smoke: scale 1 only")
    parser.add_argument("--keep", action="store_true", help="keep the working files")
    parser.add_argument("--merge", action="store_true", help="keep the other scales already in results.json")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds allowed per command")
    parser.add_argument("--today", default=None, help=f"default: UNIONKPI_TODAY, else {DEFAULT_TODAY}")
    parser.add_argument(
        "--render", action="store_true", help="only rewrite README.md from the results.json already in --results"
    )
    args = parser.parse_args(argv)
    if args.scales is None:
        args.scales = [1.0] if args.quick else list(DEFAULT_SCALES)
    if any(s <= 0 for s in args.scales):
        parser.error("scales must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        folder = args.results.resolve()
        write_outputs(json.loads((folder / "results.json").read_text(encoding="utf-8")), folder)
        return 0
    today_text = args.today or os.environ.get("UNIONKPI_TODAY") or DEFAULT_TODAY
    today = dt.date.fromisoformat(today_text)
    created = args.out is None
    work = Path(tempfile.mkdtemp(prefix="unionkpi-bench-", dir="/tmp")) if created else args.out.resolve()
    if work == REPO or REPO in work.parents:
        say(f"--out must be outside the repository: {work}")
        return 2
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "UNIONKPI_TODAY": today.isoformat(), "PYTHONPATH": str(REPO)}
    env.pop("UNIONKPI_HOME", None)
    results_dir = args.results.resolve()
    command = ".venv/bin/python -m bench.run --scales " + " ".join(scale_name(s) for s in args.scales)
    if args.quick:
        command += " --quick"
    if args.today or os.environ.get("UNIONKPI_TODAY") != DEFAULT_TODAY:
        command = f"UNIONKPI_TODAY={today.isoformat()} " + command
    results: dict[str, Any] = {
        "command": command,
        "today": today.isoformat(),
        "quick": args.quick,
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "finished_at": None,
        "machine": machine(),
        "scales": {},
        "not_run": [],
    }
    previous = results_dir / "results.json"
    if args.merge and previous.exists():
        earlier = json.loads(previous.read_text(encoding="utf-8"))
        for key, entry in earlier.get("scales", {}).items():
            if float(key) not in args.scales:
                entry.setdefault("measured_at", earlier.get("started_at"))
                entry.setdefault("notes", []).append(f"measured in an earlier run, {entry['measured_at']}")
                results["scales"][key] = entry
    say(f"working files: {work}")
    floor = Runner(work / "logs", env, args.timeout).run("python_floor", [PYTHON, "-c", "pass"])
    results["machine"]["python_floor"] = measured(floor)
    try:
        for scale in args.scales:
            key = scale_name(scale)

            def save() -> None:
                write_outputs(results, results_dir)

            bench = Scale(scale, args, work, env, today)
            results["scales"][key] = bench.entry
            bench.run(save)
            save()
            if not args.keep:
                shutil.rmtree(bench.work, ignore_errors=True)
    finally:
        results["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        write_outputs(results, results_dir)
        if created and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    say(f"results: {results_dir / 'results.json'}")
    print(table(results))
    return 0 if all(not e["missing"] for e in results["scales"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
