from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db


class Notification(db.Model):
    """A WeChat subscribe message to a citizen. Delivery is retried; the row records the outcome."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    page: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
