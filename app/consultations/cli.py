"""`flask calls import FILE`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.consultations import cdr

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
