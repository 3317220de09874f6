"""`unionkpi users`: add, remove, reset and list the dashboards' users, set
their mail address and language, and subscribe them to the monthly brief
by mail."""

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
    email: Annotated[str | None, typer.Option(help="邮箱，用于订阅简报 / e-mail address, for the brief")] = None,
    lang: Annotated[str, typer.Option(help="邮件语言 zh | en / language of the mail")] = "zh",
) -> None:
    """新增用户并打印初始密码 / Add a user and print the initial password."""
    from trust import store

    password = store.add_user(current_home(), username, role, district, email=email, lang=lang)
    print(f"{username}\t{role}\t{password}")


@users_app.command("set")
def users_set(
    username: str,
    email: Annotated[str | None, typer.Option(help="邮箱（空字符串为清除）/ e-mail address ('' clears it)")] = None,
    lang: Annotated[str | None, typer.Option(help="邮件语言 zh | en / language of the mail")] = None,
) -> None:
    """修改邮箱或语言 / Change a user's e-mail address or language."""
    from trust import store

    store.set_contact(current_home(), username, email=email, lang=lang)


@users_app.command("subscribe")
def users_subscribe(username: str) -> None:
    """订阅月度简报邮件（需有邮箱）/ Mail this user the monthly brief (needs an e-mail address)."""
    from trust import store

    store.subscribe(current_home(), username, True)


@users_app.command("unsubscribe")
def users_unsubscribe(username: str) -> None:
    """取消订阅月度简报邮件 / Stop mailing this user the monthly brief."""
    from trust import store

    store.subscribe(current_home(), username, False)


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
        fields = [user.username, user.role, user.district_code, user.email, user.lang]
        print("\t".join([field or "" for field in fields] + ["subscribed" if user.is_subscribed else ""]))
