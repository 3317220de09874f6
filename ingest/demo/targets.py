"""The city's yearly targets, set for each district from its year as drawn."""

from __future__ import annotations

from typing import Any

from ingest.demo.draws import STREAM_TARGET, stream
from ingest.demo.reference import District


def _round_target(value: float, step: int, minimum: int) -> int:
    return max(minimum, round(value / step) * step)


def target_rows(seed: int, year: int, district: District, planned: dict[str, float]) -> list[list[Any]]:
    """The city's yearly targets: about what the district will achieve."""
    rng = stream(seed, STREAM_TARGET, district.code, year)
    cases = planned["legal_aid_cases"] * rng.uniform(0.95, 1.05)
    yuan = planned["wages_recovered_yuan"] * rng.uniform(0.95, 1.05)
    certified = planned["certified_enterprises"] * rng.uniform(0.95, 1.05)
    return [
        [
            year,
            district.name_zh,
            "legal_aid_cases",
            _round_target(cases, 10 if cases >= 200 else 1, 1),
        ],
        [
            year,
            district.name_zh,
            "wages_recovered_yuan",
            _round_target(yuan, 10_000 if yuan >= 1_000_000 else 100, 100),
        ],
        [
            year,
            district.name_zh,
            "certified_enterprises",
            _round_target(certified, 1, 1),
        ],
        [
            year,
            district.name_zh,
            "mediation_rate",
            [0.65, 0.70, 0.75][int(rng.integers(0, 3))],
        ],
    ]
