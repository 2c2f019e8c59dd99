"""Audit-log filtering shared by the console page, its CSV export and the staff API."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit import AuditLog
from app.common.timeutil import LOCAL_TZ, UTC


def audit_stmt(args):
    stmt = sa.select(AuditLog)
    if args.get("actor"):
        stmt = stmt.where(AuditLog.actor_name.ilike(f"%{args['actor'].strip()[:64]}%"))
    if args.get("action"):
        stmt = stmt.where(AuditLog.action == args["action"])
    if args.get("object_type"):
        stmt = stmt.where(AuditLog.object_type == args["object_type"])
    if args.get("object_id"):
        stmt = stmt.where(AuditLog.object_id == args["object_id"].strip()[:40])
    if args.get("ip"):
        stmt = stmt.where(AuditLog.ip == args["ip"].strip()[:45])
    for key, op in (("since", ">="), ("until", "<")):
        if args.get(key):
            try:
                day = dt.date.fromisoformat(args[key])
            except ValueError:
                continue
            if key == "until":
                day += dt.timedelta(days=1)
            edge = dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(UTC)
            stmt = stmt.where(AuditLog.at >= edge if op == ">=" else AuditLog.at < edge)
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
