"""Command line: `flask users create`, `flask centres list|create|update`, `flask demo load`, `flask tasks sweep`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app import errors
from app.common.reconcile import storage_cli
from app.alerts.cli import alerts_cli
from app.analytics.cli import analytics_cli, demo_calls
from app.consultations.cli import calls_cli
from app.centres.cli import centres_cli
from app.procedure.cli import procedure_cli
from app.common.permissions import STAFF_ROLES
from app.auth.service import create_staff
from app.centres import service as centres
from app.documents.tasks import sweep_stale_ocr
from app.notifications.service import sweep_due
from app.tasks import deferred
from app.telephony.cli import telephony_cli

users_cli = AppGroup("users", help="工作人员账号")
demo_cli = AppGroup("demo", help="演示数据")
tasks_cli = AppGroup("tasks", help="后台任务")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice([r.value for r in STAFF_ROLES]), help="the roles of app/common/permissions.py")
@click.option("--centre", default=None, help="centre code (default: the city centre)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="at least 10 characters; prompted when omitted")
@click.option("--full-name", default="", help="display name")
@click.option("--staff-no", default=None, help="staff number (坐席工号)")
def create_user(username, role, centre, password, full_name, staff_no):
    """Create a staff account."""
    try:
        found = centres.by_code(centre) if centre else None
        if centre and found is None:
            raise click.ClickException(f"no centre {centre}")
        user = create_staff(username, password, role, full_name=full_name, staff_no=staff_no,
                            centre_id=found.id if found else None)
    except errors.ApiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.username} ({user.role}) id={user.id}")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="load even if demo users exist")
def demo_load(force):
    """Load demo data: one staff account per role, citizens, applications in every state, photos."""
    from app.demo import load  # the demo data's photo drawing (Pillow, fonts) loads only for this command
    with deferred():  # OCR and messages start once the data is in (SQLite: one writer at a time)
        load(echo=click.echo, force=force)


@tasks_cli.command("sweep")
def tasks_sweep():
    """Re-queue due notifications and OCR work left pending (run from cron or Celery beat)."""
    click.echo(f"notifications: {sweep_due()}, ocr: {sweep_stale_ocr()}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(centres_cli)
    app.cli.add_command(alerts_cli)
    app.cli.add_command(procedure_cli)
    app.cli.add_command(calls_cli)
    app.cli.add_command(analytics_cli)
    demo_cli.add_command(demo_calls)
    app.cli.add_command(storage_cli)  # flask storage reconcile
    app.cli.add_command(telephony_cli)  # flask telephony listen | replay
