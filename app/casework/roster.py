"""The aid lawyers' roster: open cases per lawyer, availability, and ranked suggestions for an assignment."""
from __future__ import annotations

import sqlalchemy as sa

from app import errors
from app.applications.models import Application
from app.audit import record as audit
from app.auth.models import StaffUser
from app.extensions import db
from app.common.permissions import P, Role

OPEN_CASE_STATUSES = ("assigned", "in_progress")


def open_case_counts() -> dict[int, int]:
    rows = db.session.execute(sa.select(Application.assigned_lawyer_id, sa.func.count()).where(
        Application.status.in_(OPEN_CASE_STATUSES), Application.assigned_lawyer_id.is_not(None))
        .group_by(Application.assigned_lawyer_id)).all()
    return {lid: n for lid, n in rows}


def specialties(lawyer: StaffUser) -> list[str]:
    return [s.strip() for s in (lawyer.specialties or "").replace("，", ",").split(",") if s.strip()]


def roster() -> list[dict]:
    counts = open_case_counts()
    lawyers = db.session.scalars(sa.select(StaffUser).where(StaffUser.role == Role.aid_lawyer.value)
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
    if not (P.manage_roster.allows(staff) or P.manage_staff.allows(staff)):
        raise errors.Forbidden("当前角色无权调整律师名册")
    lawyer = db.session.get(StaffUser, lawyer_id)
    if lawyer is None or lawyer.role != Role.aid_lawyer:
        raise errors.NotFound("未找到该援助律师")
    lawyer.available = bool(available)
    audit("roster.update", actor=staff, object_type="staff_user", object_id=lawyer.id,
          details={"available": lawyer.available})
    db.session.commit()
    return lawyer


def aid_lawyer(lawyer_id) -> StaffUser:
    try:
        lawyer = db.session.get(StaffUser, int(lawyer_id)) if lawyer_id not in (None, "") else None
    except (TypeError, ValueError):
        lawyer = None
    if lawyer is None or lawyer.role != Role.aid_lawyer or not lawyer.is_active:
        raise errors.ValidationFailed("请选择一位在册的援助律师", details={"fields": {"lawyer_id": ["无效的援助律师"]}})
    return lawyer
