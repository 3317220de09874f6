"""A rate's target is a fraction from 0 to 1 (75% is 0.75); a count's is
any number. Which targets are rates is the metrics seed's kind
(templates.RATE_METRICS, held to the seed by tests/test_one_source.py)."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import templates, validate


def _errors(metric: str, target: str) -> list[str]:
    template = templates.TARGET
    raw = {"year": "2026", "district_code": "310110", "metric": metric, "target": target}
    _record, errors = validate.check_row(template, {}, raw, {}, 2, date(2026, 11, 22), {})
    return [error.code for error in errors]


@pytest.mark.parametrize(
    ("metric", "target", "codes"),
    [
        ("mediation_rate", "0.75", []),
        ("mediation_rate", "75", ["invalid_rate"]),
        ("legal_aid_cases", "75", []),
    ],
)
def test_a_rate_target_is_a_fraction(metric: str, target: str, codes: list[str]) -> None:
    assert _errors(metric, target) == codes
