"""回访 loop: attempts on callback tasks (opened by bad ratings and by alerts such as repeat callers)
until the citizen is satisfied (a new rating >= 4, handled in service._rate, or recorded by a manager)
or the task is escalated. Overdue open tasks are flagged and listed first."""
from __future__ import annotations

import datetime as dt

import marshmallow as ma
import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy.orm import Mapped, mapped_column

from app import errors
from app.audit import record as audit
from app.auth.guards import staff_required
from app.common.pagination import PageArgs, page_schema, paginate
from app.common.timeutil import LOCAL_TZ, UTCDateTime, utcnow
from app.extensions import db
from app.ratings.models import CallbackTask

RESULTS = {"no_answer": "无人接听", "busy": "占线", "wrong_number": "号码错误", "reached": "已联系，仍不满意",
           "reached_pending": "已联系，待处理", "other": "其他"}
REASON_LABELS = {"bad_rating": "差评回访", "repeat_caller": "重复来电预警", "alert": "预警回访"}
STATUS_LABELS = {"open": "待回访", "satisfied": "已满意", "escalated": "已升级处理"}
WORKERS = ("manager", "duty_lawyer")


class CallbackAttempt(db.Model):
    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    result: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --------------------------------------------------------------------------- service
def get_task(task_id: int) -> CallbackTask:
    task = db.session.get(CallbackTask, task_id)
    if task is None:
        raise errors.NotFound("未找到该回访任务")
    return task


def _open(task: CallbackTask) -> None:
    if task.status != "open":
        raise errors.InvalidTransition("该回访任务已结束")


def log_attempt(staff, task_id: int, data: dict) -> CallbackAttempt:
    task = get_task(task_id)
    _open(task)
    at = data.get("at") or utcnow()
    if at > utcnow() + dt.timedelta(minutes=5):
        raise errors.ValidationFailed("回访时间不能晚于当前时间")
    attempt = CallbackAttempt(task_id=task.id, at=at, result=data["result"], note=(data.get("note") or "").strip() or None,
                              staff_id=staff.id, created_at=utcnow())
    db.session.add(attempt)
    audit("callback.attempt", actor=staff, object_type="callback_task", object_id=task.id,
          details={"result": attempt.result})
    db.session.commit()
    return attempt


def close(staff, task_id: int, status: str, note: str | None) -> CallbackTask:
    task = get_task(task_id)
    _open(task)
    task.status, task.closed_at, task.closed_by_id = status, utcnow(), staff.id
    if note:
        task.note = ((task.note + "；") if task.note else "") + note.strip()
        task.note = task.note[:500]
    audit(f"callback.{status}", actor=staff, object_type="callback_task", object_id=task.id)
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


# --------------------------------------------------------------------------- API
class AttemptInput(ma.Schema):
    result = fields.String(required=True, validate=validate.OneOf(tuple(RESULTS)))
    note = fields.String(allow_none=True, validate=validate.Length(max=1000))
    at = fields.AwareDateTime(default_timezone=LOCAL_TZ, allow_none=True)


class AttemptOut(ma.Schema):
    id = fields.Integer()
    at = fields.DateTime()
    result = fields.String()
    result_label = fields.Function(lambda a: RESULTS.get(a.result, a.result))
    note = fields.String(allow_none=True)
    staff_id = fields.Integer()


class CloseInput(ma.Schema):
    note = fields.String(allow_none=True, validate=validate.Length(max=300))


class TaskOut(ma.Schema):
    id = fields.Integer()
    reason = fields.String()
    reason_label = fields.Function(lambda t: REASON_LABELS.get(t.reason, t.reason))
    status = fields.String()
    status_label = fields.Function(lambda t: STATUS_LABELS.get(t.status, t.status))
    citizen_id = fields.Integer(allow_none=True)
    rating_id = fields.Integer(allow_none=True)
    subject_type = fields.String(allow_none=True)
    subject_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    due_at = fields.DateTime()
    overdue = fields.Function(lambda t: t.status == "open" and t.due_at < utcnow())
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class TaskDetailOut(TaskOut):
    attempts = fields.Function(lambda t: AttemptOut(many=True).dump(attempts_of(t.id)))


class TaskListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(tuple(STATUS_LABELS)))
    reason = fields.String(validate=validate.OneOf(tuple(REASON_LABELS)))
    overdue = fields.Boolean(load_default=False)


blp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks", description="回访")


@blp.route("")
@staff_required(*WORKERS)
@blp.arguments(TaskListArgs, location="query")
@blp.response(200, page_schema(TaskOut, "CallbackTaskPage"))
def list_tasks(args):
    """回访任务（逾期的排在最前）"""
    return paginate(list_stmt(args), args["page"], args["page_size"])


@blp.route("/<int:task_id>")
@staff_required(*WORKERS)
@blp.response(200, TaskDetailOut)
def get_task_route(task_id):
    """回访任务详情与回访记录"""
    return get_task(task_id)


@blp.route("/<int:task_id>/attempts", methods=["POST"])
@staff_required(*WORKERS)
@blp.arguments(AttemptInput)
@blp.response(201, AttemptOut)
def post_attempt(data, task_id):
    """记录一次回访（时间、结果、备注）"""
    return log_attempt(g.staff, task_id, data)


@blp.route("/<int:task_id>/satisfied", methods=["POST"])
@staff_required("manager")
@blp.arguments(CloseInput)
@blp.response(200, TaskDetailOut)
def post_satisfied(data, task_id):
    """记录群众已满意（负责人）"""
    return close(g.staff, task_id, "satisfied", data.get("note"))


@blp.route("/<int:task_id>/escalate", methods=["POST"])
@staff_required("manager")
@blp.arguments(CloseInput)
@blp.response(200, TaskDetailOut)
def post_escalate(data, task_id):
    """升级处理（负责人）"""
    return close(g.staff, task_id, "escalated", data.get("note"))
