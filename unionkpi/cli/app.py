"""The `unionkpi` command's application: its options, the home it works
on, and the one error boundary (main) that turns a project error into its
message and exit status 2. The commands live in one module per group."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kernel.errors import UnionKpiError
from kernel.home import Home

app = typer.Typer(
    help="工会统计指标数据仓库 / Trade-union KPI warehouse",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
STATE: dict[str, Home] = {}


@app.callback()
def options(
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="UNIONKPI_HOME", help="数据目录 / the warehouse's home folder"),
    ] = None,
) -> None:
    STATE["home"] = Home.from_env(home)


def current_home() -> Home:
    return STATE.get("home") or Home.from_env()


def main() -> None:
    """The `unionkpi` command. A project error (UnionKpiError) is told in
    Chinese and English, exit status 2; nothing else is caught here."""
    try:
        app(prog_name="unionkpi")
    except UnionKpiError as error:
        err.print(f"[red]{error.zh}[/red]\n{error.en}")
        raise SystemExit(2) from None
