"""Fast writer of large legal-aid submissions in the legal_aid template
(docs/templates.md): Chinese headers, valid values, one natural key per row.

Run as a subprocess by bench.run (so the harness itself stays small and the
peak memory it measures for other children is not inflated):

    python -m bench.data OUT_DIR --rows N --first 2025-10 --last 2026-09 \
        --prefix FY --seed 1 --max-bytes 52428800

writes OUT_DIR/big.csv (every row) and, when big.csv is larger than
--max-bytes, the same rows again split into OUT_DIR/parts/part-NNN.csv files
each under the limit (rows are sorted by received date, so each part covers
a run of whole days). Prints a JSON summary on stdout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference"

HEADERS = (
    "案件编号",
    "区",
    "街镇",
    "受理日期",
    "结案日期",
    "争议类型",
    "服务方式",
    "受理渠道",
    "涉及职工人数",
    "新就业形态",
    "行业",
    "诉求金额",
    "挽回经济损失",
    "办理结果",
)
DISPUTE_TYPES = (("劳动报酬", "劳动合同", "社会保险", "工伤", "其他"), (0.45, 0.25, 0.15, 0.08, 0.07))
SERVICE_TYPES = (("法律咨询", "代写法律文书", "协商调解", "代理仲裁", "代理诉讼"), (0.25, 0.08, 0.42, 0.18, 0.07))
CHANNELS = (("工会窗口", "服务站点", "12351热线", "线上平台"), (0.35, 0.30, 0.20, 0.15))
FINAL_OUTCOMES = (("调解成功", "仲裁裁决", "判决", "撤回"), (0.70, 0.14, 0.06, 0.10))
OPEN = "办理中"
INDUSTRIES = (
    "制造业",
    "建筑业",
    "批发和零售业",
    "交通运输、仓储和邮政业",
    "住宿和餐饮业",
    "信息传输、软件和信息技术服务业",
    "租赁和商务服务业",
    "居民服务、修理和其他服务业",
)
CHUNK_ROWS = 1_000_000  # rows built and written at a time: bounds memory at 9 M rows
PART_FILL = 0.85  # parts are filled to this share of the ingest size limit


def _districts() -> tuple[list[str], np.ndarray, list[list[str]]]:
    with (REFERENCE / "districts.csv").open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: r["district_code"])
    streets: dict[str, list[str]] = {}
    with (REFERENCE / "subdistricts.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            streets.setdefault(row["district_code"], []).append(row["subdistrict_name_zh"])
    weights = np.array([float(r["population_weight"]) for r in rows])
    return (
        [r["district_name_zh"] for r in rows],
        weights / weights.sum(),
        [streets[r["district_code"]] for r in rows],
    )


def _month_start(text: str) -> dt.date:
    year, month = (int(p) for p in text.split("-"))
    return dt.date(year, month, 1)


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _pick(rng: np.random.Generator, choices: tuple[tuple[str, ...], tuple[float, ...]], n: int) -> pa.Array:
    values, p = choices
    index = rng.choice(len(values), size=n, p=np.array(p) / sum(p))
    return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(values)).cast(pa.string())


def make_rows(
    rng: np.random.Generator,
    received: np.ndarray,
    seq: np.ndarray,
    district: np.ndarray,
    today: dt.date,
    prefix: str,
) -> pa.Table:
    """One chunk of rows: `received` (days since 1970, sorted), `seq` the
    running row number (unique case ids), `district` indexes into districts."""
    n = len(received)
    names, _, streets = _districts()
    epoch = dt.date(1970, 1, 1)
    today_day = (today - epoch).days

    street_index = np.array([rng.integers(0, len(streets[d])) for d in range(len(names))])
    street_pick = (street_index[district] + rng.integers(0, 5, n)) % np.array([len(s) for s in streets])[district]
    street_flat = [s for d in streets for s in d]
    street_offset = np.cumsum([0] + [len(s) for s in streets])[:-1]
    subdistrict = pa.DictionaryArray.from_arrays(
        pa.array(street_offset[district] + street_pick, pa.int32()), pa.array(street_flat)
    ).cast(pa.string())

    days_to_close = rng.integers(1, 91, n)
    closed = received + days_to_close
    is_open = (closed >= today_day) | (rng.random(n) < 0.03)
    final = rng.choice(4, size=n, p=np.array(FINAL_OUTCOMES[1]))
    outcome_index = np.where(is_open, 4, final)
    outcome = pa.DictionaryArray.from_arrays(
        pa.array(outcome_index, pa.int32()), pa.array((*FINAL_OUTCOMES[0], OPEN))
    ).cast(pa.string())

    workers = np.where(rng.random(n) < 0.05, rng.integers(10, 60, n), rng.integers(1, 10, n))
    claimed = np.round(rng.lognormal(9.5, 1.0, n), 2).clip(100, 5_000_000)
    ratio = np.where(outcome_index < 3, rng.uniform(0.4, 1.0, n), 0.0)
    recovered = np.round(claimed * ratio, 2)

    ids = pc.binary_join_element_wise(
        pa.array(np.full(n, prefix)),
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=9, padding="0"),
        "",
    )
    return pa.table(
        [
            ids,
            pa.DictionaryArray.from_arrays(pa.array(district, pa.int32()), pa.array(names)).cast(pa.string()),
            subdistrict,
            pa.array(received.astype("int32"), pa.date32()),
            pa.array(np.where(is_open, 0, closed).astype("int32"), pa.date32(), mask=is_open),
            _pick(rng, DISPUTE_TYPES, n),
            _pick(rng, SERVICE_TYPES, n),
            _pick(rng, CHANNELS, n),
            pa.array(workers, pa.int32()),
            pa.array(np.where(rng.random(n) < 0.12, "是", "否")),
            pa.array(np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)]),
            pa.array([f"{v:.2f}" for v in claimed]),
            pa.array([f"{v:.2f}" for v in recovered]),
            outcome,
        ],
        names=list(HEADERS),
    )


def write(
    out_dir: Path,
    rows: int,
    first_month: str,
    last_month: str,
    *,
    prefix: str,
    seed: int,
    today: dt.date,
    max_bytes: int,
) -> dict:
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    _, weights, _ = _districts()
    epoch = dt.date(1970, 1, 1)
    first = (_month_start(first_month) - epoch).days
    end = (min(_month_after(_month_start(last_month)), today) - epoch).days  # exclusive
    # Received dates spread evenly over the days (sorted: parts cover whole days).
    received_all = np.sort(rng.integers(first, end, rows))
    big = out_dir / "big.csv"
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with pacsv.CSVWriter(
        big, make_rows(rng, received_all[:0], np.arange(0), np.arange(0), today, prefix).schema, write_options=options
    ) as writer:
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(rows, start + CHUNK_ROWS)
            district = rng.choice(len(weights), size=stop - start, p=weights)
            writer.write_table(
                make_rows(rng, received_all[start:stop], np.arange(start, stop) + 1, district, today, prefix)
            )
    size = big.stat().st_size
    parts: list[str] = []
    if size > max_bytes:
        parts = _split(big, out_dir / "parts", int(max_bytes * PART_FILL))
    return {
        "rows": rows,
        "big": str(big),
        "bytes": size,
        "parts": parts,
        "first_date": str(epoch + dt.timedelta(days=int(received_all[0]))) if rows else None,
        "last_date": str(epoch + dt.timedelta(days=int(received_all[-1]))) if rows else None,
        "seconds": time.perf_counter() - started,
    }


def _split(big: Path, folder: Path, limit: int) -> list[str]:
    """Byte-wise split of big.csv at line ends, the header repeated in each part."""
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    with big.open("rb") as source:
        header = source.readline()
        handle = None
        written = 0
        for line in source:
            if handle is None or written + len(line) > limit:
                if handle is not None:
                    handle.close()
                path = folder / f"part-{len(parts) + 1:03d}.csv"
                parts.append(str(path))
                handle = path.open("wb")
                handle.write(header)
                written = len(header)
            handle.write(line)
            written += len(line)
        if handle is not None:
            handle.close()
    return parts


def ingest_size_limit() -> int:
    """The largest file `unionkpi ingest` accepts (UNIONKPI_MAX_FILE_MB)."""
    from ingest.paths import max_file_bytes

    return max_file_bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--first", required=True, help="first month, YYYY-MM")
    parser.add_argument("--last", required=True, help="last month, YYYY-MM")
    parser.add_argument("--prefix", default="FY")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=None, help="no date on or after this day (default: UNIONKPI_TODAY)")
    parser.add_argument("--max-bytes", type=int, default=None, help="default: ingest's own per-file limit")
    args = parser.parse_args(argv)
    import os

    today = dt.date.fromisoformat(args.today or os.environ.get("UNIONKPI_TODAY") or dt.date.today().isoformat())
    max_bytes = args.max_bytes or ingest_size_limit()
    summary = write(
        args.out,
        args.rows,
        args.first,
        args.last,
        prefix=args.prefix,
        seed=args.seed,
        today=today,
        max_bytes=max_bytes,
    )
    summary["max_bytes"] = max_bytes
    json.dump(summary, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
