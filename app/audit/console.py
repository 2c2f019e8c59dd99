"""Console pages of the audit domain: the administrator's audit log and its CSV export (audited)."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import render_template, request

from app.audit import AuditLog, record as audit
from app.audit.labels import ACTION_LABELS
from app.audit.query import audit_stmt
from app.common import exports
from app.common.bounds import int_arg
from app.common.timeutil import LOCAL_TZ
from app.console import PAGE_SIZE, add_nav, bp, console_required, format_local, me
from app.extensions import db

add_nav(70, "console.audit_page", "审计日志", ("admin",))


@bp.route("/audit")
@console_required("admin")
def audit_page():
    page = int_arg(request.args, "page", 1, maximum=100_000)
    stmt = audit_stmt(request.args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    return render_template("audit/audit.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           args=request.args, actions=actions, action_labels=ACTION_LABELS)


@bp.route("/audit.csv")
@console_required("admin")
def audit_export():
    rows = db.session.scalars(audit_stmt(request.args).limit(100_000)).all()
    audit("export", actor=me(), object_type="audit_log",
          details={"rows": len(rows), "filters": {k: v for k, v in request.args.items()}})
    db.session.commit()
    headers = ["时间", "操作人类型", "操作人ID", "操作人", "操作", "对象类型", "对象ID", "IP", "详情"]
    body = exports.csv_bytes([(None, headers, (  # the shared writer: formula-leading cells neutralised
        [format_local(r.at, "%Y-%m-%d %H:%M:%S"), r.actor_type, r.actor_id or "", r.actor_name or "", r.action,
         r.object_type or "", r.object_id or "", r.ip or "",
         json.dumps(r.details, ensure_ascii=False) if r.details else ""] for r in rows))])
    return exports.download(body, "csv", f"audit-{dt.datetime.now(LOCAL_TZ):%Y%m%d%H%M}.csv")
