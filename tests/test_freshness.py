"""Freshness of the district returns: marts.fct_submission_freshness in the
demo warehouse agrees with the load log it summarises, the build's own
`dbt source freshness` judges the landing tables with the same thresholds,
and the data page
shows the table, narrowed to a district user's own rows."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.conftest import TODAY
from tests.dashboards.conftest import ensure_user, signed_in

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt"
SHANGHAI = timezone(timedelta(hours=8))


def _thresholds() -> tuple[dict[str, int], dict[str, int]]:
    variables = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    return variables["freshness_warn_after_days"], variables["freshness_error_after_days"]


def _query(home: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


@pytest.fixture(scope="module")
def freshness(demo_home: Path) -> pd.DataFrame:
    return _query(demo_home, "select * from marts.fct_submission_freshness")


def test_one_row_per_district_and_dataset(freshness):
    assert len(freshness) == 16 * 4
    assert set(freshness["dataset"]) == {"legal_aid", "wage_recovery", "certification", "target"}
    assert not freshness.duplicated(["district_code", "dataset"]).any()


def test_latest_load_and_month_agree_with_the_load_log(demo_home, freshness):
    """Recomputed here from raw.loads: loaded, not withdrawn, one row per
    district a load covers."""
    loads = _query(
        demo_home,
        """
        select unnest(districts) as district_code, dataset, loaded_at, period_end
        from raw.loads
        where status = 'loaded' and load_id not in (select load_id from raw.withdrawals)
        """,
    )
    expected = loads.groupby(["district_code", "dataset"]).agg(
        last_loaded_at=("loaded_at", "max"), latest_period_end=("period_end", "max")
    )
    actual = freshness.set_index(["district_code", "dataset"]).loc[expected.index]
    assert (actual["last_loaded_at"] == expected["last_loaded_at"]).all()
    assert (pd.to_datetime(actual["latest_period_end"]) == pd.to_datetime(expected["latest_period_end"])).all()
    today = date.fromisoformat(TODAY)
    days = [max((today - stamp.date()).days, 0) for stamp in expected["last_loaded_at"]]
    assert list(actual["days_since_loaded"]) == days


def test_status_follows_the_thresholds_in_dbt_project(freshness):
    warn, error = _thresholds()
    kind = {"legal_aid": "monthly", "wage_recovery": "monthly", "certification": "certification", "target": "target"}
    for row in freshness.itertuples():
        assert row.warn_after_days == warn[kind[row.dataset]]
        assert row.error_after_days == error[kind[row.dataset]]
        if pd.isna(row.last_loaded_at):
            expected = "从未报送"
        elif row.days_since_loaded > row.error_after_days:
            expected = "严重滞后"
        elif row.days_since_loaded > row.warn_after_days:
            expected = "滞后"
        else:
            expected = "正常"
        assert row.freshness_status == expected, row


def test_months_behind_counts_the_missing_latest_months(demo_home, freshness):
    """A district's months behind is the run of months at the end of the
    window that fct_submissions shows as missing (未报送): the demo leaves
    at least one district's latest wage return out."""
    submissions = _query(demo_home, "select * from marts.fct_submissions order by month")
    trailing_missing = {
        key: next((i for i, status in enumerate(reversed(group["submission_status"].tolist())) if status != "未报送"))
        for key, group in submissions.groupby(["district_code", "dataset"])
    }
    monthly = freshness[freshness["dataset"].isin(["legal_aid", "wage_recovery"])]
    behind = {(r.district_code, r.dataset): r.months_behind for r in monthly.itertuples()}
    assert behind == trailing_missing
    assert max(behind.values()) >= 1
    yearly = freshness[freshness["dataset"].isin(["certification", "target"])]
    assert yearly["months_behind"].isna().all()


def test_the_build_judges_source_freshness_on_the_landing_tables(demo_home):
    """`unionkpi build` runs `dbt source freshness` on the landing tables in
    the new file: every table with a threshold is judged, on the latest
    Shanghai load time taken as UTC+8; the verdicts go to the publish log
    and dbt's sources.json."""
    entry = json.loads((demo_home / "publish_log.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    sources = json.loads((demo_home / "dbt" / "target" / "sources.json").read_text(encoding="utf-8"))
    results = {r["unique_id"].split(".")[-1]: r for r in sources["results"]}
    assert set(results) == set(entry["freshness"]) == {"loads", "legal_aid", "wage_recovery", "certification", "target"}
    warn, error = _thresholds()
    assert results["legal_aid"]["criteria"]["warn_after"] == {"count": warn["monthly"], "period": "day"}
    assert results["target"]["criteria"]["error_after"] == {"count": error["target"], "period": "day"}
    latest = _query(
        demo_home, "select dataset, max(loaded_at) as at from raw.loads where status = 'loaded' group by dataset"
    ).set_index("dataset")["at"]
    for dataset in ("legal_aid", "wage_recovery", "certification", "target"):
        expected = latest[dataset].to_pydatetime().replace(tzinfo=SHANGHAI)
        assert datetime.fromisoformat(results[dataset]["max_loaded_at"]) == expected, dataset
        assert datetime.fromisoformat(entry["freshness"][dataset]["max_loaded_at"]) == expected, dataset
    # the demo's loads were made minutes ago, by the wall clock dbt uses
    assert {r["status"] for r in results.values()} == {"pass"}
    assert {v["status"] for v in entry["freshness"].values()} == {"pass"}


def _data_page(monkeypatch, home: Path, credentials: tuple[str, str]) -> AppTest:
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=90), home, credentials)
    app.run()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _freshness_frame(app: AppTest) -> pd.DataFrame:
    return next(f.value for f in app.dataframe if "落后月数" in f.value.columns)


def test_data_page_shows_freshness(monkeypatch, demo_home, freshness):
    credentials = ensure_user(demo_home, "steward-fresh", "steward", "steward-fresh-1")
    app = _data_page(monkeypatch, demo_home, credentials)
    assert "报送新鲜度（各区各数据集）" in [h.value for h in app.subheader]
    shown = _freshness_frame(app)
    assert len(shown) == len(freshness)
    # worst status first, then the most months behind: in the demo every
    # return is fresh and the district that left out its latest wage
    # return leads
    assert shown["落后月数"].iloc[0] == freshness["months_behind"].max() >= 1


def test_district_users_see_their_own_freshness(monkeypatch, demo_home):
    credentials = ensure_user(demo_home, "minhang-fresh", "district", "minhang-fresh-1", district="310112")
    app = _data_page(monkeypatch, demo_home, credentials)
    shown = _freshness_frame(app)
    assert len(shown) == 4
    assert set(shown["区"]) == {"闵行区"}
