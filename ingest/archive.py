"""Keep every submitted file, by its SHA-256, before anything else is done
with it: the archive is how nothing a district sent is ever lost."""

import os
import shutil
import tempfile
from pathlib import Path


def keep(path: Path, archive: Path, sha256: str) -> Path:
    """Copy the file into the archive (once per content) and return where."""
    target = archive / sha256[:2] / f"{sha256}{path.suffix.lower()}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # A copy of its own: two uploaders of the same file at once (PostgreSQL
    # has no landing lock to make them take turns) each write theirs, and
    # the second replace puts the same bytes under the same name.
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".partial")
    partial = Path(name)
    try:
        with path.open("rb") as source, os.fdopen(handle, "wb") as copy:
            shutil.copyfileobj(source, copy)
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(partial, target)  # a crash never leaves half a file under the final name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target
