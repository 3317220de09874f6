"""Where the warehouse keeps things under its home folder (every file is one
property of Home), what "today" is, and the district code of rows that
belong to no district."""

import hashlib
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The district of rows whose district cannot be read: they belong to no
# district, and only stewards see them (dim_district's unknown member).
NO_DISTRICT = "000000"


def today() -> date:
    """Today in Asia/Shanghai, or UNIONKPI_TODAY=YYYY-MM-DD when set."""
    override = os.environ.get("UNIONKPI_TODAY")
    if override:
        return date.fromisoformat(override)
    return datetime.now(SHANGHAI).date()


def max_file_bytes() -> int:
    """The largest file ingest accepts: UNIONKPI_MAX_FILE_MB, default 2048 MB."""
    return int(float(os.environ.get("UNIONKPI_MAX_FILE_MB", "2048")) * 1024 * 1024)


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def from_env(cls, root: Path | str | None = None) -> "Home":
        """``root``, else $UNIONKPI_HOME, else ./data; ``~`` expanded."""
        chosen = root or os.environ.get("UNIONKPI_HOME") or "data"
        return cls(Path(chosen).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing.duckdb"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def builds(self) -> Path:
        return self.root / "builds"

    @property
    def dbt_target(self) -> Path:
        return self.root / "dbt" / "target"

    @property
    def publish_log(self) -> Path:
        """One JSON line per publish or rollback."""
        return self.root / "publish_log.jsonl"

    @property
    def held_back(self) -> Path:
        """Present while the newest build failed its checks: why."""
        return self.root / "held_back.json"

    @property
    def data_docs(self) -> Path:
        return self.root / "data_docs"

    @property
    def dbt_docs_site(self) -> Path:
        """dbt's docs as one static HTML file, for the data page."""
        return self.dbt_target / "static_index.html"

    @property
    def check_runs(self) -> Path:
        """One JSON line per check of every checkpoint run."""
        return self.root / "check_runs.jsonl"

    @property
    def app_state(self) -> Path:
        """Users, sessions and the audit log (SQLite)."""
        return self.root / "app_state.sqlite"

    @property
    def ingest_failures(self) -> Path:
        """Tracebacks of files ingest could not handle, for the steward."""
        return self.root / "ingest_failures.log"

    def ensure(self) -> "Home":
        """The home and its folders, private to their owner: the home holds
        password hashes, live sessions and every return, and the files this
        process makes in it are made private too (umask 077)."""
        os.umask(0o077)
        for folder in (self.root, self.archive, self.builds):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)  # a home made before, or by hand
        return self


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
