"""The house's layout: packages import one another one way only. The kernel
depends on nothing else in the repository; ingest (files in, landing rows
out) imports neither the checks nor trust; only the orchestration package
(unionkpi) runs the command line, the build, the backups and delivery, and
may use the dashboards' renderers (the brief); the dashboards import
nothing of it nor of ingest: their gateway runs those in child processes."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("kernel", "ingest", "expectations", "trust", "dashboards", "unionkpi")


def _modules_imported(package: str) -> set[str]:
    """Every module (or module.name) the package's files import."""
    names: set[str] = set()
    for path in (REPO / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _imports() -> dict[str, set[str]]:
    """Package -> the other packages of the repository it imports."""
    return {
        package: {name.split(".")[0] for name in _modules_imported(package)} & set(PACKAGES) - {package}
        for package in PACKAGES
    }


def test_the_kernel_imports_nothing_else_of_the_repository():
    assert _imports()["kernel"] == set()


def test_ingest_imports_neither_the_checks_nor_trust_nor_the_orchestration():
    assert _imports()["ingest"] == {"kernel"}


def test_the_dashboards_reach_the_orchestration_and_ingest_through_child_processes_only():
    assert not {
        name for name in _modules_imported("dashboards") if name.split(".")[0] in {"unionkpi", "ingest", "expectations"}
    }
    gateway = (REPO / "dashboards" / "gateway.py").read_text(encoding="utf-8")
    assert '"-m", module' in gateway  # the one place that starts them


def test_the_dashboards_read_the_published_marts_not_the_landing_tables():
    """The data page's loads and quarantined rows are modelled in dbt
    (marts.fct_loads, marts.fct_quarantined_rows); raw.* is dbt's source."""
    for path in (REPO / "dashboards").rglob("*.py"):
        assert not re.search(r"\b(from|join)\s+raw\.", path.read_text(encoding="utf-8")), path


def test_packages_import_one_another_without_a_cycle():
    graph = _imports()
    order: list[str] = []
    while graph:
        ready = sorted(package for package, needs in graph.items() if needs <= set(order))
        assert ready, f"a cycle among {sorted(graph)}: {graph}"
        order += ready
        for package in ready:
            del graph[package]
    assert order[0] == "kernel" and order[-1] in {"dashboards", "unionkpi"}
