"""Category values, metrics and districts are written in several places
that must agree: the seeds (dbt/seeds and data/reference, the one source),
the submission templates ingest validates against, the Great Expectations
suites, the dbt tests and the demo generator. Each is checked against the
seeds here, so a value added or renamed in one place and not the others
fails a test instead of quarantining good rows or passing bad ones."""

import ast
import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from ingest import templates
from ingest.demo import categories as demo

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt" / "seeds"
SUITES = REPO / "expectations" / "suites"
# a landing or staging column -> the seed category its values come from
COLUMN_CATEGORY = {
    "dispute_type": "dispute_type",
    "service_type": "service_type",
    "channel": "channel",
    "outcome": "outcome",
    "source": "wage_source",
    "submission_status": "submission_status",
    "freshness_status": "freshness_status",
}
# statuses the warehouse derives: a check may ask for some of them only
DERIVED = {"submission_status", "freshness_status"}
# the status column means a different category in each dataset
STATUS_CATEGORY = {"wage_recovery": "wage_status", "certification": "certification_status"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _categories() -> dict[str, set[str]]:
    values: dict[str, set[str]] = defaultdict(set)
    for row in _rows(SEEDS / "categories.csv"):
        values[row["category"]].add(row["value_zh"])
    return values


SEEDED = _categories()


def _agrees(values: list[str], category: str) -> bool:
    return set(values) <= SEEDED[category] if category in DERIVED else set(values) == SEEDED[category]


def _category_of(column: str, where: str) -> str | None:
    if column == "status":
        return next((c for dataset, c in STATUS_CATEGORY.items() if dataset in where), None)
    return COLUMN_CATEGORY.get(column)


@pytest.mark.parametrize(
    ("category", "template", "generated"),
    [
        ("dispute_type", templates.DISPUTE_TYPES, demo.DISPUTE_TYPES),
        ("service_type", templates.SERVICE_TYPES, demo.SERVICE_TYPES),
        ("channel", templates.CHANNELS, demo.CHANNELS),
        ("outcome", templates.OUTCOMES, demo.OUTCOMES),
        ("wage_source", templates.WAGE_SOURCES, demo.WAGE_SOURCES),
        ("wage_status", templates.WAGE_STATUSES, demo.WAGE_STATUSES),
        ("certification_status", templates.CERT_STATUSES, demo.CERT_STATUSES),
    ],
)
def test_templates_and_the_demo_take_the_seeded_values(category, template, generated):
    assert set(template) == SEEDED[category]
    assert set(generated) == SEEDED[category]


def test_the_great_expectations_value_sets_are_the_seeded_ones():
    checked = []
    for suite in sorted(SUITES.glob("*.json")):
        for expectation in json.loads(suite.read_text(encoding="utf-8"))["expectations"]:
            kwargs = expectation["kwargs"]
            if expectation["type"] != "expect_column_values_to_be_in_set":
                continue
            if kwargs["column"] == "district_code":
                districts = {row["district_code"] for row in _rows(REPO / "data" / "reference" / "districts.csv")}
                assert set(kwargs["value_set"]) == districts, suite.name
                checked.append((suite.name, "district_code"))
            elif (category := _category_of(kwargs["column"], suite.name)) is not None:
                assert _agrees(kwargs["value_set"], category), (suite.name, kwargs["column"])
                checked.append((suite.name, kwargs["column"]))
    # the suites do check these columns: a renamed suite or column must not
    # make this test pass by checking nothing
    assert {column for _, column in checked} >= {"district_code", "dispute_type", "channel", "outcome", "status"}


def test_the_dbt_accepted_values_are_the_seeded_ones():
    checked = []
    for path in sorted((REPO / "dbt" / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            for column in model.get("columns", []):
                category = _category_of(column["name"], model["name"].replace("wage_recoveries", "wage_recovery"))
                for test in column.get("data_tests", []):
                    if isinstance(test, dict) and "accepted_values" in test and category is not None:
                        values = test["accepted_values"].get("arguments", test["accepted_values"])["values"]
                        assert _agrees(values, category), (model["name"], column["name"])
                        checked.append((model["name"], column["name"]))
    assert checked, "no accepted_values test on a category column was found"


def test_every_target_metric_is_a_seeded_metric_with_a_kind():
    metrics = {row["metric"]: row for row in _rows(SEEDS / "metrics.csv")}
    assert set(templates.METRICS) <= set(metrics)
    assert set(templates.RATE_METRICS) == {metric for metric in templates.METRICS if metrics[metric]["kind"] == "rate"}
    # kpi_year_to_date's status judges completion of a target against time
    # elapsed (counts, money) or the target itself (a rate), where more is
    # better: a target is taken for no other kind, and none where less is
    for metric in templates.METRICS:
        assert metrics[metric]["kind"] in {"count", "money", "rate"}, metric
        assert metrics[metric]["better"] != "lower", metric
    assert {row["kind"] for row in metrics.values()} <= {"count", "money", "rate", "average", "stock"}
    # the kind and the unit agree: money is in yuan, a rate in per cent
    for metric, row in metrics.items():
        assert (row["kind"] == "money") == (row["unit_zh"] == "元"), metric
        assert (row["kind"] == "rate") == (row["unit_zh"] == "%"), metric


def test_each_stored_value_has_one_english_label():
    labels: dict[str, set[str]] = defaultdict(set)
    for row in _rows(SEEDS / "categories.csv"):
        labels[row["value_zh"]].add(row["value_en"])
    for row in _rows(SEEDS / "industries.csv"):
        labels[row["industry_name_zh"]].add(row["industry_name_en"])
    assert {value: en for value, en in labels.items() if len(en) > 1} == {}


def test_the_subject_pages_kpi_columns_are_named_by_the_metrics_seed() -> None:
    """A subject page's column that is a KPI (cases, money recovered,
    mediation rate, days to close, ...) takes its name from the metrics
    seed (its short name), never from a label of its own, and its unit
    word is the seed's."""
    from dashboards import i18n, subjects
    from dashboards.i18n import Dimensions, Metric

    seeded = {row["metric"]: row for row in _rows(SEEDS / "metrics.csv")}
    fields = [
        item
        for group in (
            subjects.LEGAL_AID_FIELDS,
            subjects.WAGE_FIELDS,
            subjects.IN_FORCE_FIELDS,
            subjects.LEGAL_AID_RECORD_FIELDS,
            subjects.WAGE_RECORD_FIELDS,
        )
        for item in group
        if item.metric
    ]
    assert {item.metric for item in fields} >= {
        "legal_aid_cases",
        "legal_aid_recovered_yuan",
        "mediation_rate",
        "avg_days_to_close",
        "wage_recovery_rate",
        "wage_avg_days_to_resolve",
        "certified_in_force",
    }
    dimensions = Dimensions(
        metrics={
            name: Metric(
                row["name_zh"],
                row["name_en"],
                row["unit_zh"],
                row["unit_en"],
                row["kind"],
                short_zh=row["short_name_zh"],
                short_en=row["short_name_en"],
            )
            for name, row in seeded.items()
        },
        category_en={},
    )
    token = i18n.DIMENSIONS.set(dimensions)
    try:
        for item in fields:
            assert item.label("zh") == seeded[item.metric]["short_name_zh"]
            assert item.label("en") == seeded[item.metric]["short_name_en"]
            # a KPI's unit is its seed row's, never typed beside it
            assert item.unit is None, item.key
            assert item.unit_word("zh") == seeded[item.metric]["unit_zh"], item.key
            assert item.unit_word("en") == seeded[item.metric]["unit_en"], item.key
            if item.kind in ("count", "number"):  # the figure is written with that unit
                assert subjects.format_measure(20.26, item, "zh").endswith(seeded[item.metric]["unit_zh"]), item.key
    finally:
        i18n.DIMENSIONS.reset(token)
    # a warehouse that does not describe the metric: no unit, never a wrong one
    token = i18n.DIMENSIONS.set(Dimensions(metrics={}, category_en={}))
    try:
        days = subjects.field(subjects.LEGAL_AID_FIELDS, "days_mean")
        assert subjects.format_measure(22.8, days, "en") == "23"
        assert subjects.format_measure(22.8, days, "zh") == "23"
    finally:
        i18n.DIMENSIONS.reset(token)


UNIT_CALLS = {"unit_word", "format_number", "format_days"}


def _unit_literals(tree: ast.AST) -> set[str]:
    """The string literals a module hands to the unit-word functions: their
    arguments, however nested, and the defaults of a local wrapper's
    parameters named ``unit``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in UNIT_CALLS:
                arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
                found |= {a.value for a in arguments if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif isinstance(node, ast.FunctionDef) and node.name not in UNIT_CALLS:
            positional = node.args.args[len(node.args.args) - len(node.args.defaults) :]
            for argument, default in zip(positional, node.args.defaults, strict=True):
                if argument.arg == "unit" and isinstance(default, ast.Constant) and isinstance(default.value, str):
                    found.add(default.value)
    return found


def test_every_unit_word_the_dashboards_use_is_the_seeds() -> None:
    """Unit words (件, 人, 家, 天, 工作日, 元) have one source, the metrics
    seed: the dashboards name a unit by its English form and
    i18n.unit_word reads the seed. The subject pages' columns and the
    literal calls found here must name units the seed writes; a unit it
    does not write raises (below), so the page tests that render every page
    catch one anywhere else."""
    from dashboards import i18n, subjects

    seeded = {row["unit_en"]: row["unit_zh"] for row in _rows(SEEDS / "metrics.csv")}
    named = {
        item.unit
        for group in vars(subjects).values()
        if isinstance(group, tuple)
        for item in group
        if isinstance(item, subjects.Field) and item.unit
    }
    for path in (REPO / "dashboards").rglob("*.py"):
        named |= _unit_literals(ast.parse(path.read_text(encoding="utf-8")))
    assert {"cases", "workers", "enterprises", "yuan"} <= named
    # the finder sees through nesting and a wrapper's default
    sample = 'f(i18n.format_number(g(h(x)), "firms", lang))\ndef count(v, unit="tons"):\n    pass'
    assert _unit_literals(ast.parse(sample)) == {"firms", "tons"}
    assert named <= set(seeded), named - set(seeded)
    assert not any(key.startswith("unit.") for key in i18n.LABELS)
    dimensions = i18n.Dimensions(
        metrics={
            row["metric"]: i18n.Metric(row["name_zh"], row["name_en"], row["unit_zh"], row["unit_en"], row["kind"])
            for row in _rows(SEEDS / "metrics.csv")
        },
        category_en={},
    )
    token = i18n.DIMENSIONS.set(dimensions)
    try:
        assert i18n.format_number(3, "working days", "zh") == "3工作日"
        with pytest.raises(KeyError, match="firms"):
            i18n.format_number(3, "firms", "zh")
    finally:
        i18n.DIMENSIONS.reset(token)


def test_no_dashboard_label_repeats_a_metric_name() -> None:
    """A metric's names are the seed's: no label of the dashboards' own
    spells one again (they drifted apart before: "Recovery rate" on the
    wages page, "平均办结天数" for two definitions)."""
    from dashboards import i18n

    names = {
        row[column]
        for row in _rows(SEEDS / "metrics.csv")
        for column in ("name_zh", "name_en", "short_name_zh", "short_name_en")
    }
    repeated = {key: text for key, texts in i18n.LABELS.items() for text in texts if text in names}
    assert repeated == {}


def test_the_statuses_the_kpi_marts_give_are_the_ones_the_dashboards_name():
    """kpi_year_to_date judges each figure green, amber, red or none; the
    dashboards give each of those words and know no other."""
    from typing import get_args

    from dashboards import i18n, metrics

    named = {key.removeprefix("status.") for key in i18n.LABELS if key.startswith("status.")}
    assert named == set(get_args(metrics.Status))
    path = REPO / "dbt" / "models" / "marts" / "kpi" / "_kpi__models.yml"
    judged = {}
    for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
        for column in model.get("columns", []):
            for test in column.get("data_tests", []) if column["name"] == "status" else []:
                if isinstance(test, dict) and "accepted_values" in test:
                    judged[model["name"]] = set(test["accepted_values"]["arguments"]["values"])
    assert set(judged) == {"kpi_year_to_date", "kpi_district_year", "kpi_city_year"}
    assert all(values == named for values in judged.values())
