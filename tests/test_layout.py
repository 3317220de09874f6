"""The house's layout: the kernel depends on nothing else in the
repository, so every other package can import it without a cycle."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"kernel", "ingest", "dashboards", "expectations", "trust"}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_kernel_imports_nothing_else_of_the_repository():
    modules = sorted((REPO / "kernel").glob("*.py"))
    assert len(modules) >= 3
    found = {path.name: _imported_packages(path) & (PACKAGES - {"kernel"}) for path in modules}
    assert found == {path.name: set() for path in modules}

