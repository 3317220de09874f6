"""Plain bulk output of the demo simulation: millions of rows, quickly.

`generate()` writes what districts really send (xlsx, title rows, 万元 …),
one file at a time in Python: right for the demo, far too slow at a national
scale. `generate_bulk()` draws the same simulation (plan_year: the same
seasons, districts, calibration and random streams) and writes each dataset
as one city-wide, clean UTF-8 CSV in the template's Chinese headers, built
column by column with pyarrow:

    OUT/base/    the `months` months before the data month, as known at
                 their end: legal_aid.csv, wage_recovery.csv,
                 certification.csv (the campaign years they touch), target.csv
    OUT/update/  the data month, as known at the data date: its legal-aid and
                 wage cases, and the certification rows whose status changed
    OUT/manifest.json  the files and the rows and sums each part holds

A file larger than `max_bytes` (default: what `unionkpi ingest` accepts) is
cut into legal_aid-001.csv, legal_aid-002.csv … at row boundaries. The same
arguments give byte-identical files.

    python -m ingest.demo.bulk OUT --today 2026-11-22 --scale 300 [--seed 2024] [--months 12]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.demo.categories import CERTIFIED
from ingest.demo.certification import certification_as_of
from ingest.demo.columns import (
    COLUMNS,
    Coded,
    Column,
    Numbered,
    certification_columns,
    id_width,
    legal_aid_columns,
    wage_columns,
)
from ingest.demo.draws import MISSING, Context, Table, take
from ingest.demo.legal_aid import legal_aid_as_of
from ingest.demo.manifest import yuan
from ingest.demo.reference import District, load_districts, load_holidays
from ingest.demo.seasons import Calendar, data_date_for, day_number
from ingest.demo.simulation import DistrictState, YearPlan, plan_year
from ingest.demo.wage_recovery import wage_as_of
from ingest.templates import TEMPLATES
from kernel.home import max_file_bytes
from kernel.home import today as default_today

PARTS = ("base", "update")
SLICE_ROWS = 200_000  # rows serialised at a time (about 35 MB of legal-aid CSV)


# ---------------------------------------------------------------------------
# Columns as arrow arrays
# ---------------------------------------------------------------------------


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32(), mask=days == MISSING)


def _digits(values: np.ndarray, width: int = 1) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=width, padding="0")


def _money(cents: np.ndarray) -> pa.Array:
    """Integer cents as yuan text, "1234.50"; MISSING to a blank."""
    whole = pc.cast(pa.array(cents // 100, mask=cents == MISSING), pa.string())
    return pc.binary_join_element_wise(whole, _digits(cents % 100, 2), ".")


def _score(tenths: np.ndarray) -> pa.Array:
    """Tenths of a point as the point, "90" or "90.5"; MISSING to a blank."""
    whole = pc.cast(pa.array(tenths // 10, mask=tenths == MISSING), pa.string())
    return pc.if_else(pa.array(tenths % 10 == 0), whole, pc.binary_join_element_wise(whole, _digits(tenths % 10), "."))


NUMBERS = {"date": _dates, "money": _money, "score": _score}  # other kinds: the numbers as they are


def _array(column: Column, value: Any) -> pa.Array:
    if isinstance(value, Coded):  # MISSING to a blank
        index = pa.array(value.codes, pa.int32(), mask=value.codes == MISSING)
        return pa.DictionaryArray.from_arrays(index, pa.array(value.labels)).cast(pa.string())
    if isinstance(value, Numbered):
        return pc.binary_join_element_wise(value.prefix, _digits(value.seq, value.width), "")
    return NUMBERS.get(column.kind, pa.array)(value)


def _table(dataset: str, district: District, rows: int, columns: dict[str, Any]) -> pa.Table:
    """The columns in the template's order, under its Chinese headers."""
    template = COLUMNS[dataset]
    arrays = [pa.repeat(district.name_zh, rows) if c.key == "district" else _array(c, columns[c.key]) for c in template]
    return pa.table(arrays, names=[c.zh for c in template])


# ---------------------------------------------------------------------------
# One city-wide CSV, in parts under the size limit
# ---------------------------------------------------------------------------


def _csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    # "none": a value that would need quotes raises instead of being written.
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    pacsv.write_csv(table, sink, options)
    return sink.getvalue().to_pybytes()


class CsvParts:
    """A dataset's city-wide file of one period: `stem`.csv, or `stem`-001.csv,
    -002 … when it would pass `max_bytes`. Nothing is written without rows."""

    def __init__(self, folder: Path, stem: str, max_bytes: int):
        self.folder = folder
        self.stem = stem
        self.max_bytes = max_bytes
        self.header = b""
        self.parts: list[dict[str, Any]] = []  # path, rows, bytes
        self.handle: Any = None

    def write(self, table: pa.Table) -> None:
        if not self.header:  # (the template's headers need no quotes)
            self.header = (",".join(table.column_names) + "\n").encode()
        for start in range(0, table.num_rows, SLICE_ROWS):
            self._write(table.slice(start, SLICE_ROWS))

    def _write(self, table: pa.Table) -> None:
        data = _csv_bytes(table)
        if len(self.header) + len(data) > self.max_bytes and table.num_rows > 1:
            half = table.num_rows // 2
            self._write(table.slice(0, half))
            self._write(table.slice(half))
            return
        if self.handle is None or self.parts[-1]["bytes"] + len(data) > self.max_bytes:
            self._open()
        self.handle.write(data)
        self.parts[-1]["rows"] += table.num_rows
        self.parts[-1]["bytes"] += len(data)

    def _open(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.stem}-{len(self.parts) + 1:03d}.csv"
        self.handle = path.open("wb")
        self.handle.write(self.header)
        self.parts.append({"path": path, "rows": 0, "bytes": len(self.header)})

    def close(self) -> list[dict[str, Any]]:
        if self.handle is not None:
            self.handle.close()
        if len(self.parts) == 1:  # one file: no part number
            single = self.parts[0]
            single["path"] = single["path"].rename(self.folder / f"{self.stem}.csv")
        return self.parts


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def _month_start(day: dt.date, months_back: int) -> dt.date:
    """The first day of the month `months_back` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


class Figures:
    """What one part holds: rows, workers and money of each dataset."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, int]] = {}

    def add(self, dataset: str, **counts: int) -> None:
        kept = self.values.setdefault(dataset, {})
        for key, value in counts.items():
            kept[key] = kept.get(key, 0) + int(value)

    def add_cases(self, dataset: str, t: Table, date: str) -> None:
        self.add(
            dataset,
            rows=len(t[date]),
            workers=t["workers"].sum(),
            recovered_cents=np.where(t["recovered"] == MISSING, 0, t["recovered"]).sum(),
        )

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for dataset, kept in sorted(self.values.items()):
            out[dataset] = {k: v for k, v in kept.items() if k != "recovered_cents"}
            if "recovered_cents" in kept:
                out[dataset]["amount_recovered_yuan"] = yuan(kept["recovered_cents"])
        return out


def _cases(
    plan: Table, as_of: Callable[[Table, int], Table], date: str, first: int, base_last: int, last: int
) -> tuple[Table, Table]:
    """A year's cases of base's months as known at their end, and those of
    the data month as known at the data date."""
    base, now = as_of(plan, base_last), as_of(plan, last)
    return take(base, base[date] >= first), take(now, now[date] > base_last)


def generate_bulk(
    out_dir: Path,
    *,
    seed: int,
    today: dt.date,
    scale: float = 1.0,
    months: int = 12,
    max_bytes: int | None = None,
) -> dict:
    """Write base/, update/ and manifest.json into out_dir; return the manifest.

    base/ holds the `months` months before the data month (the month before
    `today`), update/ the data month. `scale` multiplies every row count as
    in generate(): scale 1 is a city-year, about 30,000 legal-aid cases.
    """
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if scale <= 0:
        raise ValueError("scale must be positive")
    if months < 1:
        raise ValueError("months must be at least 1")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"输出目录不为空 / output folder is not empty: {out_dir}")
    if max_bytes is None:
        max_bytes = max_file_bytes()

    started = time.perf_counter()
    data_date = data_date_for(today)
    base_date = data_date.replace(day=1) - dt.timedelta(days=1)
    first_day = _month_start(data_date, months)
    # The simulation starts in January of the first month's year (growth and
    # the share of new forms of employment count from there).
    cal = Calendar(data_date, load_holidays(), years_back=data_date.year - first_day.year)
    ctx = Context(seed, scale, cal, day_number(dt.date(cal.first_year, 1, 1)), cal.last_day)
    window = (day_number(first_day), day_number(base_date), cal.last_day)

    out = {
        (part, dataset): CsvParts(out_dir / part, dataset, max_bytes)
        for part in PARTS
        for dataset in ("legal_aid", "wage_recovery", "certification")
    }
    figures = {part: Figures() for part in PARTS}
    targets: list[list[Any]] = []
    for district in load_districts():
        state = DistrictState.start(seed, district)
        for year in cal.years:
            plan = plan_year(ctx, state, year)
            targets.extend(plan.targets)
            _write_year(out, figures, state, year, plan, window)
    files = _close(out_dir, out, targets, figures["base"])

    manifest = {
        "seed": seed,
        "today": today.isoformat(),
        "scale": scale,
        "months": months,
        "data_date": data_date.isoformat(),
        "parts": {
            "base": {"first_date": first_day.isoformat(), "last_date": base_date.isoformat()},
            "update": {"first_date": data_date.replace(day=1).isoformat(), "last_date": data_date.isoformat()},
        },
        "max_bytes": max_bytes,
        "files": files,
        "expected": {part: figures[part].as_dict() for part in PARTS},
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    manifest["seconds"] = time.perf_counter() - started  # not in the file: it would not reproduce
    return manifest


def _write_year(
    out: dict[tuple[str, str], CsvParts],
    figures: dict[str, Figures],
    state: DistrictState,
    year: int,
    plan: YearPlan,
    window: tuple[int, int, int],
) -> None:
    """A district's year into base and update, with what each part holds."""
    district = state.district
    width = id_width("legal_aid", plan.legal["seq"])
    for part, t in zip(PARTS, _cases(plan.legal, legal_aid_as_of, "received", *window), strict=True):
        columns = legal_aid_columns(t, district, year, width)
        out[part, "legal_aid"].write(_table("legal_aid", district, len(t["seq"]), columns))
        figures[part].add_cases("legal_aid", t, "received")
    width = id_width("wage_recovery", plan.wage["seq"])
    for part, t in zip(PARTS, _cases(plan.wage, wage_as_of, "opened", *window), strict=True):
        columns = wage_columns(t, district, year, width, state.employers)
        out[part, "wage_recovery"].write(_table("wage_recovery", district, len(t["seq"]), columns))
        figures[part].add_cases("wage_recovery", t, "opened")

    # Certification returns cover whole campaign years; the update
    # resends the rows whose status moved in the data month. Rows come
    # in the order they applied, so `base` is the first rows of `now`.
    # Certificates dated before the first month are left out: the
    # warehouse's months start with the first case, and a certificate
    # before them would count in no month.
    first, base_last, last = window
    cert = take(plan.cert, (plan.cert["certified"] == 0) | (plan.cert["decided"] >= first))
    now = certification_as_of(cert, last)
    base = certification_as_of(cert, base_last)
    moved = np.ones(len(now["firm"]), dtype=bool)
    moved[: len(base["firm"])] = now["status"][: len(base["firm"])] != base["status"]
    update = take(now, moved)
    for part, t in (("base", base), ("update", update)):
        columns = certification_columns(t, state.enterprises)
        out[part, "certification"].write(_table("certification", district, len(t["firm"]), columns))
        figures[part].add("certification", rows=len(t["firm"]), certified=(t["status"] == CERTIFIED).sum())


def _close(
    out_dir: Path, out: dict[tuple[str, str], CsvParts], targets: list[list[Any]], base: Figures
) -> list[dict[str, Any]]:
    """Close every dataset's parts and write base/target.csv; the files written."""
    files = []
    for (part, dataset), parts in out.items():
        for written in parts.close():
            files.append({"part": part, "dataset": dataset, **written})
    target_path = out_dir / "base" / "target.csv"
    with target_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([column.zh for column in TEMPLATES["target"].columns])
        writer.writerows(targets)
    files.append({"part": "base", "dataset": "target", "path": target_path, "rows": len(targets)})
    base.add("target", rows=len(targets))
    for entry in files:
        entry["bytes"] = entry["path"].stat().st_size
        entry["path"] = entry["path"].relative_to(out_dir).as_posix()
    return sorted(files, key=lambda f: f["path"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.demo.bulk", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="a new or empty folder")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="default: UNIONKPI_TODAY, else today")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--months", type=int, default=12, help="months in base/ (default 12)")
    parser.add_argument("--max-mb", type=float, default=None, help="largest file (default: what ingest accepts)")
    args = parser.parse_args(argv)
    manifest = generate_bulk(
        args.out,
        seed=args.seed,
        today=args.today or default_today(),
        scale=args.scale,
        months=args.months,
        max_bytes=None if args.max_mb is None else int(args.max_mb * 2**20),
    )
    summary = {k: manifest[k] for k in ("data_date", "parts", "expected", "seconds")}
    summary["files"] = len(manifest["files"])
    json.dump(summary, sys.stdout, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
