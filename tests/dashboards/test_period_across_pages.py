"""Moving between pages never changes the period behind the reader's back
(issue 21, "Wrong period on export"): in a real browser, the sidebar's
filters (period kind, month, quarter, districts) and the year chosen on one
subject page are the ones the next page shows, puts in its URL and names its
exports after, whichever page the reader goes to through the sidebar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import duckdb
import pytest

from dashboards import i18n, periods
from dashboards.i18n import t
from tests.dashboards.conftest import sign_in_page
from tests.dashboards.test_dashboard_browser import CHROMIUM, VIEWPORT, _download, _serve, _settle

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser test needs Chromium at {CHROMIUM}")

# Each page's link text in the sidebar navigation and its heading (Chinese).
PAGES = {
    "overview": ("总览", "工会工作指标总览"),
    "legal-aid": ("法律援助", "法律援助"),
    "wages": ("追讨欠薪", "追讨欠薪"),
    "certifications": ("和谐企业创建", "和谐企业创建"),
}
# How long a right view may take to show once the page has settled; a wrong
# one fails after it.
SHOWN_MS = 15_000
YANGPU = ("310110", "杨浦区")


@pytest.fixture(scope="module")
def app_url(warehouse_home: Path, tmp_path_factory: pytest.TempPathFactory, steward_credentials) -> Iterator[str]:
    with _serve(warehouse_home, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


def _go(page, slug: str) -> None:
    """Click the page's link in the sidebar navigation, as a reader does."""
    link, heading = PAGES[slug]
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    _settle(page, heading)


def _choose(page, label: str, option: str, heading: str) -> None:
    """Pick an option of a sidebar select box with the keyboard (open, type
    to filter, Enter), and let the page rerun."""
    page.locator(f'[data-testid="stSidebar"] input[role="combobox"][aria-label="{label}"]').click()
    page.keyboard.press("ArrowDown")
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for()
    page.keyboard.press("Enter")
    _settle(page, heading)


def _choose_district(page, name: str, heading: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').click()
    page.keyboard.type(name[:2])
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _settle(page, heading)


def _query(page) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def _expect_view(page, slug: str, *, boxes: dict[str, str], query: dict[str, str], caption: str) -> None:
    """The sidebar shows these choices, the URL carries exactly these
    parameters, and the page's caption (whose period names every export of
    the page) says this."""
    where = f"on {slug}"
    sidebar = page.locator('[data-testid="stSidebar"]')
    for label, shown in boxes.items():
        box = sidebar.locator(f'input[role="combobox"][aria-label="{label}"]')
        sync_api.expect(box, f"{label} {where}").to_have_value(shown, timeout=SHOWN_MS)
    heading_caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    sync_api.expect(heading_caption, f"caption {where}").to_have_text(caption, timeout=SHOWN_MS)
    assert urlsplit(page.url).path.endswith(f"/{slug}")
    assert _query(page) == query, f"URL {where}: {page.url}"
    assert not page.locator('[data-testid="stException"]').count()


def test_the_period_stays_when_the_reader_moves_between_pages(app_url: str, warehouse_db: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (data_date,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
        years = [
            year for (year,) in con.execute("select distinct year(month) from marts.kpi_district_month").fetchall()
        ]
    year, last = data_date.year, periods.last_month(data_date.year, data_date)
    earlier = max(1, last - 4)  # an earlier month than the default
    assert earlier != last and earlier != 1, "the fixture's data date leaves no earlier month to choose"
    assert year - 1 in years, "the fixture warehouse needs a year before the data date's"
    date_text = i18n.format_date(data_date, "zh")

    def caption(scope: str, period: periods.Period) -> str:
        return t("subject.caption", "zh", scope=scope, period=period.label("zh"), date=date_text)

    kind_box, through_box, quarter_box, year_box = (
        t("filter.period", "zh"),
        t("filter.through", "zh"),
        t("filter.quarter", "zh"),
        t("sidebar.year", "zh"),
    )
    ytd = t("filter.kind.ytd", "zh")
    city = t("scope.city", "zh")

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
            page.goto(f"{app_url}/legal-aid")
            sign_in_page(page)
            _settle(page, PAGES["legal-aid"][1])

            # The reader's report: open 法律援助, then 追讨欠薪, straight away.
            # The wages page jumped to January (?month=1).
            default = periods.resolve("ytd", year, month=last)
            at_default = {year_box: str(year), kind_box: ytd, through_box: i18n.month_label(last, "zh")}
            _expect_view(page, "legal-aid", boxes=at_default, query={}, caption=caption(city, default))
            _go(page, "wages")
            _expect_view(page, "wages", boxes=at_default, query={}, caption=caption(city, default))

            # An earlier month and a district chosen on legal aid carry to
            # wages (and to its exports), certifications, and back, through
            # a page without the filters (the overview).
            _go(page, "legal-aid")
            _choose(page, through_box, i18n.month_label(earlier, "zh"), PAGES["legal-aid"][1])
            _choose_district(page, YANGPU[1], PAGES["legal-aid"][1])
            chosen = periods.resolve("ytd", year, month=earlier)
            boxes = {**at_default, through_box: i18n.month_label(earlier, "zh")}
            query = {"month": str(earlier), "districts": YANGPU[0]}
            _expect_view(page, "legal-aid", boxes=boxes, query=query, caption=caption(YANGPU[1], chosen))
            for slug in ("wages", "certifications"):
                _go(page, slug)
                _expect_view(page, slug, boxes=boxes, query=query, caption=caption(YANGPU[1], chosen))
                if slug == "wages":
                    # What a wages export covers: its name carries the period.
                    exported = _download(page, "export-wages-breakdown-table", "CSV", tmp_path)
                    assert chosen.label("zh") in exported.name, exported.name
                    assert default.label("zh") not in exported.name
            _go(page, "overview")
            _go(page, "legal-aid")
            _expect_view(page, "legal-aid", boxes=boxes, query=query, caption=caption(YANGPU[1], chosen))

            # The quarter select appears when the reader asks for quarters,
            # at the latest quarter begun; straight on to legal aid, that
            # quarter stays (it went to the first quarter, as the month went
            # to January). A quarter then chosen there, and a year, carry
            # back to wages.
            _go(page, "wages")
            _choose(page, kind_box, t("filter.kind.quarter", "zh"), PAGES["wages"][1])
            latest = periods.quarters_on_offer(year, data_date)[-1]
            assert latest != 1, "the fixture's data date leaves no quarter but the first"
            by_quarter = {year_box: str(year), kind_box: t("filter.kind.quarter", "zh")}
            by_quarter[quarter_box] = t("quarter.name", "zh", quarter=latest)
            query = {"period": "quarter", "districts": YANGPU[0]}
            shown = caption(YANGPU[1], periods.resolve("quarter", year, quarter=latest))
            _expect_view(page, "wages", boxes=by_quarter, query=query, caption=shown)
            _go(page, "legal-aid")
            _expect_view(page, "legal-aid", boxes=by_quarter, query=query, caption=shown)

            second = 2 if latest != 2 else 1
            _choose(page, quarter_box, t("quarter.name", "zh", quarter=second), PAGES["legal-aid"][1])
            _choose(page, year_box, str(year - 1), PAGES["legal-aid"][1])
            by_quarter.update({year_box: str(year - 1), quarter_box: t("quarter.name", "zh", quarter=second)})
            query = {"year": str(year - 1), "period": "quarter", "quarter": str(second), "districts": YANGPU[0]}
            shown = caption(YANGPU[1], periods.resolve("quarter", year - 1, quarter=second))
            _expect_view(page, "legal-aid", boxes=by_quarter, query=query, caption=shown)
            _go(page, "wages")
            _expect_view(page, "wages", boxes=by_quarter, query=query, caption=shown)

            # A link to custom dates, opened in a new session: the dates
            # carry to the next page (the period fell back to the default).
            start, end = date(year, 2, 1), periods.month_end(year, earlier)
            query = {"period": "custom", "from": start.isoformat(), "to": end.isoformat()}
            page.goto(f"{app_url}/legal-aid?{urlencode(query)}")
            sign_in_page(page)
            _settle(page, PAGES["legal-aid"][1])
            custom = {year_box: str(year), kind_box: t("filter.kind.custom", "zh")}
            shown = caption(city, periods.resolve("custom", year, start=start, end=end))
            for slug in ("legal-aid", "wages"):
                if slug != "legal-aid":
                    _go(page, slug)
                _expect_view(page, slug, boxes=custom, query=query, caption=shown)
        finally:
            browser.close()
