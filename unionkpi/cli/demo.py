"""`unionkpi demo`: demo submissions, ingested, built, published, served."""

import shutil
from typing import Annotated

import typer

from kernel.home import Home, today
from unionkpi.cli.app import app, current_home, err
from unionkpi.cli.files import ingest_all
from unionkpi.cli.serve import serve
from unionkpi.cli.warehouse import build_and_report


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="完成后启动看板 / serve afterwards")] = True,
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2024,
    scale: Annotated[float, typer.Option(help="数据规模 / volume scale (1 = a city)")] = 1.0,
    port: Annotated[int, typer.Option(help="端口 / port")] = 8501,
) -> None:
    """生成演示数据并走完整流程 / Write demo submissions, ingest, build, publish."""
    from ingest.demo import generate

    home = current_home().ensure()
    inbox = home.root / "demo_inbox"
    # The inbox is generated, not submitted: the archive already holds every
    # file ingested from it, and the same seed writes the same files again.
    shutil.rmtree(inbox, ignore_errors=True)
    err.print(f"生成演示报送文件 / writing demo files → {inbox}")
    generate(inbox, seed=seed, today=today(), scale=scale)
    for entry in ingest_all(home, [inbox], submitted_by="demo"):
        if entry.status == "rejected":
            err.print(f"[red]rejected[/red] {entry.path}: {entry.errors}")
    err.print("构建与检查 / building and checking …")
    build_and_report(home)
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
