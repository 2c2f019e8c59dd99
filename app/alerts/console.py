"""Console pages of the alerts domain: the manager's alerts inbox (acknowledge, resolve)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request

from app import errors
from app.alerts import service as alerts
from app.alerts.models import KIND_LABELS as ALERT_KIND_LABELS
from app.console import add_nav, back, bp, console_required, me
from app.common.permissions import P
from app.extensions import db

add_nav(50, "console.alerts_page", "预警", P.handle_alerts)


@bp.route("/alerts")
@console_required(P.handle_alerts)
def alerts_page():
    status = request.args.get("status", "active")
    kind = request.args.get("kind") or None
    rows = db.session.scalars(alerts.list_stmt(status, kind).limit(200)).all()
    return render_template("alerts/alerts.html", rows=rows, status=status, kind=kind, kinds=ALERT_KIND_LABELS)


@bp.route("/alerts/<int:alert_id>/<op>", methods=["POST"])
@console_required(P.handle_alerts)
def alert_action(alert_id, op):
    alert = alerts.get(alert_id)
    if op == "acknowledge":
        alerts.acknowledge(me(), alert)
    elif op == "resolve":
        alerts.resolve(me(), alert)
    else:
        raise errors.NotFound("未知操作")
    flash("预警状态已更新", "ok")
    return redirect(back())


