"""Fast read path for a citizen's application detail: the mini-program polls it on every screen.

Two precompiled Core queries (application + lawyer, timeline) and a plain serializer that
produces exactly what `schemas.ApplicationOut` would (tests compare the two), without loading
ORM entities or the citizen row.
"""
from __future__ import annotations

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
_COMPUTED = {"status_label", "id_number_masked", "is_urgent", "assigned_lawyer", "backfill", "timeline", "deadlines",
             "letters"}
# Other domains' additions to the detail (app/procedure: deadlines, letters), registered before the
# first request: (extra column expressions given the applications table, fn(row, out) filling `out`)
DETAIL_EXTENSIONS: list = []
_COLUMNS = [name for name in schemas.ApplicationOut().fields if name not in _COMPUTED]


_EVENT_FIELDS = ("id", "action", "from_status", "to_status", "actor_type", "actor_name", "note", "created_at")


@functools.cache
def _detail_stmt():
    """Application, lawyer and timeline in one round trip: one row per event (a timeline is short)."""
    return (sa.select(*[_T.c[name] for name in _COLUMNS], _T.c.deadline_at, _T.c.backfill_kinds,
                      _T.c.backfill_due_at, _T.c.assigned_lawyer_id, _S.c.full_name.label("lawyer_full_name"),
                      _S.c.username.label("lawyer_username"), _S.c.phone.label("lawyer_phone"),
                      *[col for columns, _ in DETAIL_EXTENSIONS for col in columns(_T)],
                      *[_E.c[f].label(f"ev_{f}") for f in _EVENT_FIELDS])
            .select_from(_T.outerjoin(_S, _S.c.id == _T.c.assigned_lawyer_id)
                         .outerjoin(_E, _E.c.application_id == _T.c.id))
            .where(_T.c.id == sa.bindparam("id"), _T.c.citizen_id == sa.bindparam("cid"))
            .order_by(_E.c.id))


_DATE_COLUMNS = [name for name in _COLUMNS if isinstance(_T.c[name].type, (sa.Date, sa.DateTime))
                 or getattr(_T.c[name].type, "impl", None).__class__ is sa.DateTime]


def application_detail(citizen_id: int, application_id: int) -> dict:
    rows = db.session.connection().execute(_detail_stmt(), {"id": application_id, "cid": citizen_id}).all()
    if not rows:
        raise errors.NotFound("未找到该申请")
    row = rows[0]
    values = row._asdict()
    out = {name: values[name] for name in _COLUMNS}
    for name in _DATE_COLUMNS:
        if out[name] is not None:
            out[name] = out[name].isoformat()
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
    for _, fill in DETAIL_EXTENSIONS:
        fill(row, out)
    out["timeline"] = [
        {f: getattr(r, f"ev_{f}") for f in _EVENT_FIELDS} | {"created_at": r.ev_created_at.isoformat()}
        for r in rows if r.ev_id is not None]
    return out
