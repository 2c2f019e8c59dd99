"""Console pages of the audit domain: the administrator's audit log and its CSV export (audited)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import render_template, request

from app.audit import AuditLog, record as audit
from app.auditlog import sentences
from app.audit.query import audit_stmt
from app.common import exports
from app.common.bounds import int_arg
from app.common.timeutil import LOCAL_TZ
from app.console import PAGE_SIZE, add_nav, bp, console_required, format_local, me
from app.common.permissions import P
from app.extensions import db

add_nav(70, "console.audit_page", "审计日志", P.view_audit)


@bp.route("/audit")
@console_required(P.view_audit)
def audit_page():
    page = int_arg(request.args, "page", 1, maximum=100_000)
    stmt = audit_stmt(request.args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    labels = sentences.action_labels()
    names = sentences.Names(rows)
    entries = [{"r": r, "who": sentences.actor(r, names), "object": sentences.obj(r, names),
                "sentence": sentences.sentence(r, names, labels)} for r in rows]
    return render_template("audit/audit.html", entries=entries, total=total, page=page, page_size=PAGE_SIZE,
                           args=request.args, actions=actions, action_labels=labels,
                           object_types=sentences.OBJECT_NOUNS)


@bp.route("/audit.csv")
@console_required(P.view_audit)
def audit_export():
    rows = db.session.scalars(audit_stmt(request.args).limit(100_000)).all()
    audit("audit.export", actor=me(), object_type="audit_log",
          details={"rows": len(rows), "filters": {k: v for k, v in request.args.items()}})
    db.session.commit()
    labels = sentences.action_labels()

    def lines():
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            names = sentences.Names(chunk)
            for r in chunk:
                yield (format_local(r.at, "%Y-%m-%d %H:%M:%S"), sentences.sentence(r, names, labels),
                       sentences.actor(r, names), labels.get(r.action, sentences.VERBS.get(r.action, r.action)),
                       sentences.obj(r, names), sentences.how(r, names), r.ip or "")
    # the shared writer (app/common/exports.py): formula-leading cells neutralised, UTF-8 with a BOM
    body = exports.csv_bytes([(None, ["时间", "记录", "操作人", "操作", "对象", "说明", "IP"], lines())])
    return exports.download(body, "csv", f"audit-{dt.datetime.now(LOCAL_TZ):%Y%m%d%H%M}.csv")
