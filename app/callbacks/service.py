"""回访 loop: callback tasks opened by bad ratings (app.ratings) and repeat-caller warnings
(app.consultations) through `open_task`, attempts logged until the citizen is satisfied (a new rating
>= 4, or recorded by a manager) or the task is escalated. Overdue open tasks are flagged and listed first."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app import errors
from app.audit import record as audit
from app.centres import service as centres
from app.callbacks.models import (REASON_LABELS, RESULTS, STATUS_LABELS,  # noqa: F401  (labels for pages)
                                  CallbackAttempt, CallbackTask)
from app.common.timeutil import utcnow
from app.extensions import db
from app.common.permissions import P, Permission, role_of

DEFAULT_DUE = dt.timedelta(hours=24)


class Transition:
    """One move of a callback task: the states it starts from, where it goes (None: stays), who may."""

    def __init__(self, sources: tuple[str, ...], target: str | None, permission: Permission, label: str):
        self.sources, self.target, self.permission, self.label = sources, target, permission, label


TRANSITIONS: dict[str, Transition] = {
    "attempt": Transition(("open",), None, P.work_callbacks, "记录回访"),
    "satisfied": Transition(("open",), "satisfied", P.close_callbacks, "记录群众满意"),
    "escalate": Transition(("open",), "escalated", P.close_callbacks, "升级处理"),
    "rating_satisfied": Transition(("open",), "satisfied", P.rate_again, "群众重新评价满意"),
}
_CLOSING = {"satisfied": "satisfied", "escalated": "escalate"}


def allowed_actions(staff, task: CallbackTask) -> list[str]:
    """What this staff member may do to the task now (pages show only these)."""
    return [name for name, t in TRANSITIONS.items() if t.permission.allows(staff) and task.status in t.sources]


def _check(staff, task: CallbackTask, action: str) -> None:
    t = TRANSITIONS[action]
    if task.status not in t.sources:
        raise errors.InvalidTransition("该回访任务已结束")
    if staff is not None and not t.permission.allows(role_of(staff)):
        raise errors.Forbidden(f"当前角色无权「{t.label}」")


# --------------------------------------------------------------------------- opening
def describe_subject(task: CallbackTask) -> dict | None:
    """What a task is about, for its page, by the describer of the domain that owns the subject (given by
    the app factory through app.callbacks.init_app: this package imports none of them)."""
    fn = current_app.extensions["callbacks"]["describers"].get(task.subject_type or "")
    return fn(task.subject_id) if fn and task.subject_id else None


def open_task(reason: str, *, subject_type: str | None = None, subject_id: int | None = None,
              citizen_id: int | None = None, rating_id: int | None = None, note: str | None = None,
              due_in: dt.timedelta = DEFAULT_DUE) -> CallbackTask:
    """Open a callback task in the caller's transaction (flushed, not committed)."""
    if reason not in REASON_LABELS:
        raise ValueError(f"unknown callback reason {reason}")
    now = utcnow()
    task = CallbackTask(reason=reason, status="open", citizen_id=citizen_id, rating_id=rating_id,
                        subject_type=subject_type, subject_id=subject_id, note=note, due_at=now + due_in,
                        created_at=now, centre_id=centres.centre_for_new(
                            application_id=subject_id if subject_type == "application" else None,
                            consultation_id=subject_id if subject_type == "consultation" else None))
    db.session.add(task)
    db.session.flush()
    return task


def open_task_for(citizen_id: int, subject_type: str, subject_id: int) -> CallbackTask | None:
    """The citizen's open task about this subject, if any."""
    return db.session.scalars(sa.select(CallbackTask).where(
        CallbackTask.citizen_id == citizen_id, CallbackTask.subject_type == subject_type,
        CallbackTask.subject_id == subject_id, CallbackTask.status == "open")).first()


def _closed(task: CallbackTask, actor) -> None:
    """What else ends with a task, in the closing transaction: given by the app factory (app.callbacks.init_app),
    e.g. the repeat-caller alert of the episode is resolved (app.consultations.warnings). fn(task, actor)."""
    for fn in current_app.extensions["callbacks"]["on_close"]:
        fn(task, actor)


def satisfied_by_rating(task: CallbackTask, citizen=None) -> None:
    """A new rating of 4 stars or more closes the task (caller commits)."""
    _check(None, task, "rating_satisfied")
    task.status = "satisfied"
    task.closed_at = utcnow()
    task.note = ((task.note + "；") if task.note else "") + "群众回访后重新评价满意"
    task.note = task.note[:500]
    _closed(task, citizen)


# --------------------------------------------------------------------------- working the task
def get_task(task_id: int) -> CallbackTask:
    task = db.session.get(CallbackTask, task_id)
    if task is None:
        raise errors.NotFound("未找到该回访任务")
    return task


def log_attempt(staff, task_id: int, data: dict) -> CallbackAttempt:
    task = get_task(task_id)
    _check(staff, task, "attempt")
    at = data.get("at") or utcnow()
    if at > utcnow() + dt.timedelta(minutes=5):
        raise errors.ValidationFailed("回访时间不能晚于当前时间", details={"fields": {"at": ["回访时间不能晚于当前时间"]}})
    attempt = CallbackAttempt(task_id=task.id, at=at, result=data["result"], note=(data.get("note") or "").strip() or None,
                              staff_id=staff.id, created_at=utcnow())
    db.session.add(attempt)
    audit("callback.attempt", actor=staff, object_type="callback_task", object_id=task.id,
          details={"result": attempt.result})
    db.session.commit()
    return attempt


def close(staff, task_id: int, status: str, note: str | None) -> CallbackTask:
    task = get_task(task_id)
    _check(staff, task, _CLOSING[status])
    task.status, task.closed_at, task.closed_by_id = status, utcnow(), staff.id
    note = (note or "").strip()
    if note:
        task.note = ((task.note + "；") if task.note else "") + note
        task.note = task.note[:500]
    audit(f"callback.{status}", actor=staff, object_type="callback_task", object_id=task.id)
    _closed(task, staff)
    db.session.commit()
    return task


def attempts_of(task_id: int) -> list[CallbackAttempt]:
    return db.session.scalars(sa.select(CallbackAttempt).where(CallbackAttempt.task_id == task_id)
                              .order_by(CallbackAttempt.at, CallbackAttempt.id)).all()


def list_stmt(args: dict) -> sa.Select:
    now = utcnow()
    stmt = sa.select(CallbackTask)
    if args.get("status"):
        stmt = stmt.where(CallbackTask.status == args["status"])
    if args.get("reason"):
        stmt = stmt.where(CallbackTask.reason == args["reason"])
    if args.get("overdue"):
        stmt = stmt.where(CallbackTask.status == "open", CallbackTask.due_at < now)
    overdue_first = sa.case((sa.and_(CallbackTask.status == "open", CallbackTask.due_at < now), 0), else_=1)
    return stmt.order_by(overdue_first, CallbackTask.due_at, CallbackTask.id)


def overdue_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask).where(
        CallbackTask.status == "open", CallbackTask.due_at < utcnow()))


