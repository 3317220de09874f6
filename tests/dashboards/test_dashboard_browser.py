"""End to end: a real ``streamlit run dashboards/app.py`` server opened in
headless Chromium, as a reader would see it on a 1366×768 laptop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboards import i18n

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = {"width": 1366, "height": 768}
START_TIMEOUT_S = 60
PAGE_TIMEOUT_MS = 60_000

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser test needs Chromium at {CHROMIUM}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not start in {START_TIMEOUT_S}s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def app_url(warehouse_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A streamlit server on a free port over the fixture warehouse."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "UNIONKPI_HOME": str(warehouse_home)}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboards/app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--client.toolbarMode",
                "minimal",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _year_to_date_cases(warehouse_db: Path) -> tuple[date, int]:
    """Legal-aid cases this year up to the data date, counted straight from
    the monthly table rather than through dashboards.queries."""
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (data_date,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
        (cases,) = con.execute(
            "select sum(legal_aid_cases) from marts.kpi_district_month where month between make_date(?, 1, 1) and ?",
            [data_date.year, data_date],
        ).fetchone()
    return data_date, int(cases)


def test_overview_in_a_browser(app_url: str, warehouse_db: Path, tmp_path: Path) -> None:
    data_date, cases = _year_to_date_cases(warehouse_db)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
            page.goto(app_url)
            # The first paint is blank; wait for the page's own heading.
            page.get_by_role("heading", name="工会工作指标总览").wait_for(timeout=PAGE_TIMEOUT_MS)
            cards = page.locator('[data-testid="stMetric"]')
            cards.nth(5).wait_for(timeout=PAGE_TIMEOUT_MS)
            # The first card is legal-aid cases, year to date.
            expected = i18n.format_value(cases, "legal_aid_cases", "zh")
            value = cards.first.locator('[data-testid="stMetricValue"]').inner_text()
            assert value.strip() == expected
            assert page.get_by_text(i18n.format_date(data_date, "zh")).first.is_visible()
            assert not page.locator('[data-testid="stException"]').count()
            # Let the charts finish drawing before the picture.
            page.locator(".js-plotly-plot").first.wait_for(timeout=PAGE_TIMEOUT_MS)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(tmp_path / "overview-zh.png"))

            page.goto(f"{app_url}/?lang=en")
            page.get_by_role("heading", name="Union KPI overview").wait_for(timeout=PAGE_TIMEOUT_MS)
            assert page.get_by_text("Districts compared").is_visible()
            english = i18n.format_value(cases, "legal_aid_cases", "en")
            cards.first.get_by_text(english).wait_for(timeout=PAGE_TIMEOUT_MS)
            assert "lang=en" in page.url
            page.locator(".js-plotly-plot").first.wait_for(timeout=PAGE_TIMEOUT_MS)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(tmp_path / "overview-en.png"))
        finally:
            browser.close()
    for name in ("overview-zh.png", "overview-en.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    print(f"screenshots in {tmp_path}")
