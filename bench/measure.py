"""Run one command and report its wall time and peak memory.

    python -m bench.measure RESULT.json STDOUT STDERR -- COMMAND...

Why a separate small process: on Linux a child's ru_maxrss starts from the
peak of the process that spawned it (the high-water mark is carried over
exec), so a measured command is spawned from this tiny process, never from
the harness, whose memory grows with what it has done. The peak reported is
that of COMMAND and any children it waited for (os.wait4), in MB.

`other_cpu_cores` is how busy the machine was with anything else meanwhile:
the CPU time all processes used (from /proc/stat) minus COMMAND's own, per
second of wall time. On a shared machine a value well above 0 means the
measurement was slowed by someone else's work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def busy_cpu_seconds() -> float | None:
    """CPU time spent by the whole machine since boot (all cores), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in handle.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    result_path, stdout_path, stderr_path, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit(__doc__)
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        busy_before = busy_cpu_seconds()
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        busy_after = busy_cpu_seconds()
    own = usage.ru_utime + usage.ru_stime
    other = None
    if busy_before is not None and busy_after is not None and seconds > 0:
        other = max(0.0, (busy_after - busy_before - own) / seconds)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "seconds": seconds,
                "peak_mb": usage.ru_maxrss / 1024,
                "returncode": os.waitstatus_to_exitcode(status),
                "user_seconds": usage.ru_utime,
                "system_seconds": usage.ru_stime,
                "other_cpu_cores": other,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
