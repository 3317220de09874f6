"""`unionkpi brief`: write the monthly brief PDF, the same file the
overview's button makes (dashboards.brief.write_brief)."""

from pathlib import Path
from typing import Annotated

import typer

from kernel.errors import UnionKpiError
from unionkpi.cli.app import app, current_home, err


@app.command()
def brief(
    month: Annotated[
        str | None, typer.Option("--month", help="月份 YYYY-MM（默认最新数据月份）/ month, default the latest")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh | en")] = "zh",
    district: Annotated[
        str | None, typer.Option("--district", help="区代码或区名（默认全市）/ district code or name, default the city")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="输出文件（默认简报自身的文件名）/ output file, default its own name")
    ] = None,
) -> None:
    """生成月度简报 PDF / Write the monthly brief PDF.

    退出码：0 已生成；1 尚未发布数据仓库或该月无数据；2 参数错误。
    / Exit status: 0 written; 1 no published warehouse or no data for the
    month; 2 usage error."""
    if lang not in ("zh", "en"):  # before the renderer's imports, which take seconds
        raise typer.BadParameter(f"zh | en, not {lang!r}", param_hint="--lang")
    if out is not None and (out.is_dir() or not out.parent.is_dir()):  # before the work, not after it
        raise typer.BadParameter(
            f"应为已有文件夹中的文件名 / a file name in an existing folder, not {str(out)!r}", param_hint="--out"
        )
    from dashboards import brief as briefs
    from dashboards.queries import WarehouseUnavailable

    if month is not None:
        try:
            briefs.parse_month(month)
        except UnionKpiError as error:
            raise typer.BadParameter(f"{error.zh} / {error.en}", param_hint="--month") from None
    try:
        made = briefs.write_brief(current_home(), month=month, lang=lang, district=district)
    except (WarehouseUnavailable, briefs.BriefUnavailable) as error:
        # Nothing to make a brief of: not a usage error (the contract's 1).
        err.print(f"[red]{error.zh}[/red]\n{error.en}")
        raise typer.Exit(1) from None
    target = out or Path.cwd() / made.file_name
    try:
        target.write_bytes(made.pdf)
    except OSError as error:  # a folder we may not write, a full disk
        raise UnionKpiError(
            "no_such_path", f"无法写入 {target}：{error.strerror}", f"cannot write {target}: {error.strerror}"
        ) from None
    err.print(f"[green]已生成 / written[/green] {target} ({made.month})")
