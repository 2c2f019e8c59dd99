from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import JSONType, TimestampMixin
from app.common.taxonomy import CATEGORIES  # noqa: F401  (re-exported)
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

STATUSES = ("draft", "submitted", "under_review", "expedite_requested", "expedite_approved", "approved",
            "assigned", "in_progress", "closing_review", "closed", "archived", "rejected", "withdrawn", "terminated")
STATUS_LABELS = {
    "draft": "草稿", "submitted": "已提交", "under_review": "审查中", "expedite_requested": "特事特办申请中",
    "expedite_approved": "特事特办已批准", "approved": "已批准", "assigned": "已指派律师",
    "in_progress": "办理中", "closing_review": "结案审查中", "closed": "已结案", "archived": "已归档", "rejected": "不予法律援助", "withdrawn": "已撤回",
    "terminated": "已终止法律援助",
}
FINAL_STATUSES = ("closed", "archived", "rejected", "withdrawn", "terminated")
HARDSHIP_CATEGORIES = ("低保", "特困供养", "农民工追索劳动报酬", "残疾人", "老年人", "军人军属", "其他")
SERVICE_TYPES = {"representation": "代理", "document_drafting": "代书", "advice": "咨询"}
SEXES = ("男", "女")




def _detail_hooks() -> dict:
    """What other domains add to an application's detail, without this package importing them:
    {"deadlines": fn(app) -> dict, "letters": fn(app) -> list}, registered by app/procedure's init_app."""
    return current_app.extensions.get("applications.detail_hooks", {})


def urgent(deadline_at: dt.datetime | None, status: str) -> bool:
    """A legal deadline within URGENT_DEADLINE_HOURS (72 h) makes an open case urgent."""
    if deadline_at is None or status in FINAL_STATUSES:
        return False
    return deadline_at - utcnow() <= dt.timedelta(hours=current_app.config["URGENT_DEADLINE_HOURS"])


class Application(TimestampMixin, db.Model):
    __tablename__ = "applications"
    # the console's list order (newest first), paged 50 at a time
    __table_args__ = (sa.Index("ix_applications_created_at_id", "created_at", "id"),
                      # the work queues' order (migration 0017): `ORDER BY next_due, id LIMIT n`
                      sa.Index("ix_applications_next_due_id", "next_due", "id"),
                      sa.Index("ix_applications_urgent_due_id", "urgent_due", "id"),
                      # the clock scan: `WHERE clock_due <= horizon`
                      sa.Index("ix_applications_clock_due", "clock_due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    status: Mapped[str] = mapped_column(sa.String(24), default="draft", index=True)
    # the competent centre (Art. 38) and the place that makes it so: the GB/T 2260 district of the court or
    # organ handling the matter (basis "organ"), else of the dispute-handling organ or the event ("event")
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    place_district: Mapped[str | None] = mapped_column(sa.String(6))
    place_basis: Mapped[str | None] = mapped_column(sa.String(8))

    # applicant
    applicant_name: Mapped[str | None] = mapped_column(sa.String(64))
    sex: Mapped[str | None] = mapped_column(sa.String(2))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(32))
    birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    id_number: Mapped[str | None] = mapped_column(sa.String(18))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    hukou_address: Mapped[str | None] = mapped_column(sa.String(255))
    current_address: Mapped[str | None] = mapped_column(sa.String(255))
    occupation: Mapped[str | None] = mapped_column(sa.String(64))
    mobility_impaired: Mapped[bool] = mapped_column(default=False)

    # case
    category: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    opposing_party: Mapped[str | None] = mapped_column(sa.String(255))
    court: Mapped[str | None] = mapped_column(sa.String(128))
    case_number: Mapped[str | None] = mapped_column(sa.String(64))
    legal_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    urgency_reason: Mapped[str | None] = mapped_column(sa.String(500))

    # economic status and service asked
    hardship_category: Mapped[str | None] = mapped_column(sa.String(16))
    hardship_statement: Mapped[str | None] = mapped_column(sa.Text)
    service_type: Mapped[str | None] = mapped_column(sa.String(20))

    # home visit
    home_visit_requested: Mapped[bool] = mapped_column(default=False)
    home_visit_address: Mapped[str | None] = mapped_column(sa.String(255))
    home_visit_reason: Mapped[str | None] = mapped_column(sa.String(500))

    # handling
    first_contact_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    assigned_lawyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    expedite_reason: Mapped[str | None] = mapped_column(sa.String(500))
    backfill_kinds: Mapped[list | None] = mapped_column(JSONType)
    backfill_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(500))
    # the Legal Aid Law's procedure keeps its own fields in application_procedure (app/procedure, migration 0008)
    # Stored due dates of an open case (migration 0017), written by app/procedure/due.py after every flush
    # that changes a clock, so that a work queue is `ORDER BY next_due, id LIMIT n` and the clock scan reads
    # only what is due. They live here, not in application_procedure, because every queue filters and is
    # scoped on this table's columns (status, centre_id, assigned_lawyer_id): one table, one index, no join.
    # next_due: the nearest of the SLA due time, the legal deadline and the end of the day of the nearest
    # statutory date (the queues' order); urgent_due: the same once the case is urgent (the SLA's urgent
    # target applies), NULL without a legal deadline; clock_due: the nearest of the review and assignment
    # dates (what the scan alerts on). NULL for a closed case.
    next_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    urgent_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    clock_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    # citizen-confirmed values from OCR prefill: {field: {"value", "document_id"}}
    prefill_confirmed: Mapped[dict | None] = mapped_column(JSONType)

    events = relationship("ApplicationEvent", order_by="ApplicationEvent.id", lazy="raise",
                          back_populates="application")
    assigned_lawyer = relationship("StaffUser", foreign_keys=[assigned_lawyer_id], lazy="joined")

    @property
    def is_urgent(self) -> bool:
        return urgent(self.deadline_at, self.status)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def procedure_deadlines(self) -> dict | None:
        hook = _detail_hooks().get("deadlines")
        return hook(self) if hook else None

    @property
    def procedure_letters(self) -> list:
        hook = _detail_hooks().get("letters")
        return hook(self) if hook else []


class ApplicationEvent(db.Model):
    """Timeline: who did what, when, from which state to which."""

    __tablename__ = "application_events"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(24))
    to_status: Mapped[str | None] = mapped_column(sa.String(24))
    actor_type: Mapped[str] = mapped_column(sa.String(12))  # citizen | staff | system
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # whether the citizen sees this event (internal notes never reach the citizen API or a message)
    citizen_visible: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application = relationship("Application", back_populates="events")
