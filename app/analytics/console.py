"""Console pages for issue 5 (server-rendered, on the console's session + CSRF): the analytics
dashboard (ECharts, vendored), call logging, the CDR upload with a progress bar, callbacks (回访)
and supervision (抽检, 评分, 评分卡). Roles match the JSON API's; changes go through the services.

The console session cookie is scoped to /console, so the dashboard's JSON comes from
/console/dashboard/data/<chart>: the same query functions as /api/v1/analytics/<chart>."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import (Blueprint, current_app, flash, g, jsonify, make_response, redirect, render_template, request,
                   url_for)

from app import errors
from app.common.bounds import int_arg
from app.analytics import queries
from app.analytics.routes import ExportArgs, FilterArgs, filters_from, run_chart
from app.common.timeutil import LOCAL_TZ, UTC, utcnow
from app.console import auth
from app.console import views as console_views
from app.console.auth import console_required
from app.consultations import cdr, service as calls
from app.consultations.models import OUTCOME_LABELS, CallImport
from app.consultations.topics import TOPICS
from app.extensions import db

bp = Blueprint("hotline_console", __name__, url_prefix="/console", template_folder="templates")
VIEWERS = ("manager", "supervisor")
LOGGERS = ("duty_lawyer", "manager")
IMPORTERS = ("manager", "admin")
NAV = [("hotline_console.dashboard", "数据分析", VIEWERS), ("hotline_console.calls_page", "来电登记", LOGGERS),
       ("hotline_console.import_page", "话单导入", IMPORTERS),
       ("hotline_console.callbacks_page", "回访", ("manager", "duty_lawyer")),
       ("hotline_console.supervision_page", "质量监管", ("supervisor", "manager")),
       ("hotline_console.supervision_scorecards", "评分卡", ("supervisor", "manager", "duty_lawyer"))]


@bp.before_request
def _csrf():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        auth.check_csrf()


bp.after_request(console_views._headers)
bp.errorhandler(errors.ApiError)(console_views._api_error)


bp.context_processor(console_views._context)


@bp.record_once
def _add_to_console_nav(state):
    state.app.extensions.setdefault("console_nav", []).extend(NAV)


def _args(schema_cls) -> dict:
    import marshmallow as ma
    try:
        return schema_cls().load({k: v for k, v in request.args.items() if v != ""})
    except ma.ValidationError as exc:
        raise errors.ValidationFailed("筛选条件有误", details={"fields": exc.messages}) from None


# --- dashboard ----------------------------------------------------------------------------------

@bp.route("/dashboard")
@console_required(*VIEWERS)
def dashboard():
    args = _args(FilterArgs)
    f = filters_from(args)
    return render_template("hotline/dashboard.html", f=f, topics=TOPICS, charts=queries.CHARTS,
                           min_support=args.get("min_support", 10))


@bp.route("/dashboard/data/<chart>")
@console_required(*VIEWERS)
def dashboard_data(chart):
    if chart not in queries.CHARTS:
        raise errors.NotFound("未找到该图表")
    return jsonify(run_chart(chart, _args(FilterArgs)))


@bp.route("/dashboard/export")
@console_required(*VIEWERS)
def dashboard_export():
    from app.analytics.routes import export_response
    return export_response(g.console_staff, _args(ExportArgs))  # audited like the API export


# --- calls -------------------------------------------------------------------------------------

def _local(value: str | None, field: str, required=False) -> dt.datetime | None:
    if not value:
        if required:
            raise errors.ValidationFailed("请填写时间", details={"fields": {field: ["必填"]}})
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    except ValueError:
        raise errors.ValidationFailed("时间格式不正确", details={"fields": {field: ["时间格式不正确"]}}) from None


@bp.route("/calls", methods=["GET", "POST"])
@console_required(*LOGGERS)
def calls_page():
    me = g.console_staff
    if request.method == "POST":
        f = request.form
        ring = _local(f.get("ring_at"), "ring_at", required=True)
        answered = ring + dt.timedelta(seconds=int(f.get("wait_seconds") or 0)) if f.get("answered") else None
        minutes = float(f.get("duration_minutes") or 0)
        ended = (answered or ring) + dt.timedelta(seconds=int(minutes * 60))
        data = {"caller": f.get("caller") or "", "ring_at": ring, "answered_at": answered, "ended_at": ended,
                "topic": f.get("topic") or None, "summary": f.get("summary") or None,
                "outcome": f.get("outcome") or None}
        if data["topic"] and data["topic"] not in TOPICS:
            raise errors.ValidationFailed("咨询类别无效")
        if data["outcome"] and data["outcome"] not in OUTCOME_LABELS:
            raise errors.ValidationFailed("处理结果无效")
        c = calls.record_call(me, data)
        flash(f"已登记来电 {c.caller_masked}（{c.topic or '未分类'}）", "ok")
        return redirect(url_for("hotline_console.calls_page"))
    stmt = calls.list_stmt(me, {}).limit(50)
    rows = db.session.scalars(stmt).all()
    now_local = dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    return render_template("hotline/calls.html", rows=rows, topics=TOPICS, outcomes=OUTCOME_LABELS, now_local=now_local)


@bp.route("/calls/import", methods=["GET", "POST"])
@console_required(*IMPORTERS)
def import_page():
    me = g.console_staff
    if request.method == "POST":
        f = request.files.get("file")
        raw = f.stream.read() if f else b""
        if not raw:
            raise errors.ValidationFailed("请选择话单文件（CSV）")
        from app.tasks import enqueue
        key = f"imports/cdr/{utcnow():%Y%m}/{secrets.token_hex(12)}.csv"
        from app.common.objects import stored_object
        with stored_object(key, raw, "text/csv"):  # storage down → 503; no orphan if the row fails
            imp = cdr.create_import(f.filename, raw, me, storage_key=key)
        enqueue("calls.import", imp.id)
        return redirect(url_for("hotline_console.import_page", id=imp.id))
    recent = db.session.scalars(sa.select(CallImport).order_by(CallImport.id.desc()).limit(20)).all()
    current = db.session.get(CallImport, int_arg(request.args, "id")) if int_arg(request.args, "id") else None
    return render_template("hotline/import.html", recent=recent, current=current)


@bp.route("/calls/import/<int:import_id>.json")
@console_required(*IMPORTERS)
def import_status(import_id):
    from app.consultations.schemas import ImportOut
    imp = db.session.get(CallImport, import_id)
    if imp is None:
        raise errors.NotFound("未找到该导入记录")
    return jsonify(ImportOut().dump(imp))


# --- callbacks 回访 ------------------------------------------------------------------------------
# Same roles as /api/v1/callbacks: manager and duty lawyers work the tasks; only the manager records
# "satisfied" or escalates. Every change goes through app.ratings.callbacks (audited there).

from app.ratings import callbacks as cb  # noqa: E402
from app.ratings.models import CallbackTask  # noqa: E402

CALLBACK_FILTERS = {"open": "待回访", "overdue": "已逾期", "closed": "已结束", "all": "全部"}
PAGE = 50


def _names(ids) -> dict[int, str]:
    from app.auth.models import StaffUser
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids)))}


def _page_no() -> int:
    return int_arg(request.args, "page", 1, maximum=100_000)


@bp.route("/callbacks")
@console_required(*cb.WORKERS)
def callbacks_page():
    which = request.args.get("filter") or "open"
    if which not in CALLBACK_FILTERS:
        which = "open"
    args = {"open": {"status": "open"}, "overdue": {"overdue": True}, "all": {}, "closed": {}}[which]
    stmt = cb.list_stmt(args)
    if which == "closed":
        stmt = stmt.where(CallbackTask.status != "open")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    page = _page_no()
    rows = db.session.scalars(stmt.limit(PAGE).offset((page - 1) * PAGE)).all()
    attempts = dict(db.session.execute(sa.select(cb.CallbackAttempt.task_id, sa.func.count())
                                       .where(cb.CallbackAttempt.task_id.in_([t.id for t in rows]))
                                       .group_by(cb.CallbackAttempt.task_id)).all()) if rows else {}
    return render_template("hotline/callbacks.html", rows=rows, which=which, filters=CALLBACK_FILTERS,
                           attempts=attempts, total=total, page=page, pages=max(1, -(-total // PAGE)),
                           overdue=cb.overdue_count(), now=utcnow(), REASONS=cb.REASON_LABELS,
                           STATUSES=cb.STATUS_LABELS)


def _subject(task: CallbackTask) -> dict | None:
    """What the task is about, for the detail page (masked caller only)."""
    from app.consultations.models import Consultation
    if task.subject_type == "consultation" and task.subject_id:
        c = db.session.get(Consultation, task.subject_id)
        if c is not None:
            return {"kind": "来电", "text": f"{c.caller_masked} · {c.region} · {c.topic or '未分类'}", "at": c.ring_at}
    if task.subject_type == "application" and task.subject_id:
        return {"kind": "申请", "text": f"申请 #{task.subject_id}", "at": None,
                "url": url_for("console.application_detail", application_id=task.subject_id)}
    return None


@bp.route("/callbacks/<int:task_id>")
@console_required(*cb.WORKERS)
def callback_detail(task_id):
    task = cb.get_task(task_id)
    attempts = cb.attempts_of(task.id)
    names = _names([a.staff_id for a in attempts] + [task.closed_by_id])
    rating = None
    if task.rating_id:
        from app.ratings.models import Rating
        rating = db.session.get(Rating, task.rating_id)
    return render_template("hotline/callback.html", task=task, attempts=attempts, names=names, rating=rating,
                           subject=_subject(task), results=cb.RESULTS, REASONS=cb.REASON_LABELS,
                           STATUSES=cb.STATUS_LABELS, now=utcnow(),
                           now_local=dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"))


@bp.route("/callbacks/<int:task_id>/attempts", methods=["POST"])
@console_required(*cb.WORKERS)
def callback_attempt(task_id):
    f = request.form
    result = f.get("result") or ""
    if result not in cb.RESULTS:
        raise errors.ValidationFailed("请选择回访结果")
    note = (f.get("note") or "").strip()
    if len(note) > 1000:
        raise errors.ValidationFailed("备注不能超过 1000 字")
    cb.log_attempt(g.console_staff, task_id, {"at": _local(f.get("at"), "at"), "result": result, "note": note or None})
    flash(f"已记录回访：{cb.RESULTS[result]}", "ok")
    return redirect(url_for("hotline_console.callback_detail", task_id=task_id))


@bp.route("/callbacks/<int:task_id>/<any(satisfied, escalate):op>", methods=["POST"])
@console_required("manager")
def callback_close(task_id, op):
    note = (request.form.get("note") or "").strip()
    if len(note) > 300:
        raise errors.ValidationFailed("说明不能超过 300 字")
    status = "satisfied" if op == "satisfied" else "escalated"
    cb.close(g.console_staff, task_id, status, note or None)
    flash("已记录群众满意，回访结束" if status == "satisfied" else "已升级处理", "ok")
    return redirect(url_for("hotline_console.callback_detail", task_id=task_id))


# --- supervision 质量监管 -------------------------------------------------------------------------
# Same roles as /api/v1/supervision: the supervisor draws samples and scores; the manager looks on;
# scorecards also for duty lawyers (their own only, enforced by the service).

from app.supervision import service as supervision  # noqa: E402
from app.supervision.models import DIMENSION_MAX, DIMENSIONS, Review, SampleBatch  # noqa: E402

SUPERVISION_VIEWERS = ("supervisor", "manager")
SCORECARD_VIEWERS = ("supervisor", "manager", "duty_lawyer")


def _form(schema_cls, data, ignore=("csrf_token", "then")) -> dict:
    import marshmallow as ma
    try:
        return schema_cls().load({k: v for k, v in data.items() if k not in ignore and v != ""})
    except ma.ValidationError as exc:
        raise errors.ValidationFailed("填写内容有误", details={"fields": exc.messages}) from None


@bp.route("/supervision")
@console_required(*SUPERVISION_VIEWERS)
def supervision_page():
    batches = db.session.scalars(sa.select(SampleBatch).order_by(SampleBatch.id.desc()).limit(50)).all()
    stats = {}
    if batches:
        stats = {sid: (n, scored) for sid, n, scored in db.session.execute(
            sa.select(Review.sample_id, sa.func.count(), sa.func.sum(sa.case((Review.status == "scored", 1), else_=0)))
            .where(Review.sample_id.in_([b.id for b in batches])).group_by(Review.sample_id))}
    today = dt.datetime.now(LOCAL_TZ).date()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return render_template("hotline/supervision.html", batches=batches, stats=stats, names=_names(b.created_by_id for b in batches),
                           default_start=last_month_end.replace(day=1), default_end=last_month_end,
                           default_rate=current_app.config.get("SUPERVISION_SAMPLE_RATE", 0.05),
                           default_min=current_app.config.get("SUPERVISION_MIN_PER_LAWYER", 2))


@bp.route("/supervision/samples", methods=["POST"])
@console_required("supervisor")
def supervision_draw():
    from app.supervision.routes import SampleInput
    data = _form(SampleInput, request.form)
    batch, created = supervision.create_sample(g.console_staff, data["period_start"], data["period_end"], data.get("rate"),
                                               data.get("min_per_lawyer"), data.get("seed"))
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Review).where(Review.sample_id == batch.id))
    flash(f"已抽取 {n} 通来电" if created else "相同参数的抽检批次已存在，已为您打开", "ok")
    return redirect(url_for("hotline_console.supervision_sample", sample_id=batch.id))


@bp.route("/supervision/samples/<int:sample_id>")
@console_required(*SUPERVISION_VIEWERS)
def supervision_sample(sample_id):
    batch = db.session.get(SampleBatch, sample_id)
    if batch is None:
        raise errors.NotFound("未找到该抽检批次")
    status = request.args.get("status") or ""
    stmt = sa.select(Review).where(Review.sample_id == batch.id)
    if status in ("pending", "scored"):
        stmt = stmt.where(Review.status == status)
    lawyer_id = int_arg(request.args, "lawyer_id")
    if lawyer_id:
        stmt = stmt.where(Review.lawyer_id == lawyer_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    page = _page_no()
    rows = db.session.scalars(stmt.order_by(Review.lawyer_id, Review.consultation_id)
                              .limit(PAGE).offset((page - 1) * PAGE)).all()
    lawyers = db.session.scalars(sa.select(Review.lawyer_id).distinct().where(Review.sample_id == batch.id)).all()
    return render_template("hotline/sample.html", batch=batch, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE)), status=status, lawyer_id=lawyer_id,
                           names=_names([*lawyers, *(r.reviewer_id for r in rows)]), lawyers=sorted(lawyers))


@bp.route("/supervision/reviews/<int:review_id>")
@console_required(*SUPERVISION_VIEWERS)
def supervision_review(review_id):
    from app.consultations.service import recording_url
    me = g.console_staff
    r = supervision.get_review(me, review_id)
    url = recording_url(me, r.consultation)  # short-lived signed URL; the view is audited
    db.session.commit()
    nxt = db.session.scalar(sa.select(Review.id).where(Review.sample_id == r.sample_id, Review.status == "pending",
                                                        Review.id != r.id).order_by(Review.lawyer_id, Review.consultation_id))
    resp = make_response(render_template(
        "hotline/review.html", r=r, c=r.consultation, recording_url=url, names=_names([r.lawyer_id, r.reviewer_id]),
        dimensions=DIMENSIONS, dim_max=DIMENSION_MAX, outcomes=OUTCOME_LABELS, next_id=nxt,
        can_score=me.role == "supervisor"))
    origin = _origin(url)
    if origin:  # the recording may live on object storage (MinIO/S3): allow that origin for <audio> only
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; script-src 'self'; "
            f"media-src 'self' {origin}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    return resp


def _origin(url: str | None) -> str | None:
    from urllib.parse import urlsplit
    if not url:
        return None
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}" if p.scheme in ("http", "https") and p.netloc else None


@bp.route("/supervision/reviews/<int:review_id>/score", methods=["POST"])
@console_required("supervisor")
def supervision_score(review_id):
    from app.supervision.routes import ScoreInput
    data = _form(ScoreInput, request.form)
    r = supervision.score(g.console_staff, review_id, data)
    flash(f"已保存评分：{r.total} 分", "ok")
    if request.form.get("then") == "next":
        nxt = db.session.scalar(sa.select(Review.id).where(Review.sample_id == r.sample_id, Review.status == "pending")
                                .order_by(Review.lawyer_id, Review.consultation_id))
        if nxt:
            return redirect(url_for("hotline_console.supervision_review", review_id=nxt))
    return redirect(url_for("hotline_console.supervision_review", review_id=r.id))


@bp.route("/supervision/scorecards")
@console_required(*SCORECARD_VIEWERS)
def supervision_scorecards():
    from app.supervision.routes import ScorecardArgs
    args = _args(ScorecardArgs)
    me = g.console_staff
    cards = supervision.scorecards(me, args["period"], args.get("date_from"), args.get("date_to"), args.get("lawyer_id"))
    lawyers = []
    if me.role != "duty_lawyer":
        lawyers = sorted(_names(db.session.scalars(sa.select(Review.lawyer_id).distinct())).items(), key=lambda x: x[1])
    return render_template("hotline/scorecards.html", cards=cards, args=args, lawyers=lawyers,
                           periods={"week": "按周", "month": "按月", "quarter": "按季度"})
