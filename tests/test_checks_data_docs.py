"""The Data Docs a demo build leaves in the home open in headless Chromium
and list every suite, landing and marts alike, with its latest result."""

import re
import shutil
from pathlib import Path

import pytest

from expectations.run import load_suites

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path("/tmp/gx_datadocs.png")

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser test needs Chromium at {CHROMIUM}")


def test_data_docs_list_every_suite_in_a_browser(demo_home: Path, tmp_path: Path) -> None:
    index = demo_home / "data_docs" / "index.html"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            # The page asks CDNs for scripts and styles: refused at once, so
            # the test neither needs nor waits for the network.
            page.route(re.compile(r"^https?://"), lambda route: route.abort())
            page.goto(index.as_uri())
            text = page.locator("body").inner_text()
            for suite in load_suites():
                assert suite["name"] in text, f"{suite['name']} not listed in the Data Docs"
                link = page.locator(f'a[href*="validations/{suite["name"]}/"]').first
                assert link.is_visible(), f"no visible link to {suite['name']}'s latest result"
            shot = tmp_path / "data_docs.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    shutil.copyfile(shot, SCREENSHOT_COPY)
