"""Console pages of the callbacks domain (回访). Same roles as /api/v1/callbacks: manager and duty
lawyers work the tasks; only the manager records "satisfied" or escalates. Every change goes through
app.callbacks.service (audited there)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from app.auth.service import display_names
from app.common.permissions import P
from app.callbacks import service as cb
from app.callbacks.models import CallbackAttempt, CallbackTask
from app.callbacks.schemas import AttemptInput, CloseInput
from app.common.timeutil import LOCAL_TZ, utcnow
from app.console import add_nav, bp, console_required, form_input, me, page_no
from app.extensions import db

add_nav(110, "console.callbacks_page", "回访", P.view_callbacks)  # supervisors follow bad ratings up, read-only

CALLBACK_FILTERS = {"open": "待回访", "overdue": "已逾期", "closed": "已结束", "all": "全部"}
PAGE = 50


@bp.route("/callbacks")
@console_required(P.view_callbacks)
def callbacks_page():
    which = request.args.get("filter") or "open"
    if which not in CALLBACK_FILTERS:
        which = "open"
    args = {"open": {"status": "open"}, "overdue": {"overdue": True}, "all": {}, "closed": {}}[which]
    stmt = cb.list_stmt(args)
    if which == "closed":
        stmt = stmt.where(CallbackTask.status != "open")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    page = page_no()
    rows = db.session.scalars(stmt.limit(PAGE).offset((page - 1) * PAGE)).all()
    attempts = dict(db.session.execute(sa.select(CallbackAttempt.task_id, sa.func.count())
                                       .where(CallbackAttempt.task_id.in_([t.id for t in rows]))
                                       .group_by(CallbackAttempt.task_id)).all()) if rows else {}
    # who to call, by name and masked number (the full number only on the task page, through the audited reveal)
    subjects = {t.id: cb.describe_subject(t) or {} for t in rows}
    return render_template("callbacks/callbacks.html", rows=rows, which=which, filters=CALLBACK_FILTERS,
                           subjects=subjects,
                           attempts=attempts, total=total, page=page, pages=max(1, -(-total // PAGE)),
                           overdue=cb.overdue_count(), now=utcnow(), REASONS=cb.REASON_LABELS,
                           STATUSES=cb.STATUS_LABELS)


def _subject(task: CallbackTask) -> dict | None:
    """Who to call and about what (the owning domain describes its subject); supervisors see the
    number masked."""
    subject = cb.describe_subject(task)
    if subject is None:
        return None
    if subject.get("consultation_id") and not subject.get("reveal_url"):
        subject["reveal_url"] = url_for("console.reveal_number", consultation_id=subject["consultation_id"])
    subject.pop("phone", None)  # the full number only through the audited reveal
    if not P.work_callbacks.allows(me()):
        subject = {**subject, "consultation_id": None, "reveal_url": None}
    if subject.get("application"):
        subject["url"] = url_for("console.application_detail", application_id=subject["application"]["id"])
    return subject


@bp.route("/callbacks/<int:task_id>")
@console_required(P.view_callbacks)
def callback_detail(task_id):
    task = cb.get_task(task_id)
    attempts = cb.attempts_of(task.id)
    names = display_names([a.staff_id for a in attempts] + [task.closed_by_id])
    rating = task.rating
    return render_template("callbacks/callback.html", task=task, attempts=attempts, names=names, rating=rating,
                           subject=_subject(task), results=cb.RESULTS, task_actions=cb.allowed_actions(me(), task),
                           REASONS=cb.REASON_LABELS, STATUSES=cb.STATUS_LABELS, now=utcnow(),
                           now_local=dt.datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"))


@bp.route("/callbacks/<int:task_id>/attempts", methods=["POST"])
@console_required(P.work_callbacks)
def callback_attempt(task_id):
    attempt = cb.log_attempt(me(), task_id, form_input(AttemptInput))
    flash(f"已记录回访：{cb.RESULTS[attempt.result]}", "ok")
    return redirect(url_for("console.callback_detail", task_id=task_id))


@bp.route("/callbacks/<int:task_id>/<any(satisfied, escalate):op>", methods=["POST"])
@console_required(P.close_callbacks)
def callback_close(task_id, op):
    status = "satisfied" if op == "satisfied" else "escalated"
    cb.close(me(), task_id, status, form_input(CloseInput).get("note"))
    flash("已记录群众满意，回访结束" if status == "satisfied" else "已升级处理", "ok")
    return redirect(url_for("console.callback_detail", task_id=task_id))
