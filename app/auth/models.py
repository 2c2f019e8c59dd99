from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import TimestampMixin
from app.common.timeutil import UTCDateTime
from app.common import permissions
from app.extensions import db



class Citizen(TimestampMixin, db.Model):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # Encrypted with a key derived from SECRET_KEY; never serialised, never logged
    session_key_enc: Mapped[str | None] = mapped_column(sa.String(255))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    phone_country_code: Mapped[str | None] = mapped_column(sa.String(8))
    phone_bound_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    nickname: Mapped[str | None] = mapped_column(sa.String(64))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # the account was deleted (app/privacy): identifiers gone, kept only as the anchor of kept case files
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    role = permissions.CITIZEN

    def __repr__(self):  # never print session_key
        return f"<Citizen {self.id}>"


class StaffUser(TimestampMixin, db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(64), default="")
    staff_no: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # aid lawyers' roster data
    specialties: Mapped[str | None] = mapped_column(sa.String(255))  # comma-separated categories
    region: Mapped[str | None] = mapped_column(sa.String(64))
    available: Mapped[bool] = mapped_column(default=True)
    law_firm: Mapped[str | None] = mapped_column(sa.String(128))  # the aid lawyer's firm (shown to the aided person)
    # the centre the account belongs to (city-level roles: the city centre; a bureau reviewer: a centre of its bureau)
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("centres.id"), index=True)

    __table_args__ = (sa.CheckConstraint(sa.text("role in (%s)" % ",".join(f"'{r}'" for r in permissions.STAFF_ROLES)), name="role"),)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def __repr__(self):
        return f"<StaffUser {self.username} {self.role}>"


class AuthToken(db.Model):
    """Opaque bearer tokens, stored hashed. An access token and its refresh token share a family."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # access | refresh
    family: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(10))  # citizen | staff
    subject_id: Mapped[int] = mapped_column(index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
