"""Read-only access to the published warehouse: the only module with SQL.

The warehouse is on one of two engines (kernel.database). The default is
embedded DuckDB: the file warehouse.duckdb in the home, opened read-only.
The file is replaced by ``os.replace()`` on each publish; a connection held
open keeps reading the old file, so none is kept beyond a ``reading()``
block (or one query outside any block). A block holds one connection for
all its queries: opening the file (its catalogue of some seventy tables)
takes about 20 ms, most pages' queries one or two.

DuckDB shares one database instance among all connections a process opens
to the same path: while any of them is open, a "new" connection still reads
the file they read. A reader who finds the file replaced therefore waits
until the connections to the old one are closed (connect), so what it
reads is what its version names; readers of the same version share.

With UNIONKPI_DATABASE_URL, the warehouse is PostgreSQL's `marts` schema
(and the others a publish swaps in with it, such as `quality`). The reads
of one ``reading()`` block share one read-only transaction on a connection
the process keeps (kernel.database.kept_connection); a publish locks every
published table before it swaps the schemas, so once a block has read one
of them it reads that warehouse to its end. The SQL is written once for
both engines, in forms both read alike; where they would differ it says
why (_DISTRICT_FILTER, _total, _divided).

The functions are plain (no Streamlit) so the tests call them directly;
``dashboards.data`` wraps them in ``st.cache_data`` for the pages. Values
always reach SQL as bound parameters, written as DuckDB spells them (``?``,
``$name``); _postgres_sql spells them for psycopg.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from dashboards.i18n import Dimensions, Metric
from dashboards.periods import whole_months
from kernel import database
from kernel.errors import UnionKpiError
from kernel.home import NO_DISTRICT, Home


class WarehouseUnavailable(UnionKpiError):
    """No warehouse has been published yet, or it cannot be read."""


@dataclass(frozen=True)
class WarehouseMeta:
    data_date: date
    built_at: datetime | None


# What a published warehouse is known by, a cache key that changes exactly
# when the published data does: (path, inode, mtime in ns) of the DuckDB
# file, or (the database, the `marts` schema's OID, 0) on PostgreSQL.
WarehouseVersion = tuple[str, int, int]


def warehouse_path(home: str | Path | None = None) -> Path:
    return Home.from_env(home).warehouse


def warehouse_version(home: str | Path | None = None) -> WarehouseVersion | None:
    """The published warehouse's version, or None if none is published.

    A publish swaps in a new file, which changes the inode (and the mtime);
    on PostgreSQL it swaps in a new `marts` schema, whose OID differs, and a
    rollback swaps back the earlier one with its own data and OID.
    """
    with reading(home) as version:
        return version


def _file_version(home: str | Path | None) -> WarehouseVersion | None:
    path = warehouse_path(home)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), stat.st_ino, stat.st_mtime_ns)


def missing_warehouse_error(path: Path) -> WarehouseUnavailable:
    return WarehouseUnavailable(
        "no_warehouse",
        "尚未发布数据仓库，请先运行 unionkpi build（或 make demo）。",
        f"No warehouse published yet at {path}: run unionkpi build (or make demo) first.",
    )


def missing_warehouse(home: str | Path | None = None) -> WarehouseUnavailable:
    """ "No warehouse published yet", naming where it was looked for."""
    postgres = database.postgres()
    if postgres is None:
        return missing_warehouse_error(warehouse_path(home))
    return WarehouseUnavailable(
        "no_warehouse",
        f"数据库 {_database_name(postgres)} 中尚未发布数据仓库（没有 marts 模式），请先运行 unionkpi build。",
        f"No warehouse published yet in the database {_database_name(postgres)} (no marts schema): "
        "run unionkpi build first.",
    )


def _database_name(postgres: database.Postgres) -> str:
    """The database, as a person finds it: never its user or password."""
    return f"postgresql://{postgres.host}:{postgres.port}/{postgres.dbname}"


# See the module docstring. DuckDB shares one instance among the open
# connections of a process to one path, so a connection opened while
# another is open reads what that one reads. Per path, the version of the
# file the open connections read, and how many are open: a reader that
# finds the file replaced waits until they are all closed, so its new
# connection reads the new file. Readers of the same version share.
_OPEN = threading.Condition()
_OPEN_VERSIONS: dict[str, tuple[WarehouseVersion, int]] = {}


@contextmanager
def connect(home: str | Path | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, WarehouseVersion]]:
    """A read-only connection to the published DuckDB warehouse, closed on
    exit, and the version of the file it reads."""
    path = warehouse_path(home)
    key = str(path)
    with _OPEN:
        while True:
            version = _file_version(home)
            if version is None:
                raise missing_warehouse_error(path)
            held = _OPEN_VERSIONS.get(key)
            if held is None or held[0] == version:
                break
            _OPEN.wait()
        try:
            con = duckdb.connect(key, read_only=True)
        except duckdb.Error as exc:
            # The file vanished between the check and the open, or is not a
            # DuckDB database at all: both are "cannot read", not a crash.
            if not path.exists():
                raise missing_warehouse_error(path) from exc
            raise WarehouseUnavailable(
                "unreadable_warehouse",
                f"数据仓库无法读取：{exc}",
                f"The warehouse cannot be read: {exc}",
            ) from exc
        _OPEN_VERSIONS[key] = (version, (held[1] if held else 0) + 1)
    try:
        yield con, version
    finally:
        con.close()
        with _OPEN:
            opened, users = _OPEN_VERSIONS[key]
            if users == 1:
                del _OPEN_VERSIONS[key]
                _OPEN.notify_all()
            else:
                _OPEN_VERSIONS[key] = (opened, users - 1)


# --- PostgreSQL ---------------------------------------------------------------


@dataclass
class _Reading:
    """The open connection of a reading() block: on PostgreSQL its
    transaction, on DuckDB the warehouse file as it was when the block
    began. ``open`` turns False when the block ends: work deferred past
    it (a download's file, made when it is clicked) may still see this
    context, and must then read on its own."""

    connection: Any  # psycopg.Connection or duckdb.DuckDBPyConnection
    version: WarehouseVersion | None
    home: str  # the warehouse it reads (_home_key)
    open: bool = True


def _home_key(postgres: database.Postgres | None, home: str | Path | None) -> str:
    """Which warehouse a block reads: the DuckDB file, or the database."""
    return str(warehouse_path(home)) if postgres is None else postgres.conninfo


_READING: ContextVar[_Reading | None] = ContextVar("warehouse_reading", default=None)


@contextmanager
def reading(home: str | Path | None = None) -> Iterator[WarehouseVersion | None]:
    """A block whose queries all read one published warehouse; it gives that
    warehouse's version (None: none is published).

    On PostgreSQL: one read-only transaction, which first reads a published
    table, so a publish (which locks them all) waits for the block to end,
    and reads the `marts` schema's OID in that same statement. A block
    inside another is part of it. On DuckDB: one connection to the file as
    it is when the block begins, which every query of the block uses
    (opening the file costs more than most of the pages' queries); a
    reader who finds the file replaced meanwhile waits for the block to end
    (connect)."""
    with _block(home) as block:
        yield None if block is None else block.version


@contextmanager
def _block(home: str | Path | None) -> Iterator[_Reading | None]:
    """reading(), giving the block itself (None: no warehouse published)."""
    postgres = database.postgres()
    outer = _READING.get()
    if outer is not None and outer.open and outer.home == _home_key(postgres, home):
        yield outer
        return
    if postgres is None:
        with ExitStack() as opened:
            try:
                con, version = opened.enter_context(connect(home))
            except WarehouseUnavailable as exc:
                if exc.code != "no_warehouse":
                    raise
                con = None
            if con is None:
                yield None
                return
            with _current(_Reading(con, version, _home_key(None, home))) as block:
                yield block
        return
    import psycopg

    con, read = None, False
    try:
        with (
            _kept_connection(postgres) as con,
            con.transaction(),
            _current(_Reading(con, _marts_version(con, postgres), _home_key(postgres, home))) as block,
        ):
            yield block
            read = True
    except psycopg.OperationalError as exc:
        # The server ended the connection (a restart, an operator) after it
        # answered the check before it was handed out: at the block's start
        # that is the page's plain error; at its end, once all was read,
        # ending a read-only transaction loses nothing.
        if not _lost(con):
            raise
        if not read:
            raise _unreachable(postgres) from exc


@contextmanager
def _current(block: _Reading) -> Iterator[_Reading]:
    """The block the queries in this context read, until it ends."""
    token = _READING.set(block)
    try:
        yield block
    finally:
        block.open = False
        _READING.reset(token)


def _marts_version(con: Any, postgres: database.Postgres) -> WarehouseVersion | None:
    """(database, OID of `marts`, 0), read in the statement that first reads
    a published table (so it is the OID of the schema the block reads)."""
    import psycopg

    if con.execute("select 1 from pg_namespace where nspname = %s", [database.MARTS_SCHEMA]).fetchone() is None:
        return None  # nothing published yet: a publish never leaves no marts behind
    try:
        (oid,) = con.execute(
            "select n.oid::bigint from pg_namespace as n "
            f"where n.nspname = %s and exists (select from {database.MARTS_SCHEMA}.warehouse_meta)",
            [database.MARTS_SCHEMA],
        ).fetchone()
    except psycopg.errors.UndefinedTable as exc:
        raise _schema_error(exc) from exc
    return (_database_name(postgres), int(oid), 0)


@contextmanager
def _kept_connection(postgres: database.Postgres) -> Iterator[Any]:
    """A read-only connection this process keeps (database.kept_connection);
    a database that cannot be reached is the page's plain error, naming no
    user."""
    import psycopg

    with ExitStack() as stack:
        try:
            con = stack.enter_context(database.kept_connection(postgres, _read_only))
        except psycopg.OperationalError as exc:
            raise _unreachable(postgres) from exc
        yield con


def _lost(con: Any) -> bool:
    """Whether a connection is gone (closed, or ended by the server)."""
    return con is not None and (con.closed or con.broken)


def _unreachable(postgres: database.Postgres) -> WarehouseUnavailable:
    """The database cannot be reached, or ended the connection: the page's
    plain error. The driver's words may name the user: they stay in the
    chained cause."""
    return WarehouseUnavailable(
        "unreadable_warehouse",
        f"无法连接数据库 {_database_name(postgres)}。",
        f"The database {_database_name(postgres)} cannot be reached.",
    )


def _read_only(con: Any) -> None:
    """A new connection's transactions read-only, giving values as DuckDB
    gives them to pandas: DECIMAL (numeric) as floats, JSON as text."""
    from psycopg.types.numeric import FloatLoader
    from psycopg.types.string import TextLoader

    con.execute("set default_transaction_read_only = on")
    con.adapters.register_loader("numeric", FloatLoader)
    for json_type in ("json", "jsonb"):
        con.adapters.register_loader(json_type, TextLoader)


_PARAMETER = re.compile(r"'(?:[^']|'')*'|\$([A-Za-z_]\w*)|\?|%")


@functools.lru_cache(maxsize=256)
def _postgres_sql(sql: str) -> str:
    """DuckDB's placeholders as psycopg's: ``$name`` -> ``%(name)s``,
    ``?`` -> ``%s``; a literal ``%`` (in a LIKE pattern too) -> ``%%``."""

    def spelled(found: re.Match[str]) -> str:
        text = found.group(0)
        if text.startswith("'"):
            return text.replace("%", "%%")
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        return f"%({found.group(1)})s"

    return _PARAMETER.sub(spelled, sql)


def _postgres_frame(
    postgres: database.Postgres, con: Any, sql: str, params: list[Any] | dict[str, Any]
) -> pd.DataFrame:
    """A query's rows as DuckDB's ``.df()`` gives them, column by column."""
    import psycopg

    try:
        with con.transaction(), con.cursor() as cursor:  # a savepoint: an error leaves the block usable
            cursor.execute(_postgres_sql(sql), params)
            rows = cursor.fetchall()
            described = cursor.description or []
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.InvalidSchemaName) as exc:
        raise _schema_error(exc) from exc
    except psycopg.OperationalError as exc:
        # mapped here, in the query, so the page's guard (ui.warehouse_guard)
        # shows it; another operational error (a statement timeout, a lock)
        # is not "cannot be reached"
        if not _lost(con):
            raise
        raise _unreachable(postgres) from exc
    return pd.DataFrame(
        {
            column.name: _as_duckdb_gives([row[i] for row in rows], column.type_display.split("(")[0])
            for i, column in enumerate(described)
        }
    )


def _as_duckdb_gives(values: list[Any], type_name: str) -> pd.Series:
    """One column in the dtype DuckDB's pandas conversion gives its type:
    integers as int (nullable Int when a value is missing), DECIMAL and
    floats as float64, dates and timestamps as datetime64[us], lists as
    arrays, text as pandas infers it."""
    missing = any(value is None for value in values)
    if type_name in _INTEGER_DTYPES:
        dtype = _INTEGER_DTYPES[type_name]
        return pd.Series(values, dtype=dtype.capitalize() if missing else dtype)
    if type_name in {"numeric", "float8", "float4"}:
        return pd.Series([np.nan if value is None else float(value) for value in values], dtype="float64")
    if type_name == "bool":
        return pd.Series(values, dtype="boolean" if missing else "bool")
    if type_name in {"date", "timestamp"}:
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[us]")
    if type_name == "timestamptz":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True)).astype("datetime64[us, UTC]")
    if type_name.endswith("[]"):
        return pd.Series([None if value is None else np.array(value, dtype=object) for value in values], dtype=object)
    return pd.Series(values, dtype=object if not values or all(value is None for value in values) else None)


_INTEGER_DTYPES = {"int2": "int16", "int4": "int32", "int8": "int64"}


def _schema_error(exc: Exception) -> WarehouseUnavailable:
    # A table or column the dashboards rely on is missing: the warehouse was
    # built by an incompatible version.
    return WarehouseUnavailable(
        "warehouse_schema",
        f"数据仓库缺少看板所需的表或字段：{exc}",
        f"The warehouse lacks a table or column the dashboards need: {exc}",
    )


def _duckdb_frame(sql: str, params: list[Any] | dict[str, Any], home: str | Path | None) -> pd.DataFrame:
    with _block(home) as block:
        if block is None:
            raise missing_warehouse_error(warehouse_path(home))
        try:
            return block.connection.execute(sql, params).df()
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            raise _schema_error(exc) from exc


def _read(sql: str, params: list[Any] | dict[str, Any], home: str | Path | None) -> pd.DataFrame:
    """The rows of one query of the published warehouse, on either engine."""
    postgres = database.postgres()
    if postgres is None:
        return _duckdb_frame(sql, params, home)
    with _block(home) as block:
        if block is None or block.version is None:
            raise missing_warehouse(home)
        return _postgres_frame(postgres, block.connection, sql, params)


# The one district the current user may see rows of (None: all districts).
# Set once per script run from the signed-in user; every query below goes
# through _frame, which applies it, so no page, filter, URL parameter,
# drill-down or export can reach another district's rows. Of other
# districts a district user sees only what is summed over the whole city
# (city totals) and, in its own row, its rank.
SCOPE: ContextVar[str | None] = ContextVar("district_scope", default=None)
# Called with what was asked when a request for another district is
# narrowed to the user's own (the entry file logs it to the audit log).
ON_REFUSAL: ContextVar[Callable[[list[str]], None] | None] = ContextVar("on_refusal", default=None)


def _frame(
    sql: str,
    params: list[Any] | dict[str, Any] | None = None,
    home: str | Path | None = None,
) -> pd.DataFrame:
    scope = SCOPE.get()
    if scope is not None and isinstance(params, dict):
        # whatever district a page, filter or URL asked for, the answer is
        # about the user's own
        asked = [*params.get("districts", []), *([params["district"]] if "district" in params else [])]
        if any(code != scope for code in asked) and (refused := ON_REFUSAL.get()) is not None:
            refused([str(code) for code in asked])
        if "districts" in params:
            params = {**params, "districts": [scope]}
        if "district" in params:
            params = {**params, "district": scope}
    frame = _read(sql, params if params is not None else [], home)
    if scope is not None and "district_code" in frame.columns:
        frame = frame[frame["district_code"] == scope].reset_index(drop=True)
    return frame


def meta(home: str | Path | None = None) -> WarehouseMeta:
    """The data date (数据截至) and build time of the published warehouse."""
    row = _frame("select data_date, built_at from marts.warehouse_meta limit 1", home=home)
    if row.empty:
        raise WarehouseUnavailable(
            "warehouse_schema",
            "数据仓库缺少数据日期（warehouse_meta 为空）。",
            "The warehouse has no data date (warehouse_meta is empty).",
        )
    built = row["built_at"].iloc[0]
    return WarehouseMeta(
        data_date=pd.Timestamp(row["data_date"].iloc[0]).date(),
        built_at=None if pd.isna(built) else pd.Timestamp(built).to_pydatetime(),
    )


def status_amber_band(home: str | Path | None = None) -> float:
    """How far behind its benchmark a KPI still shows amber (0.1 = 10
    percentage points): the band kpi_year_to_date's status was judged with
    (dbt's var status_amber_band, in marts.warehouse_meta)."""
    frame = _frame("select status_amber_band from marts.warehouse_meta limit 1", home=home)
    return float(frame["status_amber_band"].iloc[0])


def years(home: str | Path | None = None) -> list[int]:
    """The years with KPI figures, newest first."""
    frame = _frame(
        "select distinct year from marts.kpi_district_year where year is not null order by year desc",
        home=home,
    )
    return [int(y) for y in frame["year"]]


def districts(home: str | Path | None = None) -> pd.DataFrame:
    """The 16 districts (the unknown member left out), in code order."""
    return _frame(
        """
        select district_code, district_name_zh, district_name_en, short_name_zh
        from marts.dim_district
        where district_code <> ?
        order by district_code
        """,
        [NO_DISTRICT],
        home,
    )


def definitions(home: str | Path | None = None) -> pd.DataFrame:
    """The glossary of metrics (口径), in its published order."""
    return _frame(
        """
        select metric, name_zh, name_en, definition_zh, definition_en,
            unit_zh, unit_en, source_zh, source_en, sort_order
        from marts.kpi_definitions
        order by sort_order, metric
        """,
        home=home,
    )


# The metrics seed's ``better``, as whether a rise is good news.
_RISE_IS_GOOD = {"higher": True, "lower": False}


def dimensions(home: str | Path | None = None) -> Dimensions:
    """The names, units and kinds of the metrics and the English labels of
    category values, as the warehouse's seeds give them."""
    with reading(home):  # both from one warehouse
        metrics = _frame(
            "select metric, name_zh, name_en, unit_zh, unit_en, kind, better, short_name_zh, short_name_en,"
            " definition_zh, definition_en from marts.kpi_definitions order by sort_order",
            home=home,
        )
        labels = _frame(
            """
            select value_zh, value_en from marts.dim_category
            union all
            select industry_name_zh, industry_name_en from marts.dim_industry where is_known
            """,
            home=home,
        )
    return Dimensions(
        metrics={
            row.metric: Metric(
                row.name_zh,
                row.name_en,
                row.unit_zh,
                row.unit_en,
                row.kind,
                _RISE_IS_GOOD.get(row.better),
                row.short_name_zh,
                row.short_name_en,
                row.definition_zh,
                row.definition_en,
            )
            for row in metrics.itertuples(index=False)
        },
        category_en=dict(zip(labels["value_zh"], labels["value_en"], strict=True)),
    )


def district_year(year: int, metric: str, home: str | Path | None = None) -> pd.DataFrame:
    """One row per district for a metric in a year, best rank first."""
    return _frame(
        """
        select
            y.district_code,
            d.district_name_zh,
            d.district_name_en,
            d.short_name_zh,
            cast(y.actual as double precision) as actual,
            cast(y.actual_same_period_last_year as double precision)
                as actual_same_period_last_year,
            cast(y.target as double precision) as target,
            y.completion_rate,
            y.time_progress,
            y.completion_benchmark,
            y.status,
            y.change_on_last_year,
            y.rank,
            cast(p.projected_year_end as double precision) as projected_year_end,
            p.projected_completion_rate
        from marts.kpi_district_year as y
        inner join marts.dim_district as d using (district_code)
        left join marts.kpi_year_end_projection as p using (district_code, year, metric)
        where y.year = ? and y.metric = ? and y.district_code <> ?
        order by y.rank nulls last, y.actual desc nulls last, y.district_code
        """,
        [year, metric, NO_DISTRICT],
        home,
    )


def city_year(year: int, home: str | Path | None = None) -> pd.DataFrame:
    """The city's figures for every metric in ``year`` (marts.kpi_city_year:
    the city's sums, its ratios of sums, its target by the warehouse's
    rule), with where the year is heading (marts.kpi_year_end_projection).
    ``through_month`` is the last month the figures count (the mart's
    rule: December, or the data date's month in its own year)."""
    return _frame(
        """
        select
            c.metric,
            c.through_month,
            cast(c.actual as double precision) as actual,
            cast(c.actual_same_period_last_year as double precision)
                as actual_same_period_last_year,
            cast(c.target as double precision) as target,
            c.completion_rate,
            c.time_progress,
            c.time_progress_workdays,
            c.completion_benchmark,
            c.status,
            c.change_on_last_year,
            cast(p.projected_year_end as double precision) as projected_year_end,
            p.projected_completion_rate
        from marts.kpi_city_year as c
        left join marts.kpi_year_end_projection as p
            on p.is_city and p.year = c.year and p.metric = c.metric
        where c.year = ?
        order by c.metric
        """,
        [year],
        home,
    )


def city_months(year: int, home: str | Path | None = None) -> pd.DataFrame:
    """The city's own figures of each month of ``year`` and the year before
    (marts.kpi_city_month): ``month`` (its first day), ``year``,
    ``month_no`` and a column per figure (money in yuan: the driver gives
    DECIMAL columns to pandas as floats)."""
    return _frame(
        """
        select
            *,
            cast(extract(year from month) as integer) as year,
            cast(extract(month from month) as integer) as month_no
        from marts.kpi_city_month
        where extract(year from month) between ? - 1 and ?
        order by month
        """,
        [year, year],
        home,
    )


# ---------------------------------------------------------------------------
# Subject pages: legal aid, recovered wages, certifications.
#
# Every query takes the period as a closed date range and the districts as a
# list of codes (empty = the whole city, the unknown member included, as in
# the city totals). Values are bound by name; the only text put into SQL is
# a grouping column picked from the fixed maps below, never user input.
# ---------------------------------------------------------------------------

# Rows a record list returns at most: a case list is for reading and
# checking, and a whole city-year at 10 million cases is not.
RECORD_LIMIT = 5_000

# array_length: 0 for an empty list on DuckDB, null on PostgreSQL
_DISTRICT_FILTER = (
    "(coalesce(array_length($districts::varchar[], 1), 0) = 0 or district_code = any($districts::varchar[]))"
)

# The breakdowns each page offers. The subject pages read the day marts
# (marts.kpi_legal_aid_day, kpi_wage_day, kpi_certification_day,
# kpi_certification_campaign): one row per day, district and breakdown
# value, so a page's cost depends on the days and the categories it covers,
# never on the number of cases; a period of whole months reads the legal-aid
# and wage marts' months (kpi_legal_aid_month, kpi_wage_month: _grain), a
# thirtieth of the rows at national scale. A breakdown is the mart's rows
# of that dimension; the district breakdown and the whole selection are its
# 'all' rows, by district or together.
LEGAL_AID_DIMENSIONS = ("district", "subdistrict", "dispute_type", "industry", "channel", "outcome", "service_type")
WAGE_DIMENSIONS = ("district", "subdistrict", "source", "industry", "status")
CERTIFICATION_DIMENSIONS = ("district", "subdistrict", "industry")
# The status columns of marts.kpi_certification_campaign, by the status
# they count (the certified are a part of the pass rate, named as
# kpi_metrics() names it).
CAMPAIGN_STATUSES: dict[str, str] = {
    "达标": "campaign_certified",
    "测评中": "assessing",
    "申报": "applied",
    "未达标": "failed",
    "撤销": "revoked",
}


def _breakdown(dimension: str | None, allowed: tuple[str, ...]) -> tuple[str, str]:
    """(the SQL for a row's key, the mart's ``dimension`` to read) for a
    dimension name from ``allowed``; None is one row for everything. Only
    these fixed texts go into SQL."""
    if dimension is None:
        return "'all'", "all"
    if dimension not in allowed:
        raise ValueError(f"unknown dimension {dimension!r}")
    if dimension == "district":
        return "district_code", "all"
    return "breakdown_key", dimension


# A subject's day mart and the same by month (dbt's summed_by_month).
_LEGAL_AID_MARTS = ("marts.kpi_legal_aid_day", "marts.kpi_legal_aid_month")
_WAGE_MARTS = ("marts.kpi_wage_day", "marts.kpi_wage_month")


def _grain(marts: tuple[str, str], start: date, end: date) -> tuple[str, str]:
    """The mart a breakdown of [start, end] reads, and its date column: the
    months when the period is whole months (periods.whole_months), else the
    days."""
    day_mart, month_mart = marts
    if whole_months(start, end):
        return month_mart, "month_start"
    return day_mart, "date_day"


def _scope(start: date, end: date, districts: list[str] | tuple[str, ...], dimension: str) -> dict[str, Any]:
    return {"start": start, "end": end, "districts": list(districts), "dimension": dimension}


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


# Each KPI ratio's two parts (kpi_definitions' numerator and denominator),
# by the version of the warehouse they were read from: every breakdown
# divides by them, and they change only with a publish.
_RATIO_PARTS: dict[WarehouseVersion, dict[str, tuple[str, str]]] = {}
_RATIO_VERSIONS_KEPT = 8


def _ratios(columns: tuple[str, ...], home: str | Path | None) -> dict[str, str]:
    """Each KPI ratio whose two parts are among ``columns``, as SQL dividing
    their sums: the parts are the warehouse's own (kpi_definitions'
    numerator and denominator, from macros/kpi_metrics.sql), so a page
    divides exactly what the KPI marts divide."""
    with reading(home) as version:
        parts = _RATIO_PARTS.get(version) if version is not None else None
        if parts is None:
            frame = _frame(
                "select metric, numerator, denominator from marts.kpi_definitions where numerator is not null",
                home=home,
            )
            parts = {
                row.metric: (row.numerator, row.denominator)
                for row in frame.itertuples(index=False)
                if _IDENTIFIER.fullmatch(row.numerator) and _IDENTIFIER.fullmatch(row.denominator)
            }
            if version is not None:
                if len(_RATIO_PARTS) >= _RATIO_VERSIONS_KEPT:
                    _RATIO_PARTS.clear()
                _RATIO_PARTS[version] = parts
    return {
        metric: _divided(numerator, denominator)
        for metric, (numerator, denominator) in parts.items()
        if numerator in columns and denominator in columns
    }


def _divided(numerator: str, denominator: str) -> str:
    """The sum of one column divided by the sum of another (null over
    nothing), in double precision: integer division would give 0."""
    return f"cast(sum({numerator}) as double precision) / nullif(sum({denominator}), 0)"


def _total(count: str) -> str:
    """The sum of a count as a 64-bit integer on both engines (DuckDB sums
    to a 128-bit integer, PostgreSQL to numeric)."""
    return f"cast(sum({count}) as bigint)"


def _share(count: str) -> str:
    """A row's share of the whole breakdown's ``count``."""
    return f"cast(sum({count}) as double precision) / nullif(sum(sum({count})) over (), 0)"


_LEGAL_AID_PARTS = (
    "legal_aid_mediated",
    "legal_aid_closed",
    "legal_aid_new_form_workers",
    "legal_aid_workers",
    "legal_aid_days_to_close",
    "legal_aid_workdays_to_close",
    "legal_aid_closed_dated",
)


_WAGE_PARTS = ("wages_recovered_yuan", "wages_owed_yuan", "wage_days_to_resolve", "wage_resolved_dated")


def legal_aid_breakdown(
    dimension: str | None,
    start: date,
    end: date,
    districts: list[str] | tuple[str, ...] = (),
    home: str | Path | None = None,
) -> pd.DataFrame:
    """Legal-aid cases received in [start, end], grouped by ``dimension`` (one
    of LEGAL_AID_DIMENSIONS; None: one row for the whole selection), from
    marts.kpi_legal_aid_day (or its months, _grain).

    Columns: key, cases, share (of all the rows' cases), workers, closed,
    mediated, mediation_rate, recovered_yuan, claimed_yuan,
    collective_cases, collective_workers, new_form_cases, new_form_workers,
    and the KPIs' ratios: mediation_rate, new_form_share (the KPI
    new_employment_form_share, of workers), days_mean and workdays_mean
    (avg_days_to_close and avg_workdays_to_close); most cases first.
    """
    key, mart_dimension = _breakdown(dimension, LEGAL_AID_DIMENSIONS)
    ratios = _ratios(_LEGAL_AID_PARTS, home)
    mart, day = _grain(_LEGAL_AID_MARTS, start, end)
    sql = f"""
        select
            {key} as key,
            {_total("legal_aid_cases")} as cases,
            {_share("legal_aid_cases")} as share,
            {_total("legal_aid_workers")} as workers,
            {_total("legal_aid_closed")} as closed,
            {_total("legal_aid_mediated")} as mediated,
            {ratios["mediation_rate"]} as mediation_rate,
            cast(sum(legal_aid_recovered_yuan) as double precision) as recovered_yuan,
            cast(sum(legal_aid_claimed_yuan) as double precision) as claimed_yuan,
            {_total("legal_aid_collective_cases")} as collective_cases,
            {_total("legal_aid_collective_workers")} as collective_workers,
            {_total("legal_aid_new_form_cases")} as new_form_cases,
            {_total("legal_aid_new_form_workers")} as new_form_workers,
            {ratios["new_employment_form_share"]} as new_form_share,
            {ratios["avg_days_to_close"]} as days_mean,
            {ratios["avg_workdays_to_close"]} as workdays_mean
        from {mart}
        where dimension = $dimension and {day} between $start and $end and {_DISTRICT_FILTER}
        group by 1
        order by cases desc, key
    """
    return _frame(sql, _scope(start, end, districts, mart_dimension), home)


# Where each record came from, on every record list: its load, the file
# (and sheet) it was loaded from, the row a person sees in Excel, and when.
_RECORD_SOURCE = "load_id, file_name, sheet, source_row, loaded_at"


def _records(
    table: str,
    columns: str,
    where: str,
    order: str,
    counted: tuple[str, str, str],
    district: str,
    subdistrict: str | None,
    all_streets: bool,
    limit: int,
    home: str | Path | None,
    **period: date,
) -> pd.DataFrame:
    """The records of one district (and one street, or all of them) in a
    fact table that also meet ``where``, ``order`` first, at most ``limit``
    rows, each with where it came from (_RECORD_SOURCE). ``total`` on every
    row counts them all, from the day mart that ``counted`` names (its
    table, its count column, its condition on the same period): a sum over
    the street's or the district's days, so that a list never reads more
    than its ``limit`` of records. Only the fixed texts of this module go
    into the SQL; the values are bound."""
    mart, count, mart_where = counted
    return _frame(
        f"""
        select
            {columns},
            {_RECORD_SOURCE},
            (
                select {_total(count)}
                from {mart}
                where district_code = $district
                    and case
                        when $all_streets then dimension = 'all'
                        else dimension = 'subdistrict' and breakdown_key is not distinct from $subdistrict
                    end
                    and {mart_where}
            ) as total
        from {table}
        where district_code = $district
            and ($all_streets or subdistrict is not distinct from $subdistrict)
            and {where}
        order by {order}
        limit $limit
        """,
        {"district": district, "subdistrict": subdistrict, "all_streets": all_streets, "limit": limit, **period},
        home,
    )


def legal_aid_records(
    district: str,
    subdistrict: str | None,
    start: date,
    end: date,
    *,
    all_streets: bool = False,
    limit: int = RECORD_LIMIT,
    home: str | Path | None = None,
) -> pd.DataFrame:
    """The cases of one district (and one street, or all of them) received in
    [start, end], newest first."""
    return _records(
        "marts.fct_legal_aid_cases",
        """case_id, subdistrict, received_date, closed_date, dispute_type,
            service_type, channel, workers, is_collective,
            is_new_employment_form, industry,
            amount_claimed_yuan, amount_recovered_yuan, outcome, days_to_close""",
        "received_date between $start and $end",
        "received_date desc, case_id",
        ("marts.kpi_legal_aid_day", "legal_aid_cases", "date_day between $start and $end"),
        district,
        subdistrict,
        all_streets,
        limit,
        home,
        start=start,
        end=end,
    )


def wage_breakdown(
    dimension: str | None,
    start: date,
    end: date,
    districts: list[str] | tuple[str, ...] = (),
    home: str | Path | None = None,
) -> pd.DataFrame:
    """Wage-arrears cases opened in [start, end], grouped by ``dimension``
    (one of WAGE_DIMENSIONS; None: one row), from marts.kpi_wage_day (or
    its months, _grain).

    Columns: key, cases, share, workers, owed_yuan, recovered_yuan,
    resolved, open_cases, and the KPIs' ratios: recovery_rate
    (wage_recovery_rate) and days_mean (wage_avg_days_to_resolve); most
    cases first.
    """
    key, mart_dimension = _breakdown(dimension, WAGE_DIMENSIONS)
    ratios = _ratios(_WAGE_PARTS, home)
    mart, day = _grain(_WAGE_MARTS, start, end)
    sql = f"""
        select
            {key} as key,
            {_total("wage_cases")} as cases,
            {_share("wage_cases")} as share,
            {_total("wage_workers")} as workers,
            cast(sum(wages_owed_yuan) as double precision) as owed_yuan,
            cast(sum(wages_recovered_yuan) as double precision) as recovered_yuan,
            {ratios["wage_recovery_rate"]} as recovery_rate,
            {_total("wage_resolved")} as resolved,
            {_total("wage_open")} as open_cases,
            {ratios["wage_avg_days_to_resolve"]} as days_mean
        from {mart}
        where dimension = $dimension and {day} between $start and $end and {_DISTRICT_FILTER}
        group by 1
        order by cases desc, key
    """
    return _frame(sql, _scope(start, end, districts, mart_dimension), home)


def wage_records(
    district: str,
    subdistrict: str | None,
    start: date,
    end: date,
    *,
    all_streets: bool = False,
    limit: int = RECORD_LIMIT,
    home: str | Path | None = None,
) -> pd.DataFrame:
    """The wage cases of one district (and street) opened in [start, end],
    newest first."""
    return _records(
        "marts.fct_wage_recoveries",
        """record_id, subdistrict, opened_date, resolved_date, source,
            employer_name, employer_uscc, industry, workers,
            amount_owed_yuan, amount_recovered_yuan, status""",
        "opened_date between $start and $end",
        "opened_date desc, record_id",
        ("marts.kpi_wage_day", "wage_cases", "date_day between $start and $end"),
        district,
        subdistrict,
        all_streets,
        limit,
        home,
        start=start,
        end=end,
    )


def certification_status(
    dimension: str | None,
    year: int,
    districts: list[str] | tuple[str, ...] = (),
    home: str | Path | None = None,
) -> pd.DataFrame:
    """The ``year`` campaign by ``dimension`` (one of
    CERTIFICATION_DIMENSIONS; None: one row), from
    marts.kpi_certification_campaign.

    Columns: key, a count per status (CAMPAIGN_STATUSES' columns), total,
    certification_pass_rate (the KPI's parts, divided) and employees; in key
    order.
    """
    key, mart_dimension = _breakdown(dimension, CERTIFICATION_DIMENSIONS)
    statuses = ", ".join(f"{_total(status)} as {status}" for status in CAMPAIGN_STATUSES.values())
    ratios = _ratios(("campaign_certified", "campaign_decided"), home)
    sql = f"""
        select
            {key} as key,
            {statuses},
            {_total("enterprises")} as total,
            {ratios["certification_pass_rate"]} as certification_pass_rate,
            {_total("employees")} as employees
        from marts.kpi_certification_campaign
        where dimension = $dimension and campaign_year = $year and {_DISTRICT_FILTER}
        group by 1
        order by key
    """
    return _frame(sql, {"year": year, "districts": list(districts), "dimension": mart_dimension}, home)


def certifications_in_force(
    dimension: str | None,
    on: date,
    districts: list[str] | tuple[str, ...] = (),
    home: str | Path | None = None,
) -> pd.DataFrame:
    """Certified enterprises in force on ``on`` by ``dimension``, from
    marts.kpi_certification_day (stg_landing__certifications states the
    rule).

    Columns: key, enterprises, share, employees; most enterprises first.
    """
    key, mart_dimension = _breakdown(dimension, CERTIFICATION_DIMENSIONS)
    sql = f"""
        select
            {key} as key,
            {_total("certified_in_force")} as enterprises,
            {_share("certified_in_force")} as share,
            {_total("certified_workforce")} as employees
        from marts.kpi_certification_day
        where dimension = $dimension and date_day = $on and certified_in_force > 0 and {_DISTRICT_FILTER}
        group by 1
        order by enterprises desc, key
    """
    return _frame(sql, {"on": on, "districts": list(districts), "dimension": mart_dimension}, home)


def certified_between(
    start: date,
    end: date,
    districts: list[str] | tuple[str, ...] = (),
    home: str | Path | None = None,
) -> int:
    """Enterprises certified (达标, or 达标 then revoked) in [start, end]:
    their first day in force falls in it (marts.kpi_certification_day)."""
    frame = _frame(
        f"""
        select coalesce({_total("newly_certified")}, 0) as n
        from marts.kpi_certification_day
        where dimension = 'all' and date_day between $start and $end and {_DISTRICT_FILTER}
        """,
        {"start": start, "end": end, "districts": list(districts)},
        home,
    )
    return int(frame["n"].iloc[0])


# In force on a day: between the two dates the warehouse gives each
# certification (stg_landing__certifications states the rule).
_IN_FORCE = "$on between in_force_from and in_force_until"


def certification_records(
    district: str,
    subdistrict: str | None,
    on: date,
    *,
    all_streets: bool = False,
    limit: int = RECORD_LIMIT,
    home: str | Path | None = None,
) -> pd.DataFrame:
    """The certified enterprises of one district (and street) in force on
    ``on``."""
    return _records(
        "marts.fct_certifications",
        """enterprise_name, enterprise_uscc, subdistrict, industry, employees,
            campaign_year, cast(score as double precision) as score, status,
            certified_date, valid_until, revoked_date""",
        _IN_FORCE,
        "certified_date desc nulls last, enterprise_uscc",
        ("marts.kpi_certification_day", "certified_in_force", "date_day = $on"),
        district,
        subdistrict,
        all_streets,
        limit,
        home,
        on=on,
    )


def record_source(load_id: str, home: str | Path | None = None) -> pd.DataFrame:
    """The archived original of one load a record list shows (marts.fct_loads):
    file_name, sheet, archive_path, sha256 and loaded_at; no row when the
    load has no archived copy, and none for a district user: the archive
    keeps the whole file as sent (every sheet, hidden ones too, and the
    quarantined rows), which a load's loaded districts do not describe."""
    return _frame(
        """
        select load_id, file_name, sheet, archive_path, sha256, loaded_at
        from marts.fct_loads
        where load_id = $load_id
            and archive_path is not null
            and cast($scope as varchar) is null
        """,
        {"load_id": load_id, "scope": SCOPE.get()},
        home,
    )


def kpi_lineage(home: str | Path | None = None) -> pd.DataFrame:
    """Each metric's dbt models with their parents, data tests and docs
    anchor (marts.kpi_lineage, made by dbt from its own project graph),
    in the glossary's order; empty from a warehouse built before it."""
    try:
        return _frame(
            """
            select l.metric, l.model_name, l.parent_models, l.data_tests, l.docs_anchor
            from marts.kpi_lineage as l
            inner join marts.kpi_definitions as d using (metric)
            order by d.sort_order, l.model_name
            """,
            home=home,
        )
    except WarehouseUnavailable as error:
        if error.code != "warehouse_schema":
            raise
        return pd.DataFrame(columns=["metric", "model_name", "parent_models", "data_tests", "docs_anchor"])


# --- the steward's data page -------------------------------------------------


def check_results(home: str | Path | None = None) -> pd.DataFrame:
    """The expectations of the latest checkpoint run on the landing data and
    on the marts (from the published warehouse's quality.check_results),
    failures first."""
    frame = _frame(
        """
        with runs as (
            select
                run_id,
                row_number() over (
                    partition by case when target like '%landing' then 'landing' else 'marts' end
                    order by "at" desc nulls last
                ) as newest_first
            from quality.check_results
        ),

        latest as (select run_id from runs where newest_first = 1)
        select "at", target, suite, name, severity, success, description_zh, description_en,
            unexpected_count, cast(offending as varchar) as offending
        from quality.check_results
        where run_id in (select run_id from latest)
        order by success, severity, suite, name
        """,
        home=home,
    )
    scope = SCOPE.get()
    if scope is not None:
        # a district user sees the checks, and of the offending rows only its own
        frame["offending"] = [_own_rows(text, scope) for text in frame["offending"]]
    return frame


def _own_rows(offending: str | None, scope: str) -> str | None:
    rows = json.loads(offending) if offending else []
    own = [row for row in rows if isinstance(row, dict) and row.get("district_code") == scope]
    return json.dumps(own, ensure_ascii=False) if own else None


def quarantined(home: str | Path | None = None) -> pd.DataFrame:
    """The reasons rows were quarantined, each under its own row's district
    (000000: a row whose district cannot be read, seen by stewards only),
    the newest load first (marts.fct_quarantined_rows)."""
    return _frame(
        """
        select
            district_code, load_id, file_name, sheet, source_row,
            column_name, code, message, message_en
        from marts.fct_quarantined_rows
        order by load_seq desc, source_row
        """,
        home=home,
    )


def quarantine_source(load_id: str, home: str | Path | None = None) -> pd.DataFrame:
    """What the annotated return of one load needs: its archived file and errors."""
    return _frame(
        """
        select
            archive_path, sheet, sha256, dataset, path, district_code,
            source_row, column_name, code, message, message_en
        from marts.fct_quarantined_rows
        where load_id = $load_id
        """,
        {"load_id": load_id},
        home,
    )


def submissions(home: str | Path | None = None) -> pd.DataFrame:
    """Submission progress: district × dataset × month."""
    return _frame(
        "select district_code, dataset, month, submission_status from marts.fct_submissions "
        "order by district_code, dataset, month, submission_status",
        home=home,
    )


def submission_freshness(home: str | Path | None = None) -> pd.DataFrame:
    """When each district last sent each dataset, the latest month it
    covered, days since, months behind and the status
    (marts.fct_submission_freshness): the worst status first, then the most
    months behind; the status has its English label from dim_category."""
    return _frame(
        """
        select
            f.district_code, f.dataset, f.last_loaded_at, f.latest_month_submitted,
            f.days_since_loaded, f.months_behind, f.freshness_status,
            c.value_en as freshness_status_en
        from marts.fct_submission_freshness as f
        left join marts.dim_category as c
            on c.category = 'freshness_status' and c.value_zh = f.freshness_status
        order by
            c.sort_order desc nulls last, f.months_behind desc nulls last, f.days_since_loaded desc nulls last,
            f.district_code, f.dataset
        """,
        home=home,
    )


def brief_year_to_date(year: int, home: str | Path | None = None) -> pd.DataFrame:
    """What the monthly brief reads: ``year_to_date``'s rows with the time
    progress at each month counted through, how many districts share the
    ranking, and on the latest month's rows the year-end projection
    (marts.kpi_year_end_projection). ``ranked_districts`` is counted before
    a district user's scope narrows the rows, so its rank reads "3 of 16"."""
    return _frame(
        """
        select
            y.area_code as district_code,
            y.is_city,
            y.year,
            y.through_month,
            y.metric,
            cast(y.month_value as double precision) as month_value,
            cast(y.actual as double precision) as actual,
            cast(y.actual_same_period_last_year as double precision)
                as actual_same_period_last_year,
            cast(y.target as double precision) as target,
            y.completion_rate,
            y.time_progress,
            y.completion_benchmark,
            y.status,
            y.change_on_last_year,
            cast(y.month_value_last_month as double precision)
                as month_value_last_month,
            y.month_change_on_last_month,
            cast(y.month_value_last_year as double precision)
                as month_value_last_year,
            y.month_change_on_last_year,
            y.rank,
            count(y.rank) over (
                partition by y.is_city, y.year, y.through_month, y.metric
            ) as ranked_districts,
            cast(p.projected_year_end as double precision) as projected_year_end,
            p.projected_completion_rate
        from marts.kpi_year_to_date as y
        left join marts.kpi_year_end_projection as p
            on y.is_latest
            and p.district_code = y.area_code
            and p.year = y.year
            and p.metric = y.metric
        where y.year between ? - 1 and ? and y.area_code <> ?
        order by y.year, y.through_month, district_code, y.metric
        """,
        [year, year, NO_DISTRICT],
        home,
    )
