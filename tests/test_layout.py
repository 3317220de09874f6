"""The house's layout: packages import one another one way only. The kernel
depends on nothing else in the repository; ingest (files in, landing rows
out) imports neither the checks nor trust; only the orchestration package
(unionkpi) runs the command line, the build and the backups."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("kernel", "ingest", "expectations", "trust", "dashboards", "unionkpi")


def _imports() -> dict[str, set[str]]:
    """Package -> the other packages of the repository it imports."""
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                graph[package] |= {name.split(".")[0] for name in names} & set(PACKAGES) - {package}
    return graph


def test_the_kernel_imports_nothing_else_of_the_repository():
    assert _imports()["kernel"] == set()


def test_ingest_imports_neither_the_checks_nor_trust_nor_the_orchestration():
    assert _imports()["ingest"] == {"kernel"}


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
