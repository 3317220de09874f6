"""The outside tester's attacks again, in headless Chromium against a real
server over a home that holds them: one city-wide file with other
districts' rejected rows, and street names written as HTML and markdown.

- a district user's page and return file hold no other district's rows;
- markup from the data is shown as the characters typed, in the chart's
  SVG and in the record heading: no link, no bold;
- an upload named ``..`` with a huge field loads and is told plainly, with
  no traceback or server path on the district user's page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import openpyxl
import pytest

from dashboards import i18n
from tests.conftest import run_cli
from tests.dashboards.conftest import ensure_user, sign_in_page
from tests.dashboards.test_dashboard_browser import CHROMIUM, PAGE_TIMEOUT_MS, _serve, _settle
from tests.trust.test_roles_pages import CITY_WIDE_FILE, LEGAL_AID_HEADER, MINHANG

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Chromium at {CHROMIUM}")

VIEWPORT = {"width": 1366, "height": 900}
DISTRICT = ("minhang-browser", "minhang-browser-1")
STEWARD = ("steward-browser", "steward-browser-1")
LINK = '<a href="http://evil.example">点我</a><br><b>粗</b>'
MARKED = "**粗体** [链接](http://evil.example) $x^2$"
LEAKS = ["Traceback", 'File "', "/work/", "/tmp/", ".py", "site-packages"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("attacks")
    home = folder / "home"
    city = folder / "全市.csv"
    city.write_text(CITY_WIDE_FILE, encoding="utf-8")
    streets = folder / "闵行.csv"
    streets.write_text(
        "案件编号,区,街镇,受理日期,争议类型,涉及职工人数,办理结果\n"
        f'M-1,闵行,"{LINK.replace(chr(34), chr(34) * 2)}",2026-10-08,劳动报酬,1,办理中\n'
        f"M-2,闵行,{MARKED},2026-10-09,劳动报酬,2,办理中\n",
        encoding="utf-8",
    )
    run_cli(home, "ingest", str(city), str(streets), today="2026-11-22")
    run_cli(home, "build", today="2026-11-22")
    ensure_user(home, DISTRICT[0], "district", DISTRICT[1], district="闵行")
    ensure_user(home, STEWARD[0], "steward", STEWARD[1])
    return home


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[str]:
    with _serve(home, home.parent / "server.log") as url:
        yield url


def _data_page(chromium, url: str, credentials: tuple[str, str]):
    page = chromium.new_page(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page.goto(f"{url}/data")
    sign_in_page(page, credentials)
    page.get_by_role("heading", name="上传报送文件").wait_for(timeout=PAGE_TIMEOUT_MS)
    return page


def test_a_district_user_sees_and_gets_back_its_own_rejected_rows_only(server: str, chromium, tmp_path: Path) -> None:
    page = _data_page(chromium, server, DISTRICT)
    try:
        button = page.get_by_role("button", name=i18n.t("data.return_button", "zh"))
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
            button.click()
        returned = tmp_path / info.value.suggested_filename
        info.value.save_as(returned)
        text = page.locator("body").inner_text()
        page.screenshot(path=str(tmp_path / "district-data.png"), full_page=True)
    finally:
        page.close()
    book = openpyxl.load_workbook(io.BytesIO(returned.read_bytes()))
    cells = " ".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    )
    assert "Q-4" in cells and "两人" in cells  # its own rejected row, as typed
    assert not [word for word in ["Q-1", "Q-2", "Q-3", "Q-5", "黄浦", "徐汇", "火星区", "欠钱"] if word in cells]
    assert not [word for word in ["Q-2", "Q-3", "Q-5", "黄浦", "徐汇", "火星区", "欠钱"] if word in text]


def test_markup_from_the_data_is_shown_as_typed(server: str, chromium, tmp_path: Path) -> None:
    page = chromium.new_page(viewport=VIEWPORT, locale="zh-CN")
    try:
        page.goto(f"{server}/legal-aid?" + urlencode({"drill": MINHANG, "street": MARKED}))
        sign_in_page(page, STEWARD)
        _settle(page, "法律援助")
        label = page.get_by_text(LINK).first
        label.wait_for(timeout=PAGE_TIMEOUT_MS)  # a chart label, as typed
        label.scroll_into_view_if_needed()
        page.locator(".js-plotly-plot", has=label).screenshot(path=str(tmp_path / "markup.png"))
        labels = page.locator(".js-plotly-plot svg text").all_text_contents()
        assert LINK in labels
        assert page.locator(".js-plotly-plot svg a").count() == 0  # Plotly made no link …
        assert page.locator('a[href*="evil"]').count() == 0  # … nor did the heading (markdown links bare addresses)
        bold = page.locator(".js-plotly-plot svg text b, .js-plotly-plot svg text tspan[style*=bold]")
        assert not [text for text in bold.all_text_contents() if "粗" in text]  # only the charts' own titles
        heading = page.get_by_text(MARKED).first  # the record heading shows the markdown as typed
        assert heading.locator("a, em, code, .katex").count() == 0
    finally:
        page.close()


def test_an_upload_named_dot_dot_with_a_huge_field_is_told_plainly(
    server: str, home: Path, chromium, tmp_path: Path
) -> None:
    content = (LEGAL_AID_HEADER + "DD-1,闵行,2026-10-08,,劳动报酬,1,,办理中\n").encode()
    huge = (LEGAL_AID_HEADER + f"HF-{'长' * 300_000},闵行,2026-10-08,,劳动报酬,1,,办理中\n").encode()
    page = _data_page(chromium, server, DISTRICT)
    try:
        with page.expect_file_chooser(timeout=PAGE_TIMEOUT_MS) as chooser:
            page.locator('[data-testid="stFileUploaderDropzone"] button').first.click()
        chooser.value.set_files(
            [
                {"name": "..", "mimeType": "text/csv", "buffer": content},
                {"name": "huge.csv", "mimeType": "text/csv", "buffer": huge},
            ]
        )
        page.get_by_text("huge.csv").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("button", name="导入").click()
        page.get_by_text("导入完成").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
        text = page.locator("body").inner_text()
    finally:
        page.close()
    assert not [leak for leak in LEAKS if leak in text], text
    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        loaded = con.execute("select case_id from legal_aid where left(case_id, 3) in ('DD-', 'HF-')").fetchall()
        reasons = con.execute(
            "select code from load_errors join loads using (load_id) where loads.path like '%huge.csv'"
        ).fetchall()
    assert loaded == [("DD-1",)] and reasons == [("text_too_long",)]  # the huge field is a row's reason
