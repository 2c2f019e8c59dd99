"""`flask procedure recompute-due`: after a change of configuration that moves the clocks (REVIEW_DAYS, the
clock rules, holidays, SLA targets), recompute every open case's stored due dates (app/procedure/due.py)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.procedure import due

procedure_cli = AppGroup("procedure", help="法律援助程序")


@procedure_cli.command("recompute-due")
def recompute_due():
    """重新计算所有未结申请的到期日（配置变更后运行）"""
    n = due.recompute(db.session)
    db.session.commit()
    click.echo(f"已重新计算 {n} 件未结申请的到期日。")
