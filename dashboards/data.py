"""The pages' cached view of the warehouse: ``dashboards.queries`` wrapped in
``st.cache_data``.

Each cached function takes the warehouse's version (path, inode, mtime) as
its first argument, so a newly published file is read at once instead of
after the cache's ttl; the ttl bounds how long superseded results linger in
memory. No widget is drawn inside a cached function.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import queries

TTL_SECONDS = 60
Version = tuple[str, int, int]


def version() -> Version:
    """The published warehouse's version; raises WarehouseUnavailable if none."""
    found = queries.warehouse_version()
    if found is None:
        raise queries.missing_warehouse_error(queries.warehouse_path())
    return found


def _home(ver: Version) -> Path:
    return Path(ver[0]).parent


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _meta(ver: Version) -> queries.WarehouseMeta:
    return queries.meta(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _years(ver: Version) -> list[int]:
    return queries.years(_home(ver))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _districts(ver: Version) -> pd.DataFrame:
    return queries.districts(_home(ver))


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
    return _meta(version())


def years() -> list[int]:
    return _years(version())


def districts() -> pd.DataFrame:
    return _districts(version())


def definitions() -> pd.DataFrame:
    return _definitions(version())


def city_year(year: int) -> pd.DataFrame:
    return _city_year(version(), year)


def district_year(year: int, metric: str) -> pd.DataFrame:
    return _district_year(version(), year, metric)


def city_months(year: int) -> pd.DataFrame:
    return _city_months(version(), year)
