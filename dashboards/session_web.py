"""The HTTP side of a dashboards session, mounted by server.py beside
Streamlit's own routes: two routes that keep the session in a cookie, and a
gate on exported files.

- ``POST <base>/session/start`` claims the one-time code a page run hands
  off after a sign-in (``trust.store.hand_off``) and sets the session
  cookie: HttpOnly, SameSite=Lax, for the session's remaining hours; over
  HTTPS it is ``__Host-unionkpi_session`` and Secure. The page posts with
  ``fetch``, so nothing reloads. The token is never in a URL or the page.
- ``POST <base>/session/end`` clears the cookie (and ends its session, if it
  still lives), after a sign-out or a refused cookie.
- ``<base>/media/…`` (Streamlit's files, among them every export made on
  click) answers only a browser whose session may export, and an export is
  dropped from the server's memory shortly after it has been sent.
- ``GET <base>/dbt-docs`` is the published build's dbt docs site, where the
  Definitions page's lineage links point (``#!/model/…``), for the same
  sessions; audited as an export, as its download is. It runs sandboxed
  (Content-Security-Policy ``sandbox``), so its scripts never act as this
  site.

The two session routes take only small url-encoded forms from this
server's own pages (Origin must be this host); every route touches the
store in a worker thread.
docs/trust.md says why it is built this way."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import runtime

from dashboards.access import SESSION_COOKIE, SESSION_COOKIE_HTTPS, base_path, home
from trust import store

REFUSED = "需要登录 / sign-in required"
# How long a download stays fetchable after it was first sent. Streamlit's
# page fetches it twice on a click (a check, then the download itself).
EXPORT_KEPT_SECONDS = 10
# A hand-off form is a code of 43 characters; anything much bigger is not ours.
MAX_FORM_BYTES = 1024


def _host(value: str | None) -> str:
    """A host[:port] compared without regard to case or a default port."""
    host = (value or "").strip().lower()
    return host.removesuffix(":80").removesuffix(":443")


def _from_our_page(request: Request) -> bool:
    """A small form posted by a page of this server (browsers send Origin
    with every POST and fetch), not by another site. Behind a proxy, the
    proxy must pass the public host (``Host`` or ``X-Forwarded-Host``)."""
    origin = request.headers.get("origin")
    public = request.headers.get("x-forwarded-host") or request.headers.get("host")
    size = request.headers.get("content-length", "")
    return (
        origin is not None
        and _host(urlsplit(origin).netloc) == _host(public)
        and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        and size.isdigit()
        and int(size) <= MAX_FORM_BYTES
    )


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _cookie_token(request: Request) -> str | None:
    """The session token of the request's cookie, if this store signed it."""
    value = request.cookies.get(SESSION_COOKIE_HTTPS) or request.cookies.get(SESSION_COOKIE)
    return store.cookie_token(home(), value) if value else None


def _clear_cookies(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    if _is_https(request):
        response.delete_cookie(SESSION_COOKIE_HTTPS, path="/", httponly=True, samesite="lax", secure=True)


async def start_session(request: Request) -> Response:
    if not _from_our_page(request):
        return PlainTextResponse(REFUSED, status_code=403)
    form = await request.form(max_files=0, max_fields=2)
    claimed = await run_in_threadpool(store.claim, home(), str(form.get("code") or ""))
    if claimed is None:
        await run_in_threadpool(store.log, home(), None, "session_refused", ok=False, reason="bad_handoff")
        return PlainTextResponse(REFUSED, status_code=403)
    token, seconds_left = claimed
    secure = _is_https(request)
    response = Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE_HTTPS if secure else SESSION_COOKIE,
        await run_in_threadpool(store.cookie_value, home(), token),
        max_age=seconds_left,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    return response


NO_DOCS = "尚无 dbt 文档 / no dbt docs yet"


async def _exporting_user(request: Request) -> store.User | None:
    """The cookie's session user, if that session may export."""
    user = await run_in_threadpool(lambda: store.session_user(home(), _cookie_token(request)))
    return user if user is not None and user.may("export") else None


async def dbt_docs(request: Request) -> Response:
    user = await _exporting_user(request)
    if user is None:
        return PlainTextResponse(REFUSED, status_code=403)
    where = home()
    if not where.dbt_docs_site.exists():
        return PlainTextResponse(NO_DOCS, status_code=404)
    await run_in_threadpool(store.log, where, user.username, "export", file="dbt_docs.html")
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": "sandbox allow-scripts allow-popups",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(where.dbt_docs_site, media_type="text/html; charset=utf-8", headers=headers)


async def end_session(request: Request) -> Response:
    if not _from_our_page(request):
        return PlainTextResponse(REFUSED, status_code=403)
    await _sign_out_cookie(request)
    response = Response(status_code=204)
    _clear_cookies(response, request)
    return response


async def _sign_out_cookie(request: Request) -> None:
    token = await run_in_threadpool(_cookie_token, request)
    if token:
        await run_in_threadpool(store.sign_out, home(), token)


class SessionGate:
    """Streamlit's files (``/media/…``) for browsers whose session may
    export (the app serves no other files there); a download is deleted from
    memory EXPORT_KEPT_SECONDS after it was first sent. Streamlit's single
    sign-on sign-out (``/auth/logout``, where ``st.logout`` sends the
    browser) ends the cookie's session and clears the cookie too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == f"{base_path()}/auth/logout":
            request = Request(scope)
            await _sign_out_cookie(request)
            await self.app(scope, receive, _clearing_cookies(send, request))
            return
        media = f"{base_path()}/media/"
        if not path.startswith(media):
            await self.app(scope, receive, send)
            return
        if await _exporting_user(Request(scope)) is None:
            await PlainTextResponse(REFUSED, status_code=403)(scope, receive, send)
            return
        sent: dict[str, object] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                sent["download"] = any(
                    name.lower() == b"content-disposition" and value.startswith(b"attachment")
                    for name, value in message.get("headers", [])
                )
            await send(message)

        await self.app(scope, receive, watch)
        if 200 <= int(str(sent.get("status", 0))) < 300 and sent.get("download"):
            asyncio.get_running_loop().call_later(EXPORT_KEPT_SECONDS, _forget, path.removeprefix(media))


def _clearing_cookies(send: Send, request: Request) -> Send:
    async def clearing(message: Message) -> None:
        if message["type"] == "http.response.start":
            cleared = Response()
            _clear_cookies(cleared, request)
            headers = [header for header in cleared.raw_headers if header[0] == b"set-cookie"]
            message = {**message, "headers": [*message.get("headers", []), *headers]}
        await send(message)

    return clearing


def _forget(file_name: str) -> None:
    """Drop a sent download from Streamlit's in-memory file store. Streamlit
    keeps it until the session's next cleanup; nothing public deletes one
    file, so this uses the manager's own lock and delete (Streamlit 1.67,
    pinned in uv.lock; tests/trust/test_cookie_session.py fails if it
    changes)."""
    manager = runtime.get_instance().media_file_mgr
    file_id = file_name.split(".", 1)[0]
    with manager._lock:
        if file_id in manager._file_metadata:
            manager._delete_file(file_id)
