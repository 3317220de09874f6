"""The pages' cached view of the warehouse: ``dashboards.queries`` wrapped in
``st.cache_data``.

Each cached function takes the warehouse's version (the DuckDB file's path,
inode and mtime, or on PostgreSQL the `marts` schema's OID) as its first
argument, so a newly published warehouse is read at once instead of after
the cache's ttl; the ttl bounds how long superseded results linger in
memory. No widget is drawn inside a cached function.

Each call below reads its version and, on a cache miss, its rows in one
``queries.reading()`` block, so what is cached under a version is that
version's data; a block around a whole page (``reading()`` here) makes
the page's every call read one warehouse.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.i18n import Dimensions
from kernel import database

TTL_SECONDS = 60
# Uploads ingested at once by this server, each in its own process under an
# operating-system memory limit: a runaway ends that upload, never the
# server, and more uploads wait their turn.
UPLOAD_SLOTS = threading.BoundedSemaphore(2)
UPLOAD_MEMORY_BYTES = 2 * 1024**3
# (queries.WarehouseVersion, district scope): the scope is part of every
# cache key, so one user's results are never served to a user with a
# narrower scope.
Version = tuple[str, int, int, str | None]


def version() -> Version:
    """The published warehouse's version and the current district scope;
    raises WarehouseUnavailable if there is no warehouse."""
    with reading() as ver:
        return ver


@contextmanager
def reading() -> Iterator[Version]:
    """A block (queries.reading) whose calls all read the published
    warehouse of the version it gives; raises WarehouseUnavailable if
    there is none."""
    with queries.reading() as found:
        if found is None:
            raise queries.missing_warehouse()
        yield (*found, queries.SCOPE.get())


def _home(ver: Version) -> Path | None:
    """The home of a DuckDB warehouse's version; PostgreSQL's queries read
    the database of UNIONKPI_DATABASE_URL, not a home."""
    return None if database.postgres() is not None else Path(ver[0]).parent


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _meta(ver: Version) -> queries.WarehouseMeta:
    return queries.meta(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _status_amber_band(ver: Version) -> float:
    return queries.status_amber_band(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _years(ver: Version) -> list[int]:
    return queries.years(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _districts(ver: Version) -> pd.DataFrame:
    return queries.districts(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _dimensions(ver: Version) -> Dimensions:
    return queries.dimensions(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _definitions(ver: Version) -> pd.DataFrame:
    return queries.definitions(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _city_year(ver: Version, year: int) -> pd.DataFrame:
    return queries.city_year(year, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _district_year(ver: Version, year: int, metric: str) -> pd.DataFrame:
    return queries.district_year(year, metric, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _city_months(ver: Version, year: int) -> pd.DataFrame:
    return queries.city_months(year, _home(ver))


def meta() -> queries.WarehouseMeta:
    with reading() as ver:
        return _meta(ver)


def status_amber_band() -> float:
    with reading() as ver:
        return _status_amber_band(ver)


def years() -> list[int]:
    with reading() as ver:
        return _years(ver)


def districts() -> pd.DataFrame:
    with reading() as ver:
        return _districts(ver)


def dimensions() -> Dimensions:
    with reading() as ver:
        return _dimensions(ver)


def definitions() -> pd.DataFrame:
    with reading() as ver:
        return _definitions(ver)


def city_year(year: int) -> pd.DataFrame:
    with reading() as ver:
        return _city_year(ver, year)


def district_year(year: int, metric: str) -> pd.DataFrame:
    with reading() as ver:
        return _district_year(ver, year, metric)


def city_months(year: int) -> pd.DataFrame:
    with reading() as ver:
        return _city_months(ver, year)


# Subject pages. Districts travel as a sorted tuple so equal selections share
# one cache entry.
Districts = tuple[str, ...]


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _legal_aid_breakdown(
    ver: Version, dimension: str | None, start: date, end: date, districts: Districts
) -> pd.DataFrame:
    return queries.legal_aid_breakdown(dimension, start, end, districts, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _legal_aid_records(
    ver: Version, district: str, subdistrict: str | None, all_streets: bool, start: date, end: date
) -> pd.DataFrame:
    return queries.legal_aid_records(district, subdistrict, start, end, all_streets=all_streets, home=_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _wage_breakdown(ver: Version, dimension: str | None, start: date, end: date, districts: Districts) -> pd.DataFrame:
    return queries.wage_breakdown(dimension, start, end, districts, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _wage_records(
    ver: Version, district: str, subdistrict: str | None, all_streets: bool, start: date, end: date
) -> pd.DataFrame:
    return queries.wage_records(district, subdistrict, start, end, all_streets=all_streets, home=_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _certification_status(ver: Version, dimension: str | None, year: int, districts: Districts) -> pd.DataFrame:
    return queries.certification_status(dimension, year, districts, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _certifications_in_force(ver: Version, dimension: str | None, on: date, districts: Districts) -> pd.DataFrame:
    return queries.certifications_in_force(dimension, on, districts, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _certified_between(ver: Version, start: date, end: date, districts: Districts) -> int:
    return queries.certified_between(start, end, districts, _home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _certification_records(
    ver: Version, district: str, subdistrict: str | None, all_streets: bool, on: date
) -> pd.DataFrame:
    return queries.certification_records(district, subdistrict, on, all_streets=all_streets, home=_home(ver))


def legal_aid_breakdown(dimension: str | None, start: date, end: date, districts: Districts) -> pd.DataFrame:
    with reading() as ver:
        return _legal_aid_breakdown(ver, dimension, start, end, tuple(sorted(districts)))


def legal_aid_records(
    district: str, subdistrict: str | None, all_streets: bool, start: date, end: date
) -> pd.DataFrame:
    with reading() as ver:
        return _legal_aid_records(ver, district, subdistrict, all_streets, start, end)


def wage_breakdown(dimension: str | None, start: date, end: date, districts: Districts) -> pd.DataFrame:
    with reading() as ver:
        return _wage_breakdown(ver, dimension, start, end, tuple(sorted(districts)))


def wage_records(district: str, subdistrict: str | None, all_streets: bool, start: date, end: date) -> pd.DataFrame:
    with reading() as ver:
        return _wage_records(ver, district, subdistrict, all_streets, start, end)


def certification_status(dimension: str | None, year: int, districts: Districts) -> pd.DataFrame:
    with reading() as ver:
        return _certification_status(ver, dimension, year, tuple(sorted(districts)))


def certifications_in_force(dimension: str | None, on: date, districts: Districts) -> pd.DataFrame:
    with reading() as ver:
        return _certifications_in_force(ver, dimension, on, tuple(sorted(districts)))


def certified_between(start: date, end: date, districts: Districts) -> int:
    with reading() as ver:
        return _certified_between(ver, start, end, tuple(sorted(districts)))


def certification_records(district: str, subdistrict: str | None, all_streets: bool, on: date) -> pd.DataFrame:
    with reading() as ver:
        return _certification_records(ver, district, subdistrict, all_streets, on)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _check_results(ver: Version) -> pd.DataFrame:
    return queries.check_results(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _quarantined(ver: Version) -> pd.DataFrame:
    return queries.quarantined(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _submissions(ver: Version) -> pd.DataFrame:
    return queries.submissions(_home(ver))


def check_results() -> pd.DataFrame:
    with reading() as ver:
        return _check_results(ver)


def quarantined() -> pd.DataFrame:
    with reading() as ver:
        return _quarantined(ver)


def submissions() -> pd.DataFrame:
    with reading() as ver:
        return _submissions(ver)
