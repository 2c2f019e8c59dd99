"""`flask calls import FILE`, `flask analytics rebuild-rollups`, `flask demo calls --count N`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

calls_cli = AppGroup("calls", help="热线来电")
analytics_cli = AppGroup("analytics", help="数据分析")


@calls_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chunk", default=500, show_default=True, help="rows per transaction")
def import_cmd(file: Path, chunk: int):
    """Import a telephony call-detail CSV (idempotent by call id)."""
    from app.consultations import cdr
    imp = cdr.import_file(file.read_bytes(), filename=file.name, chunk=chunk)
    if imp.status == "failed":
        raise click.ClickException(imp.message or "导入失败")
    click.echo(imp.message)
    for e in imp.errors or []:
        click.echo(f"  第 {e['line']} 行：{e['reason']}", err=True)
    if imp.error_count > len(imp.errors or []):
        click.echo(f"  ……另有 {imp.error_count - len(imp.errors or [])} 行错误未列出", err=True)


@analytics_cli.command("rebuild-rollups")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first local day")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last local day")
def rebuild_cmd(date_from, date_to):
    """Recompute the analytics rollup tables from the calls (all days, or a range)."""
    from app.analytics import rollups
    import time
    t0 = time.perf_counter()
    counts = rollups.rebuild(date_from.date() if date_from else None, date_to.date() if date_to else None)
    click.echo(f"rollups rebuilt in {time.perf_counter() - t0:.1f}s: {counts}")


@click.command("calls")
@with_appcontext
@click.option("--count", default=10000, show_default=True, type=click.IntRange(1, 50_000_000))
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3660), help="spread over the last N days")
@click.option("--seed", default=12348, show_default=True)
@click.option("--lawyers", default=37, show_default=True, type=click.IntRange(1, 1000))
def demo_calls(count, days, seed, lawyers):
    """Generate realistic hotline calls (COPY on PostgreSQL, executemany on SQLite), then rebuild rollups."""
    from app.analytics.generator import generate
    generate(count=count, days=days, seed=seed, n_lawyers=lawyers, echo=click.echo)


def init_app(app) -> None:
    app.cli.add_command(calls_cli)
    app.cli.add_command(analytics_cli)
    from app.cli import demo_cli
    demo_cli.add_command(demo_calls)
