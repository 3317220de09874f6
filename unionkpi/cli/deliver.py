"""`unionkpi deliver`: mail the monthly brief now (docs/mail.md)."""

from typing import Annotated

import typer

from unionkpi.cli.app import app, current_home, err


@app.command()
def deliver(
    month: Annotated[
        str | None,
        typer.Option(help="简报月份 YYYY-MM，给出时重发 / month YYYY-MM; given, it is sent again"),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(help="只发给该用户（已发过也重发）/ only this user, even if already sent"),
    ] = None,
) -> None:
    """把月度简报邮寄给订阅者 / Mail the monthly brief to the subscribers.

    不带参数：只发给尚未收到最新数据月份的订阅者。--month：该月发给每位订阅者；
    --to：只发给该用户；二者都会重发已发过的。
    / Plain: the latest data month to each subscriber who has not had it.
    --month: that month to every subscriber; --to: that user only; both send
    again what was sent before. Exit 1 when any send failed (retried later)."""
    from unionkpi import deliver as delivery

    home = current_home()
    report = delivery.deliver(home, month=month, to=to)
    if report.month is None:
        err.print("尚未发布数据仓库，没有可发送的简报 / No warehouse published yet: nothing to send.")
        return
    for name in report.sent:
        err.print(f"[green]已发送 / sent[/green] {report.month} → {name}")
    for name in report.failed:
        err.print(f"[red]发送失败 / failed[/red] {report.month} → {name}（稍后重试 / retried later）")
    if not report.sent and not report.failed:
        err.print(f"没有待发送的邮件 / Nothing due for {report.month}.")
    if report.failed:
        raise typer.Exit(1)
