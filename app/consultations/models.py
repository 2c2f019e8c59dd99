"""Consultation (one hotline call), CDR import runs, and repeat-caller episodes."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.models import JSONType
from app.common.objects import owns
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

OUTCOMES = ("answered", "transferred", "application_started", "home_visit_requested", "callback_needed")
OUTCOME_LABELS = {"answered": "已解答", "transferred": "已转办", "application_started": "已启动援助申请",
                  "home_visit_requested": "已申请上门服务", "callback_needed": "需回访"}
SOURCES = ("console", "import", "demo", "switch")  # switch: live events (app.telephony)
# BIGINT on PostgreSQL (tens of millions of rows and beyond); INTEGER on SQLite so it autoincrements
BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Consultation(db.Model):
    """热线来电. The caller's number is kept as a keyed hash (matching), a masked form (display) and,
    for callbacks only, encrypted; never in clear."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    call_id: Mapped[str] = mapped_column(sa.String(64), unique=True)  # CDR idempotency key
    source: Mapped[str] = mapped_column(sa.String(8), default="console")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_imports.id", ondelete="SET NULL"))

    caller_hash: Mapped[str] = mapped_column(sa.String(64))
    caller_masked: Mapped[str] = mapped_column(sa.String(20))
    caller_enc: Mapped[str | None] = mapped_column(sa.String(255))
    caller_kind: Mapped[str] = mapped_column(sa.String(8), default="mobile")  # mobile | landline | other
    region: Mapped[str] = mapped_column(sa.String(32), default="未知")  # 湖北省武汉市
    province: Mapped[str] = mapped_column(sa.String(16), default="未知")  # 湖北省

    ring_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    wait_seconds: Mapped[int | None] = mapped_column()  # ring -> answer
    duration_seconds: Mapped[int] = mapped_column(default=0)  # answer -> end (talk time); 0 when missed
    # Local (Asia/Shanghai) calendar fields of ring_at, denormalised for analytics and partitioning
    local_date: Mapped[dt.date] = mapped_column(sa.Date)
    local_hour: Mapped[int] = mapped_column(sa.SmallInteger)

    duty_lawyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    agent_no: Mapped[str | None] = mapped_column(sa.String(32))
    topic: Mapped[str | None] = mapped_column(sa.String(16))
    topic_suggested: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.String(24))
    recording_key: Mapped[str | None] = mapped_column(sa.String(512))
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"))
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)  # the centre whose queue it is in

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    duty_lawyer = relationship("StaffUser", foreign_keys=[duty_lawyer_id], lazy="joined")

    __table_args__ = (
        sa.Index("ix_consultations_ring_at", "ring_at"),
        sa.Index("ix_consultations_caller_ring", "caller_hash", "ring_at"),
        sa.Index("ix_consultations_citizen_ring", "citizen_id", "ring_at"),
        sa.Index("ix_consultations_lawyer_date", "duty_lawyer_id", "local_date"),
        sa.Index("ix_consultations_region_date", "region", "local_date"),
        sa.Index("ix_consultations_application", "application_id"),
        sa.CheckConstraint("outcome is null or outcome in ('answered','transferred','application_started',"
                           "'home_visit_requested','callback_needed')", name="outcome"),
    )

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class CallImport(db.Model):
    """One CDR file import: progress for the console's progress bar, errors per line."""

    __tablename__ = "call_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)  # the centre it belongs to
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    storage_key: Mapped[str | None] = mapped_column(sa.String(512))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    encoding: Mapped[str | None] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")  # pending|running|done|failed
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list | None] = mapped_column(JSONType)  # [{"line", "reason"}], first 1000
    message: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RepeatCallerEpisode(db.Model):
    """预警: a number or citizen calling >= N times within the window. One row per episode; further
    calls within the window of the last one extend it instead of raising again."""

    __tablename__ = "repeat_caller_episodes"
    __centre_via__ = "consultation_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    caller_masked: Mapped[str] = mapped_column(sa.String(20))
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(BigID, sa.ForeignKey("consultations.id", ondelete="CASCADE"))
    callback_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("callback_tasks.id"))
    alert_id: Mapped[int | None] = mapped_column()
    region: Mapped[str] = mapped_column(sa.String(32), default="未知")
    topic: Mapped[str | None] = mapped_column(sa.String(16))
    first_call_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_call_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    call_count: Mapped[int] = mapped_column(default=0)
    triggered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# objects the storage reconciler (app.common.reconcile) matches with rows
owns("imports/cdr/", "call_imports", CallImport.storage_key)
owns("recordings/", "consultations", Consultation.recording_key)
