"""The review decisions with reasons by article: grant, refusal, 先行提供 (Art. 44) with its ground,
termination (Art. 48); their inputs are checked here before the state machine runs."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from flask import current_app

from app import errors
from app.applications import service as applications
from app.applications.models import Application
from app.auth.models import StaffUser
from app.documents import service as documents
from app.documents.models import Document
from app.extensions import db
from app.common.timeutil import local_today, utcnow
from app.procedure import eligibility, law
from app.common.inputs import text
from app.common.permissions import P
from app.procedure.models import state
from app.procedure.screen import screen_answer

def _grounds(keys, table: dict, field: str) -> list[dict]:
    keys = [k for k in (keys or []) if k]
    bad = [k for k in keys if k not in table]
    if bad:
        raise errors.ValidationFailed("理由依据无效", code="unknown_key",
                                      details={"fields": {field: [f"未知：{'、'.join(bad)}；应为：{'、'.join(table)}"]}})
    return [{"key": k, "article": table[k][0], "text": table[k][1]} for k in dict.fromkeys(keys)]


def expedite_grounds_applicable(app_: Application, today: dt.date | None = None) -> list[str]:
    """The 先行提供 grounds the console may suggest: the deadline ground only when fewer than 7 days remain."""
    today = today or local_today()
    out = []
    if app_.legal_deadline and 0 <= (app_.legal_deadline - today).days < current_app.config["EXPEDITE_DEADLINE_DAYS"]:
        out.append("deadline_within_7_days")
    return out


DECISIONS = ("reject", "request_expedite", "terminate")  # the decisions whose input this package governs


def prepare(app_: Application, action: str, data: dict, actor=None) -> tuple[str | None, dict, dict]:
    """(note, the application's changes, the procedure's changes) for the decisions this package governs; raises 422 on bad input (after the
    role and state checks when the actor is given, so a wrong role is 403 and a wrong state 409)."""
    if actor is not None:
        applications.check_transition(actor, app_, action)
    if action == "reject":
        reason = text(data.get("reason"), "reason", "请填写不予法律援助的理由（群众可见）")
        grounds = _grounds(data.get("grounds"), law.REFUSAL_GROUNDS, "grounds")
        if not grounds:
            raise errors.ValidationFailed("请选择不予法律援助的理由依据", details={"fields": {"grounds": ["至少选择一项"]}})
        return reason, {"decision_reason": reason}, {"decision_grounds": grounds}
    if action == "request_expedite":
        reason = text(data.get("reason"), "reason", "请说明申请先行提供法律援助的理由")
        ground = data.get("ground") or None
        if ground is None and expedite_grounds_applicable(app_):
            ground = "deadline_within_7_days"
        if ground not in law.EXPEDITE_GROUNDS:
            raise errors.ValidationFailed("请选择先行提供法律援助的情形（法律援助法第四十四条）", code="unknown_key" if ground else
                                          "validation_error", details={"fields": {"ground": [f"应为：{'、'.join(law.EXPEDITE_GROUNDS)}"]}})
        if ground == "deadline_within_7_days" and "deadline_within_7_days" not in expedite_grounds_applicable(app_):
            msg = (f"法定期限（{app_.legal_deadline}）距今不少于 {current_app.config['EXPEDITE_DEADLINE_DAYS']} 日，"
                   "不符合第四十四条第（一）项" if app_.legal_deadline else "未填写法定期限，不能以期限将至为由先行提供")
            raise errors.ValidationFailed(msg, details={"fields": {"ground": [msg]}})
        return reason, {"expedite_reason": reason}, {"expedite_ground": ground}
    if action == "terminate":
        ground = data.get("ground")
        table = {**law.TERMINATION_GROUNDS, **law.EXPEDITE_TERMINATION}
        if ground not in table:
            raise errors.ValidationFailed("请选择终止法律援助的情形（法律援助法第四十八条）", code="unknown_key" if ground else
                                          "validation_error", details={"fields": {"ground": [f"应为：{'、'.join(table)}"]}})
        note = text(data.get("note") or data.get("reason"), "note", "请填写终止说明（群众可见）")
        return note, {"decision_reason": note}, {"termination_ground": ground}
    return None, {}, {}


DESK_ACTIONS = ("start_review", "approve", "reject", "request_expedite", "terminate")  # who may: ACTIONS[name].permission


# --- what a decision writes (the flows call these after the transition, app/procedure/flows.py) -------------

def decision_basis(app_: Application) -> list[dict]:
    """The basis a grant cites: the screen's; after a staff override to 'likely eligible', the matter and the
    override's reason — never the screen's unfavourable result."""
    answer = screen_answer(app_)
    override = answer.get("override")
    if override and override.get("result") == "likely_eligible" and answer["result"] != "likely_eligible":
        matters = eligibility.rules(current_app.config)[0]
        key = (answer.get("input") or {}).get("matter") or eligibility.CATEGORY_MATTERS.get(app_.category or "")
        matter = [{"key": "screen", "article": matters[key].article, "text": matters[key].text}] if key in matters else []
        return matter + [{"key": "override", "article": "", "text": f"经审查认定：{override.get('reason')}"}]
    return [{"key": "screen", **b} for b in answer["basis"]]


def record_grant(app_: Application) -> None:
    """给予法律援助: the decision, with the basis of the decision actually taken as its grounds."""
    ps = state(app_)
    ps.decision, ps.decided_at = "granted", utcnow()
    ps.decision_grounds = decision_basis(app_)


def record_resumption(app_: Application) -> None:
    """The bureau undid a termination: the termination no longer stands (the grant does)."""
    ps = state(app_)
    ps.termination_ground = ps.objection_due = None
    ps.decided_at = None


def record_refusal(app_: Application) -> None:
    ps = state(app_)
    ps.decision, ps.decided_at = "refused", utcnow()


def record_termination(app_: Application) -> None:
    ps = state(app_)
    ps.decided_at = utcnow()


def clear_for_review(app_: Application) -> None:
    """The bureau ordered the centre to correct: the earlier decision no longer stands."""
    ps = state(app_)
    ps.decision = ps.decided_at = ps.decision_grounds = ps.objection_due = None
    ps.termination_ground = None


def record_grant_after_expedite(staff: StaffUser, app_: Application, note: str | None) -> None:
    """The review of a 先行提供 case finds it eligible: the grant decision (no state change); the assignment
    clock runs if no lawyer is assigned yet."""
    ps = state(app_)
    if not P.decide_case.allows(staff):
        raise errors.Forbidden("当前角色无权作出给予法律援助的决定")
    if app_.status not in ("expedite_approved", "assigned", "in_progress") or ps.decision is not None \
            or not ps.expedite_ground:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能作出先行提供后的审查决定")
    ps.decision, ps.decided_at = "granted", utcnow()
    app_.decision_reason = text(note, "note", "", required=False) or app_.decision_reason
    ps.decision_grounds = decision_basis(app_)
    ps.assign_clock_from = local_today() if app_.status == "expedite_approved" else None


def record_grounds(app_: Application, **grounds) -> None:
    """The grounds a decision's input gave (`prepare`): refusal grounds, the 先行提供 or termination ground."""
    ps = state(app_)
    for key, value in grounds.items():
        setattr(ps, key, value)


def left_undone(app_: Application, docs: list | None = None) -> dict[str, str]:
    """Decisions that would leave work undone, with what: a grant while a photo sent back for re-shooting has
    not come again. They are refused unless `confirm_incomplete` is given (the API's input field, the tick on
    the case page and on the review desk)."""
    out = {}  # closing with documents still owed: the lawyer's closing file asks (app.handling.backfill_owed)
    if docs is None:
        docs = db.session.scalars(sa.select(Document).where(Document.application_id == app_.id,
                                                            Document.status != "superseded")).all()
    live = {d.kind for d in docs if d.status in documents.LIVE}
    reshoot = sorted({d.kind_label for d in docs if d.status == "rejected" and d.kind not in live})
    if reshoot:
        text_ = f"材料「{'、'.join(reshoot)}」已退回重拍，群众尚未重新上传"
        for action in ("approve", "approve_expedite"):
            out[action] = text_
    return out


def require_confirmed(staff: StaffUser, app_: Application, action: str, data: dict) -> None:
    """The one check of `left_undone`, for every path that takes the decision (API, case page, review desk):
    who may and from which state first (403/409), then 422 at `confirm_incomplete` without the tick."""
    undone = left_undone(app_).get(action)
    if undone:
        applications.check_transition(staff, app_, action)
        if not data.get("confirm_incomplete"):
            raise errors.ValidationFailed(undone, details={"fields": {"confirm_incomplete": ["请确认后再提交"]}})
