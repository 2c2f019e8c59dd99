from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType, TimestampMixin
from app.extensions import db


class Centre(TimestampMixin, db.Model):
    """One legal-aid centre. Empty override columns read as the province default in app/config.py."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(255))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # GB/T 2260 county-level codes (6 digits) served; the city centre serves the rest
    districts: Mapped[list] = mapped_column(JSONType, default=list)
    is_city: Mapped[bool] = mapped_column(default=False)
    letter_prefix_decision: Mapped[str | None] = mapped_column(sa.String(32))
    letter_prefix_notice: Mapped[str | None] = mapped_column(sa.String(32))
    letter_prefix_assignment: Mapped[str | None] = mapped_column(sa.String(32))
    bureau_name: Mapped[str | None] = mapped_column(sa.String(64))
    bureau_address: Mapped[str | None] = mapped_column(sa.String(255))
    hardship_monthly_income: Mapped[str | None] = mapped_column(sa.String(16))
    hardship_standard_text: Mapped[str | None] = mapped_column(sa.String(255))
    objection_period_days: Mapped[int | None] = mapped_column()

    def __repr__(self):
        return f"<Centre {self.code}>"
