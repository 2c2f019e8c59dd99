"""`flask alerts scan`: raise SLA-breach, near-breach, backfill-overdue and deadline alerts."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from app.alerts.service import scan

alerts_cli = AppGroup("alerts", help="预警")


@alerts_cli.command("scan")
def scan_command():
    """Raise (and resolve) alerts from the current state; run from cron or Celery beat every minute."""
    result = scan()
    click.echo(" ".join(f"{k}={v}" for k, v in result.items()))
