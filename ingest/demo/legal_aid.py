"""The legal-aid cases of one district and year: how many arrive each day,
what they are about, how they end and what they recover; what is known of
them at a data date; and the correction one district sends."""

from __future__ import annotations

import numpy as np

from ingest.demo.categories import MEDIATED, OPEN, WITHDRAWN, industry_p
from ingest.demo.draws import DISTRICT_NOISE_SIGMA, MISSING, Context, Table, choice, daily_arrivals, take, to_cents
from ingest.demo.reference import District

# Calibration (city-wide, scale 1): ~30,000 cases and 700-800 million yuan
# recovered a year (the sources give 222,500 services and 5.18 billion yuan
# for 2016 to Nov 2022).
LEGAL_AID_PER_YEAR = 30_000
LEGAL_AID_GROWTH = 0.04

# The mixes, in the order of the category values (see categories.py).
DISPUTE_P = (0.45, 0.25, 0.15, 0.08, 0.07)
SERVICE_P = (0.25, 0.08, 0.42, 0.18, 0.07)
CHANNEL_P = (0.35, 0.30, 0.20, 0.15)
# P(final outcome | service type): representation in arbitration or court
# ends in an award or a judgment more often than advice and mediation do.
OUTCOME_P_BY_SERVICE = np.array(
    [
        [0.78, 0.06, 0.03, 0.13],
        [0.78, 0.06, 0.03, 0.13],
        [0.78, 0.06, 0.03, 0.13],
        [0.40, 0.45, 0.05, 0.10],
        [0.30, 0.05, 0.55, 0.10],
    ]
)
DAYS_TO_CLOSE = np.array([[1, 45], [30, 90], [45, 90], [1, 60]])
RECOVERY_RATIO = np.array([[0.4, 1.0], [0.5, 1.0], [0.5, 1.0], [0.0, 0.0]])

LEGAL_AID_INDUSTRY_P = industry_p(
    manufacturing=0.20,
    construction=0.14,
    retail=0.12,
    transport=0.07,
    catering=0.12,
    it=0.06,
    business=0.10,
    household=0.07,
    realestate=0.04,
    education=0.03,
    health=0.03,
    culture=0.02,
)
# Couriers, ride-hailing drivers and platform workers (新就业形态).
NEW_FORM_INDUSTRY_P = industry_p(transport=0.55, it=0.15, household=0.15, catering=0.10, retail=0.05)


def _legal_aid_workers(rng: np.random.Generator, n: int) -> np.ndarray:
    # Mostly one to three workers; ~3% collective (群体性, 10 or more).
    kind = choice(rng, (0.68, 0.16, 0.09, 0.04, 0.03), n)
    workers = np.array([1, 2, 3, 0, 0])[kind]
    workers[kind == 3] = rng.integers(4, 10, size=int((kind == 3).sum()))
    workers[kind == 4] = rng.integers(10, 61, size=int((kind == 4).sum()))
    return workers


def legal_aid_year(
    rng: np.random.Generator,
    district: District,
    year: int,
    ctx: Context,
    street_p: np.ndarray,
) -> Table:
    cal = ctx.calendar
    annual = LEGAL_AID_PER_YEAR * (1 + LEGAL_AID_GROWTH) ** (year - cal.first_year)
    expected = annual * district.weight * ctx.scale * rng.lognormal(0, DISTRICT_NOISE_SIGMA)
    received = daily_arrivals(rng, cal.year_days(year), expected, cal.shape("legal_aid", year))
    n = len(received)
    service = choice(rng, SERVICE_P, n)
    channel = choice(rng, CHANNEL_P, n)
    workers = _legal_aid_workers(rng, n)

    progress = np.clip(
        (received - ctx.new_form_start) / max(ctx.new_form_end - ctx.new_form_start, 1),
        0,
        1,
    )
    new_form = rng.random(n) < 0.08 + 0.12 * progress
    industry = np.where(
        new_form,
        choice(rng, NEW_FORM_INDUSTRY_P, n),
        choice(rng, LEGAL_AID_INDUSTRY_P, n),
    )

    per_worker = np.where(
        workers >= 10,
        rng.lognormal(np.log(8_000), 0.6, n),
        rng.lognormal(np.log(11_500), 0.9, n),
    )
    claimed = to_cents(rng, np.clip(workers * per_worker, 300, 5_000_000))

    cdf = OUTCOME_P_BY_SERVICE.cumsum(axis=1)[service]
    outcome = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), WITHDRAWN)
    closed = received + rng.integers(DAYS_TO_CLOSE[outcome, 0], DAYS_TO_CLOSE[outcome, 1] + 1)
    ratio = rng.uniform(RECOVERY_RATIO[outcome, 0], RECOVERY_RATIO[outcome, 1])
    recovered = np.floor(claimed * ratio).astype(np.int64)
    # A withdrawn case recovers nothing: some districts write 0, some leave it blank.
    recovered[(outcome == WITHDRAWN) & (rng.random(n) < 0.5)] = MISSING

    # Hotline and online cases often do not know the worker's street.
    street = choice(rng, street_p, n)
    remote = (channel >= 2) & (rng.random(n) < 0.3)
    street[remote] = MISSING
    return {
        "seq": np.arange(1, n + 1),
        "received": received,
        "closed": closed,
        "street": street,
        "dispute": choice(rng, DISPUTE_P, n),
        "service": service,
        "channel": channel,
        "workers": workers,
        "new_form": new_form.astype(np.int64),
        "industry": industry,
        "claimed": claimed,
        "recovered": recovered,
        "outcome": outcome,
    }


def legal_aid_as_of(table: Table, last_day: int) -> Table:
    """What the district knows at the data date: recent cases are still open."""
    t = take(table, table["received"] <= last_day)
    still_open = t["closed"] > last_day
    t["outcome"] = np.where(still_open, OPEN, t["outcome"])
    t["closed"] = np.where(still_open, MISSING, t["closed"])
    t["recovered"] = np.where(still_open, MISSING, t["recovered"])
    return t


def correct_last_month(rng: np.random.Generator, table: Table, last_day: int) -> tuple[Table, np.ndarray]:
    """Change ~5 cases of the latest month that has cases; return the
    corrected table and the positions of the changed rows."""
    if len(table["received"]) == 0:
        return table, np.zeros(0, dtype=np.int64)
    month = table["received"].astype("datetime64[D]").astype("datetime64[M]")
    # A case received on the data date cannot have closed (it takes a day at least).
    closable = (table["outcome"] != OPEN) | (table["received"] < last_day)
    rows = np.flatnonzero((month == month.max()) & closable)
    rows = np.sort(rng.choice(rows, size=min(5, len(rows)), replace=False))
    t = {k: v.copy() for k, v in table.items()}
    for i in rows:
        claimed = int(t["claimed"][i])
        old = int(t["recovered"][i])
        if t["outcome"][i] in (OPEN, WITHDRAWN):
            # An open or withdrawn case turned out mediated after all.
            if t["outcome"][i] == OPEN:
                t["closed"][i] = int(rng.integers(t["received"][i] + 1, last_day + 1))
            t["outcome"][i] = MEDIATED
            t["recovered"][i] = int(claimed * rng.uniform(0.5, 1.0))
        else:
            new = int(claimed * rng.uniform(0.4, 1.0))
            t["recovered"][i] = new if new != old else max(old - 100, 0)
    return t, rows
