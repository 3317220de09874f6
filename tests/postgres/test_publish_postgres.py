"""Build and publish on PostgreSQL, by the real CLI: a build writes schemas of
its own; two builds at once take turns through an advisory lock (no lock
file); a blocking check holds a build back with `marts` untouched; a good
one is published by a schema swap that readers never see halfway; and a
rollback swaps the build before back in."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

from tests.conftest import TODAY
from tests.postgres.conftest import Server, load_landing
from tests.postgres.test_engines_agree import first_correction, marts_differences
from unionkpi.publish_postgres import BUILD_LOCK_KEY

# Figures from several published tables in one statement: a reader must get
# them all from one build.
FIGURES = (
    "select (select count(*) from marts.fct_legal_aid_cases), "
    "(select sum(legal_aid_cases) from marts.kpi_district_month), "
    "(select sum(legal_aid_recovered_yuan) from marts.kpi_district_month), "
    "(select count(*) from marts.fct_wage_recoveries), "
    "(select count(*) from marts.fct_loads)"
)
MARTS_OID = "select oid from pg_namespace where nspname = 'marts'"


def cli(home: Path, url: str, *args: str) -> subprocess.Popen:
    """The real CLI in a child process, on the PostgreSQL database of `url`."""
    env = {**os.environ, "UNIONKPI_TODAY": TODAY, "UNIONKPI_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "unionkpi", "--home", str(home), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finished(process: subprocess.Popen, expected: int = 0) -> str:
    """Its standard error, once it exited with `expected`."""
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == expected, stderr[-3000:]
    return stderr


def one(url: str, query: str, params: list | None = None) -> tuple:
    with psycopg.connect(url) as con:
        return con.execute(query, params).fetchone()


def published_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as con:
        return con.execute("select * from marts.kpi_district_month order by district_code, month").fetchall()


def log(url: str) -> list[dict]:
    with psycopg.connect(url) as con:
        return [entry for (entry,) in con.execute("select entry from unionkpi.publish_log order by seq")]


def add_mislabelled_load(url: str) -> None:
    """As tests/test_publish_gate.py: a load whose row was received outside
    the period its file declares, which only the landing checks can see."""
    with psycopg.connect(url) as con:
        con.execute(
            "insert into raw.loads select 'LBAD', (select max(load_seq) + 1 from raw.loads), sha256, "
            "path || '.mislabelled', sheet, archive_path, dataset, status, period_start, period_end, is_nil_return, "
            "districts, 1, 1, 0, loaded_at, errors, submitted_by from raw.loads "
            "where dataset = 'legal_aid' and status = 'loaded' and rows_loaded > 0 order by load_seq limit 1"
        )
        con.execute(
            "insert into raw.legal_aid select 'LBAD', l.load_seq, 1, 'BAD-1', a.district_code, a.subdistrict, "
            "l.period_start - 40, null, a.dispute_type, a.service_type, a.channel, a.workers, "
            "a.new_employment_form, a.industry, a.amount_claimed, null, a.outcome "
            "from raw.loads as l, raw.legal_aid as a where l.load_id = 'LBAD' "
            "and a.load_id = (select load_id from raw.loads where sha256 = l.sha256 and load_id != 'LBAD') limit 1"
        )


def remove_load(url: str, load_id: str) -> None:
    with psycopg.connect(url) as con:
        con.execute("delete from raw.legal_aid where load_id = %s", [load_id])
        con.execute("delete from raw.loads where load_id = %s", [load_id])


class Reader(threading.Thread):
    """Reads the published figures in a loop until stopped (or 10 minutes):
    what it saw and any error."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop = url, threading.Event()
        self.figures: set[tuple] = set()
        self.oids: set[int] = set()
        self.errors: list[str] = []
        self.reads = 0

    def run(self) -> None:
        deadline = time.monotonic() + 600
        with psycopg.connect(self.url, autocommit=True) as con:
            while not self.stop.is_set() and time.monotonic() < deadline:
                try:
                    self.figures.add(con.execute(FIGURES).fetchone())
                    self.oids.add(con.execute(MARTS_OID).fetchone()[0])
                    self.reads += 1
                except psycopg.Error as error:
                    self.errors.append(repr(error))
                time.sleep(0.005)


def came_to_be(url: str, count: str, process: subprocess.Popen, params: list | None = None) -> bool:
    """`count` counts something, while `process` runs (within 4 minutes:
    a loaded machine is slow to start a process)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if one(url, count, params)[0]:
            return True
        time.sleep(0.1)
    return False


def waits_on_the_build_lock(url: str, process: subprocess.Popen) -> bool:
    """The build process is blocked on the builds' advisory lock."""
    return came_to_be(
        url,
        "select count(*) from pg_locks where locktype = 'advisory' and not granted and classid = %s and objid = %s",
        process,
        [(BUILD_LOCK_KEY & (2**64 - 1)) >> 32, BUILD_LOCK_KEY & 0xFFFFFFFF],
    )


def test_build_hold_back_publish_by_swap_and_rollback_on_postgres(
    postgres_server: Server, demo_home: Path, tmp_path: Path
) -> None:
    landing, warehouse = demo_home / "landing.duckdb", demo_home / "warehouse.duckdb"
    url = postgres_server.create_database("publish_pg")
    home = tmp_path / "home"
    after = first_correction(landing) - 1

    # 1. the loads before the demo's correction, built; a second build,
    # started while the first builds, waits for it on the builds' lock,
    # then builds from a load whose rows fall outside the period its file
    # declares, and is held back
    load_landing(landing, url, loads=(0, after))
    first_build = cli(home, url, "build")
    assert came_to_be(url, "select count(*) from pg_namespace where nspname = 'building_raw'", first_build)
    add_mislabelled_load(url)  # after the first build took its snapshot of `raw`
    second_build = cli(home, url, "build")
    assert waits_on_the_build_lock(url, second_build)
    assert "publish_pg.marts" in finished(first_build)
    first_oid, first_figures, first_rows = one(url, MARTS_OID)[0], one(url, FIGURES), published_rows(url)
    [first] = log(url)
    assert first["action"] == "publish" and first["mode"] == "full"
    assert len(first["loads"]) == one(url, "select count(*) from raw.loads where status = 'loaded'")[0] - 1

    # `marts` the very same schema with the very same rows
    assert "landing_rows_in_declared_period" in finished(second_build, expected=1)
    assert one(url, MARTS_OID)[0] == first_oid and published_rows(url) == first_rows
    held = one(url, "select entry from unionkpi.held_back")[0]
    assert held["failures"][0]["suite"] == "landing_rows_in_declared_period"
    assert one(
        url,
        "select count(*) from unionkpi.check_results where suite = 'landing_rows_in_declared_period' "
        "and not success and target like %s",
        [f"build {held['build']} landing"],
    ) == (1,)
    assert len(log(url)) == 1

    # 2. the bad load gone and the rest of the loads in: built and
    # published while a reader reads the published figures all along
    remove_load(url, "LBAD")
    load_landing(landing, url, loads=(after + 1, 2**31 - 1))
    reader = Reader(url)
    reader.start()
    finished(cli(home, url, "build"))
    reads = reader.reads
    while reader.reads < reads + 2 and reader.is_alive():
        time.sleep(0.05)  # a read or two of what is published now
    reader.stop.set()
    reader.join(timeout=30)

    assert marts_differences(warehouse, url) == {}
    second_figures = one(url, FIGURES)
    assert second_figures != first_figures
    assert reader.errors == []
    assert reader.figures == {first_figures, second_figures}, reader.figures
    assert reader.oids == {first_oid, one(url, MARTS_OID)[0]}
    second = log(url)[-1]
    assert second["action"] == "publish" and len(second["loads"]) > len(first["loads"])
    assert one(url, "select count(*) from unionkpi.held_back") == (0,)
    assert not list(home.glob("*.lock")) and not (home / "warehouse.duckdb").exists()

    # 3. rollback: the first build's schemas are published again, as they were
    finished(cli(home, url, "publish", "--rollback"))
    assert one(url, MARTS_OID)[0] == first_oid and one(url, FIGURES) == first_figures
    assert published_rows(url) == first_rows
    rolled = log(url)[-1]
    assert (rolled["action"], rolled["build"], rolled["replaced"]) == ("rollback", first["build"], second["build"])
