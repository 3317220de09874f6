"""Large CSV files through DuckDB's own reader, with bounded memory.

DuckDB reads the file. Each distinct value of the columns whose values
repeat (districts, categories, dates, counts, flags, credit codes) is checked
once, by the same Python function the small-file path uses; amounts and free
text are checked by pattern in SQL. The rows are judged in SQL against those
lookups, and the rows every check passes stream into the landing table in
batches. The few that fail a check, or that SQL cannot judge (an amount
written `1,234`, a totals row), go through the per-row Python checks, so a
row gets the same verdict, reasons and row number as on the small-file path.
Files with quoted line breaks fall back to that path."""

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest import normalise, readers, validate
from ingest.templates import KINDS, Template
from kernel.errors import UnionKpiError

BULK_BYTES = 16 * 1024 * 1024  # text files larger than this take this path
HEAD_BYTES = 256 * 1024  # enough for the title rows and the header
BATCH_ROWS = 250_000
# A record may be this long: a file with a record past DuckDB's default
# (2 MB) is read again with this much room (its buffers cost memory, so not
# every file pays for them); a longer record rejects the file as unreadable.
MAX_LINE_BYTES = 64 * 1024 * 1024
EXTRA_COLUMNS = 16  # cells beyond the header's width are read and ignored
# Kinds whose distinct values are few: each is checked once, in Python.
LOOKED_UP = {"date", "int", "year", "flag", "district", "category", "uscc"}
# A leading or trailing character that str.strip() may remove (a superset):
# such cells are left to the Python checks.
_SPACE = r"[\s\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]"
PATTERNS = {
    # an amount SQL converts exactly (at most 13 whole digits of yuan and no
    # fraction of a fen after the unit's scale); others go to Python
    **{
        f"money_{scale}": rf"^[0-9]{{1,{13 - digits}}}(\.[0-9]{{1,{2 + digits}}})?$"
        for scale, digits in ((s, len(str(s)) - 1) for s in normalise.UNITS.values())
    },
    "rate": r"^[0-9]{1,10}(\.[0-9]{1,4})?$",
    "formula": "^[" + re.escape("".join(validate.FORMULA_START)) + "]",
    "edge_space": f"^{_SPACE}|{_SPACE}$",
    # a cell that may start a totals row or a footer (validate.skipped_row
    # decides), in the row's cells joined by chr(31)
    "not_data": r"(?i)(^|\x{1f})[\s\x{3000}]*(?:"
    + validate.TOTAL_ROW.pattern[1:]
    + "|"
    + validate.FOOTER_ROW.pattern[1:]
    + ")",
}


class NotForBulk(Exception):
    """This file is better read by the small-file path."""


class Misread(Exception):
    """DuckDB read another number of records than the file's lines hold
    (it drops a last record past its line size without a word, and a quoted
    line break makes two lines one record): nothing it read may be kept."""


def unreadable(error: duckdb.Error) -> UnionKpiError | None:
    """DuckDB's reader refused the file itself (a record past MAX_LINE_BYTES,
    say): the file's verdict, with DuckDB's first line as the detail."""
    if not isinstance(error, (duckdb.InvalidInputException, duckdb.NotImplementedException)):
        return None
    detail = str(error).strip().splitlines()[0][:200]
    return UnionKpiError("unreadable_file", f"文件无法读取：{detail}", f"the file cannot be read: {detail}")


def line_too_long(error: duckdb.Error) -> bool:
    """DuckDB's reader met a record longer than its default line size."""
    text = str(error)
    return isinstance(error, (duckdb.InvalidInputException, duckdb.NotImplementedException)) and (
        "line size" in text or "does not support a full read" in text
    )


def read_elsewhere(error: duckdb.Error) -> bool:
    """DuckDB's reader gave up on something the small-file path reads:
    quoted line breaks, or text that is not UTF-8 after all (GB18030)."""
    text = str(error)
    return isinstance(error, duckdb.InvalidInputException) and ("new lines" in text or "Invalid unicode" in text)


def eligible(path: Path) -> bool:
    if path.stat().st_size <= BULK_BYTES:
        return False
    with path.open("rb") as handle:
        return not handle.read(8).startswith((readers.ZIP_MAGIC, readers.OLE_MAGIC))


@dataclass
class Plan:
    """How a file is written and where its data starts."""

    csv: Path  # the file, or a UTF-8 copy of it
    delimiter: str
    header: validate.Header
    first_line: int  # the line of the first record after the header
    width: int
    title_texts: list[str]
    title_period: tuple[str, str] | None
    blank_lines: np.ndarray  # empty lines after the header (DuckDB skips them)
    records: int  # the records those lines hold
    long_lines: bool = False  # read with room for records up to MAX_LINE_BYTES
    work: Path | None = None  # the ingest's work folder, where DuckDB may spill

    @property
    def template(self) -> Template:
        return self.header.template

    def source_rows(self, records: np.ndarray) -> np.ndarray:
        """The line a person sees for records k (from 0) of the data: the line
        L where L minus the blank lines before L is first_line + k."""
        base = self.first_line + records.astype(np.int64)
        thresholds = self.blank_lines - np.arange(len(self.blank_lines), dtype=np.int64)
        return base + np.searchsorted(thresholds, base, side="right")


def plan(path: Path, work: Path, dataset: str | None) -> Plan:
    """Raises UnionKpiError as the small-file path would (unknown template,
    missing column, unknown encoding), NotForBulk when that path should read
    the file."""
    source = _as_utf8(path, work / f"{path.name}.utf8.csv")
    with source.open("rb") as handle:
        head = handle.read(HEAD_BYTES).removeprefix(b"\xef\xbb\xbf")
    text = head[: head.rfind(b"\n") + 1].decode("utf-8", errors="replace")
    rows = readers.csv_rows(text)
    header = validate.find_template(readers.Sheet(None, rows[: validate.HEADER_SEARCH_ROWS + 2]), dataset)
    if header.template.dataset == "target":
        raise NotForBulk("a target file")
    if any("\n" in str(cell) or "\r" in str(cell) for _, cells in rows for cell in cells):
        raise NotForBulk("quoted line breaks")
    if len(rows) > header.row_index + 1:
        first_line = rows[header.row_index + 1][0]
    elif len(head) < HEAD_BYTES:
        raise NotForBulk("no data rows")
    else:  # the first record is longer than the head: it starts on the header's next line
        first_line = rows[header.row_index][0] + 1
    titles = (normalise.text(c) for _, cells in rows[: header.row_index] for c in cells)
    title_texts = [t for t in titles if t]
    blank_lines, records = _line_layout(source, first_line)
    return Plan(
        csv=source,
        delimiter=readers.delimiter(text),
        header=header,
        first_line=first_line,
        width=max(len(rows[header.row_index][1]), max(header.positions) + 1),
        title_texts=title_texts,
        title_period=validate.title_period([*title_texts, path.name]),
        blank_lines=blank_lines,
        records=records,
        work=work,
    )


def _as_utf8(path: Path, target: Path) -> Path:
    """The file itself when it is UTF-8 (DuckDB checks past the head), else
    a UTF-8 copy of it, from UTF-16 or GB18030, judged as for small files
    (readers.text_encoding)."""
    with path.open("rb") as handle:
        encoding = readers.text_encoding(handle.read(HEAD_BYTES))
    if encoding in {"utf-8", "utf-8-sig"}:
        return path
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
            for block in iter(lambda: source.read(1 << 22), b""):
                out.write(decoder.decode(block))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as error:
        raise UnionKpiError("unknown_encoding" if encoding == "gb18030" else "unreadable_file") from error
    return target


def _line_layout(path: Path, first_line: int) -> tuple[np.ndarray, int]:
    """The empty lines from first_line on (DuckDB skips them), and how many
    records the lines from first_line on hold: what DuckDB must read."""
    found: set[int] = set()
    line = 1  # the line the current block starts on
    last = b"\n"
    with path.open("rb") as handle:
        previous = b""
        for block in iter(lambda: handle.read(1 << 24), b""):
            data = previous[-2:] + block
            start_line = line - previous[-2:].count(b"\n")
            for mark in (b"\n\n", b"\n\r\n"):
                at = data.find(mark)
                while at != -1:
                    found.add(start_line + data.count(b"\n", 0, at) + 1)
                    at = data.find(mark, at + 1)
            line += block.count(b"\n")
            previous, last = block, block[-1:]
    blank = np.array(sorted(b for b in found if b >= first_line), dtype=np.int64)
    lines = line - 1 if last == b"\n" else line  # a last line without its line end counts
    return blank, lines - (first_line - 1) - len(blank)


def _reader(plan: Plan) -> str:
    columns = ", ".join(f"'c{i}': 'varchar'" for i in range(plan.width + EXTRA_COLUMNS))
    return (
        f"read_csv($path, skip = $skip, header = false, columns = {{{columns}}}, delim = $delim, quote = '\"', "
        "escape = '\"', null_padding = true, auto_detect = false, strict_mode = false"
        + (f", max_line_size = {MAX_LINE_BYTES}, buffer_size = {2 * MAX_LINE_BYTES})" if plan.long_lines else ")")
    )


def _params(plan: Plan) -> dict[str, Any]:
    return {"path": str(plan.csv), "skip": plan.first_line - 1, "delim": plan.delimiter}


def _raw(plan: Plan, name: str) -> str:
    position = next((p for p, c in plan.header.positions.items() if c.name == name), None)
    return f"r.c{position}" if position is not None else "null::varchar"


def judge_sql(plan: Plan, only_district: str | None) -> str:
    """One row per record: the typed landing columns, `clean` when every
    check passed, and the raw cells of the other rows."""
    typed, cells, joins = [], [], []
    for column in plan.template.columns:
        raw, name = _raw(plan, column.name), column.name
        if column.kind in LOOKED_UP:
            joins.append(f"left join lookup_{name} as l_{name} on l_{name}.raw = {raw}")
            typed.append(f"l_{name}.typed as {name}")
            good = f"coalesce(l_{name}.ok, false)"
        elif column.kind == "money":
            scale = plan.header.scales.get(name, 1)
            places = 2 + len(str(scale)) - 1  # the fen of a 万元 amount is its sixth decimal
            value = f"cast(try_cast({raw} as decimal(18, {places})) * {scale} as decimal(18, 2))"
            typed.append(f"{value} as {name}")
            good = f"regexp_matches({raw}, $money_{scale}) and coalesce({value} <= $max_amount, false)"
        elif column.kind == "rate":
            typed.append(f"try_cast({raw} as decimal(18, 4)) as {name}")
            good = f"regexp_matches({raw}, $rate)"
        else:  # free text
            typed.append(f"{raw} as {name}")
            good = (
                f"not regexp_matches({raw}, $formula) and not regexp_matches({raw}, $edge_space) "
                f"and length({raw}) <= {validate.MAX_TEXT_CHARS}"
            )
        empty_ok = "false" if column.required else "true"
        cells.append(f"case when {raw} is null then {empty_ok} else coalesce({good}, false) end")
    checks = [
        "cells_ok",
        f"not regexp_matches(concat_ws(chr(31), {', '.join(f'c{i}' for i in range(plan.width))}), $not_data)",
    ]
    names = {c.name for c in plan.template.columns}
    for later, earlier in validate.LATER_THAN.items():
        if {later, earlier} <= names:
            checks.append(f"coalesce({later} >= {earlier}, true)")
    for (dataset, column_name, value), (needed, _) in validate.REQUIRED_WHEN.items():
        if plan.template.dataset == dataset:
            checks.append(f"not ({column_name} = '{value}' and {needed} is null)")
    if only_district:
        checks.append("district_code = $only_district")
    raw = ", ".join(f"r.c{i}" for i in range(plan.width))
    raw_cells = ", ".join(f"case when not clean then c{i} end as c{i}" for i in range(plan.width))
    return (
        f"with r as (select row_number() over () - 1 as record, * from {_reader(plan)}), "
        f"typed as (select r.record, {', '.join(typed)}, {' and '.join(f'({c})' for c in cells)} as cells_ok, "
        f"{raw} from r {' '.join(joins)}), "
        f"judged as (select *, {' and '.join(checks)} as clean from typed) "
        f"select record, {', '.join(c.name for c in plan.template.columns)}, clean, {raw_cells} from judged"
    )


def stream(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    *,
    load_id: str,
    seq: int,
    today: date,
    only_district: str | None,
    progress: Callable[[int, int], None],
) -> tuple[int, validate.Parsed]:
    """Insert the file's clean rows into the landing table (inside the
    caller's transaction); return how many, and the other rows as the Python
    checks judged them (clean rows that turned out to repeat a key among
    them, quarantined)."""
    template, header = plan.template, plan.header
    # make bench at scale 300 found the reader out of memory, now here, now
    # there, between runs of the same files: 1.4 million certifications at
    # 256 MB, 2.7 million wage records (nearly every credit code distinct) at
    # 256 and 384 MB. With 1 GB and a folder to spill to, all three files
    # load; the whole process peaked at 1.54 GB (wages), 1.05 GB
    # (certifications) and 0.91 GB (9.2 million cases) by /usr/bin/time.
    reader = duckdb.connect(config={"memory_limit": "1GB"})
    if plan.work is not None:  # an in-memory database spills nowhere unless told
        reader.execute("set temp_directory = $folder", {"folder": str(plan.work / "spill")})
    # The lookups are the hash tables, the file streams past them; left to
    # itself DuckDB may build on the file (memory growing with its size).
    reader.execute("set disabled_optimizers = 'build_side_probe_side'")
    try:
        total = _register_lookups(reader, plan, today)
        if total != plan.records:
            raise Misread(f"DuckDB read {total} records where the lines hold {plan.records}")
        sql = judge_sql(plan, only_district)
        offered = {**_params(plan), **PATTERNS, "max_amount": validate.max_amount(), "only_district": only_district}
        params = {k: v for k, v in offered.items() if re.search(rf"\${k}\b", sql)}
        rest = validate.Parsed(
            template, header=header.written, title_period=plan.title_period, title_texts=plan.title_texts
        )
        odd: list[tuple[int, dict[str, Any], dict[str, Any], list[validate.RowError]]] = []
        cache: validate.CellCache = {}
        done = inserted = 0
        for batch in reader.execute(sql, params).to_arrow_reader(BATCH_ROWS):
            # joins do not keep the file's order: number rows by record
            rows = pa.array(plan.source_rows(batch.column("record").to_numpy()).astype(np.int32))
            clean = pc.fill_null(batch.column("clean"), False)
            good = pa.Table.from_batches([batch]).select([c.name for c in template.columns]).filter(clean)
            good = good.append_column("source_row", rows.filter(clean))
            good = good.append_column("load_id", pa.repeat(load_id, good.num_rows))
            good = good.append_column("load_seq", pa.repeat(seq, good.num_rows).cast(pa.int32()))
            con.execute(f"insert into {template.dataset} by name select * from good")
            others = batch.filter(pc.invert(clean))
            numbers = rows.filter(pc.invert(clean)).to_pylist()
            cell_columns = [others.column(f"c{i}").to_pylist() for i in range(plan.width)]
            for index, number in enumerate(numbers):
                cells = [column[index] for column in cell_columns]
                if validate.skipped_row(cells):
                    continue
                raw = {c.name: cells[p] for p, c in header.positions.items()}
                record, errors = validate.check_row(
                    template, header.written, raw, header.scales, number, today, cache, only_district
                )
                odd.append((number, raw, record, errors))
            inserted += good.num_rows
            done += batch.num_rows
            progress(done, total)
    finally:
        reader.close()
    inserted -= _move_duplicates(con, plan, load_id, odd, today)
    for number, raw, record, errors in sorted(odd, key=lambda o: o[0]):
        if errors:
            rest.quarantined.append((number, {k: validate.jsonable(v) for k, v in raw.items()}, errors))
        else:
            record["source_row"] = number
            rest.records.append(record)
    return inserted, rest


def _register_lookups(reader: duckdb.DuckDBPyConnection, plan: Plan, today: date) -> int:
    """Check each distinct value of the looked-up columns once; the number
    of records in the file."""
    looked = [(p, c) for p, c in plan.header.positions.items() if c.kind in LOOKED_UP]
    lists = ", ".join(f"list(distinct c{p}) filter (where c{p} is not null)" for p, _ in looked)
    found = reader.execute(f"select count(*) {', ' + lists if lists else ''} from {_reader(plan)}", _params(plan))
    [(total, *values)] = found.fetchall()
    for column in (c for c in plan.template.columns if c.kind in LOOKED_UP):
        distinct = next((v for (p, c), v in zip(looked, values, strict=True) if c is column), None) or []
        scale = plan.header.scales.get(column.name, 1)
        checked = [validate.check_cell(plan.template, column, v, scale, today) for v in distinct]
        checked_values = pa.table(  # noqa: F841 (read by duckdb)
            {
                "raw": pa.array(distinct, pa.string()),
                "typed": pa.array([t for t, _ in checked], KINDS[column.kind][1]),
                "ok": pa.array([t is not None and not problems for t, problems in checked], pa.bool_()),
            }
        )
        reader.execute(f"create temp table lookup_{column.name} as select * from checked_values")
    return total


def _move_duplicates(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    load_id: str,
    odd: list[tuple[int, dict[str, Any], dict[str, Any], list[validate.RowError]]],
    today: date,
) -> int:
    """A key that appears twice in the file quarantines every row with it,
    whichever path judged the row; how many clean rows that took back."""
    template, header = plan.template, plan.header
    keys = ", ".join(template.key)
    odd_keys = [k for *_, record, _ in odd if (k := validate.natural_key(template, record)) is not None]
    others = _key_table(template, odd_keys)  # noqa: F841 (read by duckdb)
    repeated = con.execute(
        f"select {keys} from (select {keys} from {template.dataset} where load_id = $load_id "
        f"union all select {keys} from others) group by all having count(*) > 1",
        {"load_id": load_id},
    ).fetchall()
    if not repeated:
        return 0
    repeated_keys = set(repeated)
    for number, _, record, errors in odd:
        key = validate.natural_key(template, record)
        if key in repeated_keys:
            errors.append(validate.duplicate_error(template, header.written, number, key))
    repeats = _key_table(template, repeated)  # noqa: F841 (read by duckdb)
    matches = " and ".join(f"t.{k} = repeats.{k}" for k in template.key)
    clean_rows = {
        row
        for (row,) in con.execute(
            f"delete from {template.dataset} as t using repeats where t.load_id = $load_id and {matches} "
            "returning t.source_row",
            {"load_id": load_id},
        ).fetchall()
    }
    cache: validate.CellCache = {}
    for number, cells in _records(plan, clean_rows):
        raw = {c.name: cells[p] if p < len(cells) else None for p, c in header.positions.items()}
        record, errors = validate.check_row(template, header.written, raw, header.scales, number, today, cache)
        key = validate.natural_key(template, record)
        assert key is not None, "a clean row's key is whole: it matched a repeated key in SQL"
        errors.append(validate.duplicate_error(template, header.written, number, key))
        odd.append((number, raw, record, errors))
    return len(clean_rows)


def _key_table(template: Template, keys: list[tuple]) -> pa.Table:
    return pa.table(
        {
            name: pa.array([k[i] for k in keys], KINDS[template.column(name).kind][1])
            for i, name in enumerate(template.key)
        }
    )


def _records(plan: Plan, wanted: set[int]) -> Iterator[tuple[int, list[str]]]:
    """The raw cells of the records on the given lines, read again."""
    with plan.csv.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=plan.delimiter)
        start = 1
        for record in reader:
            if start in wanted:
                yield start, record
            start = reader.line_num + 1
