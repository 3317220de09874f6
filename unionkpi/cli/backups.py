"""`unionkpi backup` and `restore`."""

from pathlib import Path

from unionkpi.cli.app import app, current_home, err


@app.command()
def backup(dest: Path) -> None:
    """备份（看板运行时亦可）/ Back up everything, consistently, while the dashboards run."""
    from unionkpi.backup import backup as run_backup
    from unionkpi.backup import database_note

    files = run_backup(current_home(), dest)
    err.print(f"[green]已备份 / backed up[/green] {len(files)} files → {dest}")
    _say(database_note("backup"))


@app.command()
def restore(source: Path) -> None:
    """从备份恢复 / Restore a backup into the home folder."""
    from unionkpi.backup import database_note
    from unionkpi.backup import restore as run_restore

    run_restore(source, current_home())
    err.print(f"[green]已恢复 / restored[/green] {source} → {current_home().root}")
    _say(database_note("restore"))


def _say(note: str | None) -> None:
    if note:
        err.print(f"[yellow]{note}[/yellow]", soft_wrap=True)
