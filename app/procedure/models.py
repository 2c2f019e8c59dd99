"""Procedure records: the application's procedure state (one-to-one with the application, its own table
since migration 0008), the one-time notices, the objections, the letters and their number series."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

NOTICE_STATUSES = {"open": "等待补充", "complete": "已补齐", "lapsed": "逾期未补（视为撤回）", "cancelled": "已取消"}
OBJECTION_STATUSES = {"open": "待审查", "upheld": "维持原决定", "corrected": "责令改正"}
LETTER_KINDS = {
    "grant": "给予法律援助决定书",
    "refusal": "不予法律援助决定书",
    "supplement_notice": "补充材料通知书",
    "expedite": "先行提供法律援助决定书",
    "termination": "终止法律援助决定书",
    "assignment": "指派通知书",
    "receipt": "收件回执",
    "withdrawal": "视为撤回申请通知书",
    "bureau_upheld": "维持决定书",
    "bureau_corrected": "责令改正决定书",
    "termination_notice": "终止法律援助通知书",
    "resumption_notice": "恢复法律援助通知书",
    "lawyer_change": "更换通知",  # app/handling (Art. 55)
}


class ApplicationProcedure(db.Model):
    """The procedure's state of one application: the screen answer and the integrity commitment, when the
    review and assignment clocks count from, the decision with its grounds, the 先行提供 and termination
    grounds, the citizen's objection deadline. One row per application, written on the procedure's first
    write (`state`); an application without one reads as all empty (`read_state`)."""

    __tablename__ = "application_procedure"
    __centre_via__ = "application_id"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    eligibility: Mapped[dict | None] = mapped_column(JSONType)  # {"input", "answer", "screened_at"}
    eligibility_override: Mapped[dict | None] = mapped_column(JSONType)  # {"result", "reason", "by", "at"}
    integrity_commitment: Mapped[dict | None] = mapped_column(JSONType)  # {"version", "text", "accepted_at"}
    review_clock_from: Mapped[dt.date | None] = mapped_column(sa.Date)  # event day the review period counts from
    # the days of the review period left from review_clock_from: 七日 at submission, what the one-time notice
    # left unused when the materials arrive (the clock resumes, it never restarts; migration 0010)
    review_days: Mapped[int | None] = mapped_column()
    decision: Mapped[str | None] = mapped_column(sa.String(12))  # granted | refused
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_grounds: Mapped[list | None] = mapped_column(JSONType)  # [{"key", "article", "text"}]
    expedite_ground: Mapped[str | None] = mapped_column(sa.String(40))
    assign_clock_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    termination_ground: Mapped[str | None] = mapped_column(sa.String(40))
    objection_due: Mapped[dt.date | None] = mapped_column(sa.Date)


PROCEDURE_FIELDS = tuple(c.name for c in ApplicationProcedure.__table__.columns if c.name != "application_id")


def state(app_) -> ApplicationProcedure:
    """The application's procedure row, to write (added to the session if it is the first)."""
    found = db.session.get(ApplicationProcedure, app_.id)
    if found is None:
        found = ApplicationProcedure(application_id=app_.id)
        db.session.add(found)
    return found


def read_state(app_) -> ApplicationProcedure:
    """The application's procedure row, to read: an empty one (not added) if there is none yet."""
    return db.session.get(ApplicationProcedure, app_.id) or ApplicationProcedure(application_id=app_.id)


class SupplementNotice(db.Model):
    """补充材料通知 (一次性告知): every missing item at once, with a due date; the review clock stops."""

    __tablename__ = "supplement_notices"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    # [{"key", "label", "kind", "received_at": iso | null}]
    items: Mapped[list] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    days: Mapped[int | None] = mapped_column()  # the period, from the day after the notice was delivered
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)  # known once the notice is delivered
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        return NOTICE_STATUSES[self.status]

    @property
    def missing(self) -> list[dict]:
        return [i for i in self.items if not i.get("received_at")]


class Objection(db.Model):
    """异议 (Art. 49) against a refusal or a termination, decided once by the justice bureau."""

    __tablename__ = "objections"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    against: Mapped[str] = mapped_column(sa.String(12))  # refusal | termination
    against_letter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("letters.id"))
    reasons: Mapped[str] = mapped_column(sa.Text)
    document_ids: Mapped[list | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decide_by: Mapped[dt.date] = mapped_column(sa.Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def status_label(self) -> str:
        return OBJECTION_STATUSES[self.status]

    @property
    def against_label(self) -> str:
        return "不予法律援助决定" if self.against == "refusal" else "终止法律援助决定"


class Letter(db.Model):
    """A written decision (法律文书): immutable PDF in object storage, its SHA-256 and its data."""

    __tablename__ = "letters"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    series: Mapped[str] = mapped_column(sa.String(32))
    year: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    number: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(JSONType)

    __table_args__ = (sa.UniqueConstraint("series", "year", "seq", name="uq_letters_series_year_seq"),)

    @property
    def kind_label(self) -> str:
        return LETTER_KINDS[self.kind]


class LetterCounter(db.Model):
    """The last number given in a series and year; incremented under a row lock in the letter's transaction."""

    __tablename__ = "letter_counters"

    series: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
