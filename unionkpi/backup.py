"""Backup and restore of everything the warehouse keeps in its home
(archive, landing data, app state, the published warehouse and its logs),
consistent while the dashboards run and ingests wait their turn.

On PostgreSQL (UNIONKPI_DATABASE_URL) the home keeps only the archive of
submitted files: everything else is in the database, which pg_dump backs
up and pg_restore brings back (docs/deploy.md). There a backup copies the
archive alone, and the command says so (IN_DATABASE)."""

import json
import os
import shutil
from pathlib import Path

from ingest import load
from kernel import database
from kernel.errors import UnionKpiError
from kernel.home import Home, sha256_of
from trust import store

# What `unionkpi backup` and `restore` tell on PostgreSQL: the database is
# not in the folder. {dbname} is the database's name.
IN_DATABASE = {
    "backup": (
        "注意：PostgreSQL 数据库 {dbname} 中的内容（落地数据、已发布的数据仓库、发布日志、检查结果、"
        "用户、会话、审计日志、邮件投递记录）不在本备份中，请用 pg_dump 备份该数据库；"
        "本备份只含提交文件的归档。",
        "Note: what the PostgreSQL database {dbname} keeps (landing data, the published warehouse, "
        "the publish log, check results, users, sessions, the audit log, mail deliveries) is not in "
        "this backup: back that database up with pg_dump. This backup holds only the archive of "
        "submitted files.",
    ),
    "restore": (
        "注意：只恢复了提交文件的归档；PostgreSQL 数据库 {dbname} 请用 pg_restore（或 psql）从其 pg_dump 备份恢复。",
        "Note: only the archive of submitted files was restored; restore the PostgreSQL database "
        "{dbname} from its pg_dump with pg_restore (or psql).",
    ),
}


def database_note(action: str) -> str | None:
    """What a backup or restore (``action``) leaves to PostgreSQL's own
    tools, in Chinese and English; None with embedded DuckDB, where the
    home holds everything."""
    postgres = database.postgres()
    if postgres is None:
        return None
    zh, en = IN_DATABASE[action]
    return f"{zh.format(dbname=postgres.dbname)}\n{en.format(dbname=postgres.dbname)}"


def backup(home: Home, dest: Path) -> dict[str, str]:
    """Copy the home into dest (a new or empty folder); return the files'
    SHA-256, also written to dest/MANIFEST.json. On PostgreSQL only the
    archive is in the home, and only it is copied."""
    if dest.exists() and any(dest.iterdir()):
        raise UnionKpiError("backup_not_empty", f"备份目录不为空：{dest}", f"backup folder is not empty: {dest}")
    dest.mkdir(parents=True, exist_ok=True)
    copy = Home(dest)  # the same layout
    # Archived files never change once written: copy them first.
    if home.archive.exists():
        shutil.copytree(home.archive, copy.archive, ignore=shutil.ignore_patterns("*.partial"))
    if database.postgres() is None:
        _copy_embedded(home, copy)
    digests = {str(path.relative_to(dest)): sha256_of(path) for path in sorted(dest.rglob("*")) if path.is_file()}
    (dest / "MANIFEST.json").write_text(json.dumps(digests, indent=1), encoding="utf-8")
    return digests


def _copy_embedded(home: Home, copy: Home) -> None:
    """The embedded engine's files: landing data, app state, the published
    warehouse and its logs."""
    # Holding the landing lock keeps writers out while the file is copied;
    # they wait and carry on afterwards.
    if home.landing.exists():
        con = load.connect(home)
        try:
            con.execute("checkpoint")
            shutil.copyfile(home.landing, copy.landing)
        finally:
            con.close()
    store.backup_to(home, copy.app_state)
    # The published file is replaced, never rewritten: an open handle reads
    # one whole version even if a publish happens meanwhile.
    if home.warehouse.exists():
        with home.warehouse.open("rb") as source, copy.warehouse.open("wb") as target:
            shutil.copyfileobj(source, target)
    for log, copied in [(home.publish_log, copy.publish_log), (home.check_runs, copy.check_runs)]:
        if log.exists():
            shutil.copyfile(log, copied)


def restore(source: Path, home: Home) -> None:
    """Put a backup back into home, checking every file against the manifest."""
    manifest_path = source / "MANIFEST.json"
    if not manifest_path.exists():
        raise UnionKpiError("not_a_backup", f"不是备份目录：{source}", f"not a backup folder: {source}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for relative, digest in manifest.items():
        if sha256_of(source / relative) != digest:
            raise UnionKpiError("backup_corrupt", f"备份文件已损坏：{relative}", f"backup file is damaged: {relative}")
    home.ensure()
    for relative in manifest:
        target = home.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copyfile(source / relative, partial)
        os.replace(partial, target)
