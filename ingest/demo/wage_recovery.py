"""The wage-arrears cases of one district and year: when they open (most
in the weeks before the Spring Festival), where they come from, whom they
concern and what is recovered; and what is known of them at a data date."""

from __future__ import annotations

import numpy as np

from ingest.demo.categories import COMPLAINT, INCIDENT, INSPECTION, industry_p
from ingest.demo.draws import DISTRICT_NOISE_SIGMA, MISSING, Context, Table, choice, daily_arrivals, take, to_cents
from ingest.demo.firms import FirmRegistry
from ingest.demo.reference import District
from ingest.demo.seasons import month_of

WAGE_PER_YEAR = 9_000  # city-wide at scale 1
WAGE_GROWTH = 0.01
WAGE_SOURCE_P = (0.70, 0.15, 0.02, 0.13)  # in the order of WAGE_SOURCES
WAGE_INDUSTRY_P = industry_p(
    construction=0.35,
    catering=0.14,
    manufacturing=0.15,
    business=0.12,
    transport=0.08,
    retail=0.07,
    household=0.05,
    it=0.02,
    realestate=0.02,
)


def wage_year(
    rng: np.random.Generator,
    district: District,
    year: int,
    ctx: Context,
    employers: FirmRegistry,
    skip_month: int | None,
) -> Table:
    cal = ctx.calendar
    annual = WAGE_PER_YEAR * (1 + WAGE_GROWTH) ** (year - cal.first_year)
    expected = annual * district.weight * ctx.scale * rng.lognormal(0, DISTRICT_NOISE_SIGMA)
    opened = daily_arrivals(rng, cal.year_days(year), expected, cal.shape("wage_recovery", year))
    if skip_month is not None:
        # The nil-return month: this district really had no wage cases then.
        opened = opened[month_of(opened) != skip_month]
    n = len(opened)
    source = choice(rng, WAGE_SOURCE_P, n)
    workers = np.select(
        [source == COMPLAINT, source == INSPECTION, source == INCIDENT],
        [
            np.minimum(rng.geometric(0.5, n), 9),
            rng.integers(2, 16, n),
            rng.integers(10, 121, n),
        ],
        np.minimum(rng.geometric(0.35, n), 20),
    )
    per_worker = np.where(
        source == INCIDENT,
        rng.lognormal(np.log(9_000), 0.5, n),
        rng.lognormal(np.log(5_000), 0.6, n),
    )
    owed = to_cents(rng, workers * per_worker)
    resolved = opened + np.where(source == INCIDENT, rng.integers(1, 21, n), rng.integers(3, 61, n))
    full = rng.random(n) < 0.55
    recovered = np.where(full, owed, np.floor(owed * rng.uniform(0.5, 1.0, n))).astype(np.int64)
    # While a case is open, part of the money may already be back.
    partial = np.where(rng.random(n) < 0.7, 0, np.floor(recovered * rng.uniform(0.1, 0.6, n))).astype(np.int64)
    return {
        "seq": np.arange(1, n + 1),
        "opened": opened,
        "resolved": resolved,
        "source": source,
        "employer": employers.draw(rng, n, repeat_p=0.3),
        "workers": workers,
        "owed": owed,
        "recovered": recovered,
        "partial": partial,
        "status": np.zeros(n, dtype=np.int64),
    }


def wage_as_of(table: Table, last_day: int) -> Table:
    t = take(table, table["opened"] <= last_day)
    still_open = t["resolved"] > last_day
    t["status"] = np.where(still_open, 1, 0)
    t["resolved"] = np.where(still_open, MISSING, t["resolved"])
    t["recovered"] = np.where(still_open, t["partial"], t["recovered"])
    return t
