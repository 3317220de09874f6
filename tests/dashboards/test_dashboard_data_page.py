"""数据管理: stewards see checks, progress, quarantine, publishing and audit;
district users upload their own rows only; leaders do not see the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboards.conftest import ensure_user, signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def _open(monkeypatch, home, credentials):
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=90), home, credentials).run()
    return app


def test_steward_sees_the_data_page(monkeypatch, warehouse_home):
    credentials = ensure_user(warehouse_home, "steward-data", "steward", "steward-data-1")
    app = _open(monkeypatch, warehouse_home, credentials)
    app.switch_page("app_pages/data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    headers = [h.value for h in app.subheader]
    assert {"最近一次数据检查", "报送进度（近12个月）", "发布记录与文档", "审计日志"} <= set(headers)
    frames = [f.value for f in app.dataframe]
    progress = next(f for f in frames if "2026-10" in f.columns)
    assert len(progress) == 16 and set(progress.stack()) <= {"✓", "○", "✗"}


def test_leaders_have_no_data_page(monkeypatch, warehouse_home):
    credentials = ensure_user(warehouse_home, "leader-data", "leader", "leader-data-1")
    app = _open(monkeypatch, warehouse_home, credentials)
    assert not app.exception
    # The page is not registered in a leader's navigation at all.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("app_pages/data.py")
