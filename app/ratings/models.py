from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db
from app.common.permissions import CITIZEN

SUBJECT_TYPES = ("application", "consultation")
BAD_RATING_MAX = 2  # a rating of this many stars or fewer opens a callback task


class Rating(db.Model):
    """服务评价. One per subject per citizen; a follow-up during an open callback is a new round."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once the citizen deleted their account (app/privacy: the rating stays, its identity goes), or
    # for a phone survey (the caller pressed 1–5 after the call) when the call is linked to no citizen
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(12), default=CITIZEN.value, server_default=CITIZEN.value)  # | phone_survey
    subject_type: Mapped[str] = mapped_column(sa.String(16))
    subject_id: Mapped[int] = mapped_column()
    round: Mapped[int] = mapped_column(default=0)  # 0 = first rating, n = follow-up after callback
    stars: Mapped[int] = mapped_column()
    attitude: Mapped[int | None] = mapped_column()
    professionalism: Mapped[int | None] = mapped_column()
    timeliness: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(sa.Text)
    lawyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("citizen_id", "subject_type", "subject_id", "round", name="uq_ratings_subject_round"),
        sa.Index("ix_ratings_subject", "subject_type", "subject_id"),
        sa.CheckConstraint("stars between 1 and 5", name="stars"),
        # one phone-survey rating per call (citizen ratings are unique by citizen, subject and round)
        sa.Index("uq_ratings_phone_survey", "subject_type", "subject_id", unique=True,
                 postgresql_where=sa.text("source = 'phone_survey'"), sqlite_where=sa.text("source = 'phone_survey'")),
    )

