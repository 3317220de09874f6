"""The cards, the ranking and the display tables, read from the KPI marts'
rows (whose status and 同比 kpi_year_to_date's dbt unit tests hold), and the
change between two figures of a period a reader chose."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import cards, metrics, tables


def test_a_status_is_read_as_the_mart_gives_it() -> None:
    """The red/amber/green judgement is made in kpi_year_to_date (its dbt
    unit tests hold the rule); the dashboards only read it, and a row
    without one shows "no target"."""
    assert [metrics.as_status(value) for value in ("green", "amber", "red", "none")] == [
        "green", "amber", "red", "none",
    ]  # fmt: skip
    assert metrics.as_status(None) == metrics.as_status(float("nan")) == "none"


def test_a_change_between_two_figures_a_reader_chose() -> None:
    """A subject page's 同比 over the reader's period, measured as the KPI
    mart measures it (macros/change_between.sql)."""
    assert metrics.change(110, 100, rate=False) == pytest.approx(0.10)
    assert metrics.change(0.76, 0.74, rate=True) == pytest.approx(0.02)
    assert metrics.change(5, 0, rate=False) is None
    assert metrics.change(5, None, rate=False) is None


def test_ranking_table_scales_and_labels() -> None:
    frame = pd.DataFrame(
        {
            "district_code": ["310110", "310112"],
            "district_name_zh": ["杨浦区", "闵行区"],
            "district_name_en": ["Yangpu", "Minhang"],
            "short_name_zh": ["杨浦", "闵行"],
            "actual": [11_151_910.0, 30_420_000.0],
            "actual_same_period_last_year": [10_000_000.0, None],
            "target": [10_000_000.0, None],
            "completion_rate": [1.115191, None],
            "time_progress": [0.833, 0.833],
            "status": ["green", "none"],
            "change_on_last_year": [0.115191, None],
            "rank": [1, 2],
            "projected_year_end": [13_382_292.0, None],
            "projected_completion_rate": [1.3382292, None],
        }
    )
    zh = tables.ranking(frame, "wages_recovered_yuan", "zh")
    assert list(zh["district"]) == ["杨浦区", "闵行区"]
    assert zh["actual"].tolist() == pytest.approx([1115.191, 3042.0])  # 万元
    assert zh.loc[0, "yoy"] == pytest.approx(11.5191)
    assert zh.loc[0, "completion"] == pytest.approx(111.5191)
    assert zh.loc[0, "status"] == "达到进度"
    assert zh.loc[1, "status"] == "无目标"
    assert pd.isna(zh.loc[1, "target"])
    assert zh.loc[0, "projected"] == pytest.approx(1338.2292)  # 万元, where the year is heading
    assert zh.loc[0, "projected_completion"] == pytest.approx(133.82292)
    assert pd.isna(zh.loc[1, "projected"])
    en = tables.ranking(frame, "wages_recovered_yuan", "en")
    assert list(en["district"]) == ["Yangpu", "Minhang"]
    assert en.loc[0, "actual"] == pytest.approx(11.15191)  # m yuan


def test_glossary_filters_in_either_language() -> None:
    frame = pd.DataFrame(
        {
            "metric": ["legal_aid_cases", "mediation_rate"],
            "name_zh": ["法律援助案件数", "调解成功率"],
            "name_en": ["Legal-aid cases", "Mediation success rate"],
            "definition_zh": ["按受理日期统计", "调解成功数除以结案数"],
            "definition_en": ["Counted when received", "Mediated over closed"],
            "unit_zh": ["件", "%"],
            "unit_en": ["cases", "%"],
            "source_zh": ["案件明细", "案件明细"],
            "source_en": ["Case lists", "Case lists"],
            "sort_order": [1, 2],
        }
    )
    assert list(tables.glossary(frame, "zh", "调解")["code"]) == ["mediation_rate"]
    assert list(tables.glossary(frame, "en", "legal")["code"]) == ["legal_aid_cases"]
    assert len(tables.glossary(frame, "en")) == 2


def test_card_against_time_progress() -> None:
    card = cards.build_card(
        "wage_cases",
        {
            "actual": 1891.0,
            "actual_same_period_last_year": 1700.0,
            "target": 2400.0,
            "completion_rate": 1891 / 2400,
            "time_progress": 0.8329,
            "completion_benchmark": 0.8329,
            "status": "amber",
            "change_on_last_year": 191 / 1700,
        },
        name="追讨欠薪案件数",
        help_text="口径",
        lang="zh",
    )
    assert card.value_text == "1,891件"
    assert card.delta_text == "+11.2%"
    assert card.delta_colour == "off"  # more cases is neither good nor bad
    assert card.target_text == "2,400件"
    assert card.status == "amber"  # as the mart judged it: 78.8% done, 83.3% of the year gone
    assert card.bar_value == pytest.approx(0.7879, abs=1e-4)
    assert card.benchmark == pytest.approx(0.8329)
    assert card.benchmark_text == "时间进度 83.3%"


def test_card_for_a_rate_and_for_no_target() -> None:
    rate = cards.build_card(
        "mediation_rate",
        {
            "actual": 0.769,
            "actual_same_period_last_year": 0.748,
            "target": 0.75,
            "completion_rate": 0.769 / 0.75,
            "time_progress": 0.5,
            "status": "green",
            "change_on_last_year": 0.021,
        },
        name="调解成功率",
        help_text=None,
        lang="en",
    )
    assert rate.value_text == "76.9%"
    assert rate.delta_text == "+2.1 pp"
    assert rate.delta_colour == "normal"
    assert (rate.bar_value, rate.benchmark) == (0.769, 0.75)  # tick at the target
    assert rate.status == "green"

    missing = cards.build_card(
        "legal_aid_recovered_yuan",
        {"actual": 5.18e9, "actual_same_period_last_year": None, "target": None},
        name="挽回经济损失",
        help_text=None,
        lang="zh",
    )
    assert missing.value_text == "51.8亿元"
    assert missing.delta_text == "无上年同期数据" and missing.delta_arrow == "off"
    assert missing.target_text is None and missing.status == "none"
    assert missing.bar_value is None

    nothing = cards.build_card("wage_cases", None, name="x", help_text=None, lang="zh")
    assert nothing.value_text == "—" and nothing.status == "none"


def test_chart_frames_scale_to_the_display_unit() -> None:
    frame = pd.DataFrame(
        {
            "district_code": ["310110"],
            "district_name_zh": ["杨浦区"],
            "district_name_en": ["Yangpu"],
            "short_name_zh": ["杨浦"],
            "actual": [11_151_910.0],
            "target": [None],
        }
    )
    bars = tables.bar_frame(frame, "wages_recovered_yuan", "zh")
    assert bars.loc[0, "label"] == "杨浦"
    assert bars.loc[0, "value"] == pytest.approx(1115.191)
    assert bars.loc[0, "value_text"] == "1115.19万元"
    assert tables.bar_frame(frame, "wages_recovered_yuan", "en").loc[0, "label"] == "Yangpu"


@pytest.mark.parametrize(
    ("metric", "colour"),
    [("avg_days_to_close", "inverse"), ("wage_recovery_rate", "normal"), ("legal_aid_cases", "off")],
)
def test_a_change_is_coloured_by_the_seeds_better(metric: str, colour: str) -> None:
    """More days to close is bad news (red), a higher recovery rate good
    (green), more cases neither (grey): the metrics seed's ``better``."""
    card = cards.build_card(
        metric,
        {"actual": 0.6, "actual_same_period_last_year": 0.5, "change_on_last_year": 0.2, "target": None},
        name=metric,
        help_text=None,
        lang="zh",
    )
    assert card.delta_colour == colour


def test_a_subject_cards_rate_changes_in_points_and_its_kpis_speak_for_the_seed() -> None:
    """A subject page's card of a rate gives its 同比 in percentage points
    (70.6% against 69.1% is +1.5 points, not +2.2%); a KPI card is named,
    coloured and explained by the metrics seed."""
    from dashboards import i18n, subject_ui, subjects

    figures = subject_ui.Figures(
        subjects.LEGAL_AID_FIELDS,
        {"mediation_rate": 0.706, "days_mean": 30.0, "cases": 110},
        {"mediation_rate": 0.691, "days_mean": 25.0, "cases": 100},
        "zh",
    )
    rate = figures.card("mediation_rate", compared=True)
    assert rate.label == "调解成功率"
    assert rate.delta == "+1.5个百分点" and rate.delta_colour == "normal"
    assert rate.help_text == i18n.metric_definition("mediation_rate", "zh")
    assert rate.help_text and "÷" in rate.help_text
    days = figures.card("days_mean", compared=True)
    assert days.delta == "+20.0%" and days.delta_colour == "inverse"  # more days is worse
    cases = figures.card("cases", compared=True)
    assert cases.label == "案件数" and cases.delta == "+10.0%" and cases.delta_colour == "off"
    english = subject_ui.Figures(subjects.WAGE_FIELDS, {"recovery_rate": 0.5}, {"recovery_rate": 0.6}, "en")
    assert english.card("recovery_rate", compared=True).delta == "-10.0 pp"
    assert english.card("recovery_rate").label == "Wage recovery rate"
