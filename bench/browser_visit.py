"""A reader's first visit in a real browser, run as a subprocess by bench.run:

    UNIONKPI_HOME=HOME python -m bench.browser_visit

A new `streamlit run dashboards/server.py` over HOME (so every cache is
cold), headless Chromium (/usr/bin/chromium) at 1366×768, signed in as a
steward (an account is added to HOME, as bench.render_page does). Then each
page is opened by a click on its link in the sidebar, in the order a reader
would go, and timed from the click until Streamlit reports the script no
longer running (`stApp`'s data-test-script-state is notRunning) with the
page's title shown: what the reader waits for, the server's queries,
Plotly's drawing and the websocket included.

Prints one JSON line: {"seconds": {page: s}, "sign_in_seconds": s}; exit 1
if a page did not finish or raised.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.render_page import BENCH_USER, session_token

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# the sidebar's links in order (dashboards/app.py), and the ones opened
NAV = ("overview", "legal-aid", "wages", "certifications", "definitions")
PAGES = ("legal-aid", "wages", "certifications", "definitions", "overview")
TIMEOUT_MS = 180_000
FINISHED = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboards/server.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("streamlit did not start in 60 s")


# Watches stApp's script state from before the click: the time from the
# click until a run that was seen running is seen finished, in the page's
# own clock (a fast run may end between two polls from here).
WATCH = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.benchRan = false;
    window.benchDone = null;
    new MutationObserver(() => {
        const state = app.getAttribute('data-test-script-state');
        if (state === 'running') window.benchRan = true;
        else if (window.benchRan && state === 'notRunning' && window.benchDone === null)
            window.benchDone = performance.now();
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    window.benchClicked = performance.now();
}"""


def timed_click(page, link) -> float:  # playwright Page and Locator
    """Seconds from a click on `link` until the run it started has ended."""
    page.evaluate(WATCH)
    link.click()
    page.wait_for_function("() => window.benchDone !== null", timeout=TIMEOUT_MS)
    return page.evaluate("() => (window.benchDone - window.benchClicked) / 1000")


def main() -> int:
    from playwright.sync_api import sync_playwright

    session_token()  # adds the bench steward to the home, as render_page does
    port = free_port()
    server = serve(port)
    timings: dict[str, float] = {}
    problems: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"http://127.0.0.1:{port}/", timeout=TIMEOUT_MS)
            page.locator('input[type="password"]').wait_for(timeout=TIMEOUT_MS)
            page.locator('input[type="text"]').first.fill(BENCH_USER[0])
            page.locator('input[type="password"]').first.fill(BENCH_USER[1])
            started = time.perf_counter()
            page.get_by_role("button", name="登录").click()
            page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=TIMEOUT_MS)
            page.wait_for_selector(FINISHED, timeout=TIMEOUT_MS)
            timings["overview (after sign-in)"] = time.perf_counter() - started
            for name in PAGES:
                links = page.locator('[data-testid="stSidebarNav"] a')
                timings[name] = timed_click(page, links.nth(NAV.index(name)))
                if page.locator('[data-testid="stException"]').count():
                    problems.append(f"{name}: the page raised")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps({"seconds": timings, "problems": problems}, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("UNIONKPI_HOME", str(REPO / "data"))
    raise SystemExit(main())
