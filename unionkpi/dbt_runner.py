"""dbt, run in this process on a build: `build`, `source freshness` and
`docs generate`, each with its target and logs in the home folder. A build
is a new DuckDB file, or on PostgreSQL (kernel.database) the schemas of
the database whose names start with the build's prefix."""

import os
from datetime import date
from pathlib import Path

from kernel import database
from kernel.home import REPO, Home

DBT_PROJECT = REPO / "dbt"
# The build's schema prefix, read by dbt/macros/generate_schema_name.sql
# and source.sql; unset (DuckDB) the schemas are the published names.
BUILD_PREFIX = "UNIONKPI_BUILD_PREFIX"

# A build: the path of its DuckDB file, or on PostgreSQL its schema prefix.
Build = Path | str


def invoke(build: Build, home: Home, today: date, *command: str):
    """One dbt command on the build, in this process, with its target and
    logs in the home folder; dbt's handle on a DuckDB file is released
    after. The build and its today reach the project as environment
    variables, not dbt vars: a var that differs from the last command's
    makes dbt parse the whole project again (2 s), a changed env_var only
    the files that read it."""
    from dbt.cli.main import dbtRunner

    os.environ["UNIONKPI_BUILD_TODAY"] = today.isoformat()
    target: tuple[str, ...] = ()
    if isinstance(build, Path):
        os.environ["UNIONKPI_BUILD_PATH"] = str(build)
        os.environ.pop(BUILD_PREFIX, None)
    else:
        postgres = database.postgres()
        assert postgres is not None  # a prefix is a build on PostgreSQL
        os.environ.update(postgres.dbt_env())
        os.environ[BUILD_PREFIX] = build
        target = ("--target", "postgres")
    try:
        return dbtRunner().invoke(
            [
                *command,
                *target,
                "--project-dir", str(DBT_PROJECT),
                "--profiles-dir", str(DBT_PROJECT),
                "--target-path", str(home.dbt_target),
                "--log-path", str(home.root / "dbt" / "logs"),
                "--quiet",
                "--no-use-colors",
            ]
        )  # fmt: skip
    finally:
        _release_dbt_handles()


def _failure(name: str, status: str, message: str) -> dict:
    return {"name": name, "kind": "dbt", "severity": "blocking", "success": False, "status": status, "message": message}


def run_dbt(build_path: Build, home: Home, today: date, incremental: bool = False) -> list[dict]:
    """`dbt build` in this process; the failures of models and tests. An
    incremental build runs only what the landing data flows into: the seeds,
    the dimensions built from them alone, their tests and the unit tests
    depend on nothing but the project, which is the published build's
    (snapshot.fingerprint()), so they stand as that build made and tested them."""
    selection = ("--select", "source:*+", "--exclude", "resource_type:unit_test") if incremental else ()
    outcome = invoke(build_path, home, today, "build", *selection)
    failures = [
        _failure(node.node.name, str(node.status), node.message or "")
        for node in (outcome.result.results if outcome.result is not None else [])
        if str(node.status).lower() not in {"success", "pass", "skipped", "no-op"}
    ]
    if not outcome.success and not failures:
        failures.append(_failure("dbt", "error", str(outcome.exception)))
    return failures


def source_freshness(build_path: Build, home: Home, today: date) -> dict[str, dict]:
    """`dbt source freshness` on the landing tables in the new file: pass,
    warn or error per table, with its latest load (also in the target
    folder's sources.json). A late return is reported, never held back: the
    other districts' figures still publish, and the overview flags it."""
    outcome = invoke(build_path, home, today, "source", "freshness")
    judged = {}
    for source in outcome.result.results if outcome.result is not None else []:
        latest = getattr(source, "max_loaded_at", None)
        judged[source.node.name] = {
            "status": str(source.status),
            "max_loaded_at": latest.isoformat() if latest else None,
        }
    return judged


def generate_docs(build_path: Build, home: Home, today: date, basis: str) -> None:
    """The dbt docs site (lineage to the dashboards' exposures) as one
    static HTML file in the home folder, for the dashboards' data page. It
    shows the project and the SQL compiled for the build's today, nothing of
    the data (DuckDB's catalog has no table statistics), so a site already
    made from the same project and today stands."""
    site = home.dbt_docs_site
    made_from = site.with_suffix(".basis")
    wanted = f"{basis} {today.isoformat()}"
    if site.exists() and made_from.exists() and made_from.read_text(encoding="utf-8") == wanted:
        return
    made_from.unlink(missing_ok=True)
    if invoke(build_path, home, today, "docs", "generate", "--static").success:
        made_from.write_text(wanted, encoding="utf-8")


def _release_dbt_handles() -> None:
    """dbt-duckdb keeps its DuckDB instance open for the life of the process;
    close it, so that the new file (soon the published warehouse, by hard
    link) is not held read-write by a process that merely ran a build."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
