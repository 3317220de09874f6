"""The dashboards' server, for ``streamlit run dashboards/server.py`` (what
``unionkpi serve`` runs): Streamlit's own ASGI app (``st.App``) over
``app.py``, with the session routes, the dbt docs route and the gate on
exported files of session_web.py."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import Route

from dashboards.access import DOCS_ROUTE, base_path
from dashboards.session_web import SessionGate, dbt_docs, end_session, start_session

app = st.App(
    "app.py",
    routes=[
        Route(f"{base_path()}/session/start", start_session, methods=["POST"]),
        Route(f"{base_path()}/session/end", end_session, methods=["POST"]),
        Route(f"{base_path()}{DOCS_ROUTE}", dbt_docs, methods=["GET"]),
    ],
    middleware=[Middleware(SessionGate)],
)
