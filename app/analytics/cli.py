"""`flask analytics rebuild-rollups`, `flask demo calls --count N`."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup, with_appcontext

from app.consultations import rollups
from app.analytics.generator import generate

analytics_cli = AppGroup("analytics", help="数据分析")


@analytics_cli.command("rebuild-rollups")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first local day")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last local day")
def rebuild_cmd(date_from, date_to):
    """Recompute the analytics rollup tables from the calls (all days, or a range)."""
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
    generate(count=count, days=days, seed=seed, n_lawyers=lawyers, echo=click.echo)

