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
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from dashboards import i18n
from kernel.home import Home
from tests.dashboards.conftest import ensure_user, sign_in_page

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


@contextmanager
def _serve(home: Path, log: Path, *options: str) -> Iterator[str]:
    """A streamlit server on a free port over the given home (more
    ``streamlit run`` options may follow)."""
    port = _free_port()
    env = {**os.environ, "UNIONKPI_HOME": str(home)}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboards/server.py",
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
                *options,
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = dict(zip(options[::2], options[1::2], strict=False)).get("--server.baseUrlPath", "").strip("/")
    url = f"http://127.0.0.1:{port}" + (f"/{base}" if base else "")
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


@pytest.fixture(scope="module")
def app_url(warehouse_home: Path, tmp_path_factory: pytest.TempPathFactory, steward_credentials) -> Iterator[str]:
    """A streamlit server over the shared fixture warehouse (read only)."""
    with _serve(warehouse_home, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


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
            sign_in_page(page)
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
            sign_in_page(page)
            page.get_by_role("heading", name="Union KPI overview").wait_for(timeout=PAGE_TIMEOUT_MS)
            # the heading comes first; the rest of the page follows it
            page.get_by_text("Districts compared").wait_for(timeout=PAGE_TIMEOUT_MS)
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


# ---------------------------------------------------------------------------
# The subject pages, their filters and their exports
# ---------------------------------------------------------------------------

SUBJECT_PAGES = {
    "legal-aid": ("法律援助", "Legal aid"),
    "wages": ("追讨欠薪", "Recovered wages"),
    "certifications": ("和谐企业创建", "Certifications"),
}


def _screenshot_dir(tmp_path: Path) -> Path:
    """Screenshots go to $UNIONKPI_SCREENSHOTS when set (to keep them for
    looking at), else to the test's temporary folder."""
    chosen = os.environ.get("UNIONKPI_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _settle(page, heading: str) -> None:
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=PAGE_TIMEOUT_MS)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.locator(".js-plotly-plot").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    # Streamlit shows a "running" state while the script reruns; let charts finish.
    page.wait_for_timeout(1500)


def _download(page, container_key: str, label: str, folder: Path) -> Path:
    button = page.locator(f".st-key-{container_key}").get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
        button.click()
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("slug", list(SUBJECT_PAGES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_subject_page_in_a_browser(app_url: str, browser, slug: str, lang: str, tmp_path: Path) -> None:
    folder = _screenshot_dir(tmp_path)
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
    try:
        page.goto(f"{app_url}/{slug}" + ("?lang=en" if lang == "en" else ""))
        sign_in_page(page)
        heading = SUBJECT_PAGES[slug][0 if lang == "zh" else 1]
        _settle(page, heading)
        assert not page.locator('[data-testid="stException"]').count()
        page.screenshot(path=str(folder / f"{slug}-{lang}.png"))
        # The whole page, on a tall window (Streamlit scrolls inside the page).
        page.set_viewport_size({"width": VIEWPORT["width"], "height": 3400})
        page.wait_for_timeout(1500)
        page.screenshot(path=str(folder / f"{slug}-{lang}-full.png"))
    finally:
        page.close()
    assert (folder / f"{slug}-{lang}.png").stat().st_size > 10_000


def test_filter_and_exports_in_a_browser(app_url: str, browser, warehouse_db: Path, tmp_path: Path) -> None:
    import io

    import openpyxl
    from PIL import Image

    folder = _screenshot_dir(tmp_path)
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (data_date,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
        (yangpu_cases,) = con.execute(
            "select count(*) from marts.fct_legal_aid_cases"
            " where district_code = '310110' and received_date between make_date(?, 1, 1) and ?",
            [data_date.year, data_date],
        ).fetchone()
    page = browser.new_page(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    try:
        page.goto(f"{app_url}/legal-aid")
        sign_in_page(page)
        _settle(page, "法律援助")
        # Apply a filter the way a reader does: pick 杨浦区 in the sidebar.
        page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').click()
        page.keyboard.type("杨浦")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.get_by_text("杨浦区 · ").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        expected = i18n.format_number(yangpu_cases, "cases", "zh")
        page.locator('[data-testid="stMetricValue"]').get_by_text(expected, exact=True).wait_for(
            timeout=PAGE_TIMEOUT_MS
        )
        page.wait_for_timeout(1500)
        assert "districts=310110" in page.url
        page.screenshot(path=str(folder / "legal-aid-yangpu.png"))

        # Tables have no built-in download: data leaves only through our buttons.
        table = page.locator('[data-testid="stDataFrame"]').first
        table.hover()
        page.wait_for_timeout(500)
        toolbar = page.locator('[data-testid="stDataFrame"] [data-testid="stElementToolbar"] button')
        labels = [button.get_attribute("aria-label") for button in toolbar.all()]
        assert labels and "Search" in labels  # the toolbar is there …
        assert not any("Download" in (label or "") for label in labels)  # … without its download

        png = _download(page, "export-legal_aid-breakdown-chart", "PNG", folder)
        assert png.suffix == ".png" and "法律援助" in png.name and "杨浦区" in png.name
        width, height = Image.open(png).size
        assert width == 2 * 1200 and height > 400

        # The chart's own camera button saves a PNG under the same name.
        chart = page.locator(".st-key-chart-legal_aid-breakdown .js-plotly-plot")
        chart.hover()
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
            chart.locator('.modebar-btn[data-title*="png" i]').click()
        assert info.value.suggested_filename == png.name
        camera = folder / f"camera-{png.name}"
        info.value.save_as(camera)
        assert Image.open(camera).size[0] == 2 * 1200

        svg = _download(page, "export-legal_aid-breakdown-chart", "SVG", folder)
        assert "<svg" in svg.read_text(encoding="utf-8")[:500]

        # The PDF says what, where and as of when, as text pdftotext reads.
        pdf = _download(page, "export-legal_aid-breakdown-chart", "PDF", folder)
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
        text = " ".join(done.stdout.decode("utf-8").split())
        assert "法律援助 · 案件数 · 按区" in text
        assert f"数据截至 {i18n.format_date(data_date, 'zh')}" in text and "杨浦区 · " in text
        assert f"{yangpu_cases:,}" in text

        xlsx = _download(page, "export-legal_aid-breakdown-table", "Excel", folder)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes())).worksheets[0]
        assert sheet["A2"].value == "范围：杨浦区"  # the title block above the table
        header = [cell.value for cell in sheet[6]]
        assert header[:3] == ["区划代码", "区", "案件数（件）"]
        assert sheet["A7"].value == "310110" and sheet["A7"].data_type == "s"
        assert sheet["C7"].value == yangpu_cases and sheet["C7"].number_format == "#,##0"

        csv_file = _download(page, "export-legal_aid-records-table", "CSV", folder)
        raw = csv_file.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("案件编号,街镇,受理日期")
        assert len(lines) == 1 + yangpu_cases
    finally:
        page.close()
    print(f"screenshots and exports in {folder}")


def test_district_upload_in_a_browser_keeps_to_its_own_district(browser, warehouse_home, tmp_path):
    # Uploading writes the landing data: do it in a copy of the shared home.
    from unionkpi.backup import backup, restore

    backup(Home(Path(warehouse_home)), tmp_path / "backup")
    restore(tmp_path / "backup", Home(tmp_path / "home"))
    warehouse_home = tmp_path / "home"
    credentials = ensure_user(warehouse_home, "minhang-upload", "district", "minhang-upload-1", district="闵行")
    upload = tmp_path / "闵行_2026年10月.csv"
    upload.write_text(
        "案件编号,区,受理日期,争议类型,涉及职工人数,办理结果\n"
        "UP-1,闵行,2026-10-08,劳动报酬,1,办理中\nUP-2,杨浦,2026-10-08,劳动报酬,1,办理中\n",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    with _serve(warehouse_home, tmp_path / "server.log") as app_url:
        _upload_as_district(page, app_url, credentials, upload)
    check_upload(warehouse_home)


def test_an_upload_past_the_limit_is_refused_in_the_browser(browser, warehouse_home, tmp_path):
    """dashboards/.streamlit/config.toml's server.maxUploadSize is in force
    on a real server: a 60 MB file is refused when attached (the server
    would refuse its body too), and there is nothing to ingest."""
    credentials = ensure_user(warehouse_home, "steward-big", "steward", "steward-big-1")
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"x" * (60 * 1024 * 1024))
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        with _serve(warehouse_home, tmp_path / "server.log") as app_url:
            page.goto(f"{app_url}/data")
            sign_in_page(page, credentials)
            page.get_by_role("link", name="数据管理").click()
            page.get_by_role("heading", name="上传报送文件").wait_for(timeout=PAGE_TIMEOUT_MS)
            with page.expect_file_chooser(timeout=PAGE_TIMEOUT_MS) as chooser:
                page.locator('[data-testid="stFileUploaderDropzone"] button').first.click()
            chooser.value.set_files(str(big))
            try:
                page.get_by_text("File must be 50.0MB or smaller.").first.wait_for(timeout=PAGE_TIMEOUT_MS)
                expect(page.get_by_role("button", name="导入")).to_be_disabled()
            finally:
                page.screenshot(path=str(tmp_path / "too_big.png"), full_page=True)
    finally:
        page.close()


def _upload_as_district(page, app_url: str, credentials, upload: Path) -> None:
    try:
        page.goto(f"{app_url}/data")
        sign_in_page(page, credentials)
        page.get_by_role("link", name="数据管理").click()
        page.get_by_role("heading", name="上传报送文件").wait_for(timeout=PAGE_TIMEOUT_MS)
        # A rerun right after the page opens can replace the uploader and
        # drop a file attached to the old one: attach again if it did, as a
        # person would, through the uploader's own file chooser.
        for attempt in range(3):
            with page.expect_file_chooser(timeout=PAGE_TIMEOUT_MS) as chooser:
                page.locator('[data-testid="stFileUploaderDropzone"] button').first.click()
            chooser.value.set_files(str(upload))
            try:
                page.get_by_text(upload.name).first.wait_for(timeout=PAGE_TIMEOUT_MS // 3)
                break
            except PlaywrightTimeout:
                page.screenshot(path=str(upload.with_name(f"attach-{attempt}.png")), full_page=True)
                if attempt == 2:
                    raise
        button = page.get_by_role("button", name="导入")
        expect(button).to_be_enabled(timeout=PAGE_TIMEOUT_MS)
        button.click()
        try:
            page.get_by_text("导入完成").first.wait_for(timeout=90_000)
        finally:
            page.screenshot(path=str(upload.with_suffix(".png")), full_page=True)
    finally:
        page.close()


def check_upload(warehouse_home: Path) -> None:
    from trust import store

    uploads = [e for e in store.read_audit(Home(warehouse_home)) if e["action"] == "upload"]
    assert uploads and uploads[0]["username"] == "minhang-upload"
    with duckdb.connect(str(Path(warehouse_home) / "landing.duckdb"), read_only=True) as con:
        stored = con.execute("select case_id from legal_aid where case_id like 'UP-%'").fetchall()
        refused = con.execute("select code from load_errors where code = 'district_out_of_scope'").fetchall()
    assert stored == [("UP-1",)] and refused == [("district_out_of_scope",)]
