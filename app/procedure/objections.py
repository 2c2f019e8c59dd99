"""Objections to a refusal or a termination (Art. 49): lodged by the citizen (any time, or within the
province's period when it sets one), decided once by the justice bureau's reviewer within 五日 (uphold, or
order the centre to correct)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app import errors
from app.centres import service as centres
from app.applications import service as applications
from app.applications.models import Application
from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.common.timeutil import local_today, utcnow
from app.documents.models import Document
from app.extensions import db
from app.common.lookup import get_allowed
from app.common.permissions import P
from app.procedure.clocks import OBJECTION_STATES, due, local_date
from app.common.inputs import text
from app.procedure.models import Letter, Objection, read_state

def objections_for(application_id: int) -> list[Objection]:
    return db.session.scalars(sa.select(Objection).where(Objection.application_id == application_id)
                              .order_by(Objection.id)).all()


def _objection_pending_or_made(application_id: int, since: dt.datetime | None) -> bool:
    stmt = sa.select(Objection.id).where(Objection.application_id == application_id)
    if since is not None:
        stmt = stmt.where(Objection.received_at >= since)
    return db.session.scalar(stmt.limit(1)) is not None


def lodge_objection(citizen: Citizen, app_: Application, reasons: str, document_ids=None) -> Objection:
    ps = read_state(app_)
    if app_.citizen_id != citizen.id:
        raise errors.NotFound("未找到该申请")
    if app_.status not in OBJECTION_STATES:
        raise errors.InvalidTransition(
            f"申请当前状态为「{app_.status_label}」，只有对不予法律援助或终止法律援助的决定才能提出异议",
            details={"status": app_.status, "allowed_from": list(OBJECTION_STATES)})
    if _objection_pending_or_made(app_.id, ps.decided_at):
        raise errors.InvalidTransition("已对该决定提出过异议，请等待或查看司法局的审查结果")
    period = current_app.config["OBJECTION_PERIOD_DAYS"]
    if period and ps.objection_due and local_today() > ps.objection_due:
        raise errors.InvalidTransition(f"提出异议的期限已于 {ps.objection_due} 届满（本省规定自决定书送达之日起 {period} 日内提出）")
    reasons = text(reasons, "reasons", "请填写异议的理由", limit=2000)
    ids = [int(i) for i in (document_ids or [])]
    if ids:
        found = set(db.session.scalars(sa.select(Document.id).where(
            Document.id.in_(ids), Document.application_id == app_.id, Document.status != "superseded")).all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise errors.ValidationFailed("照片无效", details={"fields": {"document_ids": [f"未找到：{missing}"]}})
    now = utcnow()
    against = "refusal" if app_.status == "rejected" else "termination"
    letter_id = db.session.scalar(sa.select(Letter.id).where(
        Letter.application_id == app_.id, Letter.kind == against).order_by(Letter.id.desc()).limit(1))
    obj = Objection(application_id=app_.id, citizen_id=citizen.id, against=against, against_letter_id=letter_id,
                    reasons=reasons, document_ids=ids or None, status="open", received_at=now,
                    decide_by=due("objection_decide", local_date(now), current_app.config["OBJECTION_DECIDE_DAYS"]))
    db.session.add(obj)
    db.session.flush()
    applications.record_event(app_, citizen, "objection_lodged",
                              f"申请人向{centres.settings(app_.centre_id)['BUREAU_NAME']}提出异议，应于 {obj.decide_by} 前审查决定")
    audit("objection.lodge", actor=citizen, object_type="objection", object_id=obj.id,
          details={"application_id": app_.id, "against": against})
    db.session.commit()
    return obj


def get_objection_for_citizen(citizen: Citizen, objection_id: int) -> Objection:
    obj = db.session.get(Objection, objection_id)
    if obj is None or obj.citizen_id != citizen.id:
        raise errors.NotFound("未找到该异议")
    return obj


def get_objection(staff: StaffUser, objection_id: int) -> Objection:
    return get_allowed(Objection, objection_id, staff, P.view_objections, "未找到该异议")


def objections_stmt(staff: StaffUser, status: str | None = "open") -> sa.Select:
    if not P.view_objections.allows(staff):
        raise errors.Forbidden("当前角色无权查看异议")
    stmt = sa.select(Objection)
    if status:
        stmt = stmt.where(Objection.status == status)
    return stmt.order_by(Objection.status != "open", Objection.decide_by, Objection.id)


def decide(reviewer: StaffUser, obj: Objection, decision: str, note: str | None) -> tuple[Application, str]:
    """司法局审查人员 decides once: uphold, or order the centre to correct. Records the decision and its audit;
    returns the application and the note (the flow reopens the review or tells the citizen, and commits)."""
    if not P.decide_objection.allows(reviewer):
        raise errors.Forbidden("只有司法局审查人员可以对异议作出决定")
    if decision not in ("uphold", "correct"):
        raise errors.ValidationFailed("决定无效", details={"fields": {"decision": ["应为 uphold（维持）或 correct（责令改正）"]}})
    if obj.status != "open":
        raise errors.InvalidTransition(f"该异议已审查（{obj.status_label}），不能再次决定",
                                       details={"status": obj.status})
    note = text(note, "note", "请填写审查意见（申请人可见）" if decision == "correct" else "请填写维持的理由（申请人可见）",
                limit=2000)
    app_ = db.session.get(Application, obj.application_id)
    obj.status = "upheld" if decision == "uphold" else "corrected"
    obj.decided_at, obj.decided_by_id, obj.decision_note = utcnow(), reviewer.id, note
    audit("objection.decide", actor=reviewer, object_type="objection", object_id=obj.id,
          details={"decision": obj.status, "application_id": app_.id})
    return app_, note


def objection_out(obj: Objection) -> dict:
    return {"id": obj.id, "application_id": obj.application_id, "against": obj.against,
            "against_label": obj.against_label, "reasons": obj.reasons, "document_ids": obj.document_ids or [],
            "status": obj.status, "status_label": obj.status_label, "received_at": obj.received_at.isoformat(),
            "decide_by": obj.decide_by.isoformat(), "decided_at": obj.decided_at.isoformat() if obj.decided_at else None,
            "decision_note": obj.decision_note}
