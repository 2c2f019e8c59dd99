"""Audit log: who did what to which object, when, from where. Written in the caller's transaction."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType
from app.common.permissions import CITIZEN, SYSTEM, role_of
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(sa.String(12))
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[dict | None] = mapped_column(JSONType)

    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)


def record(action: str, *, actor=None, object_type: str | None = None, object_id=None,
           details: dict | None = None) -> AuditLog:
    citizen = role_of(actor) == CITIZEN
    entry = AuditLog(
        at=utcnow(), action=action,
        actor_type=SYSTEM if actor is None else (CITIZEN.value if citizen else "staff"),
        actor_id=getattr(actor, "id", None),
        actor_name=None if actor is None or citizen else actor.username,
        object_type=object_type, object_id=None if object_id is None else str(object_id),
        ip=request.remote_addr if has_request_context() else None, details=details)
    db.session.add(entry)
    return entry
