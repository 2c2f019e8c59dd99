"""SLA: the clock runs from first contact (the call, or submission) to the lawyer assigned.

Targets in minutes come from config `SLA_TARGET_MINUTES`: {"urgent": 60, "expedited": 60,
"default": None, "<category>": minutes, ...}; the smallest target that applies wins. A case with
no applicable target has no SLA. Near-breach: elapsed ≥ `SLA_NEAR_BREACH_RATIO` × target.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.applications.models import Application, urgent
from app.common.timeutil import utcnow
from app.extensions import db

DEFAULT_TARGETS = {"urgent": 60, "expedited": 60, "default": None}
# states in which the case waits for its lawyer
WAITING_STATUSES = ("submitted", "under_review", "expedite_requested", "expedite_approved", "approved")


def targets() -> dict:
    return {**DEFAULT_TARGETS, **(current_app.config["SLA_TARGET_MINUTES"] or {})}


def clock_start(app_: Application) -> dt.datetime | None:
    return app_.first_contact_at or app_.submitted_at


def is_expedited(app_: Application) -> bool:
    return bool(app_.expedite_reason or app_.backfill_kinds
                or app_.status in ("expedite_requested", "expedite_approved"))


def was_urgent(app_: Application) -> bool:
    """Urgent at first contact (legal deadline within the urgent window), or urgent now."""
    hours = current_app.config["URGENT_DEADLINE_HOURS"]
    start = clock_start(app_)
    if app_.deadline_at is None:
        return False
    if start is not None and app_.deadline_at - start <= dt.timedelta(hours=hours):
        return True
    return app_.is_urgent


def target_minutes(app_: Application) -> int | None:
    t = targets()
    options = []
    if was_urgent(app_) and t.get("urgent"):
        options.append(int(t["urgent"]))
    if is_expedited(app_) and t.get("expedited"):
        options.append(int(t["expedited"]))
    if app_.category and t.get(app_.category):
        options.append(int(t[app_.category]))
    if not options and t.get("default"):
        options.append(int(t["default"]))
    return min(options) if options else None


def state(app_: Application, now: dt.datetime | None = None) -> dict:
    """{"state": none|running|near|breached|met|missed, target_minutes, due_at, elapsed_minutes,
    remaining_minutes}."""
    now = now or utcnow()
    target = target_minutes(app_)
    start = clock_start(app_)
    out = {"state": "none", "target_minutes": target, "due_at": None, "elapsed_minutes": None,
           "remaining_minutes": None, "started_at": start}
    if target is None or start is None:
        return out
    due = start + dt.timedelta(minutes=target)
    out["due_at"] = due
    if app_.assigned_at is not None:
        took = app_.assigned_at - start
        out["elapsed_minutes"] = int(took.total_seconds() // 60)
        out["state"] = "met" if took <= dt.timedelta(minutes=target) else "missed"
        return out
    if app_.status not in WAITING_STATUSES:
        return {**out, "state": "none"}
    elapsed = now - start
    out["elapsed_minutes"] = int(elapsed.total_seconds() // 60)
    out["remaining_minutes"] = int((due - now).total_seconds() // 60)
    ratio = float(current_app.config["SLA_NEAR_BREACH_RATIO"])
    if now > due:
        out["state"] = "breached"
    elif elapsed >= dt.timedelta(minutes=target * ratio):
        out["state"] = "near"
    else:
        out["state"] = "running"
    return out


class _Clock:
    """The columns `state` reads, from a Core row: the share over a month of cases without building each case."""
    __slots__ = ("first_contact_at", "submitted_at", "deadline_at", "assigned_at", "status", "category",
                 "expedite_reason", "backfill_kinds")
    COLUMNS = tuple(getattr(Application, name) for name in __slots__)

    def __init__(self, row):
        for name, value in zip(self.__slots__, row):
            setattr(self, name, value)

    @property
    def is_urgent(self) -> bool:
        return urgent(self.deadline_at, self.status)


def _could_have_target():
    """A condition true for every case `target_minutes` may give a target (a superset: `state` decides),
    or None when every case has one (a default target)."""
    t = targets()
    if t.get("default"):
        return None
    conds = []
    if t.get("urgent"):
        conds.append(Application.deadline_at.is_not(None))  # was_urgent needs a legal deadline
    if t.get("expedited"):
        conds += [Application.expedite_reason.is_not(None), Application.backfill_kinds.is_not(None),
                  Application.status.in_(("expedite_requested", "expedite_approved"))]
    categories = [k for k, v in t.items() if k not in DEFAULT_TARGETS and v]
    if categories:
        conds.append(Application.category.in_(categories))
    return sa.or_(*conds) if conds else sa.false()


def compliance(start: dt.datetime, end: dt.datetime, *, category: str | None = None,
               now: dt.datetime | None = None) -> dict:
    """THE definition of the SLA share, used by every page that shows it (home, dashboard, API).

    Cases whose clock started (first contact, else submission) in [start, end) and that have a target:
    assigned within it → on time; assigned late, or still waiting past it → late; still waiting within
    it → not counted yet (`waiting`). share = on time / (on time + late)."""
    now = now or utcnow()
    begun = sa.func.coalesce(Application.first_contact_at, Application.submitted_at)
    stmt = sa.select(*_Clock.COLUMNS).where(begun >= start, begun < end)
    if category:
        stmt = stmt.where(Application.category == category)
    could = _could_have_target()
    if could is not None:  # only cases that can have a target are read (a year holds a million cases)
        stmt = stmt.where(could)
    total = within = waiting = breached_waiting = 0
    minutes = []
    for row in db.session.execute(stmt):
        st = state(_Clock(row), now)
        if st["state"] in ("met", "missed"):
            total += 1
            within += st["state"] == "met"
            minutes.append(st["elapsed_minutes"])
        elif st["state"] == "breached":
            total += 1
            breached_waiting += 1
        elif st["state"] in ("running", "near"):
            waiting += 1
    minutes.sort()
    return {"total": total, "within": within, "late": total - within, "share": round(within / total, 3) if total else None,
            "waiting": waiting, "breached_waiting": breached_waiting,
            "median_minutes": minutes[len(minutes) // 2] if minutes else None}


def summary(days: int = 30, now: dt.datetime | None = None) -> dict:
    """The console home's card: `compliance` over the last `days` days."""
    now = now or utcnow()
    t = targets()
    limit = min((int(v) for v in (t.get("urgent"), t.get("expedited")) if v), default=None)
    return {"days": days, "target_minutes": limit, **compliance(now - dt.timedelta(days=days), now, now=now)}
