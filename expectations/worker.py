"""The checks of one build, in a process of their own beside it.

    python -m expectations.worker HOME

A build starts this first thing, so that Great Expectations is imported
(seconds: pandas, scipy, sqlalchemy) and the landing checks run on a second
core while dbt builds. It reads one request per line on stdin, a JSON object
{"warehouse", "prefix", "after_load_seq", "target"} (and on PostgreSQL
"schemas", the build's schema prefix), runs check_warehouse and
record_run on it, and answers with one line on stdout: the results as a JSON
list. It ends when stdin closes, as it does when its build ends or dies."""

import json
import os
import sys
from pathlib import Path

from expectations.run import check_warehouse, record_run
from kernel.home import Home


def main() -> None:
    # Answers go to the real stdout; anything a library prints, to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    home = Home(Path(sys.argv[1]))
    for line in sys.stdin:
        asked = json.loads(line)
        warehouse = Path(asked["warehouse"]) if asked["warehouse"] else None
        results = check_warehouse(warehouse, home, asked["prefix"], asked["after_load_seq"], asked.get("schemas"))
        record_run(home, results, asked["target"])
        answers.write(json.dumps(results, ensure_ascii=False, default=str) + "\n")
        answers.flush()
    # Everything is written and answered: skip the interpreter's teardown of
    # Great Expectations (most of a second) that its build would wait for.
    os._exit(0)


if __name__ == "__main__":
    main()
