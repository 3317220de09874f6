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


STEWARD = ("test-steward", "steward-password-1")


def ensure_user(home: Path, username: str, role: str, password: str, district: str | None = None) -> tuple[str, str]:
    from kernel.home import Home
    from trust import store

    where = Home(Path(home))
    if username in {u.username for u in store.list_users(where)}:
        store.reset_password(where, username, password)
    else:
        store.add_user(where, username, role, district, password=password)
    return username, password


@pytest.fixture(scope="session")
def steward_credentials(warehouse_home: Path) -> tuple[str, str]:
    """A steward account in the fixture home (all districts)."""
    return ensure_user(warehouse_home, STEWARD[0], "steward", STEWARD[1])


def signed_in(app, home: Path, credentials: tuple[str, str] = STEWARD, role: str = "steward"):
    """An AppTest whose session is signed in, as the sign-in form would do
    (the account is created in that home if it is not there)."""
    from kernel.home import Home
    from trust import store

    where = Home(Path(home))
    if credentials[0] not in {u.username for u in store.list_users(where)}:
        store.add_user(where, credentials[0], role, password=credentials[1])
    app.session_state["session_token"] = store.sign_in(where, *credentials)
    return app


def sign_in_page(page, credentials: tuple[str, str] = STEWARD, timeout_ms: int = 60_000) -> None:
    """After a page load in a real browser: fill the sign-in form if it is
    shown (a new browser context starts signed out), and wait until the
    session is in the browser's cookie and the page has come back."""
    form = page.get_by_role("button", name="登录", exact=True).or_(
        page.get_by_role("button", name="Sign in", exact=True)
    )
    content = page.locator('[data-testid="stSidebarNav"]')
    form.or_(content).first.wait_for(timeout=timeout_ms)
    if content.count():
        return
    page.locator('input[type="text"]').first.fill(credentials[0])
    page.locator('input[type="password"]').first.fill(credentials[1])
    with page.expect_response(lambda response: response.url.endswith("/session/start"), timeout=timeout_ms):
        form.first.click()
    page.wait_for_load_state()
    content.wait_for(timeout=timeout_ms)


@pytest.fixture(autouse=True)
def dimensions(warehouse_home: Path):
    """Names, units, kinds and English labels from the warehouse's seeds,
    as every page run sets them (dashboards/app.py): the dashboards keep no
    copy of their own."""
    from dashboards import i18n, queries

    token = i18n.DIMENSIONS.set(queries.dimensions(warehouse_home))
    yield
    i18n.DIMENSIONS.reset(token)
