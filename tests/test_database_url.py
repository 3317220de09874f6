"""UNIONKPI_DATABASE_URL: unset is embedded DuckDB; a PostgreSQL URL is
decoded into its parts (percent-escapes included); anything else is a usage
error that shows no part of the user or password."""

import pytest

from kernel.database import parse, postgres
from kernel.errors import UnionKpiError


def test_unset_or_empty_is_duckdb() -> None:
    assert postgres({}) is None
    assert postgres({"UNIONKPI_DATABASE_URL": "  "}) is None


def test_a_url_is_decoded_into_its_parts() -> None:
    database = postgres({"UNIONKPI_DATABASE_URL": "postgresql://kpi%40ops:p%3Aw%2F%E5%AF%86@db.example:6543/unionkpi"})
    assert database is not None
    assert (database.host, database.port, database.user, database.password, database.dbname) == (
        "db.example", 6543, "kpi@ops", "p:w/密", "unionkpi",
    )  # fmt: skip
    assert database.dbt_env()["UNIONKPI_PG_PASSWORD"] == "p:w/密"
    assert parse("postgres://u@h/d").port == 5432


@pytest.mark.parametrize(
    "url",
    [
        "mysql://secretuser:secretpass@h/d",
        "postgresql://secretuser:secretpass@h",
        "postgresql://secretuser:secretpass@h:99999/d",
        "postgresql://secretuser:secretpass@/d",
        "secretuser:secretpass",
    ],
)
def test_anything_else_is_a_usage_error_that_shows_no_secret(url: str) -> None:
    with pytest.raises(UnionKpiError) as raised:
        parse(url)
    assert raised.value.code == "database_url_invalid"
    assert "secret" not in str(raised.value)
    assert "postgresql://" in raised.value.zh and "postgresql://" in raised.value.en
