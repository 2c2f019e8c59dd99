"""The changes that cross domains, one function per flow, each read top to bottom (the model is Netflix
Dispatch's case/flows.py): the state change (app.applications), the procedure's clocks, decisions and
letters, the notice, the home visits (app.visits), in one transaction; the citizen's messages are sent
after the commit.

Who calls them: the citizen API (submit, withdraw: app/procedure/routes.py), the staff API and the case
page (app.casework.cases.act), the review desk and the objection desk (app/procedure/console.py and
routes.py), the periodic scan (deemed withdrawn). A state change with nothing after it (start review,
start work, close...) is `applications.transition` alone.
"""
from __future__ import annotations

from flask import current_app

from app import errors
from app.centres import service as centres
from app.applications import service as applications
from app.applications.models import Application
from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.common.inputs import text
from app.common.permissions import P
from app.extensions import db
from app.notifications import service as notifications
from app.procedure import clocks, decisions, delivery, letters, notices, objections
from app.procedure.models import Objection, SupplementNotice, state
from app.visits import service as visits


def _commit_and_send(*messages) -> None:
    """One commit for the whole flow, then the citizen's messages (none is sent for a rolled-back change)."""
    db.session.commit()
    notifications.dispatch(messages)
    delivery.send_pending()  # the SMS of letters written for phone applicants


# --- the application comes in, or goes ------------------------------------------------------------------

def submit(actor, app_: Application, *, note: str | None = None) -> Application:
    """提交 (the citizen, or the duty lawyer for a caller): to review; the review clock starts (Art. 43); the
    收件回执 tells the applicant the day received and the day the review is due."""
    message = applications.apply_transition(actor, app_, "submit", note=note)
    clocks.start_review(app_)
    receipt = letters.issue(app_, "receipt", letters.receipt_content(app_), actor=actor)
    _commit_and_send(message, letters.announce(app_, receipt))
    return app_


def withdraw(citizen: Citizen, app_: Application, reason: str | None) -> Application:
    """The citizen withdraws: an open one-time notice is cancelled."""
    message = applications.apply_transition(citizen, app_, "withdraw", note=reason)
    notices.close_open(app_, "cancelled")
    _commit_and_send(message)
    return app_


def deemed_withdrawn(app_: Application, notice: SupplementNotice) -> Application:
    """视为撤回 (the scan, Art. 43): a DELIVERED notice's due date has passed with items missing; the notice
    lapses and the applicant is told in writing (视为撤回申请通知书)."""
    missing = "、".join(i["label"] for i in notice.missing)
    notice_letter = letters.latest(app_, "supplement_notice")
    content = letters.withdrawal_content(app_, notice, notice_letter)
    message = applications.apply_transition(None, app_, "deemed_withdrawn",
                                            note=f"未在 {notice.due_date}（含当日）前补充材料（{missing}），依法视为撤回申请")
    notices.close_open(app_, "lapsed")
    letter = letters.issue(app_, "withdrawal", content)
    _commit_and_send(message, letters.announce(app_, letter))
    return app_


TRANSFERABLE = ("submitted", "under_review")
TRANSFER_ROLES = P.transfer_case  # who may transfer (移送)


def transfer(staff: StaffUser, app_: Application, to_code: str, reason: str | None) -> dict:
    """移送 (Art. 38): a centre that finds it is not competent sends the application, with a reason, to the
    centre that is. The applicant is told (timeline and message); an open one-time notice lapses with the
    sending centre; the receiving centre's review clock counts from the day after it receives it; the
    sending centre's staff no longer find the application (404)."""
    reason = text(reason, "reason", "请填写移送理由")
    target = centres.by_code((to_code or "").strip())
    if target is None:
        raise errors.ValidationFailed("接收机构不存在", details={"fields": {"centre": ["请选择接收的法律援助机构"]}})
    if target.id == app_.centre_id:
        raise errors.ValidationFailed("接收机构与当前受理机构相同", details={"fields": {"centre": ["请选择其他法律援助机构"]}})
    if app_.status not in TRANSFERABLE:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，只有已提交或审查中的申请可以移送")
    source = centres.get(app_.centre_id)
    source_name = source.name if source else "原受理机构"
    notices.close_open(app_, "cancelled")
    clocks.start_review(app_)  # received today: the 7 working days count from tomorrow
    db.session.flush()  # the procedure's rows are written while the sender still sees them
    app_.centre_id = target.id
    applications.record_event(app_, staff, "transferred", f"{source_name}移送至{target.name}：{reason}")
    audit("application.transfer", actor=staff, object_type="application", object_id=app_.id,
          details={"from": source.code if source else None, "to": target.code, "reason": reason})
    message = notifications.status_changed(app_, app_.status_label, f"您的申请已移送{target.name}办理")
    out = {"id": app_.id, "reference": app_.reference, "status": app_.status,
           "centre": {"code": target.code, "name": target.name}, "from_centre": source.code if source else None}
    _commit_and_send(message)
    return out  # the sender can no longer load the application (scoped): what it needs is read before the commit


# --- the review decisions -------------------------------------------------------------------------------

def grant(staff: StaffUser, app_: Application, note: str | None) -> Application:
    """给予法律援助: approved with the screen's basis; the assignment clock starts (3 working days); the grant
    letter (给予法律援助决定书) is issued and announced."""
    message = applications.apply_transition(staff, app_, "approve", note=note, decision_reason=note)
    decisions.record_grant(app_)
    clocks.start_assignment(app_)
    letter = letters.issue(app_, "grant", letters.grant_content(app_), actor=staff)
    _commit_and_send(message, letters.announce(app_, letter))
    return app_


def refuse(staff: StaffUser, app_: Application, data: dict) -> Application:
    """不予法律援助: reasons by article (checked after role and state); the objection period opens (Art. 49);
    an open notice is cancelled; the refusal letter, naming the objection route, is issued and announced."""
    reason, changes, grounds = decisions.prepare(app_, "reject", data, staff)
    message = applications.apply_transition(staff, app_, "reject", note=reason, **changes)
    decisions.record_grounds(app_, **grounds)
    decisions.record_refusal(app_)
    clocks.open_objection_period(app_)
    notices.close_open(app_, "cancelled")
    letter = letters.issue(app_, "refusal", letters.refusal_content(app_), actor=staff)
    _commit_and_send(message, letters.announce(app_, letter))
    return app_


def grant_after_expedite(staff: StaffUser, app_: Application, note: str | None) -> Application:
    """The review of a 先行提供 case finds it eligible (no state change): the grant decision and its letter."""
    decisions.record_grant_after_expedite(staff, app_, note)
    letter = letters.issue(app_, "grant", letters.grant_after_expedite_content(app_), actor=staff)
    applications.record_event(app_, staff, "grant_after_expedite", "先行提供法律援助后经审查，符合法律援助条件")
    audit("application.grant_after_expedite", actor=staff, object_type="application", object_id=app_.id)
    _commit_and_send(letters.announce(app_, letter))
    return app_


def terminate(staff: StaffUser, app_: Application, data: dict) -> Application:
    """终止法律援助 (Art. 48): the ground and a note the citizen sees; the objection period opens; the
    termination letter is issued and announced; requested or scheduled home visits are cancelled."""
    note, changes, ground = decisions.prepare(app_, "terminate", data, staff)
    message = applications.apply_transition(staff, app_, "terminate", note=note, **changes)
    decisions.record_grounds(app_, **ground)
    decisions.record_termination(app_)
    clocks.open_objection_period(app_)
    letter = letters.issue(app_, "termination", letters.termination_content(app_), actor=staff)
    if app_.assigned_lawyer_id:  # the lawyer and the lawyer's firm are told (a notice)
        letters.issue(app_, "termination_notice", letters.termination_notice_content(app_, letter), actor=staff)
    visits.cancel_open(app_, staff, "法律援助已终止，上门服务取消")
    _commit_and_send(message, letters.announce(app_, letter))
    return app_


# --- 先行提供 (Art. 44, 特事特办) -------------------------------------------------------------------------

def request_expedite(staff: StaffUser, app_: Application, data: dict) -> Application:
    """The duty lawyer asks to provide aid first: the ground (Art. 44) and the reason."""
    reason, changes, ground = decisions.prepare(app_, "request_expedite", data, staff)
    message = applications.apply_transition(staff, app_, "request_expedite", note=reason, **changes)
    decisions.record_grounds(app_, **ground)
    _commit_and_send(message)
    return app_


def decide_expedite(staff: StaffUser, app_: Application, approve: bool, note: str | None, **changes) -> Application:
    """The manager approves (the assignment clock starts; the 先行提供 letter names what to hand in later,
    `changes`: backfill_kinds, backfill_due_at) or denies (back to review)."""
    if not approve:
        return applications.transition(staff, app_, "deny_expedite", note=note)
    message = applications.apply_transition(staff, app_, "approve_expedite", note=note, **changes)
    clocks.start_assignment(app_)
    letter = letters.issue(app_, "expedite", letters.expedite_content(app_), actor=staff)
    _commit_and_send(message, letters.announce(app_, letter))
    return app_


# --- assignment -----------------------------------------------------------------------------------------

def assign(staff: StaffUser, app_: Application, lawyer: StaffUser, *, suggested: list[int],
           note: str | None = None) -> Application:
    """指派律师: the assignment clock stops; the assignment letter goes to the lawyer (no message to the
    citizen beyond the status); the choice against the roster's suggestion (`suggested`, its first id) is audited."""
    how = "按系统推荐" if suggested and suggested[0] == lawyer.id else "负责人调整指派"
    note = note or f"指派援助律师：{lawyer.display_name}（{how}）"
    message = applications.apply_transition(staff, app_, "assign", note=note, assigned_lawyer_id=lawyer.id)
    clocks.stop_assignment(app_)
    extra: dict = {}
    for hook in current_app.extensions.get("procedure.on_assign", ()):  # app/handling: after a change of lawyer
        extra.update(hook(app_, staff) or {})
    letters.issue(app_, "assignment", letters.assignment_content(app_, **extra), actor=staff)
    audit("application.lawyer_choice", actor=staff, object_type="application", object_id=app_.id,
          details={"lawyer_id": app_.assigned_lawyer_id, "suggested": suggested[:1]})
    _commit_and_send(message)
    return app_


# --- the one-time notice (Art. 43) ------------------------------------------------------------------------

def notice(staff: StaffUser, app_: Application, item_keys, due_date=None, note: str | None = None,
           days: int | None = None) -> SupplementNotice:
    """一次性告知 (once per application): every missing item at once with a period that runs from the day
    after the notice is delivered; the review clock pauses with the days it has used; the notice letter is
    issued; the citizen is told what to hand in and the letter is announced."""
    found = notices.issue(staff, app_, item_keys, due_date, note, days=days)
    letter = letters.issue(app_, "supplement_notice", letters.notice_content(app_, found), actor=staff)
    _commit_and_send(notifications.status_changed(app_, "需补充材料", f"请自收到通知书之日起{found.days}日内补充材料"),
                     letters.announce(app_, letter))
    return found


def explanation_requested(staff: StaffUser, app_: Application, note: str) -> Application:
    """After the one notice, a manager may ask the applicant to explain something further: recorded, the citizen
    told; the review clock goes on (nothing pauses or restarts)."""
    note = notices.request_explanation(staff, app_, note)
    _commit_and_send(notifications.status_changed(app_, "需补充说明", note[:20]))
    return app_


# --- objections (Art. 49) ---------------------------------------------------------------------------------

def objection_decided(reviewer: StaffUser, obj: Objection, decision: str, note: str | None) -> Objection:
    """The justice bureau decides once, in writing. Uphold: the 维持决定书 with its reasons and the route onwards
    (行政复议, 行政诉讼). Correct: the 责令改正决定书; a refusal becomes a grant (the centre's 给予法律援助决定书,
    the assignment clock starts); a termination is undone and aid resumes with the same lawyer, who is told."""
    app_, note = objections.decide(reviewer, obj, decision, note)
    bureau = centres.settings(app_.centre_id)["BUREAU_NAME"]
    letter = letters.issue(app_, "bureau_upheld" if decision == "uphold" else "bureau_corrected",
                           letters.bureau_content(app_, obj, decision, note), actor=reviewer)
    messages = [letters.announce(app_, letter)]
    if decision == "correct" and obj.against == "refusal":
        messages.append(applications.apply_transition(reviewer, app_, "correct_refusal", note=f"{bureau}责令改正：{note}"))
        decisions.record_grant(app_)
        state(app_).objection_due = None
        clocks.start_assignment(app_)
        grant_letter = letters.issue(app_, "grant", letters.grant_content(app_, corrected=True), actor=reviewer)
        messages.append(letters.announce(app_, grant_letter))
    elif decision == "correct":
        terminated = letters.latest(app_, "termination")
        action = "resume_aid" if app_.assigned_lawyer_id else "resume_aid_unassigned"
        messages.append(applications.apply_transition(reviewer, app_, action, note=f"{bureau}责令改正：{note}"))
        decisions.record_resumption(app_)
        if app_.assigned_lawyer_id:
            letters.issue(app_, "resumption_notice", letters.resumption_content(app_, terminated), actor=reviewer)
        else:
            clocks.start_assignment(app_)
    else:
        applications.record_event(app_, reviewer, "objection_upheld", f"{bureau}维持原决定：{note}")
        messages.append(notifications.status_changed(app_, "异议已审查", "司法局维持原决定"))
    _commit_and_send(*messages)
    return obj


# --- the review desk (app/procedure/console.py): its decisions are the flows above -------------------------

def desk_decision(staff: StaffUser, app_: Application, action: str, data: dict) -> Application:
    """One of the desk's decisions (DESK_ACTIONS); role and state are checked before the input."""
    if action not in decisions.DESK_ACTIONS:
        raise errors.NotFound("未知操作")
    if action == "reject":
        return refuse(staff, app_, data)
    if action == "request_expedite":
        return request_expedite(staff, app_, data)
    if action == "terminate":
        return terminate(staff, app_, data)
    applications.check_transition(staff, app_, action)
    decisions.require_confirmed(staff, app_, action, data)
    if action == "approve":
        return grant(staff, app_, text(data.get("note"), "note", "", required=False))
    return applications.transition(staff, app_, action)
