"""What every dataset's simulation shares: the record table, the random
streams (one per purpose, district and year) and the common draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.demo.seasons import Calendar

# A blank cell: every real date (a day number) is long after 1970, every
# amount is >= 0.
MISSING = -1

AMOUNT_MAX_CENTS = 99_000_000 * 100  # stays under the contract's 1亿元 row ceiling
DISTRICT_NOISE_SIGMA = 0.08  # how far a district's year strays from its weight

# Random streams, one per (purpose, district, year), so that each part of the
# output depends only on the seed and never on the order of generation.
STREAM_LEGAL_AID, STREAM_WAGE, STREAM_CERT, STREAM_TARGET = 1, 2, 3, 4
STREAM_CORRECTION, STREAM_STREETS, STREAM_CODES = 5, 6, 7

Table = dict[str, np.ndarray]


@dataclass
class Context:
    """What every dataset's draw of a year needs besides its own stream."""

    seed: int
    scale: float
    calendar: Calendar
    new_form_start: int  # days: the 新就业形态 share grows from here ...
    new_form_end: int  # ... to here


def take(table: Table, index: np.ndarray) -> Table:
    return {k: v[index] for k, v in table.items()}


def stream(seed: int, purpose: int, district: str, year: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, purpose, int(district), year]))


def choice(rng: np.random.Generator, p: Any, n: int) -> np.ndarray:
    return rng.choice(len(p), size=n, p=np.asarray(p) / np.sum(p))


def daily_arrivals(rng: np.random.Generator, days: np.ndarray, expected: float, shape: np.ndarray) -> np.ndarray:
    """Sorted arrival days: a Poisson count for each day of the year."""
    return np.repeat(days, rng.poisson(expected * shape))


def to_cents(rng: np.random.Generator, yuan: np.ndarray) -> np.ndarray:
    """Yuan to integer cents: most amounts are whole yuan, some carry cents."""
    whole = rng.random(len(yuan)) < 0.8
    cents = np.where(whole, np.round(yuan) * 100, np.round(yuan * 100))
    return np.clip(cents, 100, AMOUNT_MAX_CENTS).astype(np.int64)
