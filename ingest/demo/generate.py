"""Demo submissions: the files Shanghai's 16 district trade unions would send.

`generate()` writes four full years plus the current year to date of
legal-aid, wage-recovery and certification submissions and the yearly
targets, in the untidy shapes real district offices use (title rows, totals
and footers, 万元, GB18030, English headers, a correction, a nil return), and
`manifest.json` with the figures the warehouse must show once they are
ingested. It is a pure function of (seed, today, scale): the same arguments
give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.demo.categories import CERTIFIED
from ingest.demo.certification import certification_as_of
from ingest.demo.columns import certification_values, legal_aid_values, wage_values
from ingest.demo.draws import STREAM_CORRECTION, Context, Table, stream
from ingest.demo.legal_aid import correct_last_month, legal_aid_as_of
from ingest.demo.manifest import Run, build_manifest
from ingest.demo.reference import load_districts, load_holidays
from ingest.demo.seasons import Calendar, data_date_for, day_number
from ingest.demo.simulation import DistrictState, plan_year
from ingest.demo.styles import CORRECTION_DISTRICT, NIL_RETURN_DISTRICT, STYLES
from ingest.demo.submissions import plan_submissions
from ingest.demo.wage_recovery import wage_as_of
from ingest.demo.writers import SHEET_NAMES, render, write_csv, write_targets, write_xlsx


@dataclass
class YearRecords:
    """One district's records of one year, as known at the data date."""

    legal: Table  # as first submitted
    final_legal: Table  # after the correction (the same table for most districts)
    corrected: np.ndarray  # positions of the corrected cases
    wage: Table
    cert: Table


def simulate_year(run: Run, ctx: Context, state: DistrictState, year: int) -> YearRecords:
    """Draw a district's year, set its targets from the plan, cut at the data date."""
    district, cal, seed = state.district, run.calendar, ctx.seed
    nil_month = None
    if year == cal.data_date.year and district.code == NIL_RETURN_DISTRICT:
        nil_month = cal.last_month(year)
    plan = plan_year(ctx, state, year, nil_month)
    run.targets.setdefault(year, []).extend(plan.targets)

    legal = legal_aid_as_of(plan.legal, cal.last_day)
    final_legal, corrected = legal, np.zeros(0, dtype=np.int64)
    if year == cal.data_date.year and district.code == CORRECTION_DISTRICT:
        final_legal, corrected = correct_last_month(
            stream(seed, STREAM_CORRECTION, district.code, year), legal, cal.last_day
        )
    return YearRecords(
        legal,
        final_legal,
        corrected,
        wage_as_of(plan.wage, cal.last_day),
        certification_as_of(plan.cert, cal.last_day),
    )


def write_year(run: Run, state: DistrictState, year: int, records: YearRecords) -> None:
    """Write a district's files of one year into <year>/<district>/."""
    district = state.district
    style = STYLES[district.code]
    last_month = run.calendar.last_month(year)
    values = {
        "legal_aid": legal_aid_values(records.legal, district, year),
        "wage_recovery": wage_values(records.wage, district, year, state.employers),
        "certification": certification_values(records.cert, state.enterprises, style),
        "correction": legal_aid_values(records.final_legal, district, year),
    }
    folder = run.out_dir / str(year) / district.code
    folder.mkdir(parents=True, exist_ok=True)
    subs = plan_submissions(
        style,
        district,
        year,
        run.calendar,
        records.legal,
        records.wage,
        records.cert,
        records.corrected,
    )
    for index, sub in enumerate(subs, start=1):
        source = values["correction" if sub.kind == "correction" else sub.dataset]
        # A file with no rows must declare its period in a title (a nil return).
        titled = style.fmt == "xlsx" or style.title or len(sub.rows) == 0
        title = sub.title(year, district) if titled else None
        sheet = render(sub.dataset, source, sub.rows, district, style, title)
        path = folder / sub.file_name(index, (1, last_month), style.fmt)
        if style.fmt == "xlsx":
            created = sub.created(year, run.today)
            write_xlsx(path, sheet, SHEET_NAMES[sub.dataset], style, created)
        else:
            write_csv(path, sheet, style.encoding)
        period = (f"{year}-{sub.months[0]:02d}", f"{year}-{sub.months[1]:02d}")
        run.record(path, sub.dataset, district.code, period, len(sub.rows))


def count_year(run: Run, state: DistrictState, year: int, records: YearRecords) -> None:
    """Add a district's year to the manifest's expected figures."""
    code = state.district.code
    # The warehouse shows the last version of each key: the corrected cases.
    legal, wage, cert = records.final_legal, records.wage, records.cert
    run.legal.add(code, year, legal["received"], legal["recovered"], legal["workers"])
    run.wage.add(code, year, wage["opened"], wage["recovered"], wage["workers"])
    run.cert_rows[code] = run.cert_rows.get(code, 0) + len(cert["firm"])
    certified = int((cert["status"] == CERTIFIED).sum())
    run.cert_certified[code] = run.cert_certified.get(code, 0) + certified


def write_target_files(run: Run) -> None:
    """targets/<year>_年度目标.xlsx: one file a year, as the city sends them."""
    folder = run.out_dir / "targets"
    folder.mkdir(exist_ok=True)
    for year, rows in sorted(run.targets.items()):
        path = folder / f"{year}_年度目标.xlsx"
        sent = min(dt.date(year, 1, 15), run.today)
        write_targets(path, rows, dt.datetime.combine(sent, dt.time(9, 30)))
        run.record(path, "target", None, (f"{year}-01", f"{year}-12"), len(rows))


def generate(out_dir: Path, *, seed: int, today: dt.date, scale: float = 1.0) -> dict:
    """Write the demo submissions and manifest.json into out_dir; return the manifest.

    Covers January four years before the data date's year through the data
    date (the last day of the month before `today`). `scale` multiplies every
    row count. The same arguments give byte-identical files.
    """
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        # Stale files from another run would be ingested with these ones.
        raise FileExistsError(f"输出目录不为空 / output folder is not empty: {out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)

    districts = load_districts()
    cal = Calendar(data_date_for(today), load_holidays())
    ctx = Context(seed, scale, cal, day_number(dt.date(cal.first_year, 1, 1)), cal.last_day)
    run = Run(out_dir, today, cal, districts)

    # Districts are independent of each other; a district's years are drawn
    # in order because renewals and returning employers look back.
    for district in districts:
        state = DistrictState.start(seed, district)
        for year in cal.years:
            records = simulate_year(run, ctx, state, year)
            write_year(run, state, year, records)
            count_year(run, state, year, records)

    write_target_files(run)
    manifest = build_manifest(run, seed=seed, scale=scale)
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return manifest
