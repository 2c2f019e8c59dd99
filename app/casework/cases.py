"""Staff case handling on top of the application state machine: per-object access, the list, the phone
intake, the declared actions with their inputs checked, progress notes, the timeline."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app import errors
from app.applications import actions, service as applications
from app.applications.models import FINAL_STATUSES, Application, ApplicationEvent
from app.audit import record as audit
from app.auth.models import StaffUser
from app.casework.roster import aid_lawyer, suggest_lawyers
from app.common.inputs import text
from app.common.timeutil import utcnow
from app.documents import service as documents
from app.documents.models import KINDS
from app.extensions import db
from app.common.permissions import P, Role
from app.procedure import decisions, flows
from app.visits import service as visits

get_application = applications.get_for_staff


get_document = documents.get_for_staff


def list_stmt(staff: StaffUser, *, status: str | None = None, q: str | None = None,
              urgent: bool | None = None) -> sa.Select:
    if not P.view_case.allows(staff):
        raise errors.Forbidden("当前角色无权查看申请")
    stmt = sa.select(Application).where(sa.or_(Application.status != "draft", Application.citizen_id.is_(None)))
    if staff.role == Role.aid_lawyer:  # only the cases assigned to them
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


def open_for_caller(staff: StaffUser, data: dict, *, first_contact_at: dt.datetime | None = None) -> Application:
    """A duty lawyer opens an application for a caller on the phone and submits it at once."""
    if not P.take_phone_intake.allows(staff):
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
    if data.get("home_visit_requested") and not (data.get("home_visit_address") or "").strip():
        raise errors.ValidationFailed("申请上门服务请填写上门地址", details={"fields": {"home_visit_address": ["请填写上门地址"]}})
    if first_contact_at and first_contact_at > utcnow() + dt.timedelta(minutes=5):
        raise errors.ValidationFailed("来电时间不能晚于当前时间", details={"fields": {"first_contact_at": ["来电时间不能晚于当前时间"]}})
    data = {k: v for k, v in data.items() if v not in (None, "")}
    data.setdefault("category", "其他")
    data.setdefault("service_type", "advice")
    app_ = applications.create_draft(staff, data, citizen=None)
    app_.first_contact_at = first_contact_at or utcnow()
    flows.submit(staff, app_, note="值班律师电话受理")
    if app_.home_visit_requested and app_.home_visit_address:
        visits.new_visit(app_, staff, app_.home_visit_address, app_.home_visit_reason)
        db.session.commit()
    return app_


def act(staff: StaffUser, app_: Application, action: str, data: dict | None = None) -> Application:
    """Run one declared staff action (app.applications.actions) with its inputs checked. A change that
    crosses domains runs its flow (app/procedure/flows.py); the state machine checks state and role (for
    the law's decisions before their input, as app/procedure does)."""
    data = data or {}
    spec = actions.ACTIONS.get(action)
    if spec is None or action not in actions.STAFF_TRANSITIONS:
        raise errors.BadRequest("未知操作")
    decisions.require_confirmed(staff, app_, action, data)
    if action == "reject":
        return flows.refuse(staff, app_, data)
    if action == "request_expedite":
        return flows.request_expedite(staff, app_, data)
    if action == "terminate":
        return flows.terminate(staff, app_, data)
    note = None
    if spec.note_field:
        note = text(data.get(spec.note_field), spec.note_field, spec.note_required or "",
                    required=bool(spec.note_required))
    if action == "approve":
        return flows.grant(staff, app_, note)
    if action == "approve_expedite":
        changes, note = _backfill(data, note)
        return flows.decide_expedite(staff, app_, True, note, **changes)
    if action == "deny_expedite":
        return flows.decide_expedite(staff, app_, False, note)
    if action == "assign":
        lawyer = aid_lawyer(data.get("lawyer_id"))
        suggested = [s["lawyer"].id for s in suggest_lawyers(app_)[:1]]
        return flows.assign(staff, app_, lawyer, suggested=suggested, note=note)
    if action == "close":
        return applications.transition(staff, app_, action, note=note, outcome=note)
    return applications.transition(staff, app_, action, note=note)


def _backfill(data, note):
    """What a 先行提供 case must hand in later, and by when (approve_expedite)."""
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
    return changes, note


def add_note(staff: StaffUser, app_: Application, note: str) -> Application:
    """An internal progress note (the citizen does not see it)."""
    spec = actions.ACTIONS["progress_note"]
    if not spec.allows(staff.role):
        raise errors.Forbidden("当前角色无权记录办理进展")
    if not actions.can(staff.role, "progress_note", app_.status):
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再记录进展")
    note = text(note, "note", spec.note_required)
    applications.record_event(app_, staff, "progress_note", note)
    audit("application.note", actor=staff, object_type="application", object_id=app_.id)
    db.session.commit()
    return app_


def timeline(app_: Application) -> list:
    return db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app_.id)
                              .order_by(ApplicationEvent.id)).all()


def reveal_phone(staff: StaffUser, application_id: int) -> Application:
    """The applicant's full phone number, for calling back: the case must be the caller's to see, and every
    view is written to the audit log (pages show it masked otherwise)."""
    app_ = get_application(staff, application_id)
    if not app_.phone:
        raise errors.NotFound("该申请未留联系电话")
    audit("application.reveal_phone", actor=staff, object_type="application", object_id=app_.id)
    db.session.commit()
    return app_
