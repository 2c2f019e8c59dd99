"""Staff case handling on top of the application state machine: per-object access, actions with
their inputs checked, progress notes, the lawyer roster and ranked suggestions, home visits, and
the work queues of each role (urgent first)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import errors
from app.applications import actions, service as applications
from app.applications.models import FINAL_STATUSES, Application
from app.audit import record as audit
from app.auth.models import StaffUser
from app.applications import sla
from app.callbacks.models import CallbackTask
from app.casework.models import HomeVisit
from app.common.timeutil import end_of_local_day, local_today, utcnow
from app.documents import service as documents
from app.documents.models import KINDS, TO_VERIFY, Document
from app.extensions import db
from app.applications.models import ApplicationEvent
from app.auth.models import Citizen
from app.common.timeutil import LOCAL_TZ
from app.procedure import service as procedure

APPLICATION_ROLES = applications.STAFF_ROLES
OPEN_CASE_STATUSES = ("assigned", "in_progress")
VISIT_ARRANGERS = ("duty_lawyer", "manager")
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)


# --- access ------------------------------------------------------------------------

get_application = applications.get_for_staff
get_document = documents.get_for_staff


def list_stmt(staff: StaffUser, *, status: str | None = None, q: str | None = None,
              urgent: bool | None = None) -> sa.Select:
    if staff.role not in APPLICATION_ROLES:
        raise errors.Forbidden("当前角色无权查看申请")
    stmt = sa.select(Application).where(sa.or_(Application.status != "draft", Application.citizen_id.is_(None)))
    if staff.role == "aid_lawyer":
        stmt = stmt.where(Application.assigned_lawyer_id == staff.id)
    if status:
        stmt = stmt.where(Application.status == status)
    if q:
        q = q.strip()
        like = f"%{q}%"
        found = [Application.reference.ilike(like), Application.applicant_name.ilike(like)]
        digits = re.sub(r"[\s-]", "", q)
        if digits.isdigit() and len(digits) >= 4:  # a phone number, or its last digits as callers give them
            found.append(Application.phone.like(f"%{digits}%"))
        stmt = stmt.where(sa.or_(*found))
    if urgent:
        from flask import current_app
        limit = utcnow() + dt.timedelta(hours=current_app.config["URGENT_DEADLINE_HOURS"])
        stmt = stmt.where(Application.deadline_at.is_not(None), Application.deadline_at <= limit,
                          Application.status.not_in(FINAL_STATUSES))
    return stmt.order_by(Application.created_at.desc(), Application.id.desc())


# --- intake -----------------------------------------------------------------------------

def open_for_caller(staff: StaffUser, data: dict, *, first_contact_at: dt.datetime | None = None) -> Application:
    """A duty lawyer opens an application for a caller on the phone and submits it at once."""
    if staff.role != "duty_lawyer":
        raise errors.Forbidden("只有值班律师可以为来电群众代为申请")
    missing = {}
    for key, label in (("applicant_name", "请填写来电人姓名"), ("phone", "请填写联系电话"),
                       ("description", "请简要记录来电反映的情况")):
        if not (data.get(key) or "").strip():
            missing[key] = [label]
    if applications.legal_deadline_problem(data.get("legal_deadline")):
        missing["legal_deadline"] = [applications.legal_deadline_problem(data["legal_deadline"])]
    if missing:
        raise errors.ValidationFailed("请补全来电人信息", details={"fields": missing})
    if first_contact_at and first_contact_at > utcnow() + dt.timedelta(minutes=5):
        raise errors.ValidationFailed("来电时间不能晚于当前时间", details={"fields": {"first_contact_at": ["来电时间不能晚于当前时间"]}})
    data = {k: v for k, v in data.items() if v not in (None, "")}
    data.setdefault("category", "其他")
    data.setdefault("service_type", "advice")
    app_ = applications.create_draft(staff, data, citizen=None)
    app_.first_contact_at = first_contact_at or utcnow()
    applications.transition(staff, app_, "submit", note="值班律师电话受理")
    if app_.home_visit_requested and app_.home_visit_address:
        _new_visit(app_, staff, app_.home_visit_address, app_.home_visit_reason)
        db.session.commit()
    return app_


def reveal_phone(staff: StaffUser, application_id: int) -> Application:
    """The applicant's full phone number, for calling back: the case must be the caller's to see, and every
    view is written to the audit log (pages show it masked otherwise)."""
    app_ = get_application(staff, application_id)
    if not app_.phone:
        raise errors.NotFound("该申请未留联系电话")
    audit("application.reveal_phone", actor=staff, object_type="application", object_id=app_.id)
    db.session.commit()
    return app_


# --- actions ------------------------------------------------------------------------------

def _text(value, field: str, message: str, required: bool = True) -> str | None:
    value = (value or "").strip() or None
    if required and not value:
        raise errors.ValidationFailed(message, details={"fields": {field: [message]}})
    if value and len(value) > 500:
        raise errors.ValidationFailed("内容过长（最多 500 字）", details={"fields": {field: ["最多 500 字"]}})
    return value


def act(staff: StaffUser, app_: Application, action: str, data: dict | None = None) -> Application:
    """Run one declared staff action (app.applications.actions) with its inputs checked; the state
    machine checks state and role. Action-specific effects (fields it sets) come from `_EFFECTS`."""
    data = data or {}
    spec = actions.ACTIONS.get(action)
    if spec is None or action not in actions.STAFF_TRANSITIONS:
        raise errors.BadRequest("未知操作")
    if action in procedure.DECISIONS:
        # the Legal Aid Law's decisions: grounds by article (app/procedure checks role and state first)
        note, changes = procedure.prepare(app_, action, data, staff)
        after = None
    else:
        note = None
        if spec.note_field:
            note = _text(data.get(spec.note_field), spec.note_field, spec.note_required or "",
                         required=bool(spec.note_required))
        effect = _EFFECTS.get(action)
        changes, note, after = effect(staff, app_, data, note) if effect else ({}, note, None)
    applications.transition(staff, app_, action, note=note, **changes)
    if after:
        after()
    return app_


def _decision(staff, app_, data, note):
    return {"decision_reason": note}, note, None


def _outcome(staff, app_, data, note):
    return {"outcome": note}, note, None


def _backfill(staff, app_, data, note):
    kinds = [k for k in (data.get("backfill_kinds") or []) if k]
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise errors.ValidationFailed("补交材料类型无效", details={"fields": {"backfill_kinds": [f"无效：{'、'.join(bad)}"]}})
    due = data.get("backfill_due_at")
    if kinds and due is None:
        raise errors.ValidationFailed("请填写补交材料的截止时间", details={"fields": {"backfill_due_at": ["必填"]}})
    if due is not None:
        if due.tzinfo is None:
            raise errors.ValidationFailed("截止时间需带时区", details={"fields": {"backfill_due_at": ["需带时区"]}})
        if due <= utcnow():
            raise errors.ValidationFailed("补交截止时间应晚于当前时间", details={"fields": {"backfill_due_at": ["应晚于当前时间"]}})
    changes = {"backfill_kinds": list(dict.fromkeys(kinds)) or None, "backfill_due_at": due if kinds else None}
    if kinds:
        note = note or "请于截止时间前补交：" + "、".join(KINDS[k] for k in changes["backfill_kinds"])
    return changes, note, None


def _assignment(staff, app_, data, note):
    lawyer = _aid_lawyer(data.get("lawyer_id"))
    suggested = [s["lawyer"].id for s in suggest_lawyers(app_)[:1]]
    how = "按系统推荐" if suggested and suggested[0] == lawyer.id else "负责人调整指派"
    note = note or f"指派援助律师：{lawyer.display_name}（{how}）"

    def audit_choice():
        # a staff-side audit of the choice (suggested vs overridden) beside the transition record
        audit("application.lawyer_choice", actor=staff, object_type="application", object_id=app_.id,
              details={"lawyer_id": app_.assigned_lawyer_id, "suggested": suggested[:1]})
        db.session.commit()
    return {"assigned_lawyer_id": lawyer.id}, note, audit_choice


_EFFECTS = {"approve": _decision, "approve_expedite": _backfill, "assign": _assignment, "close": _outcome}


def _aid_lawyer(lawyer_id) -> StaffUser:
    try:
        lawyer = db.session.get(StaffUser, int(lawyer_id)) if lawyer_id not in (None, "") else None
    except (TypeError, ValueError):
        lawyer = None
    if lawyer is None or lawyer.role != "aid_lawyer" or not lawyer.is_active:
        raise errors.ValidationFailed("请选择一位在册的援助律师", details={"fields": {"lawyer_id": ["无效的援助律师"]}})
    return lawyer


def add_note(staff: StaffUser, app_: Application, note: str) -> Application:
    """An internal progress note (the citizen does not see it)."""
    spec = actions.ACTIONS["progress_note"]
    if staff.role not in spec.roles:
        raise errors.Forbidden("当前角色无权记录办理进展")
    if not actions.can(staff.role, "progress_note", app_.status):
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再记录进展")
    note = _text(note, "note", spec.note_required)
    applications.record_event(app_, staff, "progress_note", note)
    audit("application.note", actor=staff, object_type="application", object_id=app_.id)
    db.session.commit()
    return app_


def timeline(app_: Application) -> list:
    return db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app_.id)
                              .order_by(ApplicationEvent.id)).all()


# --- roster and suggestions -------------------------------------------------------------------

def open_case_counts() -> dict[int, int]:
    rows = db.session.execute(sa.select(Application.assigned_lawyer_id, sa.func.count()).where(
        Application.status.in_(OPEN_CASE_STATUSES), Application.assigned_lawyer_id.is_not(None))
        .group_by(Application.assigned_lawyer_id)).all()
    return {lid: n for lid, n in rows}


def specialties(lawyer: StaffUser) -> list[str]:
    return [s.strip() for s in (lawyer.specialties or "").replace("，", ",").split(",") if s.strip()]


def roster() -> list[dict]:
    counts = open_case_counts()
    lawyers = db.session.scalars(sa.select(StaffUser).where(StaffUser.role == "aid_lawyer")
                                 .order_by(StaffUser.full_name, StaffUser.username)).all()
    return [{"lawyer": l, "id": l.id, "name": l.display_name, "specialties": specialties(l), "region": l.region,
             "available": bool(l.available and l.is_active), "is_active": l.is_active,
             "open_cases": counts.get(l.id, 0)} for l in lawyers]


def suggest_lawyers(app_: Application) -> list[dict]:
    """Rank active aid lawyers: specialty match, then load, then region; unavailable ones last."""
    places = " ".join(filter(None, (app_.current_address, app_.hukou_address, app_.home_visit_address)))
    out = []
    for row in roster():
        if not row["is_active"]:
            continue
        score, reasons = 0, []
        if app_.category and app_.category in row["specialties"]:
            score += 50
            reasons.append(f"擅长{app_.category}")
        if row["region"] and row["region"] in places:
            score += 20
            reasons.append(f"同在{row['region']}")
        score -= 8 * row["open_cases"]
        reasons.append(f"在办 {row['open_cases']} 件")
        if not row["available"]:
            score -= 1000
            reasons.append("暂不可接案")
        out.append({**row, "score": score, "reasons": reasons})
    out.sort(key=lambda r: (-r["score"], r["open_cases"], r["id"]))
    return out


def set_availability(staff: StaffUser, lawyer_id: int, available: bool) -> StaffUser:
    if staff.role not in ("manager", "admin"):
        raise errors.Forbidden("当前角色无权调整律师名册")
    lawyer = db.session.get(StaffUser, lawyer_id)
    if lawyer is None or lawyer.role != "aid_lawyer":
        raise errors.NotFound("未找到该援助律师")
    lawyer.available = bool(available)
    audit("roster.update", actor=staff, object_type="staff_user", object_id=lawyer.id,
          details={"available": lawyer.available})
    db.session.commit()
    return lawyer


# --- home visits --------------------------------------------------------------------------------

def active_visit(app_: Application) -> HomeVisit | None:
    return db.session.scalars(sa.select(HomeVisit).where(
        HomeVisit.application_id == app_.id, HomeVisit.status.in_(("requested", "scheduled")))
        .order_by(HomeVisit.id.desc())).first()


def visits_for(app_: Application) -> list[HomeVisit]:
    return db.session.scalars(sa.select(HomeVisit).where(HomeVisit.application_id == app_.id)
                              .order_by(HomeVisit.id)).all()


def _new_visit(app_: Application, actor, address: str, reason: str | None) -> HomeVisit:
    visit = HomeVisit(application_id=app_.id, status="requested", address=address, reason=reason,
                      requested_by_type="citizen" if isinstance(actor, Citizen) else "staff",
                      requested_by_id=getattr(actor, "id", None))
    db.session.add(visit)
    db.session.flush()
    return visit


def can_arrange_home_visit(staff: StaffUser, app_: Application) -> bool:
    """Who may request or schedule a home visit, and while the case is open."""
    return staff.role in VISIT_ARRANGERS and app_.status not in FINAL_STATUSES


def can_complete_home_visit(staff: StaffUser, visit: HomeVisit) -> bool:
    return visit.status == "scheduled" and (staff.role == "manager" or visit.lawyer_id == staff.id)


def request_home_visit(staff: StaffUser, app_: Application, address: str, reason: str | None) -> HomeVisit:
    if staff.role not in VISIT_ARRANGERS:
        raise errors.Forbidden("当前角色无权申请上门服务")
    if app_.status in FINAL_STATUSES:
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再申请上门服务")
    if active_visit(app_) is not None:
        raise errors.Conflict("该申请已有待办的上门服务")
    address = _text(address, "address", "请填写上门地址")
    reason = _text(reason, "reason", "", required=False)
    visit = _new_visit(app_, staff, address, reason)
    app_.home_visit_requested = True
    app_.home_visit_address = app_.home_visit_address or address
    app_.home_visit_reason = app_.home_visit_reason or reason
    applications.record_event(app_, staff, "home_visit_requested", f"上门地址：{address}")
    audit("home_visit.request", actor=staff, object_type="home_visit", object_id=visit.id,
          details={"application_id": app_.id})
    db.session.commit()
    return visit


def schedule_home_visit(staff: StaffUser, app_: Application, lawyer_id, when: dt.datetime | None,
                        note: str | None = None) -> HomeVisit:
    if staff.role not in VISIT_ARRANGERS:
        raise errors.Forbidden("当前角色无权安排上门服务")
    if app_.status in FINAL_STATUSES:
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再安排上门服务")
    try:
        lawyer = db.session.get(StaffUser, int(lawyer_id)) if lawyer_id not in (None, "") else None
    except (TypeError, ValueError):
        lawyer = None
    if lawyer is None or lawyer.role not in ("aid_lawyer", "duty_lawyer") or not lawyer.is_active:
        raise errors.ValidationFailed("请选择上门律师", details={"fields": {"lawyer_id": ["无效的律师"]}})
    if when is None or when.tzinfo is None:
        raise errors.ValidationFailed("请填写上门时间", details={"fields": {"scheduled_at": ["必填"]}})
    visit = active_visit(app_)
    if visit is None:
        if not (app_.home_visit_requested and app_.home_visit_address):
            raise errors.InvalidTransition("该申请没有待安排的上门服务，请先申请上门服务")
        visit = _new_visit(app_, None, app_.home_visit_address, app_.home_visit_reason)
        visit.requested_by_type = "citizen" if app_.citizen_id else "staff"
        visit.requested_by_id = app_.citizen_id
    visit.status = "scheduled"
    visit.lawyer_id = lawyer.id
    visit.scheduled_at = when
    visit.scheduled_by_id = staff.id
    applications.record_event(app_, staff, "home_visit_scheduled",
                              f"{when.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 由{lawyer.display_name}上门"
                              + (f"；{note}" if note else ""))
    audit("home_visit.schedule", actor=staff, object_type="home_visit", object_id=visit.id,
          details={"application_id": app_.id, "lawyer_id": lawyer.id})
    db.session.commit()
    return visit


def get_visit(staff: StaffUser, visit_id: int) -> HomeVisit:
    visit = db.session.get(HomeVisit, visit_id)
    if visit is None or staff.role not in APPLICATION_ROLES:
        raise errors.NotFound("未找到该上门服务")
    if staff.role == "aid_lawyer" and visit.lawyer_id != staff.id:
        app_ = db.session.get(Application, visit.application_id)
        if app_ is None or app_.assigned_lawyer_id != staff.id:
            raise errors.NotFound("未找到该上门服务")
    return visit


def complete_home_visit(staff: StaffUser, visit: HomeVisit, result_note: str) -> HomeVisit:
    if staff.role not in ("aid_lawyer", "duty_lawyer", "manager"):
        raise errors.Forbidden("当前角色无权记录上门服务")
    if staff.role != "manager" and visit.lawyer_id != staff.id:
        raise errors.Forbidden("只有上门律师或负责人可以记录上门结果")
    if not can_complete_home_visit(staff, visit):
        raise errors.InvalidTransition("上门服务尚未安排或已结束")
    visit.result_note = _text(result_note, "result_note", "请填写上门服务情况")
    visit.status = "done"
    visit.done_at = utcnow()
    app_ = db.session.get(Application, visit.application_id)
    applications.record_event(app_, staff, "home_visit_done", visit.result_note)
    audit("home_visit.done", actor=staff, object_type="home_visit", object_id=visit.id,
          details={"application_id": app_.id})
    db.session.commit()
    return visit


def list_visits_stmt(staff: StaffUser, *, active_only: bool = True) -> sa.Select:
    if staff.role not in APPLICATION_ROLES:
        raise errors.Forbidden("当前角色无权查看上门服务")
    stmt = sa.select(HomeVisit)
    if active_only:
        stmt = stmt.where(HomeVisit.status.in_(("requested", "scheduled")))
    if staff.role == "aid_lawyer":
        stmt = stmt.where(HomeVisit.lawyer_id == staff.id)
    return stmt.order_by(HomeVisit.scheduled_at.is_(None).desc(), HomeVisit.scheduled_at, HomeVisit.id)


# --- work queues ---------------------------------------------------------------------------------

# The work queues are declared in one registry at the end of this section (QUEUE_REGISTRY): key,
# title, roles and the function that builds the items, in display order.


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
    found = procedure.deadlines_many(apps.values())
    today = local_today()
    for it in items:
        if "law_due" not in it:
            label, due = (procedure.nearest_due_named(found[it["application"].id])
                          if it.get("application") is not None else (None, None))
            it["law_due"], it["law_label"], it["law_state"] = due, label, procedure.due_state(due, today)


def _sort_key(item):
    """Urgent first (legal deadline within 72 h), then the nearest of the SLA, the legal deadline and
    the statutory clock (a working-day due date counts to the end of its day)."""
    due = item.get("due_at") or FAR_FUTURE
    deadline = item.get("deadline_at") or FAR_FUTURE
    law = end_of_local_day(item["law_due"]) if item.get("law_due") else FAR_FUTURE
    return (not item["urgent"], min(due, deadline, law), item["id"])


def queues_for(staff: StaffUser, now: dt.datetime | None = None) -> dict[str, dict]:
    return _queues(staff, [key for key, queue in QUEUE_REGISTRY.items() if staff.role in queue.roles], now)


def queue_for(staff: StaffUser, key: str, now: dt.datetime | None = None) -> dict:
    """One queue (its own page); the caller has checked that the role has it."""
    return _queues(staff, [key], now)[key]


def _queues(staff: StaffUser, keys: list[str], now: dt.datetime | None) -> dict[str, dict]:
    now = now or utcnow()
    built = {key: QUEUE_REGISTRY[key].build(staff, now) for key in keys}
    _fill_law_due([it for items in built.values() for it in items])
    return {key: {"key": key, "title": QUEUE_REGISTRY[key].title, "items": sorted(items, key=_sort_key)}
            for key, items in built.items()}


def _queue_documents(staff, now):
    rows = db.session.execute(sa.select(Document, Application).join(Application, Application.id == Document.application_id)
                              .where(Document.status.in_(TO_VERIFY), Application.status.not_in(FINAL_STATUSES + ("draft",)))
                              .order_by(Document.id)).all()
    return [_app_item(a, now, type="document", id=d.id, document=d,
                      subtitle=f"{d.kind_label} · {d.status_label}" + ("（有质量提示）" if d.warnings else ""))
            for d, a in rows]


def _by_id(application_ids) -> dict[int, Application]:
    ids = set(application_ids)
    return {a.id: a for a in db.session.scalars(sa.select(Application).where(Application.id.in_(ids)))} if ids else {}


def _apps(*statuses, **where):
    stmt = sa.select(Application).where(Application.status.in_(statuses))
    for k, v in where.items():
        stmt = stmt.where(getattr(Application, k) == v)
    return db.session.scalars(stmt).all()


def _queue_review(staff, now):
    return [_app_item(a, now) for a in _apps("submitted", "under_review")]


def _queue_expedite(staff, now):
    return [_app_item(a, now, subtitle=f"{a.category or '未分类'} · 理由：{a.expedite_reason or '—'}")
            for a in _apps("expedite_requested")]


def _queue_assign(staff, now):
    return [_app_item(a, now) for a in _apps("approved", "expedite_approved")]


def _queue_backfill(staff, now):
    items = []
    apps = db.session.scalars(sa.select(Application).where(
        Application.backfill_kinds.is_not(None), Application.status.not_in(FINAL_STATUSES))).all()
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


def pending_visit_requests(staff: StaffUser) -> list[Application]:
    """Home visits asked for in the application (by the citizen) and not yet turned into a visit: the
    home queue and the home-visits page both list them."""
    if staff.role not in ("duty_lawyer", "manager"):
        return []
    no_visit = ~sa.exists().where(HomeVisit.application_id == Application.id)
    return db.session.scalars(sa.select(Application).where(
        Application.status.in_(("submitted", "under_review", "expedite_requested", "expedite_approved", "approved",
                                "assigned", "in_progress")),
        Application.home_visit_requested.is_(True), no_visit).order_by(Application.id)).all()


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
    objections = db.session.scalars(procedure.objections_stmt(staff, "open")).all()
    cases = _by_id(o.application_id for o in objections)
    for o in objections:
        a = cases[o.application_id]
        item = _app_item(a, now, type="objection", id=o.id, objection=o,
                         subtitle=f"对{o.against_label}的异议 · 应于 {o.decide_by} 前作出决定")
        item.update(law_due=o.decide_by, law_label=procedure.DUE_LABELS["decide_by"], law_state=procedure.due_state(o.decide_by), sla=None, due_at=None, overdue=False)
        items.append(item)
    return items


def _queue_my_cases(staff, now):
    return [_app_item(a, now) for a in _apps("assigned", "in_progress", assigned_lawyer_id=staff.id)]


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    roles: tuple[str, ...]
    build: Callable[[StaffUser, dt.datetime], list[dict]]


QUEUE_REGISTRY: dict[str, Queue] = {q.key: q for q in (
    Queue("documents", "待审核材料", ("duty_lawyer", "manager"), _queue_documents),
    Queue("review", "待审查的申请", ("duty_lawyer", "manager"), _queue_review),
    Queue("expedite", "特事特办申请", ("manager",), _queue_expedite),
    Queue("assign", "待指派律师", ("manager",), _queue_assign),
    Queue("backfill", "补交材料（到期与逾期）", ("duty_lawyer", "manager"), _queue_backfill),
    Queue("home_visits", "上门服务", ("duty_lawyer", "manager", "aid_lawyer"), _queue_home_visits),
    Queue("callbacks", "回访任务", ("manager",), _queue_callbacks),
    Queue("repeat_callbacks", "重复来电回访", ("duty_lawyer",), _queue_repeat_callbacks),
    Queue("my_cases", "我的案件", ("aid_lawyer",), _queue_my_cases),
    Queue("objections", "待审查的异议", ("bureau_reviewer", "manager"), _queue_objections),
)}
QUEUES = {key: (q.title, q.roles) for key, q in QUEUE_REGISTRY.items()}  # key: (title, roles)



# --- open work stops when aid is terminated (Art. 48) ----------------------------------------------------

@applications.before_commit.connect
def _stop_open_work(app_: Application, action: str, actor, from_status: str, notifications: list) -> None:
    """Termination ends the case: a requested or scheduled home visit is cancelled in the same transaction
    (queues and the backfill tracker already leave out final states; the alert scan resolves the rest)."""
    if action != "terminate":
        return
    visits = db.session.scalars(sa.select(HomeVisit).where(HomeVisit.application_id == app_.id,
                                                           HomeVisit.status.in_(("requested", "scheduled")))).all()
    for visit in visits:
        visit.status = "cancelled"
    if visits:
        applications.record_event(app_, actor, "home_visit_cancelled", "法律援助已终止，上门服务取消")
