"""Fast read paths for a citizen's applications: the mini-program polls the detail on every screen
and opens the list on start.

Each request is one precompiled Core statement that the guard layer (`guards.citizen_owned`)
wraps with the token check and the ownership condition, run without a transaction, and a plain
serializer that produces exactly what `schemas.ApplicationOut` / `schemas.ApplicationPageOut`
would (tests compare them), encoded by orjson. No ORM entity and no citizen row is loaded.

A field added to `ApplicationOut` that is a stored column appears here by itself; a computed one
must be added to `_COMPUTED` and to `_detail` (the schema test fails until it is).
"""
from __future__ import annotations

import functools

import orjson
import sqlalchemy as sa
from flask import Response, current_app, g

from app import errors
from app.centres.models import Centre
from app.applications import schemas
from app.applications.actions import citizen_allowed_actions, event_label
from app.applications.service import backfill_status
from app.applications.models import STATUS_LABELS, Application, ApplicationEvent, urgent
from app.auth import guards
from app.auth.models import StaffUser
from app.common import readonly
from app.common.timeutil import local_today
from ocr import idnumber

_T = Application.__table__
_E = ApplicationEvent.__table__
_S = StaffUser.__table__
_C = Centre.__table__

# Every stored column the schema exposes, in the schema's order; computed ones are added below
_COMPUTED = {"status_label", "id_number_masked", "is_urgent", "assigned_lawyer", "backfill", "timeline", "deadlines",
             "letters", "allowed_actions", "centre"}
# Other domains' additions to the detail (app/procedure: deadlines, letters) are registered by their
# init_app on app.extensions["applications.detail"]: (fn(from, applications table) joining its table,
# extra column expressions given the applications table, fn(row, out) filling `out`)
_COLUMNS = [name for name in schemas.ApplicationOut().fields if name not in _COMPUTED]
_LIST_COLUMNS = [name for name in schemas.ApplicationSummaryOut().fields if name not in _COMPUTED]
_EVENT_FIELDS = ("id", "action", "from_status", "to_status", "actor_type", "actor_name", "note", "created_at")


def _is_temporal(column) -> bool:
    t = column.type
    return isinstance(t, (sa.Date, sa.DateTime)) or isinstance(getattr(t, "impl", None), (sa.Date, sa.DateTime))


_DATE_COLUMNS = frozenset(name for name in _COLUMNS if _is_temporal(_T.c[name]))


def json_response(data) -> Response:
    # orjson: several times faster than json.dumps on these payloads, and UTF-8 as Flask's (ensure_ascii off)
    return Response(orjson.dumps(data), mimetype="application/json")


# --- detail ------------------------------------------------------------------------------------

def _extensions() -> tuple:
    return tuple(current_app.extensions.get("applications.detail", ()))


def _joined(extensions: tuple):
    from_ = _T.outerjoin(_S, _S.c.id == _T.c.assigned_lawyer_id).outerjoin(_C, _C.c.id == _T.c.centre_id)
    for join, _, _ in extensions:
        from_ = join(from_, _T)
    return from_


@functools.cache
def _detail_stmt(extensions: tuple):
    """Application, lawyer and timeline in one statement (one row per event; a timeline is short)."""
    resource = (sa.select(_T.c.id, *[_T.c[name] for name in _COLUMNS if name != "id"], _T.c.deadline_at,
                          _T.c.backfill_kinds, _T.c.backfill_due_at, _T.c.assigned_lawyer_id,
                          _S.c.full_name.label("lawyer_full_name"), _S.c.username.label("lawyer_username"),
                          _S.c.phone.label("lawyer_phone"), _S.c.law_firm.label("lawyer_law_firm"),
                          _C.c.code.label("centre_code"), _C.c.name.label("centre_name"),
                          *[col for _, columns, _ in extensions for col in columns(_T)],
                          *[_E.c[f].label(f"ev_{f}") for f in _EVENT_FIELDS])
                .select_from(_joined(extensions)
                             .outerjoin(_E, sa.and_(_E.c.application_id == _T.c.id,
                                                   _E.c.citizen_visible.is_(True))))  # internal notes stay internal
                .where(_T.c.id == sa.bindparam("id")))
    return guards.citizen_owned(resource, _T.c.citizen_id, order_by=("ev_id",))


def application_detail(application_id: int) -> dict:
    """The calling citizen's application as `ApplicationOut` renders it; 404 if not theirs."""
    rows = guards.owned_rows(_detail_stmt(_extensions()), {"id": application_id})
    if not rows:
        raise errors.NotFound("未找到该申请")
    return _detail(rows)


def _iso(value):
    return None if value is None else value.isoformat()


def _detail(rows: list[dict]) -> dict:
    row = rows[0]
    out = {name: (_iso(row[name]) if name in _DATE_COLUMNS else row[name]) for name in _COLUMNS}
    out["status_label"] = STATUS_LABELS[row["status"]]
    out["id_number_masked"] = idnumber.mask(row["id_number"])
    out["is_urgent"] = urgent(row["deadline_at"], row["status"])
    out["assigned_lawyer"] = None if row["assigned_lawyer_id"] is None else {
        "id": row["assigned_lawyer_id"], "name": row["lawyer_full_name"] or row["lawyer_username"],
        "phone": row["lawyer_phone"], "law_firm": row["lawyer_law_firm"]}
    out["centre"] = None if row["centre_code"] is None else {"code": row["centre_code"], "name": row["centre_name"]}
    if row["backfill_kinds"]:
        out["backfill"] = backfill_status(row)  # rows also answer attribute access (readonly.RowDict)
    else:
        out["backfill"] = None
    for _, _, fill in _extensions():
        fill(row, out)
    out["allowed_actions"] = citizen_allowed_actions(row["status"], out.get("deadlines"), local_today())
    out["timeline"] = [
        {"id": r["ev_id"], "action": r["ev_action"], "action_label": event_label(r["ev_action"]),
         "from_status": r["ev_from_status"], "to_status": r["ev_to_status"], "actor_type": r["ev_actor_type"],
         "actor_name": r["ev_actor_name"], "note": r["ev_note"], "created_at": r["ev_created_at"].isoformat()}
        for r in rows if r["ev_id"] is not None]
    return out


# --- list ----------------------------------------------------------------------------------------

@functools.cache
def _list_stmt(with_status: bool):
    resource = sa.select(_T.c.id, *[_T.c[name] for name in _LIST_COLUMNS if name != "id"], _T.c.id_number,
                         _T.c.deadline_at, sa.func.count().over().label("_total"))
    if with_status:
        resource = resource.where(_T.c.status == sa.bindparam("status"))
    resource = (resource.order_by(_T.c.created_at.desc(), _T.c.id.desc())
                .limit(sa.bindparam("limit", type_=sa.Integer))
                .offset(sa.bindparam("offset", type_=sa.Integer)))
    return guards.citizen_owned(resource, _T.c.citizen_id, order_by=("-created_at", "-id"))


@functools.cache
def _count_stmt(with_status: bool):
    stmt = sa.select(sa.func.count().label("n")).select_from(_T).where(_T.c.citizen_id == sa.bindparam("cid"))
    return readonly.Read(stmt.where(_T.c.status == sa.bindparam("status")) if with_status else stmt)


_LIST_DATES = tuple(name for name in _LIST_COLUMNS if name in _DATE_COLUMNS)


def application_page(status: str | None, page: int, page_size: int) -> dict:
    """The calling citizen's applications, newest first, as `ApplicationPageOut` renders them."""
    params = {"limit": page_size, "offset": (page - 1) * page_size}
    if status:
        params["status"] = status
    rows = guards.owned_rows(_list_stmt(bool(status)), params)
    if rows:
        total = rows[0]["_total"]
    elif page == 1:
        total = 0
    else:  # past the last page: the window count has no row to ride on
        total = readonly.rows(_count_stmt(bool(status)), {"cid": g.citizen_id, **({"status": status} if status else {})})[0]["n"]
    items = []
    for row in rows:
        item = {name: row[name] for name in _LIST_COLUMNS}
        for name in _LIST_DATES:
            item[name] = _iso(item[name])
        item["status_label"] = STATUS_LABELS[row["status"]]
        item["id_number_masked"] = idnumber.mask(row["id_number"])
        item["is_urgent"] = urgent(row["deadline_at"], row["status"])
        items.append(item)
    return {"items": items, "page": page, "page_size": page_size, "total": total}
