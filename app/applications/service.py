"""Legal-aid applications: drafting, validation, the state machine, the timeline.

Every state change goes through `apply_transition()`: it checks the state and the actor's role, sets the
status, writes the timeline event and the audit entry, and returns the citizen's message for after the
commit. `transition()` applies one and commits; a change that crosses domains (a decision with its
letter and clocks) runs through a flow (app/procedure/flows.py), which applies the transition, calls the
other domains in order and commits once. Routes never set `status` themselves.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from app import errors
from app.centres import service as centres
from app.applications.actions import ACTIONS, Action, citizen_sees
from app.applications.models import (CATEGORIES, FINAL_STATUSES, HARDSHIP_CATEGORIES, SERVICE_TYPES,
                                     STATUS_LABELS, Application, ApplicationEvent)
from app.auth import consents
from app.auth.models import Citizen
from app.common.permissions import CITIZEN, SYSTEM, P, Role, role_of
from app.audit import record as audit_record
from app.auth.service import text_is_safe
from app.common.taxonomy import DOCUMENT_KINDS, LIVE_DOCUMENT_STATUSES
from app.common.timeutil import end_of_local_day, local_today, utcnow
from app.extensions import db
from app.notifications import service as notifications
from ocr import idnumber

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

EDITABLE_FIELDS = (
    "applicant_name", "sex", "ethnicity", "birth_date", "id_number", "phone", "hukou_address",
    "current_address", "occupation", "mobility_impaired", "category", "description", "opposing_party",
    "court", "case_number", "legal_deadline", "urgency_reason", "hardship_category", "hardship_statement",
    "service_type", "home_visit_requested", "home_visit_address", "home_visit_reason",
    "place_district", "place_basis",
)
PLACE_BASES = centres.PLACE_BASES
FREE_TEXT_FIELDS = ("description", "urgency_reason", "hardship_statement", "home_visit_reason", "opposing_party")


# The state changes (each declared once in app.applications.actions)
TRANSITIONS: dict[str, Action] = {name: a for name, a in ACTIONS.items() if a.target}


actor_role = role_of


def actor_name(actor) -> str:
    return "申请人" if isinstance(actor, Citizen) else actor.display_name


# --- reading -------------------------------------------------------------------

def can_staff_see(staff, app_: Application) -> bool:
    """Who may see an application (P.view_case): an aid lawyer only the cases assigned to them."""
    if not P.view_case.allows(staff):
        return False
    if staff.role == Role.aid_lawyer:
        return app_.assigned_lawyer_id == staff.id
    return True


def load_for_change(application_id: int) -> Application | None:
    """The application row, locked until the transaction ends when the request may change it (any method
    but GET/HEAD): two hosts handling the same action at once take turns, and the second sees what the
    first did (its state check refuses) instead of both acting on the state they read. Reads lock nothing."""
    from flask import has_request_context, request
    lock = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    if lock:  # the row alone (the mapped class joins other tables eagerly, which FOR UPDATE refuses)
        db.session.execute(sa.select(Application.id).where(Application.id == application_id).with_for_update())
        return db.session.get(Application, application_id, populate_existing=True)
    return db.session.get(Application, application_id)


def get_for_staff(staff, application_id: int) -> Application:
    """Per object: what the staff member may not see is a 404, like a missing one."""
    app_ = load_for_change(application_id)
    if app_ is None or not can_staff_see(staff, app_):
        raise errors.NotFound("未找到该申请")
    if app_.status == "draft" and app_.citizen_id is not None:
        raise errors.NotFound("未找到该申请")  # a citizen's unsent draft is theirs alone
    return app_


def get_for_citizen(citizen: Citizen, application_id: int) -> Application:
    """Another citizen's application is indistinguishable from a missing one (404)."""
    app_ = db.session.scalar(sa.select(Application).where(Application.id == application_id,
                                                          Application.citizen_id == citizen.id))
    if app_ is None:
        raise errors.NotFound("未找到该申请")
    return app_


# --- writing -------------------------------------------------------------------

def create_draft(actor, data: dict, *, citizen: Citizen | None = None) -> Application:
    citizen = citizen if citizen is not None else (actor if isinstance(actor, Citizen) else None)
    _check_text(actor, data)
    app_ = Application(status="draft", citizen_id=citizen.id if citizen else None,
                       created_by_staff_id=None if isinstance(actor, Citizen) else actor.id)
    if citizen is not None and citizen.phone and not data.get("phone"):
        data = {**data, "phone": citizen.phone}
    _apply(app_, data)
    if app_.centre_id is None:  # a citizen's draft with its place already has its competent centre
        app_.centre_id = centres.centre_for_application(None if isinstance(actor, Citizen) else actor,
                                                        app_.place_district, app_.id_number)
    db.session.add(app_)
    db.session.flush()
    app_.reference = f"FY{local_today():%Y%m%d}{app_.id:06d}"
    _event(app_, actor, "create", None, "draft", None)
    db.session.commit()
    return app_


def update_draft(actor, app_: Application, data: dict) -> Application:
    if app_.status != "draft":
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，只有草稿可以修改")
    _check_text(actor, data)
    _apply(app_, data)
    db.session.commit()
    return app_


def _check_text(actor, data: dict) -> None:
    if isinstance(actor, Citizen):
        consents.require_for_fields(actor, data)  # sensitive fields need their separate consent (PIPL Art. 29)
        text = "\n".join(str(data[f]) for f in FREE_TEXT_FIELDS if data.get(f))
        text_is_safe(actor, text)


def _apply(app_: Application, data: dict) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise errors.ValidationFailed("包含不可修改的字段", details={"fields": {k: ["不可修改"] for k in unknown}})
    field_errors = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip() or None
        if key == "id_number" and value:
            value = idnumber.normalize(value)
            if not idnumber.is_valid(value):
                field_errors[key] = ["身份证号码无效（请核对位数和末位校验码）"]
                continue
        if key == "phone" and value and not MOBILE_RE.match(value):
            field_errors[key] = ["手机号格式不正确，应为 11 位大陆手机号"]
            continue
        if key == "category" and value and value not in CATEGORIES:
            field_errors[key] = [f"案件类别无效，应为：{'、'.join(CATEGORIES)}"]
            continue
        if key == "hardship_category" and value and value not in HARDSHIP_CATEGORIES:
            field_errors[key] = [f"经济困难类别无效，应为：{'、'.join(HARDSHIP_CATEGORIES)}"]
            continue
        if key == "service_type" and value and value not in SERVICE_TYPES:
            field_errors[key] = ["申请事项无效，应为 representation（代理）、document_drafting（代书）或 advice（咨询）"]
            continue
        if key == "sex" and value and value not in ("男", "女"):
            field_errors[key] = ["性别应为 男 或 女"]
            continue
        if key == "birth_date" and value and value > local_today():
            field_errors[key] = ["出生日期不能晚于今天"]
            continue
        if key == "place_district" and value and centres.for_district(value) is None:
            field_errors[key] = ["所选区县不在本平台受理范围内"]
            continue
        if key == "place_district" and value and value not in {c["district"] for c in centres.district_choices()}:
            field_errors[key] = ["所选区县不在本平台受理范围内，请从列表中选择"]
            continue
        if key == "place_basis" and value and value not in PLACE_BASES:
            field_errors[key] = ["地点依据应为 organ（办案机关所在地）或 event（争议处理机关所在地或事由发生地）"]
            continue
        if key in ("mobility_impaired", "home_visit_requested"):
            value = bool(value)
        setattr(app_, key, value)
    if field_errors:
        raise errors.ValidationFailed(details={"fields": field_errors})
    if app_.status == "draft" and app_.created_by_staff_id is None and ("place_district" in data or "id_number" in data):
        # the competent centre (Art. 38) follows the place while a citizen's application is a draft; a
        # phone intake stays with the duty lawyer's centre, which transfers it if another is competent
        chosen = centres.for_district(app_.place_district or centres.suggest_district(app_.id_number))
        app_.centre_id = chosen.id if chosen else app_.centre_id
    app_.deadline_at = end_of_local_day(app_.legal_deadline) if app_.legal_deadline else None


def missing_for_submit(app_: Application) -> dict[str, str]:
    """Required fields by service type. Returns {field: Chinese reason}."""
    need = {
        "applicant_name": "请填写申请人姓名",
        "id_number": "请填写身份证号码",
        "phone": "请填写联系电话",
        "category": "请选择案件类别",
        "description": "请简要说明案情",
        "service_type": "请选择申请事项",
    }
    if app_.service_type in ("representation", "document_drafting"):
        need["opposing_party"] = "请填写对方当事人"
        need["hardship_category"] = "请选择经济困难类别"
        need["current_address"] = "请填写现住址"
    if app_.service_type == "representation":
        need["sex"] = "请选择性别"
        need["hukou_address"] = "请填写户籍地址"
    if app_.hardship_category == "其他":
        need["hardship_statement"] = "请说明经济困难情况"
    if app_.home_visit_requested:
        need["home_visit_address"] = "请填写上门服务地址"
        need["home_visit_reason"] = "请说明需要上门服务的原因"
    missing = {k: v for k, v in need.items() if not getattr(app_, k)}
    if app_.description and len(app_.description.strip()) < 10 and "description" not in missing:
        missing["description"] = "案情说明至少 10 个字"
    if app_.id_number and app_.birth_date and idnumber.birth_date(app_.id_number) != app_.birth_date:
        missing["birth_date"] = "出生日期与身份证号码不一致"
    if app_.id_number and app_.sex and idnumber.sex(app_.id_number) != app_.sex:
        missing["sex"] = "性别与身份证号码不一致"
    if legal_deadline_problem(app_.legal_deadline):
        missing["legal_deadline"] = legal_deadline_problem(app_.legal_deadline)
    return missing


def legal_deadline_problem(deadline: dt.date | None) -> str | None:
    """One rule for the citizen's form and the duty lawyer's phone intake: a legal deadline already past
    is a typing error (or a case for which first aid comes too late), never an urgent case."""
    if deadline and deadline < local_today():
        return "法定期限已过，请核对日期"
    return None


def missing_for_intake(app_: Application) -> dict[str, str]:
    """What a duty lawyer must record to submit a caller's application taken on the phone."""
    need = {"applicant_name": "请填写来电人姓名", "phone": "请填写联系电话", "description": "请简要记录来电反映的情况"}
    missing = {k: v for k, v in need.items() if not getattr(app_, k)}
    if legal_deadline_problem(app_.legal_deadline):
        missing["legal_deadline"] = legal_deadline_problem(app_.legal_deadline)
    return missing


def check_transition(actor, app_: Application, action: str) -> Action:
    """Role, ownership and state for `action` (403 / 404 / 409 with the current state in Chinese)."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise errors.BadRequest("未知操作")
    role = actor_role(actor)
    if not spec.allows(role):
        raise errors.Forbidden(f"当前角色无权「{spec.label}」")
    if role == CITIZEN and app_.citizen_id != actor.id:
        raise errors.NotFound("未找到该申请")
    if app_.status not in spec.sources:
        raise errors.InvalidTransition(
            f"申请当前状态为「{app_.status_label}」，不能{spec.label}",
            details={"status": app_.status, "action": action, "allowed_from": list(spec.sources)})
    return spec


def transition(actor, app_: Application, action: str, *, note: str | None = None, **changes) -> Application:
    """Apply a named transition that nothing else follows, commit, then send the citizen's message."""
    message = apply_transition(actor, app_, action, note=note, **changes)
    db.session.commit()
    notifications.dispatch([message])
    return app_


def apply_transition(actor, app_: Application, action: str, *, note: str | None = None, **changes):
    """Check state and role, set the status and `changes`, write the timeline and the audit entry; return the
    citizen's message (or None) for the caller to dispatch after its commit. Does not commit."""
    spec = check_transition(actor, app_, action)
    role = actor_role(actor)
    if action == "submit":
        # a duty lawyer's phone intake (no citizen account) needs only the caller's essentials
        phone_intake = app_.citizen_id is None and role == Role.duty_lawyer
        missing = missing_for_intake(app_) if phone_intake else missing_for_submit(app_)
        if missing:
            raise errors.ValidationFailed("申请信息不完整，请补充后再提交", code="incomplete_application",
                                          details={"fields": {k: [v] for k, v in missing.items()}})
    now = utcnow()
    from_status = app_.status
    for key, value in changes.items():
        setattr(app_, key, value)
    app_.status = spec.target
    if action == "submit":
        app_.submitted_at = now
        app_.first_contact_at = app_.first_contact_at or now
    elif action == "assign":
        app_.assigned_at = now
    elif spec.target in FINAL_STATUSES and from_status not in FINAL_STATUSES:  # (archiving keeps the closing day)
        app_.closed_at = now
    visible_note = note if spec.citizen_sees_note else None
    _event(app_, actor, action, from_status, spec.target, visible_note)
    if note and not spec.citizen_sees_note:  # the note stays with the staff
        _event(app_, actor, "internal_note", spec.target, spec.target, note, citizen_visible=False)
    audit_record(f"application.{action}", actor=actor, object_type="application", object_id=app_.id,
                 details={"from": from_status, "to": spec.target})
    return notifications.status_changed(app_, STATUS_LABELS[spec.target], visible_note)


def _event(app_: Application, actor, action: str, from_status, to_status, note,
           citizen_visible: bool = True) -> ApplicationEvent:
    ev = ApplicationEvent(
        application_id=app_.id, action=action, from_status=from_status, to_status=to_status,
        actor_type=SYSTEM if actor is None else (CITIZEN.value if isinstance(actor, Citizen) else "staff"),
        actor_id=getattr(actor, "id", None), actor_name="系统" if actor is None else actor_name(actor),
        note=note, citizen_visible=citizen_visible, created_at=utcnow())
    db.session.add(ev)
    return ev


def record_event(app_: Application, actor, action: str, note: str | None = None) -> None:
    """A timeline entry that is not a state change (document uploaded, progress note...); whether the
    citizen sees it is declared with the event (app.applications.actions)."""
    _event(app_, actor, action, app_.status, app_.status, note, citizen_visible=citizen_sees(action))


def link_phone_intakes(citizen: Citizen) -> list[Application]:
    """Applications a duty lawyer opened for a caller on the phone belong to the citizen whose
    WeChat-verified phone number is the caller's: link them, so the citizen can follow the case and
    hand in the documents. Called by app.documents.flows.phone_bound (the caller commits)."""
    found = db.session.scalars(sa.select(Application).where(
        Application.citizen_id.is_(None), Application.created_by_staff_id.is_not(None),
        Application.phone == citizen.phone, Application.status.not_in(FINAL_STATUSES))).all()
    for app_ in found:
        app_.citizen_id = citizen.id
        _event(app_, None, "linked_to_citizen", app_.status, app_.status, "申请人已通过微信验证手机号，可在小程序中查看进度、补交材料")
    return found


def deadline_hours_left(app_: Application) -> float | None:
    if app_.deadline_at is None:
        return None
    return round((app_.deadline_at - utcnow()).total_seconds() / 3600, 1)


def backfill_status(app_) -> dict:
    """What an expedited case still has to hand in (`app_`: an Application or a row with its columns).
    Documents sit above applications (they import this package), so their table is read by name."""
    documents = db.metadata.tables["documents"]
    required = list(app_.backfill_kinds or [])
    have = set(db.session.scalars(sa.select(documents.c.kind).where(
        documents.c.application_id == app_.id, documents.c.status.in_(LIVE_DOCUMENT_STATUSES))).all())
    missing = [k for k in required if k not in have]
    overdue = bool(missing and app_.backfill_due_at and app_.backfill_due_at < utcnow())
    return {"required": [{"kind": k, "label": DOCUMENT_KINDS.get(k, k)} for k in required],
            "missing": [{"kind": k, "label": DOCUMENT_KINDS.get(k, k)} for k in missing],
            "due_at": app_.backfill_due_at.isoformat() if app_.backfill_due_at else None,
            "complete": not missing, "overdue": overdue}
