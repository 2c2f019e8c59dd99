"""Audit log: who did what to which object, when, from where. Written in the caller's transaction.

An entry names the centre it concerns (issue 19): the centre of its object when that has one (an
application, a call, a batch …), else the centre of the member of staff who acted; none for the
platform's own entries (the system, a failed login, a citizen's account), which belong to the city
centre. `centre_id` makes the log centre-owned (app/centres/scope.py): a centre's admin sees its
centre's entries, a city-level role every centre's (or one, with the centre filter)."""
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
    __centre_null__ = "city"  # an entry of no centre is the city centre's (app/centres/scope.py)

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
    centre_id: Mapped[int | None] = mapped_column(index=True)  # no foreign key: the log outlives what it names

    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)


# object types whose table has a centre_id of its own (the entry is that centre's)
OBJECT_TABLES = {"application": "applications", "consultation": "consultations", "callback_task": "callback_tasks",
                 "alert": "alerts", "call_import": "call_imports", "supervision_sample": "supervision_samples",
                 "staff_user": "staff_users", "subsidy_batch": "subsidy_batches"}


def _centre_of_object(object_type, object_id) -> int | None:
    if object_type == "centre":
        return int(object_id)
    table = OBJECT_TABLES.get(object_type)
    if table is None:
        return None
    for key in list(db.session.identity_map.keys()):  # loaded already (the usual case): no statement
        if key[1] == (object_id,) and getattr(key[0], "__tablename__", None) == table:
            obj = db.session.identity_map.get(key)
            if obj is not None and "centre_id" in obj.__dict__:  # not expired
                return obj.centre_id
            break
    t = db.metadata.tables[table]
    return db.session.execute(sa.select(t.c.centre_id).where(t.c.id == object_id)
                              .execution_options(centre_scope=False)).scalar()


def centre_of(actor, object_type: str | None, object_id) -> int | None:
    """The centre an entry concerns: its object's, else the acting staff member's, else none (the city's)."""
    try:
        oid = None if object_id is None else int(object_id)
    except (TypeError, ValueError):
        oid = None
    cid = _centre_of_object(object_type, oid) if oid is not None else None
    if cid is None and role_of(actor) not in (CITIZEN, SYSTEM):
        cid = getattr(actor, "centre_id", None)
    return cid


def record(action: str, *, actor=None, object_type: str | None = None, object_id=None,
           details: dict | None = None, centre_id: int | None = None) -> AuditLog:
    citizen = role_of(actor) == CITIZEN
    if centre_id is None:
        centre_id = centre_of(actor, object_type, object_id)
    entry = AuditLog(centre_id=centre_id,
        at=utcnow(), action=action,
        actor_type=SYSTEM if actor is None else (CITIZEN.value if citizen else "staff"),
        actor_id=getattr(actor, "id", None),
        actor_name=None if actor is None or citizen else actor.username,
        object_type=object_type, object_id=None if object_id is None else str(object_id),
        ip=request.remote_addr if has_request_context() else None, details=details)
    db.session.add(entry)
    return entry
