"""Records of a case after assignment (承办 to 归档): change-of-lawyer requests (Art. 55), the lawyer's
reports of a termination situation (Art. 48 last paragraph), the closing file (结案, Art. 50) with its
reviews (结案审查, Art. 59 quality rubric) and the archive bundle (归档). Progress notes are timeline
events of the application (`progress_note` internal, `progress_update` seen by the aided person)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import JSONType
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

CHANGE_STATUSES = {"open": "待决定", "approved": "已同意更换", "refused": "不予更换"}
CHANGE_BY = {"aided": "受援人申请更换", "lawyer": "律师申请退出"}
REPORT_STATUSES = {"open": "待负责人决定", "terminated": "已决定终止", "dismissed": "不予终止，继续援助"}
# 结案 outcomes (the procedure rules' usual ways a matter ends)
OUTCOMES = {
    "judgment": "判决", "ruling": "裁定", "mediation": "调解", "settlement": "和解",
    "arbitration_award": "仲裁裁决", "withdrawal": "撤诉或撤回", "non_litigation": "非诉讼事务办结",
    "document_drafted": "代写法律文书完成", "advice_given": "咨询解答完成", "other": "其他",
}
CLOSING_STATUSES = {"submitted": "待结案审查", "returned": "已退回补正", "accepted": "审查通过"}


class LawyerChange(db.Model):
    """更换法律援助人员 (Art. 55): asked by the aided person or by the lawyer withdrawing; the manager decides."""

    __tablename__ = "lawyer_changes"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(sa.String(8))  # aided (the aided person) | lawyer
    requester_id: Mapped[int] = mapped_column()  # citizens.id or staff_users.id
    from_lawyer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    reasons: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    to_lawyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))
    assign_clock_from: Mapped[dt.date | None] = mapped_column(sa.Date)  # the new assignment clock's event day

    from_lawyer = relationship("StaffUser", foreign_keys=[from_lawyer_id], lazy="joined")
    to_lawyer = relationship("StaffUser", foreign_keys=[to_lawyer_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return CHANGE_STATUSES[self.status]

    @property
    def by_label(self) -> str:
        return CHANGE_BY[self.requested_by]


class TerminationReport(db.Model):
    """The lawyer's report of a termination situation (Art. 48 last paragraph); the manager decides."""

    __tablename__ = "termination_reports"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    lawyer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    ground: Mapped[str] = mapped_column(sa.String(40))
    facts: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))

    lawyer = relationship("StaffUser", foreign_keys=[lawyer_id], lazy="joined")

    @property
    def status_label(self) -> str:
        return REPORT_STATUSES[self.status]


class ClosingFile(db.Model):
    """结案材料 (Art. 50): outcome, copies of the legal documents, the 办理情况报告; one per case,
    resubmitted after a return (each review is kept)."""

    __tablename__ = "closing_files"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    lawyer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    matter_ended_on: Mapped[dt.date] = mapped_column(sa.Date)
    due_date: Mapped[dt.date] = mapped_column(sa.Date)  # 30 日 after the matter ended (Civil Code counting)
    outcome: Mapped[str] = mapped_column(sa.String(24))
    outcome_detail: Mapped[str | None] = mapped_column(sa.String(500))
    report: Mapped[str] = mapped_column(sa.Text)  # 办理情况报告
    document_ids: Mapped[list] = mapped_column(JSONType)
    stage: Mapped[str] = mapped_column(sa.String(24))  # the subsidy standard's stage key
    subsidy: Mapped[dict | None] = mapped_column(JSONType)  # the computation shown to the lawyer
    status: Mapped[str] = mapped_column(sa.String(10), default="submitted", index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)

    lawyer = relationship("StaffUser", foreign_keys=[lawyer_id], lazy="joined")
    reviews = relationship("ClosingReview", order_by="ClosingReview.id", lazy="selectin")

    @property
    def status_label(self) -> str:
        return CLOSING_STATUSES[self.status]

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome, self.outcome)


class ClosingReview(db.Model):
    """结案审查: accept, or return with reasons; the quality rubric's scores (Art. 59)."""

    __tablename__ = "closing_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    closing_file_id: Mapped[int] = mapped_column(sa.ForeignKey("closing_files.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(sa.String(8))  # accept | return
    reasons: Mapped[str | None] = mapped_column(sa.Text)
    scores: Mapped[dict] = mapped_column(JSONType)  # {criterion key: points}
    total: Mapped[int] = mapped_column()
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reviewer = relationship("StaffUser", foreign_keys=[reviewer_id], lazy="joined")

    @property
    def decision_label(self) -> str:
        return "审查通过" if self.decision == "accept" else "退回补正"


class Archive(db.Model):
    """归档: the whole file frozen as one ZIP (with a PDF summary), stored once, with its SHA-256."""

    __tablename__ = "archives"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    manifest: Mapped[list] = mapped_column(JSONType)  # [{"name", "sha256", "size"}]
    archived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    retain_until: Mapped[dt.date] = mapped_column(sa.Date)
