"""The app run headless with Streamlit's AppTest: fast checks of what the
pages show, without a browser."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import i18n
from tests.dashboards.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def _run(monkeypatch: pytest.MonkeyPatch, home: Path, **query: str) -> AppTest:
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=90), home)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def test_overview_cards_show_the_city_figures(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path, warehouse_db: Path
) -> None:
    with duckdb.connect(str(warehouse_db), read_only=True) as con:
        (data_date,) = con.execute("select data_date from marts.warehouse_meta").fetchone()
        (wages,) = con.execute(
            "select sum(actual) from marts.kpi_district_year where year = ? and metric = 'wages_recovered_yuan'",
            [data_date.year],
        ).fetchone()
    app = _run(monkeypatch, warehouse_home)
    assert not app.exception
    assert app.title[0].value == "工会工作指标总览"
    values = [metric.value for metric in app.metric]
    assert len(values) == 6
    assert i18n.format_money(wages, "zh") in values
    # Every card carries its definition (口径) as help.
    assert all(metric.help for metric in app.metric)


def test_english_from_the_url(monkeypatch: pytest.MonkeyPatch, warehouse_home: Path) -> None:
    app = _run(monkeypatch, warehouse_home, lang="en")
    assert not app.exception
    assert app.title[0].value == "Union KPI overview"
    assert any("vs same period last year" in str(m.proto.delta_description) for m in app.metric)


def test_no_warehouse_shows_a_bilingual_notice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = _run(monkeypatch, tmp_path)
    assert not app.exception
    notice = app.info[0].value
    assert "尚未发布数据仓库，请先运行 unionkpi build" in notice
    assert "No warehouse published yet" in notice
    assert not app.metric
