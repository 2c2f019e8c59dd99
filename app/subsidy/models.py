"""办案补贴 (Art. 52): one subsidy per closed case, computed from the province's standard when the file
is submitted (shown to the lawyer), fixed at acceptance; monthly batches a manager approves and exports.
Amounts are integers in fen (分). A batch is one centre's (one per centre and month, issue 19): its
`centre_id` makes it centre-owned, so another centre's batch is not found (app/centres/scope.py)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import JSONType
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

BATCH_STATUSES = {"draft": "待审批", "approved": "已审批"}


class Subsidy(db.Model):
    __tablename__ = "subsidies"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    lawyer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    amount_fen: Mapped[int] = mapped_column()
    breakdown: Mapped[dict] = mapped_column(JSONType)  # {"case_type", "stage", "base_fen", "adjustments": [...]}
    accepted_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)  # the month it is paid in
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subsidy_batches.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lawyer = relationship("StaffUser", foreign_keys=[lawyer_id], lazy="joined")


class SubsidyBatch(db.Model):
    __tablename__ = "subsidy_batches"
    __table_args__ = (sa.UniqueConstraint("centre_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)  # whose cases it pays
    month: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    total_fen: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    items = relationship("Subsidy", order_by="Subsidy.id", lazy="selectin")

    @property
    def status_label(self) -> str:
        return BATCH_STATUSES[self.status]
