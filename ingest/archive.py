"""Keep every submitted file, by its SHA-256, before anything else is done
with it: the archive is how nothing a district sent is ever lost."""

import os
import shutil
from pathlib import Path


def keep(path: Path, archive: Path, sha256: str) -> Path:
    """Copy the file into the archive (once per content) and return where."""
    target = archive / sha256[:2] / f"{sha256}{path.suffix.lower()}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with path.open("rb") as source, partial.open("wb") as copy:
        shutil.copyfileobj(source, copy)
        copy.flush()
        os.fsync(copy.fileno())
    os.replace(partial, target)  # a crash never leaves half a file under the final name
    return target
