"""`flask calls import FILE`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.consultations import cdr, rollups
from app.consultations.regions import rename_stored

calls_cli = AppGroup("calls", help="热线来电")


@calls_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chunk", default=500, show_default=True, help="rows per transaction")
def import_cmd(file: Path, chunk: int):
    """Import a telephony call-detail CSV (idempotent by call id)."""
    imp = cdr.import_file(file.read_bytes(), filename=file.name, chunk=chunk)
    if imp.status == "failed":
        raise click.ClickException(imp.message or "导入失败")
    click.echo(imp.message)
    for e in imp.errors or []:
        click.echo(f"  第 {e['line']} 行：{e['reason']}", err=True)
    if imp.error_count > len(imp.errors or []):
        click.echo(f"  ……另有 {imp.error_count - len(imp.errors or [])} 行错误未列出", err=True)


@calls_cli.command("rename-regions")
def rename_regions_cmd():
    """Store every call's region under today's name (GB/T 2260: 湖北省襄樊市 → 湖北省襄阳市), then rebuild the
    rollups of the days that changed. Run once after upgrading; safe to run again (changes nothing then)."""
    changed, days = rename_stored()
    if days:
        rollups.rebuild(min(days), max(days))
    click.echo(f"已按现行名称更新 {changed} 通来电的地区" + (f"，重算 {min(days)} 至 {max(days)} 的汇总" if days else ""))
