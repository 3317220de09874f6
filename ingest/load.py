"""Load submitted files into the append-only landing data (landing.duckdb,
or PostgreSQL's `raw` schema: ingest/landing.py): archive first, then check,
then store the good rows, the quarantined rows and the load log of one file
in a single transaction."""

import json
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest import archive, bulk, landing, normalise, readers, summary, validate
from ingest.landing import Landing, landing_schema
from ingest.templates import KINDS, Template
from kernel.database import postgres
from kernel.errors import UnionKpiError, note
from kernel.home import SHANGHAI, Home, max_file_bytes, sha256_of
from kernel.reference import district_lookup

SKIPPED_NAMES = {"manifest.json"}
LOCK_WAIT_SECONDS = 60


@dataclass
class Entry:
    """One line of the ingest report (the public contract's shape)."""

    path: str
    sheet: str | None
    sha256: str
    load_id: str | None = None
    dataset: str | None = None
    period: list[str] | None = None
    status: str = "rejected"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


def connect(home: Home, on_wait: Callable[[], None] = lambda: None) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the landing database. Writers are
    serialised: while another process holds the lock (an ingest, or a build
    copying the landing data) this waits, calling on_wait once, rather than
    failing."""
    home.ensure()
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    waited = False
    while True:
        try:
            con = duckdb.connect(str(home.landing))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() > deadline:
                raise UnionKpiError("landing_busy") from exc
            if not waited:
                on_wait()
                waited = True
            time.sleep(0.2)
    for statement in landing_schema():
        con.execute(statement)
    return con


def open_landing(home: Home, on_wait: Callable[[], None] = lambda: None) -> Landing:
    """Where this home's loads are kept: landing.duckdb (connect(), waiting
    for the lock), or, when UNIONKPI_DATABASE_URL names a PostgreSQL
    database, its `raw` schema, where nobody waits on a lock file."""
    database = postgres()
    if database is None:
        return connect(home, on_wait)
    home.ensure()  # the archive stays a folder of the home
    return landing.PostgresLanding(database, home)


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Files in the order given, folders walked recursively in sorted order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name not in SKIPPED_NAMES and not child.name.startswith((".", "~$")):
                    yield child
        else:
            yield path


def parse_period(text: str) -> tuple[str, str]:
    """`2024-01..2024-03` or `2024-03` -> ('2024-01', '2024-03')."""
    match = re.fullmatch(r"(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?", text.strip())
    if not match:
        raise UnionKpiError(
            "bad_period",
            "报送期格式应为 2024-01..2024-03",
            "period must look like 2024-01..2024-03",
        )
    return match.group(1), match.group(2) or match.group(1)


def ingest_file(
    con: Landing,
    home: Home,
    path: Path,
    *,
    today: date,
    dataset: str | None = None,
    period: tuple[str, str] | None = None,
    max_bytes: int | None = None,
    submitted_by: str = "",
    only_district: str | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[Entry]:
    """Archive the file, then load it: one entry per sheet that follows a
    template (and one per sheet passed over on purpose). Text files above
    bulk.BULK_BYTES go through DuckDB's reader; progress(records done,
    records in all) is called as they load. Whatever the file holds, it gets
    entries: an error this code did not foresee rejects the file
    (`ingest_failed`, the traceback logged in the home), never the batch."""
    sha256 = sha256_of(path)
    try:
        kept = archive.keep(path, home.archive, sha256)
        with landing.writing(con, home, sha256) as write:
            entries = _ingest_file(
                con, write.stage, home, path, kept, sha256, today, dataset, period, max_bytes, submitted_by,
                only_district, progress,
            )  # fmt: skip
        return write.named(entries)
    except Exception:  # the boundary: one file's failure is that file's verdict
        log_failure(home, path)
        entry = Entry(str(path), None, sha256, dataset=dataset)
        entry.errors = [_file_error(UnionKpiError("ingest_failed"))]
        try:
            with landing.writing(con, home, sha256) as write:
                _store(write.stage, archive.keep(path, home.archive, sha256), [(entry, None)], submitted_by)
            write.named([entry])
        except Exception:
            log_failure(home, path)
        return [entry]


def log_failure(home: Home, what: Path | str) -> None:
    """The traceback, for the steward: in the home, never on the user's screen."""
    with home.ingest_failures.open("a", encoding="utf-8") as log:
        log.write(f"{datetime.now(SHANGHAI).isoformat()} {what}\n{traceback.format_exc()}\n")


def _ingest_file(
    con: Landing,
    stage: duckdb.DuckDBPyConnection,
    home: Home,
    path: Path,
    kept: Path,
    sha256: str,
    today: date,
    dataset: str | None,
    period: tuple[str, str] | None,
    max_bytes: int | None,
    submitted_by: str,
    only_district: str | None,
    progress: Callable[[int, int], None],
) -> list[Entry]:
    """The file's entries, its loads written into `stage` (the landing data
    itself on DuckDB); whether it was loaded before is asked of the landing
    data, `con`."""
    earlier = con.execute(
        "select sheet, dataset from loads where sha256 = ? and status = 'loaded' order by load_seq",
        [sha256],
    ).fetchall()
    if earlier:
        return [Entry(str(path), sheet, sha256, dataset=ds, status="unchanged") for sheet, ds in earlier]
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    try:
        if path.stat().st_size > limit:
            raise UnionKpiError(
                "file_too_large",
                f"文件超过大小上限（{limit / 1024 / 1024:g} MB）",
                f"file is larger than the limit ({limit / 1024 / 1024:g} MB)",
            )
        if bulk.eligible(path):
            entry = _ingest_bulk(
                stage, home, path, kept, sha256, dataset, period, today, submitted_by, only_district, progress
            )
            if entry is not None:
                return [entry]
        sheets = readers.read(path)
        parsed = _parse_sheets(sheets, dataset, today, path.name, only_district)
    except UnionKpiError as error:
        entry = Entry(str(path), None, sha256, dataset=dataset)
        entry.errors = [_file_error(error)]
        _store(stage, kept, [(entry, None)], submitted_by)
        return [entry]
    results: list[tuple[Entry, validate.Parsed | None]] = []
    entries = []
    for sheet_name, outcome in parsed:
        entry = Entry(str(path), sheet_name, sha256)
        entries.append(entry)
        if isinstance(outcome, list):  # passed over on purpose: not stored
            entry.status, entry.notes = "skipped", outcome
            continue
        if isinstance(outcome, UnionKpiError):
            entry.dataset = dataset
            entry.errors = [_file_error(outcome)]
            results.append((entry, None))
            continue
        entry.dataset = outcome.template.dataset
        results.append((entry, outcome))
    _store(stage, kept, results, submitted_by, period)
    return entries


def _ingest_bulk(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    path: Path,
    kept: Path,
    sha256: str,
    dataset: str | None,
    period: tuple[str, str] | None,
    today: date,
    submitted_by: str,
    only_district: str | None,
    progress: Callable[[int, int], None],
) -> Entry | None:
    """A large CSV through DuckDB's reader, in one transaction; None when
    the small-file path should read it instead."""
    with landing.work_folder(home) as work:
        try:
            plan = bulk.plan(path, work, dataset)
        except bulk.NotForBulk:
            return None
        # Finding repeated keys groups every row of the file: past this,
        # DuckDB spills to disk rather than growing with the file.
        con.execute("set memory_limit = '512MB'")
        while True:
            entry = Entry(str(path), None, sha256, dataset=plan.template.dataset)
            con.begin()
            try:
                seq = _next_seq(con)
                entry.load_id = landing.load_id(seq)
                inserted, rest = bulk.stream(
                    con,
                    plan,
                    load_id=entry.load_id,
                    seq=seq,
                    today=today,
                    only_district=only_district,
                    progress=progress,
                )
                _insert_rows(con, rest, entry.load_id, seq)
                districts = _settle(con, entry, entry.load_id, rest, period, rows_streamed=inserted)
                _insert_load(con, entry, seq, kept, districts, submitted_by)
                con.commit()
                break
            except bulk.Misread:
                con.rollback()
                if plan.long_lines:
                    return None  # the small-file path reads it, record by record
                plan.long_lines = True
                continue
            except duckdb.Error as error:
                con.rollback()
                if bulk.read_elsewhere(error):
                    return None
                if not plan.long_lines and bulk.line_too_long(error):
                    plan.long_lines = True  # once more, with room for records up to MAX_LINE_BYTES
                    continue
                refused = bulk.unreadable(error)
                if refused is not None:
                    raise refused from error
                raise
            except BaseException:
                con.rollback()
                raise
    return entry


def _settle(
    con: duckdb.DuckDBPyConnection,
    entry: Entry,
    load_id: str,
    parsed: validate.Parsed,
    period: tuple[str, str] | None,
    rows_streamed: int = 0,
) -> list[str]:
    """A sheet's counts, errors, status and period once its rows are in the
    landing data (this transaction) as load `load_id`, the same for both
    paths; the districts it covers."""
    entry.rows_loaded = rows_streamed + len(parsed.records)
    entry.rows_quarantined = len(parsed.quarantined)
    entry.rows_read = entry.rows_loaded + entry.rows_quarantined
    entry.errors = [asdict(e) for e in parsed.errors]
    declared = period or parsed.title_period
    entry.period = list(declared or _period_in_landing(con, parsed.template, load_id) or []) or None
    if entry.rows_read == 0 and not declared:
        entry.errors = [_file_error(UnionKpiError("empty_file"))]
        return []
    entry.status = "loaded"
    codes = con.execute(
        f"select distinct district_code from {parsed.template.dataset} where load_id = ?", [load_id]
    ).fetchall()
    return _districts({c for (c,) in codes}, Path(entry.path).name, parsed.title_texts)


def _period_in_landing(con: duckdb.DuckDBPyConnection, template: Template, load_id: str) -> tuple[str, str] | None:
    """The months a load's rows fall in (for a load without a declared
    period): by its dates, else by its years (targets, certifications
    without a date)."""
    if template.period_column:
        [(first, last)] = con.execute(
            f"select strftime(min({template.period_column}), '%Y-%m'), "
            f"strftime(max({template.period_column}), '%Y-%m') from {template.dataset} where load_id = ?",
            [load_id],
        ).fetchall()
        if first:
            return first, last
    if template.dataset in {"target", "certification"}:
        year = "year" if template.dataset == "target" else "campaign_year"
        [(first, last)] = con.execute(
            f"select min({year}) || '-01', max({year}) || '-12' from {template.dataset} where load_id = ?",
            [load_id],
        ).fetchall()
        if first:
            return first, last
    return None


def _parse_sheets(
    sheets: list[readers.Sheet], dataset: str | None, today: date, file_name: str, only_district: str | None = None
) -> list[tuple[str | None, validate.Parsed | UnionKpiError | list[dict[str, str]]]]:
    """Every sheet that follows a template; hidden sheets of data and summary
    sheets are passed over with notes (the summary checked against the detail); a
    workbook's other sheets (notes, pivots) are passed over silently, but a
    file where no sheet matches is rejected."""
    outcomes: list[tuple[str | None, validate.Parsed | UnionKpiError | list[dict[str, str]]]] = []
    unmatched: list[UnionKpiError] = []
    summaries = []
    for sheet in sheets:
        if sheet.hidden:  # noted when it holds data; lists for drop-downs are passed over silently
            if _follows_a_template(sheet, dataset):
                outcomes.append((sheet.name, [note("hidden_sheet", sheet.name or "", sheet.name or "")]))
            continue
        try:
            outcomes.append((sheet.name, validate.parse_sheet(sheet, dataset, today, file_name, only_district)))
        except UnionKpiError as error:
            # a sheet of totals lacks the detail's columns; one named 汇总 that has them is detail
            if error.code in {"unknown_template", "missing_required_column"} and summary.looks_like_one(sheet):
                summaries.append((len(outcomes), sheet))
                outcomes.append((sheet.name, []))
            elif error.code in {"unknown_template", "dataset_mismatch"}:
                unmatched.append(error)
            else:
                outcomes.append((sheet.name, error))
    details = [o for _, o in outcomes if isinstance(o, validate.Parsed)]
    for at, sheet in summaries:
        outcomes[at] = (sheet.name, summary.check(sheet, details))
    if not any(not isinstance(o, list) for _, o in outcomes):
        raise unmatched[0] if unmatched else UnionKpiError("empty_file")
    return outcomes


def _follows_a_template(sheet: readers.Sheet, dataset: str | None) -> bool:
    try:
        validate.find_template(sheet, dataset)
    except UnionKpiError as error:
        return error.code == "missing_required_column"
    return True


def _file_error(error: UnionKpiError) -> dict[str, Any]:
    return {"row": None, "column": None, "code": error.code, "message": error.zh, "message_en": error.en}


def _districts(found: set[str], file_name: str, title_texts: list[str]) -> list[str]:
    """The districts a load covers; a nil return names its district in the
    title or the file name."""
    if not found:
        for spelling, code in district_lookup().items():
            if not spelling.isascii() and spelling in file_name + "".join(title_texts):
                found.add(code)
    return sorted(found)


def _next_seq(con: duckdb.DuckDBPyConnection) -> int:
    [(last,)] = con.execute("select coalesce(max(load_seq), 0) from loads").fetchall()
    return last + 1


def _insert_load(
    con: duckdb.DuckDBPyConnection, entry: Entry, seq: int, kept: Path, districts: list[str], submitted_by: str
) -> None:
    first, last = entry.period or (None, None)
    con.execute(
        "insert into loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry.load_id,
            seq,
            entry.sha256,
            entry.path,
            entry.sheet,
            str(kept),
            entry.dataset,
            entry.status,
            _month_start(first),
            _month_end(last),
            entry.status == "loaded" and entry.rows_read == 0,
            districts,
            entry.rows_read,
            entry.rows_loaded,
            entry.rows_quarantined,
            datetime.now(SHANGHAI).replace(tzinfo=None),
            json.dumps(entry.errors, ensure_ascii=False),
            submitted_by,
        ],
    )


def _store(
    con: duckdb.DuckDBPyConnection,
    kept: Path,
    results: list[tuple[Entry, validate.Parsed | None]],
    submitted_by: str,
    period: tuple[str, str] | None = None,
) -> None:
    """All sheets of one file in one transaction: all of it or nothing."""
    con.begin()
    try:
        for entry, parsed in results:
            seq = _next_seq(con)
            entry.load_id = landing.load_id(seq)
            districts = []
            if parsed is not None:
                _insert_rows(con, parsed, entry.load_id, seq)
                districts = _settle(con, entry, entry.load_id, parsed, period)
            _insert_load(con, entry, seq, kept, districts, submitted_by)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _insert_rows(con: duckdb.DuckDBPyConnection, parsed: validate.Parsed, load_id: str, seq: int) -> None:
    template: Template = parsed.template
    if parsed.records:
        schema = pa.schema(
            [("load_id", pa.string()), ("load_seq", pa.int32()), ("source_row", pa.int32())]
            + [(c.name, KINDS[c.kind][1]) for c in template.columns]
        )
        rows = [{"load_id": load_id, "load_seq": seq, **r} for r in parsed.records]
        batch = pa.Table.from_pylist(rows, schema=schema)  # noqa: F841 (read by duckdb)
        con.execute(f"insert into {template.dataset} by name select * from batch")
    if parsed.quarantined:
        district = {row: _readable_district(raw.get("district_code")) for row, raw, _ in parsed.quarantined}
        con.executemany(
            "insert into quarantine (load_id, source_row, raw, district_code) values (?, ?, ?, ?)",
            [[load_id, row, json.dumps(raw, ensure_ascii=False), district[row]] for row, raw, _ in parsed.quarantined],
        )
        con.executemany(
            "insert into load_errors (load_id, source_row, column_name, code, message, message_en, district_code) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [
                [load_id, row, e.column, e.code, e.message, e.message_en, district[row]]
                for row, _, errors in parsed.quarantined
                for e in errors
            ],
        )


def _readable_district(value: Any) -> str | None:
    """The district a quarantined row names, if it can be read."""
    if normalise.text(value) is None:
        return None
    try:
        return normalise.parse_district(value)
    except normalise.CellError:
        return None


def withdraw(con: Landing, load_id: str, by: str, reason: str) -> None:
    """Take a whole load out of the marts: its rows stay in the landing data,
    the load is marked withdrawn with who and why, and the next build uses
    the earlier versions of its keys, if any. Two stewards withdrawing the
    same load at once: one does, the other is told it already was."""
    with landing.locked(con, "withdraw", load_id):
        found = con.execute("select status from loads where load_id = ?", [load_id]).fetchone()
        if found is None or found[0] != "loaded":
            raise UnionKpiError("no_such_load")
        if con.execute("select 1 from withdrawals where load_id = ?", [load_id]).fetchone():
            raise UnionKpiError("already_withdrawn")
        now = datetime.now(SHANGHAI).replace(tzinfo=None)
        con.execute(
            "insert into withdrawals (load_id, withdrawn_by, reason, withdrawn_at) values (?, ?, ?, ?)",
            [load_id, by, reason, now],
        )


def _month_start(month: str | None) -> date | None:
    return date.fromisoformat(f"{month}-01") if month else None


def _month_end(month: str | None) -> date | None:
    if not month:
        return None
    year, number = int(month[:4]), int(month[5:])
    following = date(year + number // 12, number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
