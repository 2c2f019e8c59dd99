"""`flask centres list|create|update`: the platform's centres (the admin page does the same)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import errors
from app.audit import record as audit
from app.centres import service
from app.extensions import db

centres_cli = AppGroup("centres", help="法律援助中心")

_OPTIONS = [
    ("--name", "name"), ("--address", "address"), ("--phone", "phone"),
    ("--districts", "districts"), ("--letter-prefix-decision", "letter_prefix_decision"),
    ("--letter-prefix-notice", "letter_prefix_notice"), ("--letter-prefix-assignment", "letter_prefix_assignment"),
    ("--bureau-name", "bureau_name"), ("--bureau-address", "bureau_address"),
    ("--hardship-monthly-income", "hardship_monthly_income"), ("--hardship-standard-text", "hardship_standard_text"),
    ("--objection-period-days", "objection_period_days"),
]


def _with_options(fn):
    for flag, dest in reversed(_OPTIONS):
        fn = click.option(flag, dest, default=None, help=f"{dest} (districts: comma-separated GB/T 2260 codes)")(fn)
    return click.option("--city/--no-city", "is_city", default=None, help="the city centre")(fn)


def _data(kwargs) -> dict:
    return {k: v for k, v in kwargs.items() if v is not None}


@centres_cli.command("list")
def list_centres():
    """List the centres with their districts and overrides."""
    for c in service.all_centres():
        own = {k: getattr(c, k) for k in service.OVERRIDES if getattr(c, k) not in (None, "") and k != "name"}
        click.echo(f"{c.code}\t{c.name}{' (city)' if c.is_city else ''}\tdistricts={','.join(c.districts or []) or '-'}\t{own}")


@centres_cli.command("create")
@click.argument("code")
@_with_options
def create(code, **kwargs):
    """Create a centre: flask centres create jiangan --name 江岸区法律援助中心 --districts 420102"""
    try:
        c = service.create({"code": code, **_data(kwargs)})
    except errors.ApiError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}") from None
    audit("centres.create", object_type="centre", object_id=c.id, details={"code": c.code, "channel": "cli"})
    db.session.commit()
    click.echo(f"created {c.code} {c.name} id={c.id}")


@centres_cli.command("update")
@click.argument("code")
@_with_options
def update(code, **kwargs):
    """Change a centre's fields (only the options given)."""
    c = service.by_code(code)
    if c is None:
        raise click.ClickException(f"no centre {code}")
    try:
        service.update(c, _data(kwargs))
    except errors.ApiError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}") from None
    audit("centres.update", object_type="centre", object_id=c.id, details={"code": c.code, "channel": "cli"})
    db.session.commit()
    click.echo(f"updated {c.code}")
