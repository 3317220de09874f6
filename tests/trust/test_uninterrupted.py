"""The dashboards keep answering while ingest and build run. A real
`streamlit run` server over a copy of the demo home; browser sessions
(headless Chromium) load the overview again and again, signing in each
time, and read its first figure (legal-aid cases this year); a second
process reads the same figure through dashboards.queries. Meanwhile a loop
ingests a small new file and rebuilds, three times. Every page load must
succeed and every figure must be the one of a warehouse published at that
moment (the old one or the new one): no lock error, no half-built table."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dashboards import i18n, queries
from kernel.home import Home
from tests.conftest import TODAY, run_cli
from tests.dashboards.conftest import ensure_user
from unionkpi.backup import backup, restore

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SESSIONS = 2  # browser sessions, each its own Streamlit session
PAUSE_S = 2.0  # between page loads: readers, not a load that starves the builds
CYCLES = 2  # ingest + build rounds
PAGE_TIMEOUT_MS = 60_000
HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果"

async_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Chromium at {CHROMIUM}")


def city_cases(home: Path) -> int:
    """Legal-aid cases this year as the dashboards compute them (the
    overview's first card), from the published warehouse."""
    frame = queries.city_year(queries.meta(home).data_date.year, home)
    return int(frame.loc[frame["metric"] == "legal_aid_cases", "actual"].iloc[0])


def read_until(home: str, stop: str) -> None:
    """A reader process: the figure through the data-access layer, over and
    over, one JSON line per read, until the file ``stop`` exists."""
    while not Path(stop).exists():
        started = time.monotonic()
        try:
            read: dict = {"value": city_cases(Path(home))}
        except Exception as error:  # any failure is a finding: report it
            read = {"error": repr(error)}
        print(json.dumps({"start": started, "end": time.monotonic(), **read}), flush=True)
        time.sleep(0.2)


async def browse(url: str, credentials: tuple[str, str], done: threading.Event, reads: list, failures: list) -> None:
    """Browser sessions loading the overview until ``done``, then once more.
    An alert on the overview means no warehouse could be read, or a build
    was held back: both failures here."""

    async def session(page) -> None:
        last = False
        while not last:
            last = done.is_set()
            started = time.monotonic()
            try:
                await page.context.clear_cookies()  # signed out: each round signs in again
                await page.goto(url)
                await page.get_by_role("button", name="登录", exact=True).wait_for(timeout=PAGE_TIMEOUT_MS)
                await page.locator('input[type="text"]').first.fill(credentials[0])
                await page.locator('input[type="password"]').first.fill(credentials[1])
                async with page.expect_response(lambda response: response.url.endswith("/session/start")):
                    await page.get_by_role("button", name="登录", exact=True).click()
                await page.wait_for_load_state()
                await page.get_by_role("heading", name="工会工作指标总览").wait_for(timeout=PAGE_TIMEOUT_MS)
                card = (
                    page.locator('[data-testid="stMetric"]')
                    .filter(has_text="法律援助案件数")
                    .locator('[data-testid="stMetricValue"]')
                )
                await card.wait_for(timeout=PAGE_TIMEOUT_MS)
                text = (await card.inner_text()).strip()
                broken = await page.locator('[data-testid="stException"], [data-testid="stAlert"]').all_inner_texts()
                if broken:
                    failures.append((started, f"the page shows: {broken}"))
                reads.append((started, time.monotonic(), text))
            except Exception as error:
                failures.append((started, repr(error)))
            await asyncio.sleep(PAUSE_S)

    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            pages = [
                await browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN") for _ in range(SESSIONS)
            ]
            await asyncio.gather(*(session(page) for page in pages))
        finally:
            await browser.close()


def possible(versions: list[tuple[float, float, object]], start: float, end: float) -> set:
    """The figures a read during [start, end] may show: version k was
    published at some moment inside its build (versions[k] holds the build's
    start and end; version 0 was there before), so it can be seen if its
    build began before the read ended and the next build ended after the
    read began."""
    allowed = set()
    for k, (_, _, figure) in enumerate(versions):
        began = versions[k][0]
        next_ended = versions[k + 1][1] if k + 1 < len(versions) else float("inf")
        if began <= end and next_ended >= start:
            allowed.add(figure)
    return allowed


def test_dashboards_answer_from_the_published_warehouse_while_ingest_and_build_run(demo_home, tmp_path):
    from tests.dashboards.test_dashboard_browser import _serve

    backup(Home(demo_home), tmp_path / "backup")
    restore(tmp_path / "backup", Home(tmp_path / "home"))
    home = tmp_path / "home"
    credentials = ensure_user(home, "reader", "leader", "reader-password-1")
    versions: list[tuple[float, float, int]] = [(float("-inf"), float("-inf"), city_cases(home))]
    problems: list[BaseException] = []
    done = threading.Event()

    def churn() -> None:
        try:
            for cycle in range(CYCLES):
                upload = tmp_path / f"长宁_{cycle}.csv"
                rows = [f"LOAD{cycle}-{i},长宁,2026-10-{i + 1:02d},,劳动报酬,1,,办理中" for i in range(3 + cycle)]
                upload.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
                run_cli(home, "ingest", str(upload))
                began = time.monotonic()
                run_cli(home, "build")
                versions.append((began, time.monotonic(), city_cases(home)))
        except BaseException as error:
            problems.append(error)
        finally:
            done.set()

    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from tests.trust.test_uninterrupted import read_until; read_until(*sys.argv[1:])",
            str(home),
            str(stop),
        ],
        cwd=REPO,
        env={**os.environ, "UNIONKPI_TODAY": TODAY},
        stdout=subprocess.PIPE,
        text=True,
    )
    reads: list[tuple[float, float, str]] = []
    failures: list[tuple[float, str]] = []
    started = time.monotonic()
    try:
        with _serve(home, tmp_path / "server.log") as url:
            loop = threading.Thread(target=churn)
            loop.start()
            asyncio.run(browse(url, credentials, done, reads, failures))
            loop.join()
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    elapsed = time.monotonic() - started
    if problems:
        raise problems[0]

    figures = [figure for _, _, figure in versions]
    assert len(set(figures)) == CYCLES + 1, f"each round should change the figure: {figures}"
    # as the page formats it: with the unit the warehouse's seeds give (件)
    token = i18n.DIMENSIONS.set(queries.dimensions(demo_home))
    try:
        shown = {figure: i18n.format_value(figure, "legal_aid_cases", "zh") for figure in figures}
    finally:
        i18n.DIMENSIONS.reset(token)
    assert not failures, f"failed page loads: {failures[:5]}"
    wrong = [
        (text, sorted(shown[f] for f in possible(versions, begin, end)))
        for begin, end, text in reads
        if text not in {shown[f] for f in possible(versions, begin, end)}
    ]
    assert not wrong, f"figures of no published warehouse: {wrong[:5]}"
    process_reads = [json.loads(line) for line in out.splitlines()]
    errors = [r["error"] for r in process_reads if "error" in r]
    assert not errors, f"the reader process failed: {errors[:5]}"
    off = [r for r in process_reads if r["value"] not in possible(versions, r["start"], r["end"])]
    assert not off, f"figures of no published warehouse: {off[:5]}"
    # The readers really read across the publishes: old and new figures.
    assert {text for _, _, text in reads} >= {shown[figures[0]], shown[figures[-1]]}
    assert {r["value"] for r in process_reads} == set(figures)
    builds = ", ".join(f"{end - began:.0f}s" for began, end, _ in versions[1:])
    print(
        f"{len(reads)} page loads in {SESSIONS} sessions and {len(process_reads)} reader queries "
        f"over {CYCLES} ingest+build rounds (builds {builds}) in {elapsed:.0f}s; figures {figures}"
    )
