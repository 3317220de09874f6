"""Staying signed in, and exports behind the session: a real ``unionkpi``
dashboards server (dashboards/server.py) in headless Chromium.

- a session survives a reload and a new tab, in an HttpOnly cookie that
  page scripts cannot read and whose token is not stored in the app state;
- sign-out ends it in every tab, and a cookie used again afterwards, or
  tampered with, is refused and audited;
- expiry ends it;
- an export's address answers nobody without a live session that may
  export, and only for seconds after it was sent; so does the dbt docs
  site the Definitions page links into;
- the session routes take only small forms from this server's own pages;
- all of it under a base path too.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards.access import SESSION_CHECK_SECONDS, SESSION_COOKIE
from dashboards.session_web import EXPORT_KEPT_SECONDS
from kernel.home import Home
from tests.dashboards.conftest import ensure_user, sign_in_page
from tests.dashboards.test_dashboard_browser import CHROMIUM, PAGE_TIMEOUT_MS, VIEWPORT, _serve, _settle
from trust import store

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Chromium at {CHROMIUM}")

PLANNER = ("cookie-planner", "cookie-planner-password-1")
SIGNED_IN = '[data-testid="stSidebarNav"]'


@pytest.fixture(scope="module")
def server(warehouse_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_user(warehouse_home, PLANNER[0], "planner", PLANNER[1])
    with _serve(warehouse_home, tmp_path_factory.mktemp("cookie-server") / "server.log") as url:
        yield url


def _signed_in_context(chromium, url: str, path: str = "/legal-aid"):
    context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(url + path)
    sign_in_page(page, PLANNER)
    return context, page


def _session_cookie(context) -> dict:
    cookies = [cookie for cookie in context.cookies() if cookie["name"] == SESSION_COOKIE]
    assert len(cookies) <= 1
    return cookies[0] if cookies else {}


def _shows_sign_in(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    page.get_by_role("button", name="登录", exact=True).or_(
        page.get_by_role("button", name="Sign in", exact=True)
    ).first.wait_for(timeout=timeout_ms)
    sync_api.expect(page.locator(SIGNED_IN)).to_have_count(0, timeout=timeout_ms)


def _refusals(home: Path, since: int) -> list[dict]:
    with sqlite3.connect(Home(home).root / "app_state.sqlite") as con:
        rows = con.execute(
            "select username, detail from audit where action = 'session_refused' and id > ? order by id", [since]
        ).fetchall()
    return [{"username": username, **json.loads(detail)} for username, detail in rows]


def _last_audit_id(home: Path) -> int:
    with sqlite3.connect(Home(home).root / "app_state.sqlite") as con:
        return con.execute("select coalesce(max(id), 0) from audit").fetchone()[0]


def test_a_session_survives_a_reload_and_a_new_tab(server: str, chromium, warehouse_home: Path) -> None:
    context, page = _signed_in_context(chromium, server, "/legal-aid?lang=en")
    try:
        assert page.url.endswith("/legal-aid?lang=en")  # back where the reader was, language kept
        cookie = _session_cookie(context)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # plain http here
        hours_left = (cookie["expires"] - time.time()) / 3600
        assert store.SESSION_HOURS - 0.1 < hours_left <= store.SESSION_HOURS
        assert SESSION_COOKIE not in page.evaluate("document.cookie")  # page scripts cannot read it
        assert "session" not in page.url and cookie["value"] not in page.content()
        # The app state keeps the token's digest only: a copy of it opens nothing.
        token = cookie["value"].rpartition(".")[0]
        assert len(token) == 43 and token.encode() not in (Path(warehouse_home) / "app_state.sqlite").read_bytes()

        page.reload()
        page.locator(SIGNED_IN).wait_for(timeout=PAGE_TIMEOUT_MS)
        _settle(page, "Legal aid")

        tab = context.new_page()
        tab.goto(server + "/wages")
        tab.locator(SIGNED_IN).wait_for(timeout=PAGE_TIMEOUT_MS)
        # The signed-in page replaces whatever a busy server drew first.
        sync_api.expect(tab.get_by_role("button", name="登录", exact=True)).to_have_count(
            0, timeout=PAGE_TIMEOUT_MS
        )  # exactly the form's button: the sidebar's 退出登录 also holds 登录
    finally:
        context.close()


def test_sign_out_ends_every_tab_and_a_reused_or_tampered_cookie_is_refused(
    server: str, chromium, warehouse_home: Path
) -> None:
    context, page = _signed_in_context(chromium, server)
    other = context.new_page()
    other.goto(server + "/overview")
    other.locator(SIGNED_IN).wait_for(timeout=PAGE_TIMEOUT_MS)
    stolen = _session_cookie(context)
    before = _last_audit_id(warehouse_home)
    try:
        page.get_by_role("button", name="退出登录").click()
        _shows_sign_in(page)
        deadline = time.monotonic() + 30
        while _session_cookie(context) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert not _session_cookie(context)  # cleared in this browser
        # The other tab, left alone, signs out within the check interval.
        _shows_sign_in(other, timeout_ms=(SESSION_CHECK_SECONDS + 20) * 1000)
    finally:
        context.close()
    assert _refusals(warehouse_home, before) == []  # an ordinary sign-out is not an alarm

    token, _, signature = stolen["value"].rpartition(".")
    forged = f"{token[:-2]}xx.{signature}"  # another token under the old signature
    for value, reason in [(stolen["value"], "signed_out"), (forged, "tampered")]:
        thief = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
        try:
            thief.add_cookies([{**stolen, "value": value}])
            page = thief.new_page()
            page.goto(server + "/overview")
            _shows_sign_in(page)
            deadline = time.monotonic() + 30
            while _session_cookie(thief) and time.monotonic() < deadline:
                page.wait_for_timeout(250)
            assert not _session_cookie(thief)  # the refused cookie is cleared
        finally:
            thief.close()
        refusals = _refusals(warehouse_home, before)
        assert refusals[-1]["reason"] == reason
        assert refusals[-1]["username"] == (PLANNER[0] if reason == "signed_out" else None)
        before = _last_audit_id(warehouse_home)


def test_an_expired_session_ends(server: str, chromium, warehouse_home: Path) -> None:
    context, page = _signed_in_context(chromium, server)
    before = _last_audit_id(warehouse_home)
    try:
        with sqlite3.connect(Home(warehouse_home).root / "app_state.sqlite") as con:
            con.execute(
                "update web_sessions set expires_at = '2000-01-01T00:00:00' where username = ? and ended_at is null",
                [PLANNER[0]],
            )
        page.reload()
        _shows_sign_in(page)
    finally:
        context.close()
    assert [refusal["reason"] for refusal in _refusals(warehouse_home, before)] == ["expired"]


def test_an_export_answers_only_a_live_session_and_only_briefly(server: str, chromium) -> None:
    context, page = _signed_in_context(chromium, server)
    try:
        _settle(page, "法律援助")
        addresses: list[str] = []

        def hold(route) -> None:  # the browser's own fetch is held back, to try the address by hand
            addresses.append(route.request.url)
            route.abort()

        page.route("**/media/**", hold)
        button = page.locator(".st-key-export-legal_aid-breakdown-table").get_by_role("button", name="Excel")
        button.scroll_into_view_if_needed()
        button.click()
        deadline = time.monotonic() + 60
        while not addresses and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert addresses, "the export was never fetched"
        address = addresses[0]

        with pytest.raises(urllib.error.HTTPError) as refused:  # no session: nothing
            urllib.request.urlopen(address, timeout=30)
        assert refused.value.code == 403
        stranger = chromium.new_context()
        assert stranger.request.get(address).status == 403  # a browser of its own, no cookie
        stranger.close()

        first = context.request.get(address)  # the exporter's browser, with its cookie
        assert first.status == 200 and first.body()[:2] == b"PK"
        assert "attachment" in first.headers["content-disposition"]
        assert context.request.get(address).status == 200  # Streamlit's page fetches twice
        page.wait_for_timeout((EXPORT_KEPT_SECONDS + 2) * 1000)
        assert context.request.get(address).status == 404  # then it is dropped
    finally:
        context.close()


def _cookie_for(home: Path, username: str, password: str) -> str:
    """A session as a browser's cookie would hold it, made through the store
    the server shares."""
    token = store.sign_in(Home(home), username, password)
    return store.cookie_value(Home(home), store.claim(Home(home), store.hand_off(Home(home), token))[0])


def _http(url: str, method: str = "GET", body: bytes | None = None, **headers: str) -> int:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_session_routes_take_only_small_forms_from_this_server(server: str, warehouse_home: Path) -> None:
    host = urllib.parse.urlsplit(server).netloc
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    ours = {**form, "Origin": f"http://{host}"}
    code = store.hand_off(Home(warehouse_home), store.sign_in(Home(warehouse_home), *PLANNER))
    body = urllib.parse.urlencode({"code": code}).encode()
    assert _http(f"{server}/session/start", "POST", body, **form, Origin="https://evil.example") == 403
    assert _http(f"{server}/session/start", "POST", body, **form) == 403  # no Origin: not a browser page
    assert _http(f"{server}/session/start", "POST", body, **form, Origin="null") == 403
    plain = {"Content-Type": "text/plain", "Origin": f"http://{host}"}
    assert _http(f"{server}/session/start", "POST", body, **plain) == 403  # not a form
    big = urllib.parse.urlencode({"code": code, "pad": "x" * 5000}).encode()
    assert _http(f"{server}/session/start", "POST", big, **ours) == 403  # too big to be ours
    assert _http(f"{server}/session/end", "POST", b"", **form, Origin="https://evil.example") == 403
    # The code was never spent by the refused posts: it still works, once.
    assert _http(f"{server}/session/start", "POST", body, **{**ours, "Origin": f"HTTP://{host.upper()}"}) == 204
    assert _http(f"{server}/session/start", "POST", body, **ours) == 403


def test_only_a_session_that_may_export_fetches_files(server: str, warehouse_home: Path) -> None:
    leader = ensure_user(warehouse_home, "cookie-leader", "leader", "cookie-leader-password-1")
    address = f"{server}/media/{'0' * 56}.xlsx"  # no such file: the gate answers first
    assert _http(address) == 403
    assert _http(address, Cookie=f"{SESSION_COOKIE}={_cookie_for(warehouse_home, *leader)}") == 403
    assert _http(address, Cookie=f"{SESSION_COOKIE}={_cookie_for(warehouse_home, *PLANNER)}") == 404


def test_under_a_base_path_the_routes_and_the_gate_hold(chromium, warehouse_home: Path, tmp_path: Path) -> None:
    with _serve(warehouse_home, tmp_path / "server.log", "--server.baseUrlPath", "kpi") as url:
        assert url.endswith("/kpi")
        assert _http(f"{url}/media/{'0' * 56}.xlsx") == 403
        cookie = f"{SESSION_COOKIE}={_cookie_for(warehouse_home, *PLANNER)}"
        assert _http(f"{url}/media/{'0' * 56}.xlsx", Cookie=cookie) == 404
        assert _http(f"{url}/dbt-docs") == 403
        assert _http(f"{url}/dbt-docs", Cookie=cookie) == 200
        context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
        try:
            page = context.new_page()
            page.goto(f"{url}/wages")
            sign_in_page(page, PLANNER)
            page.reload()
            page.locator(SIGNED_IN).wait_for(timeout=PAGE_TIMEOUT_MS)
            assert _session_cookie(context)
        finally:
            context.close()


def test_the_dbt_docs_open_at_a_model_for_a_session_that_may_export(server: str, chromium, warehouse_home) -> None:
    """The Definitions page's lineage links point into the published build's
    dbt docs, which the server itself serves: to a session that may export
    (audited as an export, as the download is) and to nobody else. The site
    runs sandboxed and still opens at the linked model."""
    leader = ensure_user(warehouse_home, "cookie-leader", "leader", "cookie-leader-password-1")
    address = f"{server}/dbt-docs"
    assert _http(address) == 403
    assert _http(address, Cookie=f"{SESSION_COOKIE}={_cookie_for(warehouse_home, *leader)}") == 403
    since = _last_audit_id(warehouse_home)
    context, page = _signed_in_context(chromium, server, "/definitions")
    try:
        reply = page.goto(f"{address}#!/model/model.unionkpi.kpi_certification_campaign")
        assert reply is not None and reply.status == 200
        assert reply.headers["content-security-policy"].startswith("sandbox")
        assert reply.headers["cache-control"] == "no-store"
        # the docs' own page of the model: its name and its column of the pass rate's denominator
        page.get_by_text("kpi_certification_campaign").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("campaign_decided").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    finally:
        context.close()
    with sqlite3.connect(Home(warehouse_home).root / "app_state.sqlite") as con:
        exports = con.execute(
            "select username, detail from audit where action = 'export' and id > ?", [since]
        ).fetchall()
    assert [(username, json.loads(detail)) for username, detail in exports] == [(PLANNER[0], {"file": "dbt_docs.html"})]
