"""Fast read path for a citizen's application detail: the mini-program polls it on every screen.

Two precompiled Core queries (application + lawyer, timeline) and a plain serializer that
produces exactly what `schemas.ApplicationOut` would (tests compare the two), without loading
ORM entities or the citizen row.
"""
from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa

from app import errors
from app.applications import schemas
from app.applications.models import STATUS_LABELS, Application, ApplicationEvent, urgent
from app.auth.models import StaffUser
from app.extensions import db
from ocr import idnumber

_T = Application.__table__
_E = ApplicationEvent.__table__
_S = StaffUser.__table__

# Every stored column the schema exposes, in the schema's order; computed ones are added below
_COMPUTED = {"status_label", "id_number_masked", "is_urgent", "assigned_lawyer", "backfill", "timeline"}
_COLUMNS = [name for name in schemas.ApplicationOut().fields if name not in _COMPUTED]


@functools.cache
def _detail_stmt():
    return (sa.select(*[_T.c[name] for name in _COLUMNS], _T.c.deadline_at, _T.c.backfill_kinds,
                      _T.c.backfill_due_at, _T.c.assigned_lawyer_id, _S.c.full_name.label("lawyer_full_name"),
                      _S.c.username.label("lawyer_username"), _S.c.phone.label("lawyer_phone"))
            .select_from(_T.outerjoin(_S, _S.c.id == _T.c.assigned_lawyer_id))
            .where(_T.c.id == sa.bindparam("id"), _T.c.citizen_id == sa.bindparam("cid")))


@functools.cache
def _events_stmt():
    return (sa.select(_E.c.id, _E.c.action, _E.c.from_status, _E.c.to_status, _E.c.actor_type, _E.c.actor_name,
                      _E.c.note, _E.c.created_at)
            .where(_E.c.application_id == sa.bindparam("id")).order_by(_E.c.id))


def _json(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def application_detail(citizen_id: int, application_id: int) -> dict:
    row = db.session.execute(_detail_stmt(), {"id": application_id, "cid": citizen_id}).first()
    if row is None:
        raise errors.NotFound("未找到该申请")
    events = db.session.execute(_events_stmt(), {"id": application_id}).mappings().all()
    out = {name: _json(getattr(row, name)) for name in _COLUMNS}
    out["status_label"] = STATUS_LABELS[row.status]
    out["id_number_masked"] = idnumber.mask(row.id_number)
    out["is_urgent"] = urgent(row.deadline_at, row.status)
    out["assigned_lawyer"] = None if row.assigned_lawyer_id is None else {
        "id": row.assigned_lawyer_id, "name": row.lawyer_full_name or row.lawyer_username, "phone": row.lawyer_phone}
    if row.backfill_kinds:
        from app.documents.service import backfill_status
        out["backfill"] = backfill_status(row)
    else:
        out["backfill"] = None
    out["timeline"] = [{k: _json(v) for k, v in e.items()} for e in events]
    return out
