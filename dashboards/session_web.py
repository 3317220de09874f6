"""The HTTP side of a dashboards session, mounted by server.py beside
Streamlit's own routes: two routes that keep the session in a cookie, and a
gate on exported files.

- ``POST /session/start`` claims the one-time code a page run hands off
  after a sign-in (``trust.store.hand_off``), and sets the session cookie:
  HttpOnly, SameSite=Lax, Secure over HTTPS, for the session's remaining
  hours. The token is never in a URL or in the page.
- ``POST /session/end`` clears the cookie (and ends its session, if it still
  lives); a page run that signs out, or that was sent a refused cookie,
  posts here.
- ``/media/…`` (Streamlit's files, among them every export made on click)
  answers only a browser with a live session, and an export is dropped from
  the server's memory shortly after it has been sent.

docs/trust.md says why it is built this way."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import runtime

from dashboards.access import SESSION_COOKIE, home
from trust import store

REFUSED = "需要登录 / sign-in required"
# How long a download stays fetchable after it was first sent. Streamlit's
# page fetches it twice on a click (a check, then the download itself).
EXPORT_KEPT_SECONDS = 10


def _same_origin(request: Request) -> bool:
    """A form posted by a page of this server (browsers send Origin with
    every POST), not by another site."""
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == request.headers.get("host")


def _next_path(request_value: object) -> str:
    """Where to go afterwards: a path on this server only."""
    target = str(request_value or "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def start_session(request: Request) -> Response:
    form = await request.form()
    if not _same_origin(request):
        return PlainTextResponse(REFUSED, status_code=403)
    claimed = store.claim(home(), str(form.get("code") or ""))
    response = RedirectResponse(_next_path(form.get("next")), status_code=303)
    if claimed is None:
        store.log(home(), None, "session_refused", ok=False, reason="bad_handoff")
        return response
    token, seconds_left = claimed
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=seconds_left,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_is_https(request),
    )
    return response


async def end_session(request: Request) -> Response:
    form = await request.form()
    if not _same_origin(request):
        return PlainTextResponse(REFUSED, status_code=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token and store.session_user(home(), token) is not None:
        store.sign_out(home(), token)
        store.log(home(), None, "sign_out", via="cookie")
    response = RedirectResponse(_next_path(form.get("next")), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_is_https(request))
    return response


class SessionGate:
    """Streamlit's files (``/media/…``) for browsers with a live session
    only; a download is deleted from memory EXPORT_KEPT_SECONDS after it
    was first sent in full. Streamlit's single sign-on sign-out
    (``/auth/logout``, where ``st.logout`` sends the browser) clears the
    session cookie too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/auth/logout":
            await self.app(scope, receive, _clearing_cookie(send))
            return
        if scope["type"] != "http" or not scope["path"].startswith("/media/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if store.session_user(home(), request.cookies.get(SESSION_COOKIE)) is None:
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
        if sent.get("status") == 200 and sent.get("download"):
            asyncio.get_running_loop().call_later(EXPORT_KEPT_SECONDS, _forget, scope["path"].removeprefix("/media/"))


def _clearing_cookie(send: Send) -> Send:
    async def clearing(message: Message) -> None:
        if message["type"] == "http.response.start":
            cleared = Response()
            cleared.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
            message = {**message, "headers": [*message.get("headers", []), *cleared.raw_headers[-1:]]}
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
    with manager._lock:  # noqa: SLF001
        if file_id in manager._file_metadata:  # noqa: SLF001
            manager._delete_file(file_id)  # noqa: SLF001
