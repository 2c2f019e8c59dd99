"""The work queues of each role (urgent first, then the nearest of the SLA, the legal deadline and the
statutory clock), declared in one registry (QUEUE_REGISTRY). The queues of cases are read a page at a time
in that order by SQL on the due dates stored per case (`Ordered`, app/procedure/due.py), plus a count;
the small queues with due dates of their own (backfills, visits, callbacks, objections) are built whole."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask import current_app

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.applications import service as applications, sla
from app.applications.models import FINAL_STATUSES, STATUSES, Application
from app.auth.models import StaffUser
from app.callbacks.models import CallbackTask
from app.common.timeutil import LOCAL_TZ, end_of_local_day, local_today, utcnow
from app.documents import service as documents
from app.documents.models import TO_VERIFY, Document
from app.extensions import db
from app.common.permissions import P, Permission
from app.procedure import clocks
from app.procedure.objections import objections_stmt
from app.visits.service import list_visits_stmt, pending_visit_requests

FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
# the open states by name (an IN list the status index answers; NOT IN makes PostgreSQL scan the table)
OPEN_STATUSES = tuple(s for s in STATUSES if s not in FINAL_STATUSES and s != "draft")


def _app_item(app_: Application, now, **extra) -> dict:
    """A queue row for a case. Its statutory clock ("law_due", "law_state") is filled in by `queues_for`
    for all rows at once, unless the builder sets it."""
    st = sla.state(app_, now)
    return {"type": "application", "id": app_.id, "application_id": app_.id, "application": app_,
            "reference": app_.reference, "title": app_.applicant_name or "（未填姓名）",
            "subtitle": f"{app_.category or '未分类'} · {app_.status_label}", "status": app_.status,
            "urgent": app_.is_urgent, "deadline_at": app_.deadline_at,
            "deadline_hours_left": applications.deadline_hours_left(app_),
            "sla": st, "due_at": st["due_at"], "overdue": st["state"] == "breached", **extra}


def _fill_law_due(items: list[dict]) -> None:
    """The Legal Aid Law's clocks in working days (review, notice, assignment, objection): the nearest one
    per case, read for every case of every queue in two statements."""
    apps = {it["application"].id: it["application"] for it in items
            if it.get("application") is not None and "law_due" not in it}
    found = clocks.deadlines_many(apps.values())
    today = local_today()
    for it in items:
        if "law_due" not in it:
            label, due = (clocks.nearest_due_named(found[it["application"].id])
                          if it.get("application") is not None else (None, None))
            it["law_due"], it["law_label"], it["law_state"] = due, label, clocks.due_state(due, today)


def _sort_key(item):
    """Urgent first (legal deadline within 72 h), then the nearest of the SLA, the legal deadline and
    the statutory clock (a working-day due date counts to the end of its day)."""
    due = item.get("due_at") or FAR_FUTURE
    deadline = item.get("deadline_at") or FAR_FUTURE
    law = end_of_local_day(item["law_due"]) if item.get("law_due") else FAR_FUTURE
    return (not item["urgent"], min(due, deadline, law), item["id"])


HOME_LIMIT = 30  # rows a queue gives the home (8 shown, 22 folded: app/casework/console.py)


def queues_for(staff: StaffUser, now: dt.datetime | None = None, limit: int = HOME_LIMIT) -> dict[str, dict]:
    """Each queue of the role: its first `limit` rows in order, and how many it holds ("total")."""
    return _queues(staff, [key for key, queue in QUEUE_REGISTRY.items() if queue.allows(staff)], now, limit, 0)


def queue_for(staff: StaffUser, key: str, now: dt.datetime | None = None, limit: int = 100, offset: int = 0) -> dict:
    """One queue (its own page, `limit` rows from `offset`); the caller has checked that the role has it."""
    return _queues(staff, [key], now, limit, offset)[key]


def _queues(staff: StaffUser, keys: list[str], now: dt.datetime | None, limit: int, offset: int) -> dict[str, dict]:
    now = now or utcnow()
    built = {key: QUEUE_REGISTRY[key].build(staff, now) for key in keys}
    # a queue of cases ordered in SQL on the stored due dates: one page read, and its count; a small queue
    # with due dates of its own (backfills, visits, callbacks, objections): built whole, sorted here
    pages = {key: found.page(now, limit, offset) for key, found in built.items() if isinstance(found, Ordered)}
    _fill_law_due([it for items, _ in pages.values() for it in items]
                  + [it for key, found in built.items() if key not in pages for it in found])
    out = {}
    for key, found in built.items():
        items, total = pages[key] if key in pages else (sorted(found, key=_sort_key)[offset:offset + limit], len(found))
        out[key] = {"key": key, "title": QUEUE_REGISTRY[key].title, "items": items, "total": total}
    return out


class Ordered:
    """A queue of cases ordered in SQL as `_sort_key` orders them: urgent cases (legal deadline within
    URGENT_DEADLINE_HOURS) first by `urgent_due`, then the others by `next_due` (both stored per case by
    app/procedure/due.py), then by id (`order_id`); `stmt` selects the rows, `item` makes one of a row."""

    def __init__(self, stmt: sa.Select, item: Callable, order_id=None):
        self.stmt, self.item = stmt, item
        self.order_id = order_id if order_id is not None else Application.id

    def _part(self, urgent: bool, cut: dt.datetime):
        if urgent:
            return (self.stmt.where(Application.deadline_at <= cut),
                    (Application.urgent_due.asc().nulls_last(), self.order_id))
        return (self.stmt.where(sa.or_(Application.deadline_at.is_(None), Application.deadline_at > cut)),
                (Application.next_due.asc().nulls_last(), self.order_id))

    def page(self, now: dt.datetime, limit: int, offset: int) -> tuple[list[dict], int]:
        cut = now + dt.timedelta(hours=current_app.config["URGENT_DEADLINE_HOURS"])
        items, total = [], 0
        for urgent in (True, False):
            stmt, order = self._part(urgent, cut)
            n = db.session.scalar(stmt.with_only_columns(sa.func.count(self.order_id), maintain_column_froms=True)
                                  .order_by(None))
            total += n
            if len(items) < limit:  # read even when empty: a page costs the same statements however full
                rows = db.session.execute(stmt.order_by(*order).offset(offset).limit(limit - len(items))).all()
                items += [self.item(*row) for row in rows]
            offset = max(offset - n, 0)
        return items, total


def _queue_documents(staff, now):
    stmt = (sa.select(Document, Application).join(Application, Application.id == Document.application_id)
            .where(Document.status.in_(TO_VERIFY), Application.status.in_(OPEN_STATUSES)))
    return Ordered(stmt, lambda d, a: _app_item(
        a, now, type="document", id=d.id, document=d,
        subtitle=f"{d.kind_label} · {d.status_label}" + ("（有质量提示）" if d.warnings else "")), Document.id)


def _by_id(application_ids) -> dict[int, Application]:
    ids = set(application_ids)
    return {a.id: a for a in db.session.scalars(sa.select(Application).where(Application.id.in_(ids)))} if ids else {}


def _apps(item, *statuses, **where) -> Ordered:
    stmt = sa.select(Application).where(Application.status.in_(statuses))
    for k, v in where.items():
        stmt = stmt.where(getattr(Application, k) == v)
    return Ordered(stmt, item)


def _queue_review(staff, now):
    return _apps(lambda a: _app_item(a, now), "submitted", "under_review")


def _queue_expedite(staff, now):
    return _apps(lambda a: _app_item(a, now, subtitle=f"{a.category or '未分类'} · 理由：{a.expedite_reason or '—'}"),
                 "expedite_requested")


def _queue_assign(staff, now):
    return _apps(lambda a: _app_item(a, now), "approved", "expedite_approved")


def _queue_backfill(staff, now):
    items = []
    apps = db.session.scalars(sa.select(Application).where(
        Application.backfill_kinds.is_not(None), Application.status.in_(OPEN_STATUSES))).all()
    for a in apps:
        bf = documents.backfill_status(a)
        if bf["complete"]:
            continue
        item = _app_item(a, now, type="backfill", backfill=bf,
                         subtitle="尚缺：" + "、".join(m["label"] for m in bf["missing"]))
        item["due_at"] = a.backfill_due_at
        item["overdue"] = bf["overdue"]
        items.append(item)
    return items


def _queue_home_visits(staff, now):
    items = []
    visits = db.session.scalars(list_visits_stmt(staff)).all()
    cases = _by_id(v.application_id for v in visits)
    seen = set()
    for v in visits:
        a = cases[v.application_id]
        seen.add(a.id)
        when = v.scheduled_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M") if v.scheduled_at else "待安排时间"
        who = v.lawyer.display_name if v.lawyer else "待定律师"
        items.append(_app_item(a, now, type="home_visit", id=v.id, visit=v,
                               subtitle=f"{v.status_label} · {when} · {who} · {v.address}", due_at=v.scheduled_at))
    for a in pending_visit_requests(staff):
        if a.id not in seen:
            items.append(_app_item(a, now, type="home_visit_request", id=a.id,
                                   subtitle=f"群众申请上门 · {a.home_visit_address or '地址未填'}", due_at=None))
    return items


def _queue_repeat_callbacks(staff, now):
    """The duty lawyer calls repeat callers back (the alert is theirs to answer on the hotline)."""
    return _queue_callbacks(staff, now, reason="repeat_caller")


def _queue_callbacks(staff, now, reason: str | None = None):
    items = []
    tasks = db.session.scalars(sa.select(CallbackTask).where(CallbackTask.status == "open",
                                                             CallbackTask.reason == reason if reason else sa.true())
                               .options(selectinload(CallbackTask.rating))
                               .order_by(CallbackTask.due_at)).all()
    subjects = _by_id([t.subject_id for t in tasks if t.subject_type == "application"])
    for t in tasks:
        rating = t.rating
        app_ = subjects.get(t.subject_id) if t.subject_type == "application" else None
        label = {"bad_rating": "差评回访", "repeat_caller": "重复来电回访", "alert": "预警回访"}.get(t.reason, "回访")
        items.append({"type": "callback", "id": t.id, "callback": t, "application_id": app_.id if app_ else None,
                      "application": app_, "reference": app_.reference if app_ else None,
                      "title": label + (f"（{rating.stars} 星）" if rating else ""),
                      "subtitle": (rating.comment if rating and rating.comment else (t.note or "")),
                      "status": t.status, "urgent": False, "deadline_at": None, "deadline_hours_left": None,
                      "sla": None, "due_at": t.due_at, "overdue": t.due_at < now, "law_due": None, "law_state": None})
    return items


def _queue_objections(staff, now):
    """Objections to a refusal or termination still to be decided by the justice bureau (Art. 49),
    nearest 5-working-day due date first."""
    items = []
    objections = db.session.scalars(objections_stmt(staff, "open")).all()
    cases = _by_id(o.application_id for o in objections)
    for o in objections:
        a = cases[o.application_id]
        item = _app_item(a, now, type="objection", id=o.id, objection=o,
                         subtitle=f"对{o.against_label}的异议 · 应于 {o.decide_by} 前作出决定")
        item.update(law_due=o.decide_by, law_label=clocks.DUE_LABELS["decide_by"], law_state=clocks.due_state(o.decide_by), sla=None, due_at=None, overdue=False)
        items.append(item)
    return items


def _queue_my_cases(staff, now):
    return _apps(lambda a: _app_item(a, now), "assigned", "in_progress", assigned_lawyer_id=staff.id)


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    permission: Permission
    build: Callable[[StaffUser, dt.datetime], "list[dict] | Ordered"]
    watched: bool = False  # the city level watches it over every centre (P.watch_centre_queues)

    def allows(self, staff) -> bool:
        return self.permission.allows(staff) or (self.watched and P.watch_centre_queues.allows(staff))

    @property
    def roles(self) -> frozenset:
        return self.permission.roles | (P.watch_centre_queues.roles if self.watched else frozenset())


QUEUE_REGISTRY: dict[str, Queue] = {q.key: q for q in (
    Queue("documents", "待审核材料", P.verify_documents, _queue_documents, watched=True),
    Queue("review", "待审查的申请", P.review_case, _queue_review, watched=True),
    Queue("expedite", "特事特办申请", P.decide_expedite, _queue_expedite, watched=True),
    Queue("assign", "待指派律师", P.assign_lawyer, _queue_assign, watched=True),
    Queue("backfill", "补交材料（到期与逾期）", P.verify_documents, _queue_backfill, watched=True),
    Queue("home_visits", "上门服务", P.view_home_visits, _queue_home_visits),
    Queue("callbacks", "回访任务", P.close_callbacks, _queue_callbacks, watched=True),
    Queue("repeat_callbacks", "重复来电回访", P.follow_repeat_callers, _queue_repeat_callbacks),
    Queue("my_cases", "我的案件", P.work_case, _queue_my_cases),
    Queue("objections", "待审查的异议", P.view_objections, _queue_objections, watched=True),
)}


QUEUES = {key: (q.title, q.roles) for key, q in QUEUE_REGISTRY.items()}  # key: (title, roles)
