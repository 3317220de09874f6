"""Server render time of one dashboard page with Streamlit's AppTest, run as
a subprocess by bench.run (one page per process, so its peak memory is the
page's own):

    UNIONKPI_HOME=HOME python -m bench.render_page SCRIPT [PAGE]

SCRIPT is the app (dashboards/app.py) or a one-page script; PAGE, when given,
is the page file (relative to SCRIPT's folder) to switch to. When the home
has the app's sign-in (dashboards/access.py, trust/store.py), a steward
account is added to that home and the session is signed in, as a reader's
would be.

Timed, in this order:
- `boot_seconds`: the first run in this fresh process (the app's default
  page: module imports, cold caches);
- `seconds`: the median of three renders of PAGE, each after
  st.cache_data.clear(), so every query runs again (what a reader sees after
  a new warehouse is published);
- `cached_seconds`: one more render with the caches warm.
Prints one JSON line; exit 1 if the page raised or another page was shown.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

RENDERS = 3
BENCH_USER = ("bench-steward", "bench-steward-password-1")


def session_token() -> str | None:
    """A signed-in session for the home in UNIONKPI_HOME, if the app has sign-in."""
    try:
        from dashboards import access
        from trust import store
    except ImportError:
        return None
    home = access.home()
    if BENCH_USER[0] not in {u.username for u in store.list_users(home)}:
        store.add_user(home, BENCH_USER[0], "steward", password=BENCH_USER[1])
    return store.sign_in(home, *BENCH_USER)


def timed_run(app: AppTest) -> float:
    started = time.perf_counter()
    app.run()
    return time.perf_counter() - started


def problems(app: AppTest, page: str | None) -> list[str]:
    found = [str(e.value) for e in app.exception]
    # After switch_page() AppTest requests the page's hash; a page that is not
    # registered (or a sign-in wall) would leave the run on another page.
    requested = getattr(app, "_page_hash", "")
    finished = getattr(app, "_finished_page_script_hash", requested)
    if page and requested and requested != finished:
        found.append(f"rendered another page than {page}")
    return found


def main(argv: list[str]) -> int:
    import streamlit as st

    script = str(Path(argv[0]).resolve())
    page = argv[1] if len(argv) > 1 else None
    token = session_token() if Path(script).name == "app.py" else None

    app = AppTest.from_file(script, default_timeout=600)
    if token:
        app.session_state["session_token"] = token
    boot = timed_run(app)
    found = problems(app, None)
    if page and not found:
        app.switch_page(page)
    renders: list[float] = []
    for _ in range(RENDERS):
        if found:
            break
        st.cache_data.clear()
        renders.append(timed_run(app))
        found = problems(app, page)
    cached = timed_run(app) if not found else None
    if found:
        print(json.dumps({"error": found}, ensure_ascii=False))
        return 1
    elements: dict[str, Any] = {
        "title": [t.value for t in app.title],
        "plotly_charts": len(app.get("plotly_chart")),
        "metrics": len(app.metric),
        "tables": len(app.get("table")) + len(app.dataframe),
        "info": [i.value for i in app.info],
    }
    print(
        json.dumps(
            {
                "seconds": statistics.median(renders),
                "renders": renders,
                "boot_seconds": boot,
                "cached_seconds": cached,
                "signed_in": bool(token),
                "elements": elements,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
