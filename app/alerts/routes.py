"""The alerts inbox's API: /api/v1/staff/alerts (manager)."""
from __future__ import annotations

from flask import g
from flask_smorest import Blueprint

from app.alerts import schemas as s
from app.alerts import service as alerts
from app.auth.guards import staff_required
from app.common.permissions import P
from app.extensions import db
from app.common.openapi import BEARER

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/staff/alerts", description="预警")


@blp.route("")
@blp.doc(security=BEARER)
@staff_required(P.handle_alerts)
@blp.arguments(s.AlertArgs, location="query")
@blp.response(200, s.AlertOut(many=True))
def list_alerts(args):
    """预警列表（默认未解除的）"""
    return db.session.scalars(alerts.list_stmt(args["status"] or None, args.get("kind")).limit(500)).all()


@blp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.handle_alerts)
@blp.response(200, s.AlertOut)
def acknowledge_alert(alert_id):
    """确认预警"""
    return alerts.acknowledge(g.staff, alerts.get(alert_id))


@blp.route("/<int:alert_id>/resolve", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.handle_alerts)
@blp.response(200, s.AlertOut)
def resolve_alert(alert_id):
    """解除预警"""
    return alerts.resolve(g.staff, alerts.get(alert_id))
