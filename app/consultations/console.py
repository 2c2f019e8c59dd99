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
import marshmallow as ma

from app.common.pagination import PageArgs
from app.console import add_nav, bp, console_required, form_args, form_input, me
from app.consultations import cdr, service as calls
from app.consultations.models import OUTCOME_LABELS, CallImport
from app.consultations.schemas import ConsultationInput, ImportOut, ImportSummaryOut
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
        c = calls.record_call(staff, form_input(ConsultationInput))
        flash(f"已登记来电 {c.caller_masked}（{c.topic or '未分类'}）", "ok")
        return redirect(url_for("console.calls_page"))
    args = form_args(CallSearch, request.args, ignore=(), message="查询条件有误") if request.method == "GET" else {}
    page = args.pop("page", 1)
    stmt = calls.list_stmt(staff, args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(CALLS_PAGE).offset((page - 1) * CALLS_PAGE)).all()
    now_local = dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    query = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in args.items() if k != "page_size"}
    return render_template("consultations/calls.html", rows=rows, topics=TOPICS, outcomes=OUTCOME_LABELS,
                           now_local=now_local, total=total, page=page, pages=max(1, -(-total // CALLS_PAGE)),
                           query=query)


CALLS_PAGE = 30


class CallSearch(PageArgs):
    """The calls list's search: by number (full, masked or last digits), date range and topic."""
    caller = ma.fields.String(validate=ma.validate.Length(max=32))
    date_from = ma.fields.Date()
    date_to = ma.fields.Date()
    topic = ma.fields.String(validate=ma.validate.OneOf(TOPICS))

    @ma.validates_schema
    def _range(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ma.ValidationError("开始日期不能晚于结束日期", "date_from")


@bp.route("/calls/<int:consultation_id>")
@console_required(P.log_calls)
def call_detail(consultation_id):
    """One call: when, who (masked; the full number through the audited reveal), what was said, the outcome,
    the recording and what it led to."""
    c = calls.get_for_staff(me(), consultation_id)
    recording = calls.recording_url(me(), c) if c.recording_key else None  # the listening is audited
    db.session.commit()
    return render_template("consultations/call.html", c=c, outcomes=OUTCOME_LABELS, recording=recording)


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
    return render_template("consultations/import.html", recent=recent, current=current, columns=cdr.columns_doc(),
                           agents=cdr.known_agents(), time_formats=cdr.TIME_FORMAT_LABELS,
                           status_labels=IMPORT_STATUS_LABELS, poll_max=IMPORT_POLL_MAX)


IMPORT_STATUS_LABELS = {"pending": "排队中", "running": "导入中", "done": "已完成", "failed": "失败"}
IMPORT_STATUS_MAX_IDS = 20  # the history shows 20 imports; the status endpoint answers for at most as many
IMPORT_POLL_MAX = 600  # polls per page (every 2 s: 20 minutes), then the page asks for a reload


@bp.route("/calls/import/status.json")
@console_required(P.import_calls)
def import_statuses():
    """A small status answer for the history's unfinished rows: `?ids=3,4` (at most 20), no error lists."""
    raw = (request.args.get("ids") or "")[:400]
    try:
        ids = sorted({int(x) for x in raw.split(",") if x.strip()})
    except ValueError:
        ids = []
    if not ids or len(ids) > IMPORT_STATUS_MAX_IDS:
        return jsonify({"code": "validation_error",
                        "message": f"ids 应为 1–{IMPORT_STATUS_MAX_IDS} 个以逗号分隔的导入编号"}), 422
    rows = db.session.scalars(sa.select(CallImport).where(CallImport.id.in_(ids))).all()
    out = ImportSummaryOut(many=True).dump(rows)
    for item in out:
        item["status_label"] = IMPORT_STATUS_LABELS.get(item["status"], item["status"])
    return jsonify({"items": out})


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
    return render_template("console/number.html", number=number, back_to=back_to)
