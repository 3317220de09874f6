"""Backup and restore of everything the warehouse keeps (archive, landing
data, app state, the published warehouse and its logs), consistent while
the dashboards run and ingests wait their turn."""

import json
import os
import shutil
from pathlib import Path

from ingest import load
from kernel.errors import UnionKpiError
from kernel.home import Home, sha256_of
from trust import store


def backup(home: Home, dest: Path) -> dict[str, str]:
    """Copy the home into dest (a new or empty folder); return the files'
    SHA-256, also written to dest/MANIFEST.json."""
    if dest.exists() and any(dest.iterdir()):
        raise UnionKpiError("backup_not_empty", f"备份目录不为空：{dest}", f"backup folder is not empty: {dest}")
    dest.mkdir(parents=True, exist_ok=True)
    copy = Home(dest)  # the same layout
    # Archived files never change once written: copy them first.
    if home.archive.exists():
        shutil.copytree(home.archive, copy.archive, ignore=shutil.ignore_patterns("*.partial"))
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
    digests = {str(path.relative_to(dest)): sha256_of(path) for path in sorted(dest.rglob("*")) if path.is_file()}
    (dest / "MANIFEST.json").write_text(json.dumps(digests, indent=1), encoding="utf-8")
    return digests


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
