"""Run one command and report its wall time and peak memory.

    python -m bench.measure RESULT.json STDOUT STDERR -- COMMAND...

Why a separate small process: on Linux a child's ru_maxrss starts from the
peak of the process that spawned it (the high-water mark is carried over
exec), so a measured command is spawned from this tiny process, never from
the harness, whose memory grows with what it has done. The peak reported is
that of COMMAND and any children it waited for (os.wait4), in MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    result_path, stdout_path, stderr_path, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit(__doc__)
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "seconds": seconds,
                "peak_mb": usage.ru_maxrss / 1024,
                "returncode": os.waitstatus_to_exitcode(status),
                "user_seconds": usage.ru_utime,
                "system_seconds": usage.ru_stime,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
