"""What publishing leaves in the home folder: the publish log (one JSON
line per publish or rollback, appended and synced) and, while the newest
build was held back, why (held_back.json, replaced whole)."""

import json
import os
from datetime import datetime
from typing import Any

from kernel.home import SHANGHAI, Home


def now() -> str:
    return datetime.now(SHANGHAI).isoformat(timespec="seconds")


def read_log(home: Home) -> list[dict]:
    if not home.publish_log.exists():
        return []
    entries = []
    for line in home.publish_log.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # blank, or cut short by a crash mid-append: that entry never completed
    return entries


def append(home: Home, entry: dict) -> None:
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    with home.publish_log.open("a+b") as handle:
        if handle.seek(0, os.SEEK_END):
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                line = b"\n" + line  # after a line a crash cut short, start a new one
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def hold_back(home: Home, entry: dict) -> None:
    """Say why the newest build was not published (written whole, by rename)."""
    partial = home.held_back.with_name(home.held_back.name + ".partial")
    partial.write_text(json.dumps(entry, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(partial, home.held_back)


def held_back(home: Home) -> dict[str, Any] | None:
    """Why the newest build was not published, while that is so, else None."""
    try:
        return json.loads(home.held_back.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
