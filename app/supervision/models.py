from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.timeutil import UTCDateTime, utcnow
from app.consultations.models import BigID
from app.extensions import db

DIMENSIONS = {"attitude": "服务态度", "professionalism": "专业水平", "language": "规范用语", "accuracy": "解答准确"}
DIMENSION_MAX = 25  # four dimensions x 25 points = 100


class SampleBatch(db.Model):
    """One sampling run: period, rate, seed. Same parameters -> same calls (reproducible)."""

    __tablename__ = "supervision_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)  # the centre it belongs to
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    rate: Mapped[float] = mapped_column(sa.Float)
    min_per_lawyer: Mapped[int] = mapped_column(default=1)
    seed: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("period_start", "period_end", "rate", "min_per_lawyer", "seed",
                                          name="uq_supervision_samples_params"),)


class Review(db.Model):
    """A sampled call and, once scored, the reviewer's scores."""

    __tablename__ = "supervision_reviews"
    __centre_via__ = "consultation_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_samples.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(BigID, sa.ForeignKey("consultations.id", ondelete="CASCADE"))
    lawyer_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    period_day: Mapped[dt.date] = mapped_column(sa.Date)  # local date of the call
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending | scored
    attitude: Mapped[int | None] = mapped_column()
    professionalism: Mapped[int | None] = mapped_column()
    language: Mapped[int | None] = mapped_column()
    accuracy: Mapped[int | None] = mapped_column()
    total: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(sa.Text)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    scored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    consultation = relationship("Consultation", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("sample_id", "consultation_id", name="uq_supervision_reviews_call"),
                      sa.Index("ix_supervision_reviews_lawyer_day", "lawyer_id", "period_day"))
