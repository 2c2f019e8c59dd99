"""Home visits: who may arrange them, request, schedule, record, list, and cancel the open ones."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import errors
from app.applications import service as applications
from app.applications.models import FINAL_STATUSES, Application
from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.common.inputs import text
from app.common.timeutil import LOCAL_TZ, utcnow
from app.extensions import db
from app.common.permissions import CITIZEN, P, Role
from app.visits.models import HomeVisit



def active_visit(app_: Application) -> HomeVisit | None:
    return db.session.scalars(sa.select(HomeVisit).where(
        HomeVisit.application_id == app_.id, HomeVisit.status.in_(("requested", "scheduled")))
        .order_by(HomeVisit.id.desc())).first()


def visits_for(app_: Application) -> list[HomeVisit]:
    return db.session.scalars(sa.select(HomeVisit).where(HomeVisit.application_id == app_.id)
                              .order_by(HomeVisit.id)).all()


def new_visit(app_: Application, actor, address: str, reason: str | None) -> HomeVisit:
    visit = HomeVisit(application_id=app_.id, status="requested", address=address, reason=reason,
                      requested_by_type=CITIZEN.value if isinstance(actor, Citizen) else "staff",
                      requested_by_id=getattr(actor, "id", None))
    db.session.add(visit)
    db.session.flush()
    return visit


def can_arrange_home_visit(staff: StaffUser, app_: Application) -> bool:
    """Who may request or schedule a home visit, and while the case is open."""
    return P.arrange_home_visits.allows(staff) and app_.status not in FINAL_STATUSES


def can_complete_home_visit(staff: StaffUser, visit: HomeVisit) -> bool:
    return visit.status == "scheduled" and (P.manage_home_visits.allows(staff) or visit.lawyer_id == staff.id)


def request_home_visit(staff: StaffUser, app_: Application, address: str, reason: str | None) -> HomeVisit:
    if not P.arrange_home_visits.allows(staff):
        raise errors.Forbidden("当前角色无权申请上门服务")
    if app_.status in FINAL_STATUSES:
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再申请上门服务")
    if active_visit(app_) is not None:
        raise errors.Conflict("该申请已有待办的上门服务")
    address = text(address, "address", "请填写上门地址")
    reason = text(reason, "reason", "", required=False)
    visit = new_visit(app_, staff, address, reason)
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
    if not P.arrange_home_visits.allows(staff):
        raise errors.Forbidden("当前角色无权安排上门服务")
    if app_.status in FINAL_STATUSES:
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再安排上门服务")
    try:
        lawyer = db.session.get(StaffUser, int(lawyer_id)) if lawyer_id not in (None, "") else None
    except (TypeError, ValueError):
        lawyer = None
    if lawyer is None or not P.do_home_visits.allows(lawyer) or not lawyer.is_active:
        raise errors.ValidationFailed("请选择上门律师", details={"fields": {"lawyer_id": ["无效的律师"]}})
    if when is None or when.tzinfo is None:
        raise errors.ValidationFailed("请填写上门时间", details={"fields": {"scheduled_at": ["必填"]}})
    visit = active_visit(app_)
    if visit is None:
        if not (app_.home_visit_requested and app_.home_visit_address):
            raise errors.InvalidTransition("该申请没有待安排的上门服务，请先申请上门服务")
        visit = new_visit(app_, None, app_.home_visit_address, app_.home_visit_reason)
        visit.requested_by_type = CITIZEN.value if app_.citizen_id else "staff"
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
    if visit is None or not P.view_case.allows(staff):
        raise errors.NotFound("未找到该上门服务")
    if staff.role == Role.aid_lawyer and visit.lawyer_id != staff.id:
        app_ = db.session.get(Application, visit.application_id)
        if app_ is None or app_.assigned_lawyer_id != staff.id:
            raise errors.NotFound("未找到该上门服务")
    return visit


def complete_home_visit(staff: StaffUser, visit: HomeVisit, result_note: str) -> HomeVisit:
    if not (P.do_home_visits.allows(staff) or P.manage_home_visits.allows(staff)):
        raise errors.Forbidden("当前角色无权记录上门服务")
    if not P.manage_home_visits.allows(staff) and visit.lawyer_id != staff.id:
        raise errors.Forbidden("只有上门律师或负责人可以记录上门结果")
    if not can_complete_home_visit(staff, visit):
        raise errors.InvalidTransition("上门服务尚未安排或已结束")
    visit.result_note = text(result_note, "result_note", "请填写上门服务情况")
    visit.status = "done"
    visit.done_at = utcnow()
    app_ = db.session.get(Application, visit.application_id)
    applications.record_event(app_, staff, "home_visit_done", visit.result_note)
    audit("home_visit.done", actor=staff, object_type="home_visit", object_id=visit.id,
          details={"application_id": app_.id})
    db.session.commit()
    return visit


def list_visits_stmt(staff: StaffUser, *, active_only: bool = True) -> sa.Select:
    if not P.view_case.allows(staff):
        raise errors.Forbidden("当前角色无权查看上门服务")
    stmt = sa.select(HomeVisit)
    if active_only:
        stmt = stmt.where(HomeVisit.status.in_(("requested", "scheduled")))
    if staff.role == Role.aid_lawyer:
        stmt = stmt.where(HomeVisit.lawyer_id == staff.id)
    return stmt.order_by(HomeVisit.scheduled_at.is_(None).desc(), HomeVisit.scheduled_at, HomeVisit.id)


def pending_visit_requests(staff: StaffUser) -> list[Application]:
    """Home visits asked for in the application (by the citizen) and not yet turned into a visit: the
    home queue and the home-visits page both list them."""
    if not P.arrange_home_visits.allows(staff):
        return []
    no_visit = ~sa.exists().where(HomeVisit.application_id == Application.id)
    return db.session.scalars(sa.select(Application).where(
        Application.status.in_(("submitted", "under_review", "expedite_requested", "expedite_approved", "approved",
                                "assigned", "in_progress")),
        Application.home_visit_requested.is_(True), no_visit).order_by(Application.id)).all()


def cancel_open(app_: Application, actor, note: str) -> None:
    """A requested or scheduled home visit is cancelled (termination ends the case, Art. 48); in the caller's
    transaction (queues and the backfill tracker already leave out final states; the alert scan resolves the rest)."""
    visits = db.session.scalars(sa.select(HomeVisit).where(HomeVisit.application_id == app_.id,
                                                           HomeVisit.status.in_(("requested", "scheduled")))).all()
    for visit in visits:
        visit.status = "cancelled"
    if visits:
        applications.record_event(app_, actor, "home_visit_cancelled", note)
