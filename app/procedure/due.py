"""The stored due dates of each open case (applications.next_due, urgent_due, clock_due; migration 0017),
so that a work queue is `ORDER BY next_due, id LIMIT n` plus a count and the clock scan reads only what is
due, instead of loading every open case and computing its clocks in Python.

- next_due: what the queues sort by — the nearest of the SLA due time (sla.state's due_at), the legal
  deadline (deadline_at) and the end of the local day of the nearest statutory date (review, one-time
  notice, assignment, objection; `clocks.deadlines_many`).
- urgent_due: the same for a case whose legal deadline is within URGENT_DEADLINE_HOURS (the queues put
  those first): once urgent, the SLA's "urgent" target applies (`sla.was_urgent`), so its due time may be
  earlier. NULL without a legal deadline (such a case never becomes urgent).
- clock_due: the nearest of the review and assignment dates, what the scan alerts on.

None of these depends on today: each is a function of what is stored (the status, the procedure state,
the open notice, the objections, the SLA fields). They are recomputed after every flush that changes one
of those (`after_flush`, registered by `init_app`; and after an ORM bulk UPDATE or DELETE of those rows,
`_bulk`), so every transition — submit, notice paused and
resumed, delivery, grant, expedite, assignment, transfer — keeps them right without each flow calling
anything. A change of configuration (REVIEW_DAYS, the clock rules, holidays, SLA targets) needs
`recompute` over the open cases (`flask procedure recompute-due`)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value

from app.applications import sla
from app.applications.models import FINAL_STATUSES, Application
from app.common.timeutil import end_of_local_day
from app.procedure import clocks
from app.procedure.models import ApplicationProcedure, Objection, SupplementNotice

# the case's columns the stored dates depend on (the procedure's rows: any change)
WATCHED = ("status", "deadline_at", "legal_deadline", "first_contact_at", "submitted_at", "category",
           "expedite_reason", "backfill_kinds")
_COLUMNS = ("id", "status", "legal_deadline", "deadline_at", "first_contact_at", "submitted_at", "assigned_at",
            "category", "expedite_reason", "backfill_kinds")
UNSCOPED = {"centre_scope": False}


class _Case:
    """The columns the clocks read, from a Core row; `is_urgent` fixed (before / once urgent)."""
    __slots__ = _COLUMNS + ("is_urgent",)

    def __init__(self, row, is_urgent=False):
        for name, value in zip(_COLUMNS, row):
            setattr(self, name, value)
        self.is_urgent = is_urgent


def _earliest(*moments):
    found = [m for m in moments if m is not None]
    return min(found) if found else None


def _sla_due(case: _Case, urgent_now: bool) -> dt.datetime | None:
    case.is_urgent = urgent_now
    target, start = sla.target_minutes(case), sla.clock_start(case)
    return start + dt.timedelta(minutes=target) if target is not None and start is not None else None


def compute(session, ids) -> dict[int, tuple]:
    """{application id: (next_due, urgent_due, clock_due)} read through `session` (unscoped)."""
    ids = list(ids)
    if not ids:
        return {}
    cols = [getattr(Application, c) for c in _COLUMNS]
    cases = [_Case(r) for r in session.execute(sa.select(*cols).where(Application.id.in_(ids))
                                                .execution_options(**UNSCOPED))]
    live = [c for c in cases if c.status not in FINAL_STATUSES and c.status != "draft"]
    found = clocks.deadlines_many(live, session, scoped=False)
    out = {c.id: (None, None, None) for c in cases}
    for c in live:
        d = found[c.id]
        law = clocks.nearest_due(d)
        law_end = end_of_local_day(law) if law else None
        next_due = _earliest(_sla_due(c, False), c.deadline_at, law_end)
        urgent_due = _earliest(_sla_due(c, True), c.deadline_at, law_end) if c.deadline_at else None
        out[c.id] = (next_due, urgent_due, _earliest(d["review_due"], d["assign_due"]))
    return out


def store(session, values: dict[int, tuple]) -> None:
    """Write computed dates with Core on the session's connection (no flush, no ORM events), and into the
    loaded objects so that they read the same."""
    if not values:
        return
    t = Application.__table__
    conn = session.connection()
    conn.execute(t.update().where(t.c.id == sa.bindparam("b_id")).values(
        next_due=sa.bindparam("b_next"), urgent_due=sa.bindparam("b_urgent"), clock_due=sa.bindparam("b_clock")),
        [{"b_id": i, "b_next": n, "b_urgent": u, "b_clock": c} for i, (n, u, c) in values.items()])
    for i, (n, u, c) in values.items():
        obj = session.identity_map.get(identity_key(Application, i))
        if obj is not None:
            set_committed_value(obj, "next_due", n)
            set_committed_value(obj, "urgent_due", u)
            set_committed_value(obj, "clock_due", c)


def recompute(session, ids=None, batch: int = 2000) -> int:
    """Recompute and store the dates of the given cases, or of every case not closed (the migration, a
    change of configuration, the scale benchmark). Returns the number of cases written."""
    if ids is None:
        ids = session.execute(sa.select(Application.id).where(Application.status.not_in(FINAL_STATUSES))
                              .order_by(Application.id).execution_options(**UNSCOPED)).scalars().all()
    ids = list(ids)
    for i in range(0, len(ids), batch):
        store(session, compute(session, ids[i:i + batch]))
    return len(ids)


def _changed(obj) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def affected(session) -> set[int]:
    """The cases whose stored dates the flush may have changed."""
    ids = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Application):
            if obj not in session.deleted and (obj in session.new or _changed(obj)):
                ids.add(obj.id)
        elif isinstance(obj, (ApplicationProcedure, SupplementNotice, Objection)):
            ids.add(obj.application_id)
    ids.discard(None)
    return ids


def _after_flush(session, _ctx) -> None:
    if not has_app_context() or "procedure.due" not in current_app.extensions:
        return
    ids = affected(session)
    if not ids:
        return
    with session.no_autoflush:
        store(session, compute(session, ids))


# a bulk UPDATE / DELETE (`session.execute(sa.update(Model)...)`) does not flush the objects: the cases it
# touches are read before it runs and recomputed after
_BULK = {"applications": "id", "application_procedure": "application_id", "supplement_notices": "application_id",
         "objections": "application_id"}


def _bulk(state):
    if not (state.is_update or state.is_delete) or not has_app_context() \
            or "procedure.due" not in current_app.extensions:
        return None
    table = getattr(state.statement, "table", None)
    col = _BULK.get(getattr(table, "name", None))
    if col is None:
        return None
    values = getattr(state.statement, "_values", None) or {}
    names = {getattr(k, "key", getattr(k, "name", k)) for k in values}
    if table.name == "applications" and state.is_update and names and not names & set(WATCHED):
        return None
    where = state.statement.whereclause
    conn = state.session.connection()
    ids = set(conn.execute(sa.select(table.c[col]).where(where) if where is not None else sa.select(table.c[col]))
              .scalars())
    result = state.invoke_statement()
    with state.session.no_autoflush:
        store(state.session, compute(state.session, ids))
    return result


def init_app(app) -> None:
    app.extensions["procedure.due"] = True
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "do_orm_execute", _bulk):
        event.listen(Session, "do_orm_execute", _bulk)


def horizon(today: dt.date) -> dt.date:
    """The last clock_due the scan must read: a date is "near" when at most CLOCK_NEAR_DAYS days are left by
    its clock's rule (calendar days or working days); the (near + 1)-th working day after today is beyond
    both."""
    return clocks.calendar().add_workdays(today, int(current_app.config["CLOCK_NEAR_DAYS"]) + 1)
