"""Eligibility on the application: the citizen's screen answer and integrity commitment (Art. 41) kept
with the draft, the answer derived from the category when there is none, the staff's override."""
from __future__ import annotations

from flask import current_app

from app import errors
from app.centres import service as centres
from app.applications import service as applications
from app.applications.models import Application
from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.common.timeutil import utcnow
from app.extensions import db
from app.common.permissions import CITIZEN, P
from app.procedure import eligibility
from app.procedure.models import read_state, state
from app.common.inputs import text

OVERRIDE_RESULTS = tuple(eligibility.RESULT_LABELS)


def screen_answer(app_: Application) -> dict:
    """The screen's answer kept with the application, or one derived from its category and hardship
    category; with the staff's override if any."""
    ps = read_state(app_)
    if ps.eligibility and ps.eligibility.get("answer"):
        out = {**ps.eligibility["answer"], "source": CITIZEN.value, "input": ps.eligibility.get("input"),
               "screened_at": ps.eligibility.get("screened_at")}
    else:
        out = {**eligibility.screen_from_application(app_, centres.config_of(app_.centre_id)), "source": "derived", "input": None,
               "screened_at": None}
    out["override"] = ps.eligibility_override
    out["effective_result"] = (ps.eligibility_override or {}).get("result") or out["result"]
    c = ps.integrity_commitment
    out["integrity_commitment"] = {"version": c.get("version"), "accepted_at": c.get("accepted_at")} if c else None
    return out


def store_screen(citizen: Citizen, app_: Application, data: dict) -> Application:
    """The citizen's screen answer and personal integrity commitment (Art. 41), kept with the draft."""
    ps = state(app_)
    if app_.status != "draft":
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，只有草稿可以修改资格自测")
    screen_input = {k: data.get(k) for k in ("matter", "injury", "retrial", "situations", "groups", "household_size",
                                              "monthly_income")}
    try:
        answer = eligibility.screen(screen_input, centres.config_of(app_.centre_id))
    except eligibility.UnknownKeys as exc:
        raise errors.ValidationFailed("资格自测内容有误", code="unknown_key", details={"fields": exc.fields}) from None
    if screen_input.get("monthly_income") is not None:
        screen_input["monthly_income"] = str(screen_input["monthly_income"])
    now = utcnow()
    ps.eligibility = {"input": screen_input, "answer": answer, "screened_at": now.isoformat()}
    commitment = data.get("integrity_commitment")
    if commitment is not None:
        version = commitment.get("version")
        if version not in eligibility.INTEGRITY_COMMITMENTS or not commitment.get("accepted"):
            raise errors.ValidationFailed("请阅读并同意现行版本的个人诚信承诺", details={"fields": {
                "integrity_commitment": [f"现行版本为 {eligibility.CURRENT_COMMITMENT}，且须同意"]}})
        ps.integrity_commitment = {"version": version, "text": eligibility.INTEGRITY_COMMITMENTS[version],
                                     "accepted_at": now.isoformat()}
    elif answer["means_test"] == "required" and not ps.integrity_commitment:
        raise errors.ValidationFailed("因经济困难申请的，需作出个人诚信承诺（法律援助法第四十一条）", details={"fields": {
            "integrity_commitment": ["请阅读并同意个人诚信承诺"]}})
    audit("application.eligibility_screen", actor=citizen, object_type="application", object_id=app_.id,
          details={"result": answer["result"], "means_test": answer["means_test"]})
    db.session.commit()
    return app_


def override_screen(staff: StaffUser, app_: Application, result: str, reason: str) -> Application:
    ps = state(app_)
    if not P.review_case.allows(staff):
        raise errors.Forbidden("当前角色无权调整资格审查结果")
    if result not in OVERRIDE_RESULTS:
        raise errors.ValidationFailed("结果无效", details={"fields": {"result": [f"应为：{'、'.join(OVERRIDE_RESULTS)}"]}})
    reason = text(reason, "reason", "请填写调整理由")
    before = screen_answer(app_)["effective_result"]
    ps.eligibility_override = {"result": result, "reason": reason, "by": staff.id, "by_name": staff.display_name,
                                 "at": utcnow().isoformat()}
    applications.record_event(app_, staff, "eligibility_override",
                              f"资格审查结果调整为「{eligibility.RESULT_LABELS[result]}」：{reason}")
    audit("application.eligibility_override", actor=staff, object_type="application", object_id=app_.id,
          details={"from": before, "to": result, "reason": reason})
    db.session.commit()
    return app_
