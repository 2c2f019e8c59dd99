"""The one place that keeps centres apart: every ORM statement run for a member of staff is scoped to the
centres that person may see, by `with_loader_criteria` added in a `do_orm_execute` listener.

- A model is centre-owned when it has a `centre_id` column (applications, calls, callbacks, alerts, subsidy
  batches, audit entries, staff accounts: one's own is always found); with `__centre_null__ = "city"` a row
  of no centre is the city centre's (the platform's own audit entries), or
  belongs to an application (`__centre_via__ = "application_id"`: documents, letters, objections, the
  timeline, notices, home visits, the procedure's state) or to a call (`"consultation_id"`: supervision
  reviews, repeat-caller episodes); it is scoped through that table.
- Who: the request's staff member (`g.staff` for the API, `g.console_staff` for the console). Centre staff
  see their own centre; a bureau reviewer the centres whose bureau is its own; city-level roles see every
  centre, or the one chosen with `?centre=<code>` (the centre filter of every page).
- Not scoped: citizens (they see only their own rows, checked by ownership), requests without staff and
  background tasks (no request context), and code inside `unscoped(reason)`, which is audited.
Because the criteria are added to the statement, a route that forgets a filter cannot leak: another
centre's row is simply not found (404)."""
from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from app.audit import record
from app.common.permissions import CITIZEN, P
from app.extensions import db

CITY_LEVEL = P.see_all_centres  # roles that see every centre (with a centre filter)
BUREAU_LEVEL = P.see_bureau_centres  # sees the centres its bureau set up


def _staff():
    if not has_request_context():
        return None
    return g.get("staff") or g.get("console_staff")


def _centres_table() -> sa.Table:
    return db.metadata.tables["centres"]


def _by_code(code: str) -> int | None:
    t = _centres_table()
    with _bypass():
        return db.session.execute(sa.select(t.c.id).where(t.c.code == code)).scalar()


def visible_centre_ids(staff=None) -> tuple[int, ...] | None:
    """The centre ids the caller may see, None for all (city level without a filter, no staff)."""
    staff = staff if staff is not None else _staff()
    if staff is None or getattr(staff, "role", CITIZEN) == CITIZEN:
        return None
    cached = g.get("_centre_scope")
    if cached is not None and cached[0] == staff.id:
        return cached[1]
    if staff.role in CITY_LEVEL:
        code = request.args.get("centre") if has_request_context() else None
        cid = _by_code(code) if code else None
        ids = None if cid is None else (cid,)
    elif staff.role in BUREAU_LEVEL:
        t = _centres_table()
        with _bypass():
            own = db.session.execute(sa.select(t.c.bureau_name).where(t.c.id == staff.centre_id)).scalar()
            ids = tuple(db.session.execute(sa.select(t.c.id).where(
                sa.func.coalesce(t.c.bureau_name, "") == (own or ""))).scalars())
    else:
        ids = (staff.centre_id or 0,)  # staff without a centre see nothing of any centre
    g._centre_scope = (staff.id, ids)
    return ids


def centre_filter() -> str | None:
    """The code chosen in the centre filter (city level), for pages to show."""
    return request.args.get("centre") or None if has_request_context() else None


@contextlib.contextmanager
def _bypass():
    prev = g.get("_centre_bypass", False) if has_request_context() else False
    if has_request_context():
        g._centre_bypass = True
    try:
        yield
    finally:
        if has_request_context():
            g._centre_bypass = prev


@contextlib.contextmanager
def unscoped(reason: str, *, actor=None):
    """Run a block without the centre scope, recorded in the audit log (e.g. a transfer reads the target)."""
    staff = actor if actor is not None else _staff()
    if staff is not None:
        record("centres.scope_bypass", actor=staff, object_type="centre", object_id=getattr(staff, "centre_id", None),
               details={"reason": reason})
    with _bypass():
        yield


def _owned_models():
    direct, via = [], []
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__centre_via__", None):
            via.append(cls)
        elif "centre_id" in mapper.columns and cls.__tablename__ != "centres":
            direct.append(cls)
    return direct, via


_MODELS: list = []


def _models():
    if not _MODELS:
        _MODELS.append(_owned_models())
    return _MODELS[0]


def criteria(ids: tuple[int, ...], me_id: int) -> list:
    direct, via = _models()
    parents = {"application_id": db.metadata.tables["applications"], "consultation_id": db.metadata.tables["consultations"]}
    in_centres = {col: sa.select(t.c.id).where(t.c.centre_id.in_(ids)).scalar_subquery() for col, t in parents.items()}
    # staff accounts too (the roster, lawyers to assign): another centre's people are not found; one's own
    # account always is (a city manager filtering by another centre still reloads itself)
    centres = _centres_table()
    city_seen = sa.exists().where(centres.c.is_city == sa.true(), centres.c.id.in_(ids))

    def own(cls):
        if cls.__tablename__ == "staff_users":
            return sa.or_(cls.centre_id.in_(ids), cls.id == me_id)
        if getattr(cls, "__centre_null__", None) == "city":
            return sa.or_(cls.centre_id.in_(ids), sa.and_(cls.centre_id.is_(None), city_seen))
        return cls.centre_id.in_(ids)
    opts = [with_loader_criteria(cls, own(cls), include_aliases=True) for cls in direct]
    opts += [with_loader_criteria(cls, getattr(cls, cls.__centre_via__).in_(in_centres[cls.__centre_via__]),
                                  include_aliases=True) for cls in via]
    return opts


@event.listens_for(Session, "do_orm_execute")
def _scope(state) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria already travel with the loaded entities' options
    if not has_request_context() or g.get("_centre_bypass") or state.execution_options.get("centre_scope") is False:
        return
    staff = _staff()
    if staff is None:
        return
    ids = visible_centre_ids(staff)
    if ids is None:
        return
    state.statement = state.statement.options(*criteria(ids, staff.id))
