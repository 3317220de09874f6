"""One district's year drawn whole, the same for the demo files and the bulk
output: the state a district carries from year to year, and plan_year."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ingest.demo.certification import CERT_INDUSTRY_P, CertHistory, certification_year
from ingest.demo.draws import (
    STREAM_CERT,
    STREAM_CODES,
    STREAM_LEGAL_AID,
    STREAM_STREETS,
    STREAM_WAGE,
    Context,
    Table,
    stream,
)
from ingest.demo.firms import CODE_SPACE, FirmRegistry
from ingest.demo.legal_aid import legal_aid_year
from ingest.demo.reference import District
from ingest.demo.targets import target_rows
from ingest.demo.wage_recovery import WAGE_INDUSTRY_P, wage_year


@dataclass
class DistrictState:
    """One district's generator state, carried from year to year."""

    district: District
    street_p: np.ndarray  # how cases and firms spread over its streets and towns
    employers: FirmRegistry
    enterprises: FirmRegistry
    history: CertHistory = field(default_factory=CertHistory)

    @classmethod
    def start(cls, seed: int, district: District) -> DistrictState:
        streets = stream(seed, STREAM_STREETS, district.code)
        street_p = streets.dirichlet(np.full(len(district.subdistricts), 2.0))
        salt = int(stream(seed, STREAM_CODES, district.code).integers(0, CODE_SPACE))
        # Enterprises number from the middle of the code space and share the
        # permutation, so an enterprise never gets an employer's code.
        return cls(
            district,
            street_p,
            FirmRegistry(district, 0, WAGE_INDUSTRY_P, street_p, salt),
            FirmRegistry(district, CODE_SPACE // 2, CERT_INDUSTRY_P, street_p, salt),
        )


@dataclass
class YearPlan:
    """One district's year as drawn, before any cut at a data date."""

    legal: Table
    wage: Table
    cert: Table
    targets: list[list[Any]]


def plan_year(ctx: Context, state: DistrictState, year: int, nil_month: int | None = None) -> YearPlan:
    """Draw a district's whole year (the simulation itself): what the year will
    hold once every case is closed. Years must be drawn in order."""
    district, seed = state.district, ctx.seed

    def rng(purpose: int) -> np.random.Generator:
        return stream(seed, purpose, district.code, year)

    legal = legal_aid_year(rng(STREAM_LEGAL_AID), district, year, ctx, state.street_p)
    wage = wage_year(rng(STREAM_WAGE), district, year, ctx, state.employers, nil_month)
    cert = certification_year(rng(STREAM_CERT), district, year, ctx, state.enterprises, state.history)
    # Targets follow the whole year's plan, also for the current year.
    planned = {
        "legal_aid_cases": len(legal["seq"]),
        "wages_recovered_yuan": int(wage["recovered"].sum()) / 100,
        "certified_enterprises": int(cert["certified"].sum()),
    }
    return YearPlan(legal, wage, cert, target_rows(seed, year, district, planned))
