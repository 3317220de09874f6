"""PostgreSQL against embedded DuckDB (issue 22), `make bench-postgres`:

    .venv/bin/python -m bench.postgres [--scales 1 100] [--out DIR] [--results DIR] [--keep] [--timeout S]

A durable PostgreSQL cluster (fsync on) is started on loopback for the run
(tests/postgres/cluster.py) and removed after it. For each scale, on the
demo simulation's bulk output (as bench.run):

1. ingest: the twelve months' files (every dataset and the targets) by
   `unionkpi ingest` into a DuckDB home and, with UNIONKPI_DATABASE_URL,
   into PostgreSQL; ratio PostgreSQL / DuckDB;
2. build: `unionkpi build --full` on each engine; ratio PostgreSQL / DuckDB,
   and whether the two warehouses give the same headline figures.

At the smallest scale also:

3. uploaders: the data month's legal-aid file cut into 8 files of distinct
   cases, 8 `unionkpi ingest` processes started at once against
   PostgreSQL, against the same 8 one after another (and, for the record,
   the same 8 at once against DuckDB, where they take turns on the landing
   file's lock): rows per second and errors;
4. sessions: 20 dashboard sessions at once (each a process rendering the
   overview with Streamlit's AppTest, as bench.render_page, caches cleared
   before each render) against one session alone: renders per second and
   errors.

Every command runs through bench.measure (wall time, its own peak memory).
Results: RESULTS/postgres_results.json and a section of RESULTS/README.md.
Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from bench.run import (
    BENCH,
    DEFAULT_TIMEOUT,
    DEFAULT_TODAY,
    PYTHON,
    REPO,
    Runner,
    Scale,
    compare,
    fmt_ratio,
    fmt_seconds,
    machine,
    measured,
    ok,
    say,
    scale_name,
)
from tests.postgres.cluster import Server, running_cluster

MARK_START = "<!-- bench:postgres:start -->"
MARK_END = "<!-- bench:postgres:end -->"
UPLOADERS = 8
SESSIONS = 20
DATASETS = ("legal_aid", "wage_recovery", "certification", "target")
# the headline figures both warehouses must agree on
FIGURES = (
    "select count(*), sum(legal_aid_closed), sum(legal_aid_recovered_yuan), "
    "sum(wages_recovered_yuan), max(month) from marts.kpi_district_month"
)


# compared as text: Decimal('1.50') prints alike from either engine
def figures_of_duckdb(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [str(value) for value in con.execute(FIGURES).fetchone()]


def figures_of_postgres(url: str) -> list[str]:
    with psycopg.connect(url) as con:
        row = con.execute(FIGURES).fetchone()
    return [str(value) for value in row] if row else []


class Concurrent:
    """Commands started at once, each through bench.measure, waited for
    together: the wall time from the first start to the last end."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def run(self, name: str, commands: list[list[Any]], env: dict[str, str]) -> dict[str, Any]:
        logs = self.runner.logs
        started = time.perf_counter()
        processes = []
        for index, command in enumerate(commands):
            files = [logs / f"{name}-{index}.{ext}" for ext in ("result.json", "out", "err")]
            files[0].unlink(missing_ok=True)
            processes.append(
                (
                    files,
                    subprocess.Popen(
                        [PYTHON, "-m", "bench.measure", *map(str, files), "--", *map(str, command)],
                        cwd=REPO,
                        env={**self.runner.env, **env},
                    ),
                )
            )
        outcomes = []
        for (result, out, err), process in processes:
            process.wait(timeout=self.runner.timeout)
            outcome = json.loads(result.read_text(encoding="utf-8")) if result.exists() else {"returncode": None}
            outcome["stdout"] = out.read_text(encoding="utf-8", errors="replace")
            outcome["stderr_tail"] = err.read_text(encoding="utf-8", errors="replace")[-800:]
            outcomes.append(outcome)
        wall = time.perf_counter() - started
        say(f"  {name}: {len(commands)} at once, {wall:.2f} s")
        return {"seconds": wall, "outcomes": outcomes}


class PostgresScale(Scale):
    def __init__(self, scale: float, args: argparse.Namespace, work: Path, env: dict[str, str], today: dt.date,
                 server: Server) -> None:  # fmt: skip
        super().__init__(scale, args, work, env, today)
        self.url = server.create_database(f"bench_{scale_name(scale).replace('.', '_')}")
        self.on_postgres = {"UNIONKPI_DATABASE_URL": self.url}
        self.duck_home = self.work / "home-duckdb"
        self.pg_home = self.work / "home-postgres"  # its archive folder

    def ingest_on(self, name: str, home: Path, env: dict[str, str]) -> dict[str, Any]:
        paths = self.files("base", *DATASETS)
        result = self.runner.run(name, [PYTHON, "-m", "unionkpi", "--home", home, "ingest", *paths, "--json"], env=env)
        counts = self.ingest_counts(result)
        rows = sum(self.expected("base", d) for d in DATASETS)
        return measured(result, rows_expected=rows, **counts)

    def stage_ingest_both(self) -> None:
        say(f"[scale {scale_name(self.scale)}] 1. ingest, PostgreSQL against DuckDB")
        self.generate()
        duck = self.ingest_on("ingest_duckdb", self.duck_home, {})
        pg = self.ingest_on("ingest_postgres", self.pg_home, self.on_postgres)
        self.entry["stages"]["ingest"] = compare(pg, duck)
        for side in (duck, pg):
            if side["rows_loaded"] != side["rows_expected"]:
                raise RuntimeError(f"ingest loaded {side['rows_loaded']:,} of {side['rows_expected']:,} rows")

    def stage_build_both(self) -> None:
        say(f"[scale {scale_name(self.scale)}] 2. full build, PostgreSQL against DuckDB")
        command = [PYTHON, "-m", "unionkpi", "--home"]
        duck = self.runner.run("build_duckdb", [*command, self.duck_home, "build", "--full"])
        pg = self.runner.run("build_postgres", [*command, self.pg_home, "build", "--full"], env=self.on_postgres)
        stage = compare(measured(pg), measured(duck))
        if ok(duck) and ok(pg):
            stage["figures"] = {
                "duckdb": figures_of_duckdb(self.duck_home / "warehouse.duckdb"),
                "postgres": figures_of_postgres(self.url),
            }
            stage["figures_agree"] = stage["figures"]["duckdb"] == stage["figures"]["postgres"]
        self.entry["stages"]["build"] = stage

    def month_pieces(self) -> tuple[list[Path], int]:
        """The data month's legal-aid rows cut into UPLOADERS files of
        distinct cases, each with the header."""
        (source,) = self.files("update", "legal_aid")
        header, *rows = source.read_text(encoding="utf-8").splitlines(keepends=True)
        folder = self.work / "pieces"
        folder.mkdir(exist_ok=True)
        pieces = []
        for index in range(UPLOADERS):
            piece = folder / f"legal_aid-{index + 1}.csv"
            piece.write_text(header + "".join(rows[index::UPLOADERS]), encoding="utf-8")
            pieces.append(piece)
        return pieces, len(rows)

    @staticmethod
    def uploads(run: dict[str, Any], rows: int) -> dict[str, Any]:
        loaded, errors = 0, []
        for outcome in run["outcomes"]:
            try:
                files = json.loads(outcome["stdout"])["files"]
            except (json.JSONDecodeError, KeyError):
                errors.append(f"exit {outcome.get('returncode')}: {outcome['stderr_tail'][-200:].strip()}")
                continue
            loaded += sum(f["rows_loaded"] for f in files)
            errors += [e["code"] for f in files for e in f["errors"]]
        return {
            "seconds": run["seconds"],
            "rows_loaded": loaded,
            "rows_expected": rows,
            "rows_per_second": loaded / run["seconds"] if run["seconds"] else None,
            "errors": errors,
            "peak_mb_each": max((o.get("peak_mb") or 0) for o in run["outcomes"]),
        }

    def stage_uploaders(self, server: Server) -> None:
        """Each run into an empty landing of its own (a new database, a new
        DuckDB home), so the runs start alike."""
        say(f"[scale {scale_name(self.scale)}] 3. {UPLOADERS} uploaders at once")
        pieces, rows = self.month_pieces()
        concurrent = Concurrent(self.runner)

        def ingest(home: Path, piece: Path) -> list[Any]:
            return [PYTHON, "-m", "unionkpi", "--home", home, "ingest", piece, "--json"]

        at_once = {"UNIONKPI_DATABASE_URL": server.create_database("bench_uploaders_at_once")}
        pg_at_once = concurrent.run(
            "uploaders_postgres", [ingest(self.work / "up-at-once", p) for p in pieces], at_once
        )
        in_turn = {"UNIONKPI_DATABASE_URL": server.create_database("bench_uploaders_in_turn")}
        one_by_one: dict[str, Any] = {"seconds": 0.0, "outcomes": []}
        for index, piece in enumerate(pieces):
            single = concurrent.run(f"uploader_postgres_{index}", [ingest(self.work / "up-in-turn", piece)], in_turn)
            one_by_one["seconds"] += single["seconds"]
            one_by_one["outcomes"] += single["outcomes"]
        duck_at_once = concurrent.run("uploaders_duckdb", [ingest(self.work / "up-duckdb", p) for p in pieces], {})
        subject, baseline = self.uploads(pg_at_once, rows), self.uploads(one_by_one, rows)
        stage = compare(subject, baseline, duckdb_at_once=self.uploads(duck_at_once, rows), uploaders=UPLOADERS)
        if subject["rows_per_second"] and baseline["rows_per_second"]:
            stage["throughput_ratio"] = subject["rows_per_second"] / baseline["rows_per_second"]
        self.entry["stages"]["uploaders"] = stage

    def stage_sessions(self) -> None:
        say(f"[scale {scale_name(self.scale)}] 4. {SESSIONS} dashboard sessions at once")
        concurrent = Concurrent(self.runner)
        render = [PYTHON, "-m", "bench.render_page", REPO / "dashboards" / "app.py"]
        env = {"UNIONKPI_HOME": str(self.pg_home), **self.on_postgres}
        alone = concurrent.run("session_alone", [render], env)
        together = concurrent.run("sessions_together", [render] * SESSIONS, env)

        def summary(run: dict[str, Any]) -> dict[str, Any]:
            renders, errors = 0, []
            for outcome in run["outcomes"]:
                line = next((t for t in reversed(outcome["stdout"].splitlines()) if t.startswith("{")), "{}")
                result = json.loads(line)
                if outcome.get("returncode") == 0 and "renders" in result:
                    renders += len(result["renders"]) + 2  # the boot run and the cached one too
                else:
                    errors.append(result.get("error") or outcome["stderr_tail"][-200:].strip())
            return {
                "seconds": run["seconds"],
                "sessions": len(run["outcomes"]),
                "renders": renders,
                "renders_per_second": renders / run["seconds"] if run["seconds"] else None,
                "errors": errors,
            }

        subject, baseline = summary(together), summary(alone)
        stage = compare(subject, baseline)
        if subject["renders_per_second"] and baseline["renders_per_second"]:
            stage["throughput_ratio"] = subject["renders_per_second"] / baseline["renders_per_second"]
        self.entry["stages"]["sessions"] = stage

    def run_postgres(self, server: Server, first: bool, save: Any) -> dict[str, Any]:
        try:
            self.stage_ingest_both()
            save()
            self.stage_build_both()
            save()
            if first:
                self.stage_uploaders(server)
                save()
                self.stage_sessions()
        except RuntimeError as error:
            self.entry["notes"].append(f"stopped: {error}")
            say(f"  stopped: {error}")
        return self.entry


def table(results: dict[str, Any]) -> str:
    lines = [
        "| scale | stage | PostgreSQL | DuckDB / baseline | ratio | notes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key in sorted(results["scales"], key=float):
        stages = results["scales"][key]["stages"]
        for name in ("ingest", "build"):
            if name in stages:
                stage = stages[name]
                note = ""
                if name == "build" and "figures_agree" in stage:
                    note = "same headline figures" if stage["figures_agree"] else "**figures differ**"
                lines.append(
                    f"| {key} | {name} | {fmt_seconds(stage['subject'].get('seconds'))} | "
                    f"{fmt_seconds(stage['baseline'].get('seconds'))} | {fmt_ratio(stage['ratio'])} | {note} |"
                )
        if "uploaders" in stages:
            stage = stages["uploaders"]
            s, b, d = stage["subject"], stage["baseline"], stage["duckdb_at_once"]
            lines.append(
                f"| {key} | {stage['uploaders']} uploaders at once (vs one after another) | "
                f"{fmt_seconds(s['seconds'])}, {s['rows_per_second'] or 0:,.0f} rows/s | "
                f"{fmt_seconds(b['seconds'])}, {b['rows_per_second'] or 0:,.0f} rows/s | "
                f"throughput ×{stage.get('throughput_ratio') or 0:.2f} | errors: {len(s['errors'])}; "
                f"DuckDB at once: {fmt_seconds(d['seconds'])}, errors: {len(d['errors'])} |"
            )
        if "sessions" in stages:
            stage = stages["sessions"]
            s, b = stage["subject"], stage["baseline"]
            lines.append(
                f"| {key} | {s['sessions']} dashboard sessions at once (vs one) | "
                f"{s['renders']} renders in {fmt_seconds(s['seconds'])}, {s['renders_per_second'] or 0:.2f}/s | "
                f"{b['renders']} in {fmt_seconds(b['seconds'])}, {b['renders_per_second'] or 0:.2f}/s | "
                f"throughput ×{stage.get('throughput_ratio') or 0:.2f} | errors: {len(s['errors'])} |"
            )
    return "\n".join(lines)


def write_outputs(results: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "postgres_results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    m = results["machine"]
    block = "\n".join(
        [
            MARK_START,
            "",
            f"Measured {results['started_at'][:10]} on {m['cores']} cores, {m['memory_gb']} GB memory, "
            f"PostgreSQL {results.get('postgres_version', '?')} on loopback (fsync on). Reproduce with:",
            "",
            f"    {results['command']}",
            "",
            table(results),
            "",
            *[f"- scale {k}: {n}" for k, e in results["scales"].items() for n in e["notes"]],
            "",
            MARK_END,
        ]
    )
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if MARK_START in text and MARK_END in text:
        head, rest = text.split(MARK_START, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## PostgreSQL against DuckDB\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 100.0])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--results", type=Path, default=BENCH)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(os.environ.get("UNIONKPI_TODAY") or DEFAULT_TODAY)
    work = Path(tempfile.mkdtemp(prefix="unionkpi-bench-pg-", dir="/tmp")) if args.out is None else args.out.resolve()
    env = {**os.environ, "UNIONKPI_TODAY": today.isoformat(), "PYTHONPATH": str(REPO)}
    for name in ("UNIONKPI_HOME", "UNIONKPI_DATABASE_URL"):
        env.pop(name, None)
    results: dict[str, Any] = {
        "command": ".venv/bin/python -m bench.postgres --scales " + " ".join(scale_name(s) for s in args.scales),
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "scales": {},
    }
    try:
        with running_cluster(durable=True) as server:
            with psycopg.connect(server.url("postgres")) as con:
                results["postgres_version"] = con.execute("show server_version").fetchone()[0]
            for index, scale in enumerate(sorted(args.scales)):
                bench = PostgresScale(scale, args, work, env, today, server)
                results["scales"][scale_name(scale)] = bench.entry
                bench.run_postgres(server, index == 0, lambda: write_outputs(results, args.results.resolve()))
                write_outputs(results, args.results.resolve())
                if not args.keep:
                    shutil.rmtree(bench.work, ignore_errors=True)
    finally:
        write_outputs(results, args.results.resolve())
        if args.out is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    return 0 if all("stopped" not in " ".join(e["notes"]) for e in results["scales"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
