"""The `unionkpi` command: ingest, build, check, demo and serve."""

import getpass
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from kernel.errors import UnionKpiError
from kernel.home import REPO, Home, today

app = typer.Typer(
    help="工会统计指标数据仓库 / Trade-union KPI warehouse",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
STATE: dict[str, Home] = {}


@app.callback()
def main(
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="UNIONKPI_HOME", help="数据目录 / the warehouse's home folder"),
    ] = None,
) -> None:
    STATE["home"] = Home.from_env(home)


def _home() -> Home:
    return STATE.get("home") or Home.from_env()


def _usage_error(error: UnionKpiError) -> typer.Exit:
    err.print(f"[red]{error.zh}[/red]\n{error.en}")
    return typer.Exit(2)


def _ingest_all(home: Home, given: list[Path], **options: Any) -> list[Any]:
    """Ingest files and folders (walked in sorted order) with a progress bar:
    the one path for the command, the demo and the dashboards' uploads."""
    from ingest import load

    files = list(load.walk(given))
    entries: list[load.Entry] = []
    con = load.connect(home, on_wait=_say_waiting)
    try:
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("导入 / ingesting", total=len(files))
            rows = progress.add_task("行 / rows", visible=False)

            def show_rows(done: int, total: int) -> None:  # large files report as they load
                progress.update(rows, completed=done, total=total, visible=True)

            for file in files:
                entries += load.ingest_file(con, home, file, today=today(), progress=show_rows, **options)
                progress.update(rows, visible=False)
                progress.advance(task)
    finally:
        con.close()
    return entries


def _build_and_report(home: Home, full: bool = False) -> None:
    """Build, say what failed, exit 1 when nothing was published."""
    from ingest.publish import build as run_build

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
    err.print(f"[green]已发布 / published[/green] {home.warehouse}")


def _say_waiting() -> None:
    err.print("[yellow]另一个进程正在写入落地库，等待中… / another writer holds the landing data; waiting…[/yellow]")


@app.command()
def ingest(
    path: Annotated[list[Path], typer.Argument(help="文件或文件夹 / files or folders")],
    dataset: Annotated[str | None, typer.Option(help="legal_aid | wage_recovery | certification | target")] = None,
    period: Annotated[str | None, typer.Option(help="报送期 / reporting months, 2024-01..2024-03")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON报告 / print the JSON report")] = False,
    submitted_by: Annotated[str, typer.Option(help="报送人 / who submitted (default: the OS user)")] = "",
    errors_xlsx: Annotated[
        Path | None, typer.Option(help="把隔离行写回xlsx / write quarantined rows to this xlsx")
    ] = None,
    only_district: Annotated[
        str | None, typer.Option(help="只接受该区的行（区县用户上传）/ accept rows of this district only")
    ] = None,
) -> None:
    """导入报送文件 / Load district submission files."""
    from ingest import load
    from ingest.templates import TEMPLATES

    try:
        if dataset is not None and dataset not in TEMPLATES:
            raise UnionKpiError("unknown_template", f"未知数据集：{dataset}", f"unknown dataset: {dataset}")
        declared = load.parse_period(period) if period else None
        missing = [p for p in path if not p.exists()]
        if missing:
            raise UnionKpiError("no_such_path", f"路径不存在：{missing[0]}", f"no such file or folder: {missing[0]}")
    except UnionKpiError as error:
        raise _usage_error(error) from error

    try:
        entries = _ingest_all(
            _home(),
            path,
            dataset=dataset,
            period=declared,
            submitted_by=submitted_by or getpass.getuser(),
            only_district=only_district,
        )
    except Exception as error:  # each file has its own verdict; this is what stops them all
        if not isinstance(error, UnionKpiError):
            load.log_failure(_home(), "ingest " + " ".join(map(str, path)))
            error = UnionKpiError("ingest_failed")
        if as_json:
            print(json.dumps({"files": []}))
        err.print(f"[red]{error.zh}[/red]\n{error.en}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps({"files": [asdict(e) for e in entries]}, ensure_ascii=False, indent=1))
    if errors_xlsx is not None:
        from ingest.feedback import write_errors_xlsx

        count = write_errors_xlsx(entries, errors_xlsx)
        err.print(f"隔离行 {count} 行已写入 / {count} quarantined rows written to {errors_xlsx}")
    for entry in entries:
        colour = {"loaded": "green", "unchanged": "blue"}.get(entry.status, "red")
        err.print(
            f"[{colour}]{entry.status}[/{colour}] {entry.path}"
            + (f" [{entry.sheet}]" if entry.sheet else "")
            + f"  {entry.dataset or '-'}  读入/read {entry.rows_read}  "
            f"入库/loaded {entry.rows_loaded}  隔离/quarantined {entry.rows_quarantined}"
        )
        for error in entry.errors[:5]:
            where = f"第{error['row']}行 " if error["row"] else ""
            err.print(f"    {where}{error['column'] or ''} {error['message']} / {error['message_en']}")
        if len(entry.errors) > 5:
            err.print(f"    … 另有 {len(entry.errors) - 5} 条 / {len(entry.errors) - 5} more")
    if any(e.status == "rejected" for e in entries):
        raise typer.Exit(1)


@app.command()
def withdraw(
    load_id: Annotated[str, typer.Argument(help="批次号 / load id, e.g. L0000012")],
    reason: Annotated[str, typer.Option(help="撤回原因 / why")],
    by: Annotated[str, typer.Option(help="操作人 / who (default: the OS user)")] = "",
) -> None:
    """撤回整个批次（保留在落地库）/ Take a whole load out of the marts."""
    from ingest import load

    con = load.connect(_home(), on_wait=_say_waiting)
    try:
        load.withdraw(con, load_id, by or getpass.getuser(), reason)
    except UnionKpiError as error:
        raise _usage_error(error) from error
    finally:
        con.close()
    err.print(f"已撤回 / withdrawn {load_id}; 下次构建生效 / takes effect at the next build")


@app.command()
def template(
    dataset: Annotated[str, typer.Argument(help="legal_aid | wage_recovery | certification | target")],
    out: Annotated[Path | None, typer.Option(help="输出文件 / output file")] = None,
) -> None:
    """生成空白报送模板（xlsx）/ Write a blank xlsx template for districts."""
    from ingest.blank_template import write_template
    from ingest.templates import TEMPLATES

    if dataset not in TEMPLATES:
        raise _usage_error(UnionKpiError("unknown_template", f"未知数据集：{dataset}", f"unknown dataset: {dataset}"))
    path = write_template(dataset, out or Path(f"{TEMPLATES[dataset].zh}模板.xlsx"))
    err.print(f"已生成 / written {path}")


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
    _build_and_report(_home(), full)


@app.command()
def publish(
    rollback: Annotated[
        bool, typer.Option("--rollback", help="回退到上一个发布版本 / republish the previous build")
    ] = False,
) -> None:
    """查看发布记录或回退 / Show the publish log, or roll back."""
    from ingest import publish as publishing

    home = _home()
    if rollback:
        try:
            build_name = publishing.rollback(home)
        except UnionKpiError as error:
            raise _usage_error(error) from error
        err.print(f"[green]已回退 / rolled back to[/green] {build_name}")
        return
    for entry in publishing.read_log(home)[-10:]:
        loads = len(entry.get("loads", []))
        err.print(f"{entry['at']}  {entry['action']:<8} {entry['build']}  {entry['by']}  loads: {loads}")


@app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON / print JSON")] = False,
) -> None:
    """运行数据质量检查 / Run the data-quality checks on the published warehouse."""
    import tempfile

    from expectations.run import check_warehouse, record_run
    from ingest.publish import copy_landing

    home = _home()
    if not home.warehouse.exists():
        err.print("[red]尚未发布数据仓库 / No warehouse published yet.[/red]")
        raise typer.Exit(1)
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


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="完成后启动看板 / serve afterwards")] = True,
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2024,
    scale: Annotated[float, typer.Option(help="数据规模 / volume scale (1 = a city)")] = 1.0,
    port: Annotated[int, typer.Option(help="端口 / port")] = 8501,
) -> None:
    """生成演示数据并走完整流程 / Write demo submissions, ingest, build, publish."""
    from ingest.demo import generate

    home = _home().ensure()
    inbox = home.root / "demo_inbox"
    # The inbox is generated, not submitted: the archive already holds every
    # file ingested from it, and the same seed writes the same files again.
    shutil.rmtree(inbox, ignore_errors=True)
    err.print(f"生成演示报送文件 / writing demo files → {inbox}")
    generate(inbox, seed=seed, today=today(), scale=scale)
    for entry in _ingest_all(home, [inbox], submitted_by="demo"):
        if entry.status == "rejected":
            err.print(f"[red]rejected[/red] {entry.path}: {entry.errors}")
    err.print("构建与检查 / building and checking …")
    _build_and_report(home)
    _demo_users(home)
    if serve_after:
        serve(port)


DEMO_USERS = (
    ("leader", "leader", None),
    ("planner", "planner", None),
    ("steward", "steward", None),
    ("minhang", "district", "310112"),
)


def _demo_users(home: Home) -> None:
    """One user per role, passwords printed once (reset them to see again)."""
    from trust import store

    existing = {u.username for u in store.list_users(home)}
    err.print("演示账号 / demo users (user, role, password):")
    for username, role, district in DEMO_USERS:
        if username in existing:
            err.print(f"  {username:<9} {role:<9} (已存在 / exists: unionkpi users reset {username})")
            continue
        password = store.add_user(home, username, role, district)
        err.print(f"  {username:<9} {role:<9} {password}")


users_app = typer.Typer(help="用户管理 / users", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="leader | planner | steward | district")],
    district: Annotated[
        str | None, typer.Option(help="区（district 角色必填）/ district, for the district role")
    ] = None,
) -> None:
    """新增用户并打印初始密码 / Add a user and print the initial password."""
    from trust import store

    try:
        password = store.add_user(_home(), username, role, district)
    except UnionKpiError as error:
        raise _usage_error(error) from error
    print(f"{username}\t{role}\t{password}")


@users_app.command("remove")
def users_remove(username: str) -> None:
    """删除用户 / Remove a user."""
    from trust import store

    try:
        store.remove_user(_home(), username)
    except UnionKpiError as error:
        raise _usage_error(error) from error


@users_app.command("reset")
def users_reset(username: str) -> None:
    """重置密码并打印新密码 / Reset a password and print the new one."""
    from trust import store

    try:
        print(store.reset_password(_home(), username))
    except UnionKpiError as error:
        raise _usage_error(error) from error


@users_app.command("list")
def users_list() -> None:
    """列出用户 / List users."""
    from trust import store

    for user in store.list_users(_home()):
        print(f"{user.username}\t{user.role}\t{user.district_code or ''}")


@app.command()
def backup(dest: Path) -> None:
    """备份（看板运行时亦可）/ Back up everything, consistently, while the dashboards run."""
    from trust.backup import backup as run_backup

    try:
        files = run_backup(_home(), dest)
    except UnionKpiError as error:
        raise _usage_error(error) from error
    err.print(f"[green]已备份 / backed up[/green] {len(files)} files → {dest}")


@app.command()
def restore(source: Path) -> None:
    """从备份恢复 / Restore a backup into the home folder."""
    from trust.backup import restore as run_restore

    try:
        run_restore(source, _home())
    except UnionKpiError as error:
        raise _usage_error(error) from error
    err.print(f"[green]已恢复 / restored[/green] {source} → {_home().root}")


@app.command()
def serve(port: Annotated[int, typer.Option(help="端口 / port")] = 8501) -> None:
    """启动看板 / Serve the dashboards (SIGTERM stops them)."""
    home = _home()
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
