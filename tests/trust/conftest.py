"""Shared by the trust tests that drive a real browser."""

from __future__ import annotations

import pytest

from tests.dashboards.test_dashboard_browser import CHROMIUM


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium, one per test module (Playwright's sync API runs
    one instance at a time)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            yield browser
        finally:
            browser.close()
