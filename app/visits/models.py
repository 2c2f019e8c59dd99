from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import TimestampMixin
from app.common.timeutil import UTCDateTime
from app.extensions import db

HOME_VISIT_STATUSES = ("requested", "scheduled", "done", "cancelled")
HOME_VISIT_LABELS = {"requested": "待安排", "scheduled": "已安排", "done": "已完成", "cancelled": "已取消"}


class HomeVisit(TimestampMixin, db.Model):
    """上门服务: requested (duty lawyer, or the citizen through the application), scheduled with a
    lawyer and a time, recorded when done."""

    __tablename__ = "home_visits"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="requested", index=True)
    address: Mapped[str] = mapped_column(sa.String(255))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    requested_by_type: Mapped[str] = mapped_column(sa.String(12))  # citizen | staff
    requested_by_id: Mapped[int | None] = mapped_column()
    lawyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    scheduled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    result_note: Mapped[str | None] = mapped_column(sa.String(1000))

    lawyer = relationship("StaffUser", foreign_keys=[lawyer_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return HOME_VISIT_LABELS.get(self.status, self.status)
