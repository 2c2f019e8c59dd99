from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

ALERT_STATUSES = ("open", "acknowledged", "resolved")
STATUS_LABELS = {"open": "待处理", "acknowledged": "已确认", "resolved": "已解除"}
SEVERITIES = ("info", "warning", "critical")
SEVERITY_LABELS = {"info": "提示", "warning": "警告", "critical": "严重"}
KIND_LABELS = {
    "sla_breach": "指派超时",
    "sla_near_breach": "即将超时",
    "backfill_overdue": "补交材料逾期",
    "deadline_close": "法定期限临近",
    "repeat_caller": "重复来电",
    # the Legal Aid Law's clocks (app/procedure)
    "review_overdue": "审查超过法定期限", "review_due_soon": "审查期限将至",
    "assign_overdue": "指派超过法定期限", "assign_due_soon": "指派期限将至",
    "objection_overdue": "异议审查超期", "objection_due_soon": "异议审查期限将至",
}


class Alert(db.Model):
    """One alert. `dedupe_key` makes raising idempotent: the same condition raises one row."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)  # the centre whose queue it is in
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    severity: Mapped[str] = mapped_column(sa.String(10), default="warning")
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    message: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    details: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)
