"""The harmonious-labour-relations campaign of one district and year: which
firms apply (renewals and retries among them), how they score and which are
certified or later revoked; and each application's status at a data date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ingest.demo.categories import APPLIED, ASSESSING, CERTIFIED, NOT_CERTIFIED, REVOKED, industry_p
from ingest.demo.draws import DISTRICT_NOISE_SIGMA, MISSING, Context, Table, take
from ingest.demo.firms import FirmRegistry
from ingest.demo.reference import District
from ingest.demo.seasons import day_number, plus_years

# Calibration (city-wide, scale 1): ~2,000 certified a year.
CERT_APPLICATIONS_PER_YEAR = 2_550
CERT_INDUSTRY_P = industry_p(
    manufacturing=0.30,
    retail=0.12,
    it=0.12,
    business=0.12,
    construction=0.08,
    transport=0.06,
    catering=0.06,
    realestate=0.05,
    household=0.03,
    education=0.02,
    health=0.02,
    culture=0.02,
)


@dataclass
class CertHistory:
    """Earlier campaign results of one district, for renewals and re-applications."""

    certified: dict[int, np.ndarray] = field(default_factory=dict)
    failed: dict[int, np.ndarray] = field(default_factory=dict)


def _days_between(rng: np.random.Generator, first: dt.date, last: dt.date, n: int) -> np.ndarray:
    return rng.integers(day_number(first), day_number(last) + 1, size=n)


def certification_year(
    rng: np.random.Generator,
    district: District,
    year: int,
    ctx: Context,
    firms: FirmRegistry,
    history: CertHistory,
) -> Table:
    n_apps = int(
        rng.poisson(CERT_APPLICATIONS_PER_YEAR * district.weight * ctx.scale * rng.lognormal(0, DISTRICT_NOISE_SIGMA))
    )
    # A certificate lasts three years, so half of those certified three
    # campaigns ago renew; some that failed last year try again.
    prior = history.certified.get(year - 3, np.zeros(0, dtype=np.int64))
    renew = prior[rng.random(len(prior)) < 0.5]
    failed = history.failed.get(year - 1, np.zeros(0, dtype=np.int64))
    retry = failed[rng.random(len(failed)) < 0.4]
    returning = np.concatenate([renew, retry])
    _, first = np.unique(returning, return_index=True)
    returning = returning[np.sort(first)][:n_apps]
    firm = np.concatenate([returning, firms.add(rng, n_apps - len(returning))])
    n = len(firm)
    p_certified = np.where(np.isin(firm, renew), 0.9, np.where(np.isin(firm, retry), 0.6, 0.78))
    certified = rng.random(n) < p_certified

    # Applications come in March to June; most decisions fall in October to
    # December, some earlier.
    applied = _days_between(rng, dt.date(year, 3, 1), dt.date(year, 6, 30), n)
    late = rng.random(n) < 0.85
    decided = np.where(
        late,
        _days_between(rng, dt.date(year, 10, 1), dt.date(year, 12, 31), n),
        _days_between(rng, dt.date(year, 7, 1), dt.date(year, 9, 30), n),
    )
    score = np.where(certified, rng.integers(800, 1001, n), rng.integers(600, 796, n)) // 5 * 5
    revoked = np.where(certified & (rng.random(n) < 0.02), decided + rng.integers(60, 700, n), MISSING)
    employees = np.maximum(3, np.round(firms.employees[firm] * rng.lognormal(0, 0.08, n))).astype(np.int64)
    history.certified[year] = firm[certified & (revoked == MISSING)]
    history.failed[year] = firm[~certified]
    order = np.argsort(applied, kind="stable")  # rows in the order they applied
    return take(
        {
            "firm": firm,
            "year": np.full(n, year),
            "certified": certified.astype(np.int64),
            "applied": applied,
            "decided": decided,
            "score": score,
            "revoked": revoked,
            "employees": employees,
            "assessing": (rng.random(n) < 0.85).astype(np.int64),
        },
        order,
    )


def certification_as_of(table: Table, last_day: int) -> Table:
    t = take(table, table["applied"] <= last_day)
    decided = t["decided"] <= last_day
    july = (t["year"] - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 6
    campaign_mid = july.astype("datetime64[D]").astype(np.int64)
    pending = np.where((last_day >= campaign_mid) & (t["assessing"] == 1), ASSESSING, APPLIED)
    status = np.where(t["certified"] == 1, CERTIFIED, NOT_CERTIFIED)
    revoked = (t["revoked"] != MISSING) & (t["revoked"] <= last_day)
    status = np.where(revoked, REVOKED, status)
    t["status"] = np.where(decided, status, pending)
    has_date = np.isin(t["status"], (CERTIFIED, REVOKED))
    t["certified_date"] = np.where(has_date, t["decided"], MISSING)
    t["valid_until"] = np.where(has_date, plus_years(t["decided"], 3), MISSING)
    t["revoked_date"] = np.where(t["status"] == REVOKED, t["revoked"], MISSING)
    t["score"] = np.where(decided, t["score"], MISSING)
    return t
