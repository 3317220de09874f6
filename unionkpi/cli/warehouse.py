"""The warehouse: `unionkpi build`, `publish` and `check`."""

import json
from pathlib import Path
from typing import Annotated

import typer

from kernel import database
from kernel.home import Home, today
from unionkpi.cli.app import app, current_home, err


def build_and_report(home: Home, full: bool = False) -> None:
    """Build, say what failed, exit 1 when nothing was published."""
    from unionkpi.publish import build as run_build

    result = run_build(home, today(), full=full)
    for table, judged in result.freshness.items():
        if judged["status"] != "pass":
            err.print(
                f"[yellow]报送不及时 / source freshness[/yellow] {table}: {judged['status']}"
                f" (最近导入 / latest load {judged['max_loaded_at'] or '无 / none'})"
            )
    for failure in result.failures:
        err.print(f"[red]未通过 / failed[/red] {failure['name']}: {failure.get('message', '')}")
    if not result.published:
        err.print("[red]未发布：上一个合格版本继续有效 / Not published: the last good warehouse stays.[/red]")
        raise typer.Exit(1)
    err.print(f"[green]已发布 / published[/green] {_published_where(home, result.build_path.name)}")


def _published_where(home: Home, build_name: str) -> str:
    """The published warehouse file, or on PostgreSQL the build now in the
    schema `marts` of its database."""
    postgres = database.postgres()
    if postgres is None:
        return str(home.warehouse)
    return f"{build_name} → {postgres.dbname}.{database.MARTS_SCHEMA}"


@app.command()
def build(
    full: Annotated[
        bool, typer.Option("--full", help="从落地数据完全重建 / rebuild everything from the landing data")
    ] = False,
) -> None:
    """构建并在检查通过后发布数据仓库 / Build, check and publish the warehouse.

    默认只处理上次发布以来的新批次（有撤回、项目或参考数据变化时自动完全重建）。
    / By default only the loads since the last publish are added (a withdrawal,
    or a changed project or reference data, makes it a full rebuild)."""
    build_and_report(current_home(), full)


@app.command()
def publish(
    rollback: Annotated[
        bool, typer.Option("--rollback", help="回退到上一个发布版本 / republish the previous build")
    ] = False,
) -> None:
    """查看发布记录或回退 / Show the publish log, or roll back."""
    from kernel.publish_log import read_log
    from unionkpi import publish as publishing

    home = current_home()
    if rollback:
        build_name = publishing.rollback(home)
        err.print(f"[green]已回退 / rolled back to[/green] {build_name}")
        return
    for entry in read_log(home)[-10:]:
        loads = len(entry.get("loads", []))
        err.print(f"{entry['at']}  {entry['action']:<8} {entry['build']}  {entry['by']}  loads: {loads}")


@app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON / print JSON")] = False,
) -> None:
    """运行数据质量检查 / Run the data-quality checks on the published warehouse."""
    import tempfile

    from expectations.run import check_warehouse, record_run
    from unionkpi.snapshot import copy_landing

    home = current_home()
    postgres = database.postgres()
    if not _published(home, postgres):
        err.print("[red]尚未发布数据仓库 / No warehouse published yet.[/red]")
        raise typer.Exit(1)
    if postgres is not None:
        # The landing tables as they are (PostgreSQL's readers block no
        # ingest), then the published schemas.
        results = check_warehouse(None, home, prefix="landing_", schemas="")
        results += check_warehouse(None, home, prefix="marts_", schemas="")
    else:
        # The landing data as it is now (a snapshot, so an ingest is never
        # blocked), then the published warehouse.
        with tempfile.TemporaryDirectory() as scratch:
            snapshot = Path(scratch) / "landing_snapshot.duckdb"
            copy_landing(home, snapshot)
            results = check_warehouse(snapshot, home, prefix="landing_")
        results += check_warehouse(home.warehouse, home, prefix="marts_")
    record_run(home, results, "check")
    if as_json:
        print(json.dumps({"checks": results}, ensure_ascii=False, indent=1, default=str))
    failed = [r for r in results if r["severity"] == "blocking" and not r["success"]]
    for r in results:
        mark = (
            "[green]✓[/green]"
            if r["success"]
            else ("[red]✗[/red]" if r["severity"] == "blocking" else "[yellow]![/yellow]")
        )
        err.print(f"{mark} {r['suite']}: {r['description_zh']} / {r['description_en']}")
    if failed:
        raise typer.Exit(1)


def _published(home: Home, postgres: database.Postgres | None) -> bool:
    """A warehouse is published: its file, or on PostgreSQL the schema `marts`."""
    if postgres is None:
        return home.warehouse.exists()
    with postgres.connect() as con:
        found = con.execute("select 1 from pg_namespace where nspname = %s", [database.MARTS_SCHEMA]).fetchone()
    return found is not None
