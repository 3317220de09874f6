"""The manifest's bookkeeping: every file written, and the rows, workers and
money the warehouse must show once they are ingested (in integer cents:
exact, and Decimal only at the end)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ingest.demo.draws import MISSING
from ingest.demo.reference import District
from ingest.demo.seasons import Calendar, month_of


def yuan(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


class Totals:
    """Expected rows, workers and money of one dataset, by district and month."""

    def __init__(self, months: list[str], districts: list[District]):
        self.months = months
        self.month_index = {m: i for i, m in enumerate(months)}
        self.codes = [d.code for d in districts]
        self.rows = np.zeros((len(self.codes), len(months)), dtype=np.int64)
        self.cents = np.zeros_like(self.rows)
        self.workers = 0

    def add(
        self,
        district: str,
        year: int,
        days: np.ndarray,
        cents: np.ndarray,
        workers: np.ndarray,
    ) -> None:
        """Count a district's rows of one year; `days` places each in its month."""
        k = self.codes.index(district)
        col = self.month_index[f"{year}-01"] + month_of(days) - 1
        np.add.at(self.rows[k], col, 1)
        np.add.at(self.cents[k], col, np.where(cents == MISSING, 0, cents))
        self.workers += int(workers.sum())

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": int(self.rows.sum()),
            "amount_recovered_yuan": yuan(int(self.cents.sum())),
            "workers": self.workers,
            "by_district": {
                c: {
                    "rows": int(self.rows[k].sum()),
                    "amount_recovered_yuan": yuan(int(self.cents[k].sum())),
                }
                for k, c in enumerate(self.codes)
            },
            "by_month": {
                m: {
                    "rows": int(self.rows[:, i].sum()),
                    "amount_recovered_yuan": yuan(int(self.cents[:, i].sum())),
                }
                for i, m in enumerate(self.months)
            },
        }


@dataclass
class Run:
    """Everything one call of generate() accumulates while it writes."""

    out_dir: Path
    today: dt.date
    calendar: Calendar
    districts: list[District]
    files: list[dict[str, Any]] = field(default_factory=list)
    legal: Totals = field(init=False)
    wage: Totals = field(init=False)
    cert_rows: dict[str, int] = field(default_factory=dict)
    cert_certified: dict[str, int] = field(default_factory=dict)
    targets: dict[int, list[list[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.legal = Totals(self.calendar.months(), self.districts)
        self.wage = Totals(self.calendar.months(), self.districts)

    def record(
        self,
        path: Path,
        dataset: str,
        district: str | None,
        period: tuple[str, str],
        rows: int,
    ) -> None:
        self.files.append(
            {
                "path": path.relative_to(self.out_dir).as_posix(),
                "dataset": dataset,
                "district_code": district,
                "period": list(period),
                "rows": rows,
            }
        )


def build_manifest(run: Run, *, seed: int, scale: float) -> dict[str, Any]:
    """The files written and the figures the warehouse must show."""
    cert_by_district = {
        d.code: {"rows": run.cert_rows[d.code], "certified": run.cert_certified[d.code]} for d in run.districts
    }
    return {
        "seed": seed,
        "today": run.today.isoformat(),
        "scale": scale,
        "data_date": run.calendar.data_date.isoformat(),
        "files": sorted(run.files, key=lambda f: f["path"]),
        "expected": {
            "legal_aid": run.legal.as_dict(),
            "wage_recovery": run.wage.as_dict(),
            "certification": {
                "rows": sum(run.cert_rows.values()),
                "certified": sum(run.cert_certified.values()),
                "by_district": cert_by_district,
            },
            "target": {"rows": sum(len(r) for r in run.targets.values())},
        },
    }
