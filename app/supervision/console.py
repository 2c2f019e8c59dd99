"""Console pages of the supervision domain (质量监管). Same roles as /api/v1/supervision: the
supervisor draws samples and scores; the manager looks on; scorecards also for duty lawyers (their own
only, enforced by the service)."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, render_template, request, url_for

from app import errors
from app.auth.service import display_names
from app.common.bounds import int_arg
from app.common.timeutil import LOCAL_TZ
from app.common.permissions import P
from app.console import add_nav, bp, console_required, form_args, form_input, me, page_no
from app.consultations.models import OUTCOME_LABELS
from app.consultations.service import recording_url
from app.extensions import db
from app.supervision import service as supervision
from app.supervision.models import DIMENSION_MAX, DIMENSIONS, Review, SampleBatch
from app.supervision.schemas import SampleInput, ScorecardArgs, ScoreInput

PAGE = 50

add_nav(120, "console.supervision_page", "质量监管", P.view_supervision)
add_nav(130, "console.supervision_scorecards", "评分卡", P.view_scorecards)


def _query(schema_cls) -> dict:
    return form_args(schema_cls, request.args, ignore=(), message="筛选条件有误")




@bp.route("/supervision")
@console_required(P.view_supervision)
def supervision_page():
    batches = db.session.scalars(sa.select(SampleBatch).order_by(SampleBatch.id.desc()).limit(50)).all()
    stats = {}
    if batches:
        stats = {sid: (n, scored) for sid, n, scored in db.session.execute(
            sa.select(Review.sample_id, sa.func.count(), sa.func.sum(sa.case((Review.status == "scored", 1), else_=0)))
            .where(Review.sample_id.in_([b.id for b in batches])).group_by(Review.sample_id))}
    today = dt.datetime.now(LOCAL_TZ).date()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return render_template("supervision/supervision.html", batches=batches, stats=stats, names=display_names(b.created_by_id for b in batches),
                           default_start=last_month_end.replace(day=1), default_end=last_month_end,
                           default_rate=current_app.config["SUPERVISION_SAMPLE_RATE"],
                           default_min=current_app.config["SUPERVISION_MIN_PER_LAWYER"])


@bp.route("/supervision/samples", methods=["POST"])
@console_required(P.score_calls)
def supervision_draw():
    data = form_input(SampleInput)
    batch, created = supervision.create_sample(me(), data["period_start"], data["period_end"], data.get("rate"),
                                               data.get("min_per_lawyer"), data.get("seed"))
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Review).where(Review.sample_id == batch.id))
    flash(f"已抽取 {n} 通来电" if created else "相同参数的抽检批次已存在，已为您打开", "ok")
    return redirect(url_for("console.supervision_sample", sample_id=batch.id))


@bp.route("/supervision/samples/<int:sample_id>")
@console_required(P.view_supervision)
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
    page = page_no()
    rows = db.session.scalars(stmt.order_by(Review.lawyer_id, Review.consultation_id)
                              .limit(PAGE).offset((page - 1) * PAGE)).all()
    lawyers = db.session.scalars(sa.select(Review.lawyer_id).distinct().where(Review.sample_id == batch.id)).all()
    return render_template("supervision/sample.html", batch=batch, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE)), status=status, lawyer_id=lawyer_id,
                           names=display_names([*lawyers, *(r.reviewer_id for r in rows)]), lawyers=sorted(lawyers))


@bp.route("/supervision/reviews/<int:review_id>")
@console_required(P.view_supervision)
def supervision_review(review_id):
    staff = me()
    r = supervision.get_review(staff, review_id)
    url = recording_url(staff, r.consultation)  # short-lived signed URL; the view is audited
    db.session.commit()
    nxt = db.session.scalar(sa.select(Review.id).where(Review.sample_id == r.sample_id, Review.status == "pending",
                                                        Review.id != r.id).order_by(Review.lawyer_id, Review.consultation_id))
    resp = make_response(render_template(
        "supervision/review.html", r=r, c=r.consultation, recording_url=url, names=display_names([r.lawyer_id, r.reviewer_id]),
        dimensions=DIMENSIONS, dim_max=DIMENSION_MAX, outcomes=OUTCOME_LABELS, next_id=nxt,
        batch=db.session.get(SampleBatch, r.sample_id), can_score=P.score_calls.allows(staff)))
    origin = _origin(url)
    if origin:  # the recording may live on object storage (MinIO/S3): allow that origin for <audio> only
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; script-src 'self'; "
            f"media-src 'self' {origin}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    return resp


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}" if p.scheme in ("http", "https") and p.netloc else None


@bp.route("/supervision/reviews/<int:review_id>/score", methods=["POST"])
@console_required(P.score_calls)
def supervision_score(review_id):
    data = form_input(ScoreInput)
    r = supervision.score(me(), review_id, data)
    flash(f"已保存评分：{r.total} 分", "ok")
    if request.form.get("then") == "next":
        nxt = db.session.scalar(sa.select(Review.id).where(Review.sample_id == r.sample_id, Review.status == "pending")
                                .order_by(Review.lawyer_id, Review.consultation_id))
        if nxt:
            return redirect(url_for("console.supervision_review", review_id=nxt))
    return redirect(url_for("console.supervision_review", review_id=r.id))


@bp.route("/supervision/scorecards")
@console_required(P.view_scorecards)
def supervision_scorecards():
    args = _query(ScorecardArgs)
    staff = me()
    cards = supervision.scorecards(staff, args["period"], args.get("date_from"), args.get("date_to"), args.get("lawyer_id"))
    lawyers = []
    if P.view_supervision.allows(staff):  # a duty lawyer sees only their own card
        lawyers = sorted(display_names(db.session.scalars(sa.select(Review.lawyer_id).distinct())).items(), key=lambda x: x[1])
    return render_template("supervision/scorecards.html", cards=cards, args=args, lawyers=lawyers,
                           periods={"week": "按周", "month": "按月", "quarter": "按季度"})
