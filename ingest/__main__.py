"""`python -m ingest` is the `unionkpi` command."""

from ingest.cli import app

app(prog_name="unionkpi")
