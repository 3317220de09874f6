"""Labels and number formatting in both languages (dashboards/i18n.py)."""

from __future__ import annotations

import string
from datetime import date

import pytest

from dashboards import i18n
from dashboards.i18n import t


@pytest.mark.parametrize(
    ("yuan", "zh", "en"),
    [
        (5_180_000_000, "51.8亿元", "5.18 bn yuan"),
        (11_151_910, "1115.19万元", "11.15 m yuan"),
        (30_420_000, "3042万元", "30.42 m yuan"),
        (100_000_000, "1亿元", "100.00 m yuan"),
        (8_500, "8,500元", "8,500 yuan"),
        (0, "0元", "0 yuan"),
    ],
)
def test_money_in_chinese_and_english(yuan: float, zh: str, en: str) -> None:
    assert i18n.format_money(yuan, "zh") == zh
    assert i18n.format_money(yuan, "en") == en


@pytest.mark.parametrize(
    ("value", "metric", "zh", "en"),
    [
        (30_123, "legal_aid_cases", "30,123件", "30,123 cases"),
        (1_891, "wage_cases", "1,891件", "1,891 cases"),
        (223, "certified_enterprises", "223家", "223 enterprises"),
        (222_500, "legal_aid_cases", "22.25万件", "222,500 cases"),
        (2_198, "wage_workers", "2,198人", "2,198 workers"),
        # an average to one decimal, as the subject pages show it (the brief wrote 30天 for 30.3)
        (30.318, "wage_avg_days_to_resolve", "30.3天", "30.3 days"),
        (20.26, "avg_workdays_to_close", "20.3工作日", "20.3 working days"),
    ],
)
def test_counts_carry_their_unit(value: int, metric: str, zh: str, en: str) -> None:
    assert i18n.format_value(value, metric, "zh") == zh
    assert i18n.format_value(value, metric, "en") == en


def test_rates_and_changes() -> None:
    assert i18n.format_value(0.769, "mediation_rate", "zh") == "76.9%"
    assert i18n.format_value(1543 / 2006, "mediation_rate", "en") == "76.9%"
    assert i18n.format_change(0.1234, "wage_cases", "zh") == "+12.3%"
    assert i18n.format_change(-0.05, "wages_recovered_yuan", "en") == "-5.0%"
    # A rate changes in percentage points, not per cent of itself.
    assert i18n.format_change(0.021, "mediation_rate", "zh") == "+2.1个百分点"
    assert i18n.format_change(-0.021, "mediation_rate", "en") == "-2.1 pp"
    assert i18n.format_change(0.00001, "wage_cases", "zh") == "±0.0%"


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing_values_are_a_dash(missing: object) -> None:
    for metric in ("legal_aid_cases", "wages_recovered_yuan", "mediation_rate"):
        assert i18n.format_value(missing, metric, "zh") == "—"
    assert i18n.format_change(missing, "wage_cases", "en") == "—"


def test_dates_months_and_periods() -> None:
    assert i18n.format_date(date(2026, 10, 31), "zh") == "2026年10月31日"
    assert i18n.format_date(date(2026, 10, 31), "en") == "31 Oct 2026"
    assert i18n.month_label(3, "zh") == "3月"
    assert i18n.month_label(3, "en") == "Mar"
    assert i18n.period_label(2026, 10, "zh") == "2026年1–10月"
    assert i18n.period_label(2026, 10, "en") == "Jan–Oct 2026"
    assert i18n.period_label(2025, 12, "zh") == "2025年全年"


def test_display_units_scale_money_and_rates() -> None:
    assert i18n.display_unit("wages_recovered_yuan", "zh") == (1e4, "万元")
    assert i18n.display_unit("wages_recovered_yuan", "en") == (1e6, "m yuan")
    assert i18n.display_unit("mediation_rate", "zh") == (0.01, "%")
    assert i18n.display_unit("legal_aid_cases", "zh") == (1.0, "件")


def test_every_label_exists_in_both_languages_with_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    # English names the month ("Jan–Oct"), Chinese numbers it ("1–10月").
    allowed = {"period.ytd": {"month", "month_name"}}
    for key, (zh, en) in i18n.LABELS.items():
        assert zh.strip() and en.strip(), key
        if key in allowed:
            assert fields(zh) | fields(en) <= allowed[key] | {"year"}, key
        else:
            assert fields(zh) == fields(en), key


def test_t_picks_the_language_and_fills_placeholders() -> None:
    assert t("nav.overview", "zh") == "总览"
    assert t("nav.overview", "en") == "Overview"
    assert t("card.target", "zh", value="1,000件") == "目标 1,000件"


def test_language_from_the_url_defaults_to_chinese() -> None:
    assert i18n.normalise_lang("en") == "en"
    assert i18n.normalise_lang(None) == "zh"
    assert i18n.normalise_lang("fr") == "zh"
