"""The whole product on PostgreSQL, through the real CLI with
UNIONKPI_DATABASE_URL set: the demo (generate, ingest, build, checks,
publish) gives marts equal row for row to the DuckDB demo's, and the
end-to-end checks (published figures to the yuan, the nil return) and the
correction and withdrawal checks pass on it as on DuckDB: they are the same
test functions, run here again against PostgreSQL."""

import hashlib
import json
from pathlib import Path

import psycopg
import pytest

from kernel.database import parse
from tests.conftest import DEMO_SCALE, DEMO_SEED, run_cli
from tests.postgres.conftest import Server
from tests.postgres.test_engines_agree import marts_differences
from tests.test_corrections import (  # noqa: F401 (run again here, on PostgreSQL)
    test_certification_history_keeps_every_version,
    test_correct_then_withdraw,
)
from tests.test_end_to_end import (  # noqa: F401 (run again here, on PostgreSQL)
    test_certified_in_force_is_a_stock_at_the_month_end,
    test_every_district_and_month_has_a_row,
    test_mart_totals_equal_the_generated_files,
    test_money_is_decimal_in_the_published_marts,
    test_submission_progress_shows_the_nil_return,
    test_totals_by_district_and_month,
    test_year_to_date_and_same_period,
)


class Marts:
    """A PostgreSQL connection that takes the DuckDB tests' `?` placeholders."""

    def __init__(self, con: psycopg.Connection) -> None:
        self.con = con

    def execute(self, sql: str, params: list | None = None) -> psycopg.Cursor:
        return self.con.execute(sql.replace("?", "%s"), params or None)


@pytest.fixture(scope="module")
def postgres_demo(postgres_server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo, made exactly as the DuckDB demo_home is, on PostgreSQL."""
    url = postgres_server.create_database("e2e_demo")
    home = tmp_path_factory.mktemp("postgres_demo_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UNIONKPI_DATABASE_URL", url)
        run_cli(home, "demo", "--no-serve", "--seed", str(DEMO_SEED), "--scale", DEMO_SCALE)
    return home, url


@pytest.fixture(scope="module")
def manifest(postgres_demo: tuple[Path, str]) -> dict:
    return json.loads((postgres_demo[0] / "demo_inbox" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warehouse(postgres_demo: tuple[Path, str]):
    with parse(postgres_demo[1]).connect() as con:
        yield Marts(con)


@pytest.fixture(autouse=True)
def own_database(request: pytest.FixtureRequest, postgres_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The correction tests make a home of their own: a database of their own too."""
    if request.function.__module__ == "tests.test_corrections":
        digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
        monkeypatch.setenv("UNIONKPI_DATABASE_URL", postgres_server.create_database(f"e2e_{digest}"))


def test_the_demo_on_postgres_publishes_the_marts_of_the_demo_on_duckdb(
    postgres_demo: tuple[Path, str], demo_home: Path
) -> None:
    """Everything in the database, nothing in DuckDB files; the same marts."""
    home, url = postgres_demo
    assert not (home / "warehouse.duckdb").exists() and not (home / "landing.duckdb").exists()
    with psycopg.connect(url) as con:
        schemas = {name for (name,) in con.execute("select nspname from pg_namespace").fetchall()}
    assert {"raw", "marts", "unionkpi"} <= schemas
    # two runs of the demo: the same files, loaded at other times from other homes
    assert marts_differences(demo_home / "warehouse.duckdb", url, separate_runs=True) == {}


def test_reingesting_the_demo_changes_nothing(postgres_demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    home, url = postgres_demo
    monkeypatch.setenv("UNIONKPI_DATABASE_URL", url)
    done = run_cli(home, "ingest", "--json", str(home / "demo_inbox"))
    assert {f["status"] for f in json.loads(done.stdout)["files"]} == {"unchanged"}
