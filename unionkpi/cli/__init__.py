"""The `unionkpi` command, one module per command group; app.py holds the
application and its error boundary."""

from unionkpi.cli import backups, brief, deliver, demo, files, serve, users, warehouse
from unionkpi.cli.app import app, main

__all__ = ["app", "backups", "brief", "deliver", "demo", "files", "main", "serve", "users", "warehouse"]
