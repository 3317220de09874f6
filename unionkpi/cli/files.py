"""Files in: `unionkpi ingest`, `withdraw` and `template`."""

import getpass
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from kernel.errors import UnionKpiError
from kernel.home import Home, today
from unionkpi.cli.app import app, current_home, err


def ingest_all(home: Home, given: list[Path], **options: Any) -> list[Any]:
    """Ingest files and folders (walked in sorted order) with a progress bar:
    the one path for the command, the demo and the dashboards' uploads."""
    from ingest import load

    files = list(load.walk(given))
    entries: list[load.Entry] = []
    con = load.open_landing(home, on_wait=say_waiting)
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


def say_waiting() -> None:
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

    if dataset is not None and dataset not in TEMPLATES:
        raise UnionKpiError("unknown_template", f"未知数据集：{dataset}", f"unknown dataset: {dataset}")
    declared = load.parse_period(period) if period else None
    missing = [p for p in path if not p.exists()]
    if missing:
        raise UnionKpiError("no_such_path", f"路径不存在：{missing[0]}", f"no such file or folder: {missing[0]}")

    try:
        entries = ingest_all(
            current_home(),
            path,
            dataset=dataset,
            period=declared,
            submitted_by=submitted_by or getpass.getuser(),
            only_district=only_district,
        )
    except Exception as error:  # each file has its own verdict; this is what stops them all
        if not isinstance(error, UnionKpiError):
            load.log_failure(current_home(), "ingest " + " ".join(map(str, path)))
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
        for problem in entry.errors[:5]:
            where = f"第{problem['row']}行 " if problem["row"] else ""
            err.print(f"    {where}{problem['column'] or ''} {problem['message']} / {problem['message_en']}")
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

    con = load.open_landing(current_home(), on_wait=say_waiting)
    try:
        load.withdraw(con, load_id, by or getpass.getuser(), reason)
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
        raise UnionKpiError("unknown_template", f"未知数据集：{dataset}", f"unknown dataset: {dataset}")
    path = write_template(dataset, out or Path(f"{TEMPLATES[dataset].zh}模板.xlsx"))
    err.print(f"已生成 / written {path}")
