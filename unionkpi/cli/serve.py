"""`unionkpi serve`: the dashboards' server."""

import os
import sys
from typing import Annotated

import typer

from kernel.home import REPO
from unionkpi.cli.app import app, current_home, err


@app.command()
def serve(port: Annotated[int, typer.Option(help="端口 / port")] = 8501) -> None:
    """启动看板 / Serve the dashboards (SIGTERM stops them)."""
    home = current_home()
    env = {**os.environ, "UNIONKPI_HOME": str(home.root)}
    err.print(f"看板 / dashboards: http://localhost:{port}")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "dashboards" / "server.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    # Streamlit takes this process's place, so the signals a supervisor
    # sends (SIGTERM, SIGINT) reach the server itself: stopping the command
    # stops the server, and no child is left serving.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, env)
