"""`unionkpi users`: add, remove, reset and list the dashboards' users."""

from typing import Annotated

import typer

from unionkpi.cli.app import app, current_home

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

    password = store.add_user(current_home(), username, role, district)
    print(f"{username}\t{role}\t{password}")


@users_app.command("remove")
def users_remove(username: str) -> None:
    """删除用户 / Remove a user."""
    from trust import store

    store.remove_user(current_home(), username)


@users_app.command("reset")
def users_reset(username: str) -> None:
    """重置密码并打印新密码 / Reset a password and print the new one."""
    from trust import store

    print(store.reset_password(current_home(), username))


@users_app.command("list")
def users_list() -> None:
    """列出用户 / List users."""
    from trust import store

    for user in store.list_users(current_home()):
        print(f"{user.username}\t{user.role}\t{user.district_code or ''}")
