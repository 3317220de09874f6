"""Shared fixtures for the dashboard tests.

The tests read the warehouse through the session fixture ``warehouse_home``
from the top-level ``tests/conftest.py``: a home folder holding a real
published ``warehouse.duckdb`` built by ``unionkpi demo`` at a small scale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The tests import the ``dashboards`` package from the repository root; make
# that work however pytest was started (``pytest`` or ``python -m pytest``).
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.fixture(scope="session")
def warehouse_db(warehouse_home: Path) -> Path:
    """The published warehouse file inside the fixture home."""
    path = Path(warehouse_home) / "warehouse.duckdb"
    assert path.exists(), f"no published warehouse at {path}"
    return path
