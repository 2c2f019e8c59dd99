"""Callback tasks (回访) and the attempts logged on them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

RESULTS = {"no_answer": "无人接听", "busy": "占线", "wrong_number": "号码错误", "reached": "已联系，仍不满意",
           "reached_pending": "已联系，待处理", "other": "其他"}
REASON_LABELS = {"bad_rating": "差评回访", "repeat_caller": "重复来电预警", "alert": "预警回访"}
STATUS_LABELS = {"open": "待回访", "satisfied": "已满意", "escalated": "已升级处理"}


class CallbackTask(db.Model):
    """回访: opened by a bad rating (or an alert); attempts logged until satisfied or escalated."""

    __tablename__ = "callback_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)  # the centre whose queue it is in
    reason: Mapped[str] = mapped_column(sa.String(20))  # bad_rating | repeat_caller | alert
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)  # open|satisfied|escalated
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    rating_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ratings.id"))
    subject_type: Mapped[str | None] = mapped_column(sa.String(16))
    subject_id: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.String(500))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    # by name: ratings open callback tasks, so this package does not import them
    rating = relationship("Rating", lazy="select")
    attempts = relationship("CallbackAttempt", lazy="select", order_by="[CallbackAttempt.at, CallbackAttempt.id]",
                            viewonly=True)


class CallbackAttempt(db.Model):
    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    result: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
