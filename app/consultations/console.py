"""Console pages of the consultations domain: call logging and the CDR upload with a progress bar."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import flash, jsonify, redirect, render_template, request, url_for

from app import errors
from app.common.bounds import int_arg
from app.common.objects import stored_object
from app.common.timeutil import LOCAL_TZ, utcnow
from app.console import add_nav, bp, console_required, local_datetime, me
from app.consultations import cdr, service as calls
from app.consultations.models import OUTCOME_LABELS, CallImport
from app.consultations.schemas import ImportOut
from app.consultations.topics import TOPICS
from app.extensions import db
from app.common.permissions import P
from app.tasks import enqueue

add_nav(90, "console.calls_page", "来电登记", P.log_calls)
add_nav(100, "console.import_page", "话单导入", P.import_calls)


@bp.route("/calls", methods=["GET", "POST"])
@console_required(P.log_calls)
def calls_page():
    staff = me()
    if request.method == "POST":
        f = request.form
        ring = local_datetime(f.get("ring_at"), "ring_at", required=True)
        answered = ring + dt.timedelta(seconds=int(f.get("wait_seconds") or 0)) if f.get("answered") else None
        minutes = float(f.get("duration_minutes") or 0)
        ended = (answered or ring) + dt.timedelta(seconds=int(minutes * 60))
        data = {"caller": f.get("caller") or "", "ring_at": ring, "answered_at": answered, "ended_at": ended,
                "topic": f.get("topic") or None, "summary": f.get("summary") or None,
                "outcome": f.get("outcome") or None}
        if data["topic"] and data["topic"] not in TOPICS:
            raise errors.ValidationFailed("咨询类别无效", details={"fields": {"topic": ["咨询类别无效"]}})
        if data["outcome"] and data["outcome"] not in OUTCOME_LABELS:
            raise errors.ValidationFailed("处理结果无效", details={"fields": {"outcome": ["处理结果无效"]}})
        c = calls.record_call(staff, data)
        flash(f"已登记来电 {c.caller_masked}（{c.topic or '未分类'}）", "ok")
        return redirect(url_for("console.calls_page"))
    stmt = calls.list_stmt(staff, {}).limit(50)
    rows = db.session.scalars(stmt).all()
    now_local = dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    return render_template("consultations/calls.html", rows=rows, topics=TOPICS, outcomes=OUTCOME_LABELS, now_local=now_local)


@bp.route("/calls/import", methods=["GET", "POST"])
@console_required(P.import_calls)
def import_page():
    if request.method == "POST":
        f = request.files.get("file")
        raw = f.stream.read() if f else b""
        if not raw:
            raise errors.ValidationFailed("请选择话单文件（CSV）", details={"fields": {"file": ["请选择话单文件（CSV）"]}})
        key = f"imports/cdr/{utcnow():%Y%m}/{secrets.token_hex(12)}.csv"
        with stored_object(key, raw, "text/csv"):  # storage down → 503; no orphan if the row fails
            imp = cdr.create_import(f.filename, raw, me(), storage_key=key)
        enqueue("calls.import", imp.id)
        return redirect(url_for("console.import_page", id=imp.id))
    recent = db.session.scalars(sa.select(CallImport).order_by(CallImport.id.desc()).limit(20)).all()
    current = db.session.get(CallImport, int_arg(request.args, "id")) if int_arg(request.args, "id") else None
    return render_template("consultations/import.html", recent=recent, current=current)


@bp.route("/calls/import/<int:import_id>.json")
@console_required(P.import_calls)
def import_status(import_id):
    imp = db.session.get(CallImport, import_id)
    if imp is None:
        raise errors.NotFound("未找到该导入记录")
    return jsonify(ImportOut().dump(imp))


@bp.route("/calls/<int:consultation_id>/number", methods=["POST"])
@console_required(P.log_calls)
def reveal_number(consultation_id):
    """The caller's full number for calling back (audited), on its own page: never in a cookie or a URL."""
    number = calls.reveal_number(me(), consultation_id)
    back_to = request.form.get("back") or ""
    if not back_to.startswith("/console/"):
        back_to = url_for("console.home")
    return render_template("consultations/number.html", number=number, back_to=back_to)
