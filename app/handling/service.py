"""A case after assignment (承办 to 归档), on top of the application state machine and the procedure's
letters:

- the 指派通知书 to the lawyer at every assignment (the procedure's assign flow and letter template; this
  package adds the lawyer replaced after a change, `on_assign`, registered by `plugin.init_app`);
- change of lawyer (Art. 55): asked by the aided person or by the lawyer withdrawing, decided by the
  manager; an approval sends the case back to assignment with a new clock (or assigns the new lawyer at
  once), and the 更换通知 goes to the aided person and to the lawyer who leaves (the new one gets the
  指派通知书);
- the lawyer's reports: progress notes (internal, or seen by the aided person: Art. 46) and the report of
  a termination situation (Art. 48 last paragraph) that the manager decides with the existing
  termination (or dismisses);
- closing (Art. 50): outcome, copies of the legal documents, the 办理情况报告, within CLOSING_PERIOD_DAYS
  日 of the matter ending; the closing review (accept, or return with reasons) on the quality rubric
  (Art. 59); the archive (归档): the whole file frozen as one ZIP with a PDF summary and its SHA-256.

Roles are declared with the actions (app.applications.actions) and checked per object here: an aid lawyer
reaches only the cases assigned to them (anything else is a 404, like a missing case)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import jinja2
import sqlalchemy as sa
from flask import current_app

import storage
from app import errors
from app.common.inputs import text
from app.common.objects import read_verified
from app.common.lookup import get_allowed
from app.common.permissions import P, Role
from app.applications import service as applications
from app.applications.models import SERVICE_TYPES, Application, ApplicationEvent
from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.common.timeutil import LOCAL_TZ, local_today, utcnow
from app.documents import service as documents
from app.documents.models import Document
from app.extensions import db
from app.handling.models import (CHANGE_BY, OUTCOMES, Archive, ClosingFile, ClosingReview, LawyerChange,
                                 TerminationReport)
from app.notifications import service as notifications
from app.procedure import clocks, flows, law, letters
from app.procedure.models import Objection, read_state
from app.ratings.models import Rating
from app.storage_bridge import get_storage
from app.subsidy import service as subsidy

HANDLING_STATES = ("assigned", "in_progress")  # the lawyer is working on the case
CLOSING_DOCUMENT_KINDS = ("judgment", "other")  # copies of the legal documents the lawyer uploads
NO_DOCUMENT_OUTCOMES = ("advice_given",)  # an answered question leaves no legal document

ART_48_LAST = "法律援助人员发现有前款规定情形的，应当及时向法律援助机构报告。"
ART_55 = ("受援人有权向法律援助机构、法律援助人员了解法律援助事项办理情况；法律援助机构、法律援助人员未依法履行职责的，"
          "受援人可以向司法行政部门投诉，并可以请求法律援助机构更换法律援助人员。")

_LETTERS = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates" / "handling" / "letters")),
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


def render_text(name: str, *, recipient: bool = True, **context) -> tuple[str | None, list[str]]:
    """A letter's wording from its template: (first line = recipient when `recipient`, paragraphs split on
    blank lines)."""
    text = _LETTERS.get_template(name).render(**context).strip()
    first, _, rest = text.partition("\n") if recipient else ("", "", text)
    paragraphs = [" ".join(p.split("\n")).strip() for p in rest.split("\n\n")]
    return first.strip(), [p for p in paragraphs if p]


def _date_cn(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else "—"


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(LOCAL_TZ).date() if moment else None


def due_after(event_day: dt.date, days: int) -> dt.date:
    """A period of `days` 日 from an event (民法典 Art. 201: it starts the day after; Art. 203: a last day
    that is a holiday or rest day moves to the next working day, 调休 weekends being working days)."""
    cal = clocks.calendar()
    day = event_day + dt.timedelta(days=days)
    while not cal.is_workday(day):
        day += dt.timedelta(days=1)
    return day


# --- access ---------------------------------------------------------------------------------------------

def case_for_staff(staff: StaffUser, application_id: int) -> Application:
    """Per object: an aid lawyer only their own cases; others by role; anything else is a 404."""
    return applications.get_for_staff(staff, application_id)


def _lawyer_of(staff: StaffUser, app_: Application) -> None:
    if not P.report_as_lawyer.allows(staff) or app_.assigned_lawyer_id != staff.id:
        raise errors.NotFound("未找到该申请")


def _manager(staff: StaffUser, what: str) -> None:
    if not P.decide_after_assignment.allows(staff):
        raise errors.Forbidden(f"当前角色无权{what}")


# --- 指派通知书: the procedure's assign flow asks this package about a change of lawyer ----------------------

def on_assign(app_: Application, actor) -> dict:
    """Registered as `procedure.on_assign`: after an approved change of lawyer, the change records the new
    lawyer and the 指派通知书 names the one replaced (in the assignment's transaction)."""
    change = db.session.scalar(sa.select(LawyerChange).where(
        LawyerChange.application_id == app_.id, LawyerChange.status == "approved",
        LawyerChange.to_lawyer_id.is_(None)).order_by(LawyerChange.id.desc()).limit(1))
    if change is None:
        return {}
    change.to_lawyer_id = app_.assigned_lawyer_id
    return {"replaces": change.from_lawyer.display_name}


def lawyer_out(lawyer: StaffUser | None) -> dict | None:
    """What the aided person sees of their lawyer: name and firm (the phone is the lawyer's to give)."""
    if lawyer is None:
        return None
    return {"id": lawyer.id, "name": lawyer.display_name, "law_firm": lawyer.law_firm}


# --- change of lawyer (Art. 55) --------------------------------------------------------------------------

def open_change(application_id: int) -> LawyerChange | None:
    return db.session.scalar(sa.select(LawyerChange).where(LawyerChange.application_id == application_id,
                                                           LawyerChange.status == "open"))


def changes_for(application_id: int) -> list[LawyerChange]:
    return db.session.scalars(sa.select(LawyerChange).where(LawyerChange.application_id == application_id)
                              .order_by(LawyerChange.id)).all()


def _new_change(app_: Application, by: str, requester_id: int, reasons: str) -> LawyerChange:
    if app_.status not in HANDLING_STATES or app_.assigned_lawyer_id is None:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能更换法律援助人员")
    if open_change(app_.id) is not None:
        raise errors.Conflict("已有一项更换法律援助人员的申请等待中心决定", code="change_pending")
    change = LawyerChange(application_id=app_.id, requested_by=by, requester_id=requester_id,
                          from_lawyer_id=app_.assigned_lawyer_id, reasons=reasons, status="open", created_at=utcnow())
    db.session.add(change)
    db.session.flush()
    return change


def request_change(citizen: Citizen, app_: Application, reasons) -> LawyerChange:
    """The aided person asks the centre to change their lawyer, with reasons (Art. 55)."""
    if app_.citizen_id != citizen.id:
        raise errors.NotFound("未找到该申请")
    reasons = text(reasons, "reasons", "请说明请求更换法律援助人员的理由", minimum=5, limit=1000)
    change = _new_change(app_, "aided", citizen.id, reasons)
    applications.record_event(app_, citizen, "lawyer_change_requested", reasons)
    audit("lawyer_change.request", actor=citizen, object_type="lawyer_change", object_id=change.id)
    db.session.commit()
    return change


def withdraw_as_lawyer(lawyer: StaffUser, app_: Application, reasons) -> LawyerChange:
    """The assigned lawyer asks to withdraw from the case, with reasons; the manager decides."""
    _lawyer_of(lawyer, app_)
    reasons = text(reasons, "reasons", "请说明申请退出承办的理由", minimum=5, limit=1000)
    change = _new_change(app_, "lawyer", lawyer.id, reasons)
    applications.record_event(app_, lawyer, "lawyer_change_requested", "承办律师申请退出，等待中心决定")
    applications.record_event(app_, lawyer, "internal_note", f"退出理由：{reasons}")
    audit("lawyer_change.request", actor=lawyer, object_type="lawyer_change", object_id=change.id)
    db.session.commit()
    return change


def get_change(staff: StaffUser, change_id: int) -> LawyerChange:
    return get_allowed(LawyerChange, change_id, staff, P.decide_after_assignment, "未找到该更换申请")


def decide_change(manager: StaffUser, change: LawyerChange, approve: bool, note=None,
                  new_lawyer_id=None) -> LawyerChange:
    """Approve (the case goes back to assignment: a new Art. 43 clock of 3 日 from today, or the new lawyer
    at once) or refuse with reasons. The 更换通知 goes to the aided person and to the lawyer who leaves."""
    _manager(manager, "决定更换法律援助人员")
    if change.status != "open":
        raise errors.InvalidTransition(f"该申请已「{change.status_label}」，不能再次决定")
    app_ = db.session.get(Application, change.application_id)
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise errors.ValidationFailed("说明过长（最多 500 字）", details={"fields": {"note": ["最多 500 字"]}})
    if not approve:
        if not note:
            raise errors.ValidationFailed("不予更换的，请说明理由", details={"fields": {"note": ["请说明理由"]}})
        change.status, change.decided_at, change.decided_by_id, change.decision_note = "refused", utcnow(), manager.id, note
        applications.record_event(app_, manager, "lawyer_change_refused", note)
        audit("lawyer_change.decide", actor=manager, object_type="lawyer_change", object_id=change.id,
              details={"decision": "refused"})
        db.session.commit()
        return change
    new_lawyer = None
    if new_lawyer_id not in (None, ""):
        try:
            new_lawyer = db.session.get(StaffUser, int(new_lawyer_id))
        except (TypeError, ValueError):
            new_lawyer = None
        if new_lawyer is None or new_lawyer.role != Role.aid_lawyer or not new_lawyer.is_active \
                or new_lawyer.id == change.from_lawyer_id:
            raise errors.ValidationFailed("请选择另一位在册的援助律师", details={"fields": {"lawyer_id": ["无效的援助律师"]}})
    old = db.session.get(StaffUser, change.from_lawyer_id)
    today = local_today()
    change.status, change.decided_at, change.decided_by_id = "approved", utcnow(), manager.id
    change.decision_note, change.assign_clock_from = note, today
    # back to assignment: the declared action, and the procedure's assignment clock starts again (Art. 43)
    message = applications.apply_transition(manager, app_, "change_lawyer", note=note, assigned_lawyer_id=None)
    clocks.start_assignment(app_)
    db.session.flush()
    assign_due = clocks.deadlines(app_)["assign_due"]
    ctx = dict(requested_by=change.requested_by, requested_on=_date_cn(_local_date(change.created_at)),
               reference=app_.reference, aided_name=app_.applicant_name or "申请人", old_lawyer=old.display_name,
               note=note, new_lawyer=new_lawyer.display_name if new_lawyer else None,
               new_firm=new_lawyer.law_firm if new_lawyer else None, assign_due=_date_cn(assign_due))
    for to in ("aided", "lawyer"):
        recipient, paragraphs = render_text("lawyer_change.txt.j2", to=to, **ctx)
        letters.issue(app_, "lawyer_change", {"recipient": recipient, "paragraphs": paragraphs, "to": to,
                                                       "from_lawyer_id": old.id}, actor=manager)
    audit("lawyer_change.decide", actor=manager, object_type="lawyer_change", object_id=change.id,
          details={"decision": "approved", "to_lawyer_id": new_lawyer.id if new_lawyer else None})
    aided_letter = [l for l in letters.list_for(app_.id) if l.kind == "lawyer_change" and l.data.get("to") == "aided"][-1]
    db.session.commit()
    notifications.dispatch([message, letters.announce(app_, aided_letter)])
    if new_lawyer is not None:  # the procedure's assignment (its clock stops, the 指派通知书 goes out)
        flows.assign(manager, app_, new_lawyer, suggested=[], note=f"更换后指派援助律师：{new_lawyer.display_name}")
    return change


def pending_changes() -> list[LawyerChange]:
    return db.session.scalars(sa.select(LawyerChange).where(LawyerChange.status == "open")
                              .order_by(LawyerChange.created_at)).all()


# --- the lawyer's reports --------------------------------------------------------------------------------

def add_progress(lawyer: StaffUser, app_: Application, note, visible: bool) -> ApplicationEvent:
    """办理进展 (Art. 46): seen by the aided person when `visible`, else internal (never in the citizen API)."""
    if lawyer.role == Role.aid_lawyer:
        _lawyer_of(lawyer, app_)
    elif not P.decide_after_assignment.allows(lawyer):
        raise errors.Forbidden("当前角色无权记录办理进展")
    if app_.status not in HANDLING_STATES + ("closing_review",):
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能记录办理进展")
    note = text(note, "note", "请填写进展内容", limit=1000)
    action = "progress_update" if visible else "progress_note"
    applications.record_event(app_, lawyer, action, note)
    audit("application.note", actor=lawyer, object_type="application", object_id=app_.id,
          details={"citizen_visible": bool(visible)})
    n = notifications.status_changed(app_, "办理进展", note) if visible else None
    db.session.commit()
    notifications.dispatch([n])
    return app_


TERMINATION_GROUNDS = law.TERMINATION_GROUNDS


def report_termination(lawyer: StaffUser, app_: Application, ground, facts) -> TerminationReport:
    """Art. 48 last paragraph: the lawyer reports a termination situation; the manager decides."""
    _lawyer_of(lawyer, app_)
    if app_.status not in HANDLING_STATES:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能报告终止情形")
    if ground not in TERMINATION_GROUNDS:
        raise errors.ValidationFailed("请选择第四十八条规定的情形", details={"fields": {"ground": [f"应为：{'、'.join(TERMINATION_GROUNDS)}"]}})
    facts = text(facts, "facts", "请说明发现的事实", minimum=5, limit=2000)
    if db.session.scalar(sa.select(TerminationReport.id).where(TerminationReport.application_id == app_.id,
                                                              TerminationReport.status == "open")):
        raise errors.Conflict("本案已有一份终止情形报告等待中心决定", code="report_pending")
    report = TerminationReport(application_id=app_.id, lawyer_id=lawyer.id, ground=ground, facts=facts, status="open",
                               created_at=utcnow())
    db.session.add(report)
    db.session.flush()
    applications.record_event(app_, lawyer, "termination_reported",
                              f"{TERMINATION_GROUNDS[ground][0]}：{TERMINATION_GROUNDS[ground][1]}。{facts}")
    audit("termination_report.create", actor=lawyer, object_type="termination_report", object_id=report.id)
    db.session.commit()
    return report


def get_report(staff: StaffUser, report_id: int) -> TerminationReport:
    return get_allowed(TerminationReport, report_id, staff, P.decide_after_assignment, "未找到该报告")


def reports_for(application_id: int) -> list[TerminationReport]:
    return db.session.scalars(sa.select(TerminationReport).where(TerminationReport.application_id == application_id)
                              .order_by(TerminationReport.id)).all()


def open_reports() -> list[TerminationReport]:
    return db.session.scalars(sa.select(TerminationReport).where(TerminationReport.status == "open")
                              .order_by(TerminationReport.created_at)).all()


def decide_report(manager: StaffUser, report: TerminationReport, decision: str, data: dict) -> TerminationReport:
    """`terminate`: the existing termination (its ground, its letter to the aided person); `dismiss`: aid
    continues, with the reasons on the record."""
    _manager(manager, "决定终止法律援助")
    if report.status != "open":
        raise errors.InvalidTransition(f"该报告已「{report.status_label}」，不能再次决定")
    app_ = db.session.get(Application, report.application_id)
    if decision == "terminate":
        # the existing termination: its ground, its letter to the aided person, its objection period
        flows.terminate(manager, app_, {"ground": data.get("ground") or report.ground, "note": data.get("note")})
        report.status, report.decided_at, report.decided_by_id, report.decision_note = \
            "terminated", utcnow(), manager.id, app_.decision_reason
        audit("termination_report.decide", actor=manager, object_type="termination_report", object_id=report.id,
              details={"decision": "terminate"})
        db.session.commit()
        return report
    if decision != "dismiss":
        raise errors.ValidationFailed("决定应为 terminate（终止）或 dismiss（继续援助）", details={"fields": {"decision": ["无效"]}})
    note = text(data.get("note"), "note", "请说明不予终止的理由", limit=500)
    report.status, report.decided_at, report.decided_by_id, report.decision_note = "dismissed", utcnow(), manager.id, note
    applications.record_event(app_, manager, "termination_report_dismissed", note)
    audit("termination_report.decide", actor=manager, object_type="termination_report", object_id=report.id,
          details={"decision": "dismiss"})
    db.session.commit()
    return report


def progress_of(application_id: int) -> list[ApplicationEvent]:
    """The progress notes of a case, internal and visible, oldest first."""
    return db.session.scalars(sa.select(ApplicationEvent).where(
        ApplicationEvent.application_id == application_id,
        ApplicationEvent.action.in_(("progress_note", "progress_update"))).order_by(ApplicationEvent.id)).all()


# --- closing (Art. 50) -----------------------------------------------------------------------------------

def closing_file(application_id: int) -> ClosingFile | None:
    return db.session.scalar(sa.select(ClosingFile).where(ClosingFile.application_id == application_id))


def closing_documents(staff: StaffUser, app_: Application) -> list[Document]:
    """The case's live copies of legal documents the closing file may cite."""
    return [d for d in documents.list_for_application(staff, app_.id)
            if d.kind in CLOSING_DOCUMENT_KINDS and d.status in documents.LIVE]


def backfill_owed(app_: Application) -> str | None:
    """What closing would leave undone: documents still owed after 先行提供 (their tracking ends with the
    case). Submitting the closing file then needs `confirm_incomplete`."""
    missing = documents.backfill_status(app_)["missing"] if app_.backfill_kinds else []
    if not missing:
        return None
    return f"尚有 {len(missing)} 项补交材料未交（{'、'.join(m['label'] for m in missing)}），结案后将不再跟踪补交"


def submit_closing(lawyer: StaffUser, app_: Application, data: dict) -> ClosingFile:
    """The lawyer's closing file: outcome (OUTCOMES), the day the matter ended, the 办理情况报告, the copies
    of the legal documents (uploaded to the case first), the subsidy stage. Resubmitted after a return."""
    _lawyer_of(lawyer, app_)
    applications.check_transition(lawyer, app_, "submit_closing")
    owed = backfill_owed(app_)
    if owed and not data.get("confirm_incomplete"):  # the same rule for the API and the case page
        raise errors.ValidationFailed(owed, details={"fields": {"confirm_incomplete": ["请确认后再提交"]}})
    today = local_today()
    fields: dict[str, list[str]] = {}
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        fields["outcome"] = [f"应为：{'、'.join(OUTCOMES)}"]
    ended = data.get("matter_ended_on")
    if isinstance(ended, str):
        try:
            ended = dt.date.fromisoformat(ended)
        except ValueError:
            ended = None
    if not isinstance(ended, dt.date):
        fields["matter_ended_on"] = ["请填写办理结束日期（YYYY-MM-DD）"]
    elif ended > today:
        fields["matter_ended_on"] = ["办理结束日期不能晚于今天"]
    elif app_.assigned_at and ended < _local_date(app_.assigned_at):
        fields["matter_ended_on"] = ["办理结束日期不能早于指派日期"]
    report = (data.get("report") or "").strip()
    if len(report) < 20:
        fields["report"] = ["办理情况报告至少 20 字"]
    elif len(report) > 5000:
        fields["report"] = ["办理情况报告最多 5000 字"]
    detail = (data.get("outcome_detail") or "").strip() or None
    if detail and len(detail) > 500:
        fields["outcome_detail"] = ["最多 500 字"]
    available = {d.id for d in closing_documents(lawyer, app_)}
    try:
        doc_ids = sorted({int(i) for i in (data.get("document_ids") or [])})
    except (TypeError, ValueError):
        doc_ids = None
    if doc_ids is None or any(i not in available for i in doc_ids):
        fields["document_ids"] = ["只能选择本案已上传的法律文书副本"]
    elif not doc_ids and outcome not in NO_DOCUMENT_OUTCOMES:
        fields["document_ids"] = ["请上传并选择有关法律文书的副本或者复印件（第五十条）"]
    stage = data.get("stage")
    stages = subsidy.stages_for(app_.service_type)
    if stage not in stages:
        fields["stage"] = [f"应为：{'、'.join(stages) or '（补贴标准未设置该援助事项）'}"]
    if fields:
        first = next(iter(fields.values()))[0]
        raise errors.ValidationFailed(f"结案材料不完整：{first}", details={"fields": fields})
    due = due_after(ended, current_app.config["CLOSING_PERIOD_DAYS"])
    computed = subsidy.compute(app_, stage, _facts(app_))
    cf = closing_file(app_.id)
    if cf is None:
        cf = ClosingFile(application_id=app_.id)
        db.session.add(cf)
    elif cf.status != "returned":
        raise errors.InvalidTransition("结案材料已提交，等待中心审查")
    cf.lawyer_id, cf.matter_ended_on, cf.due_date, cf.outcome = lawyer.id, ended, due, outcome
    cf.outcome_detail, cf.report, cf.document_ids, cf.stage, cf.subsidy = detail, report, doc_ids, stage, computed
    cf.status, cf.submitted_at, cf.late = "submitted", utcnow(), today > due
    db.session.flush()
    audit("closing.submit", actor=lawyer, object_type="closing_file", object_id=cf.id,
          details={"late": cf.late, "subsidy_fen": computed["amount_fen"]})
    applications.transition(lawyer, app_, "submit_closing")  # the file itself holds the details
    return cf


def _facts(app_: Application) -> set[str]:
    """What the subsidy standard's adjustments ask about the case."""
    facts = set()
    if read_state(app_).expedite_ground or app_.backfill_kinds is not None:
        facts.add("expedited")
    visits = db.metadata.tables["home_visits"]
    if db.session.scalar(sa.select(visits.c.id).where(visits.c.application_id == app_.id,
                                                      visits.c.status == "done").limit(1)):
        facts.add("home_visit")
    return facts


def rubric() -> list[dict]:
    return list(current_app.config["QUALITY_RUBRIC"])


def quality_context(app_: Application) -> dict:
    """Beside the review (Art. 59): the aided person's ratings and any objection on the case."""
    ratings = db.session.scalars(sa.select(Rating).where(Rating.subject_type == "application",
                                                         Rating.subject_id == app_.id).order_by(Rating.id)).all()
    objections = db.session.scalars(sa.select(Objection).where(Objection.application_id == app_.id)
                                    .order_by(Objection.id)).all()
    return {"ratings": ratings, "objections": objections}


def review_closing(manager: StaffUser, app_: Application, decision: str, scores: dict | None,
                   reasons=None) -> ClosingReview:
    """结案审查: `accept` (the case is closed, its subsidy is fixed for this month's batch) or `return` with
    reasons (the lawyer corrects and resubmits). Every criterion of the rubric is scored."""
    _manager(manager, "结案审查")
    cf = closing_file(app_.id)
    if cf is None or cf.status != "submitted" or app_.status != "closing_review":
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，没有待审查的结案材料")
    if decision not in ("accept", "return"):
        raise errors.ValidationFailed("审查结论应为 accept（通过）或 return（退回）", details={"fields": {"decision": ["无效"]}})
    fields, clean = {}, {}
    for c in rubric():
        raw = (scores or {}).get(c["key"])
        try:
            value = int(raw)
        except (TypeError, ValueError):
            fields[c["key"]] = [f"请为「{c['label']}」评分（0–{c['max']}）"]
            continue
        if not 0 <= value <= int(c["max"]):
            fields[c["key"]] = [f"「{c['label']}」应为 0–{c['max']} 分"]
            continue
        clean[c["key"]] = value
    unknown = set(scores or {}) - {c["key"] for c in rubric()}
    if unknown:
        fields["scores"] = [f"未知评分项：{'、'.join(sorted(unknown))}"]
    reasons = (reasons or "").strip() or None
    if decision == "return" and not reasons:
        fields["reasons"] = ["退回的，请写明理由和需补正的内容"]
    if reasons and len(reasons) > 2000:
        fields["reasons"] = ["最多 2000 字"]
    if fields:
        first = next(iter(fields.values()))[0]
        raise errors.ValidationFailed(f"结案审查未完成：{first}", details={"fields": fields})
    review = ClosingReview(closing_file_id=cf.id, decision=decision, reasons=reasons, scores=clean,
                           total=sum(clean.values()), reviewer_id=manager.id, created_at=utcnow())
    db.session.add(review)
    db.session.flush()
    audit("closing.review", actor=manager, object_type="closing_file", object_id=cf.id,
          details={"decision": decision, "total": review.total})
    if decision == "return":
        cf.status = "returned"
        applications.transition(manager, app_, "return_closing", note=f"退回补正：{reasons}")
        return review
    cf.status = "accepted"
    subsidy.record(app_, cf.lawyer_id, cf.subsidy, local_today())
    outcome = OUTCOMES[cf.outcome] + (f"：{cf.outcome_detail}" if cf.outcome_detail else "")
    applications.transition(manager, app_, "close", note=outcome, outcome=outcome[:500])
    return review


# --- archive (归档) ----------------------------------------------------------------------------------------

def archive_of(application_id: int) -> Archive | None:
    return db.session.scalar(sa.select(Archive).where(Archive.application_id == application_id))


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def _columns(obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in sa.inspect(obj).mapper.column_attrs}


def archive(manager: StaffUser, app_: Application) -> Archive:
    """Freeze the whole file (application, screen, letters, documents, events, closing file and reviews,
    subsidy) into one ZIP with a PDF summary and a manifest of SHA-256s; store it once; then 归档."""
    _manager(manager, "归档")
    applications.check_transition(manager, app_, "archive")
    if archive_of(app_.id) is not None:
        raise errors.Conflict("本案已归档")
    st = get_storage()
    now = utcnow()
    today = local_today()
    years = current_app.config["ARCHIVE_RETENTION_YEARS"]
    try:
        retain_until = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        retain_until = today.replace(year=today.year + years, day=28)
    cf = closing_file(app_.id)
    files: list[tuple[str, bytes]] = []
    ps = read_state(app_)
    files.append(("application.json", _json_bytes({**_columns(app_), "procedure": {
        k: v for k, v in _columns(ps).items() if k not in ("eligibility", "eligibility_override", "integrity_commitment")}})))
    files.append(("screen.json", _json_bytes({"eligibility": ps.eligibility, "override": ps.eligibility_override,
                                              "integrity_commitment": ps.integrity_commitment})))
    events = db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app_.id)
                                .order_by(ApplicationEvent.id)).all()
    files.append(("events.json", _json_bytes([_columns(e) for e in events])))
    case_letters = letters.list_for(app_.id)
    files.append(("letters.json", _json_bytes([{**_columns(l), "data": l.data} for l in case_letters])))
    for l in case_letters:
        files.append((f"letters/{l.id:06d}-{l.kind}.pdf", letters.read_pdf(l)))  # refused if its SHA-256 changed
    docs = db.session.scalars(sa.select(Document).where(Document.application_id == app_.id).order_by(Document.id)).all()
    files.append(("documents.json", _json_bytes([{k: v for k, v in _columns(d).items() if k != "ocr_result"}
                                                 for d in docs])))
    for d in docs:
        try:
            raw = st.get(d.storage_key)
        except storage.StorageError:
            raise errors.ServiceUnavailable("文件存储暂时不可用，未能归档，请稍后重试", code="storage_unavailable") from None
        ext = {"image/jpeg": "jpg", "image/png": "png"}.get(d.content_type, "bin")
        files.append((f"documents/{d.id:06d}-{d.kind}.{ext}", raw))
    reviews = cf.reviews if cf else []
    files.append(("closing.json", _json_bytes({"closing_file": _columns(cf) if cf else None,
                                               "reviews": [_columns(r) for r in reviews],
                                               "changes": [_columns(c) for c in changes_for(app_.id)],
                                               "termination_reports": [_columns(r) for r in reports_for(app_.id)]})))
    quality = quality_context(app_)
    summary = _summary_pdf(app_, cf, reviews, quality, today, retain_until, len(files) + 1)
    files.insert(0, ("summary.pdf", summary))
    manifest = [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in files]
    buf = io.BytesIO()
    stamp = now.astimezone(LOCAL_TZ).timetuple()[:6]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files + [("manifest.json", _json_bytes(manifest))]:
            info = zipfile.ZipInfo(f"{app_.reference}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    blob = buf.getvalue()
    sha = hashlib.sha256(blob).hexdigest()
    key = storage.new_key(f"archives/{today.year}") + ".zip"
    try:
        if st.exists(key):
            raise errors.Conflict("归档存储键冲突，请重试")
        st.put(key, blob, content_type="application/zip")
    except storage.StorageError:
        raise errors.ServiceUnavailable("文件存储暂时不可用，未能归档，请稍后重试", code="storage_unavailable") from None
    record = Archive(application_id=app_.id, storage_key=key, sha256=sha, size=len(blob), manifest=manifest,
                     archived_at=now, archived_by_id=manager.id, retain_until=retain_until)
    db.session.add(record)
    try:
        db.session.flush()
        audit("archive.create", actor=manager, object_type="archive", object_id=record.id,
              details={"sha256": sha, "size": len(blob)})
        applications.transition(manager, app_, "archive", note=f"归档：SHA-256 {sha}，保管至 {retain_until.isoformat()}")
    except Exception:
        db.session.rollback()
        try:
            st.delete(key)
        except storage.StorageError:
            pass
        raise
    return record


def _summary_pdf(app_, cf, reviews, quality, today, retain_until, n_files) -> bytes:
    lawyer = db.session.get(StaffUser, cf.lawyer_id) if cf else app_.assigned_lawyer
    accepted = [r for r in reviews if r.decision == "accept"]
    total_max = sum(int(c["max"]) for c in rubric())
    ratings = quality["ratings"]
    _, paragraphs = render_text(
        "summary.txt.j2", recipient=False, reference=app_.reference, archived_on=_date_cn(today), retain_until=_date_cn(retain_until),
        aided_name=app_.applicant_name or "—", category=app_.category or "—",
        service=SERVICE_TYPES.get(app_.service_type or "", "—"), lawyer=lawyer.display_name if lawyer else "—",
        law_firm=lawyer.law_firm if lawyer else None, submitted_on=_date_cn(_local_date(app_.submitted_at)),
        granted_on=_date_cn(_local_date(read_state(app_).decided_at)), assigned_on=_date_cn(_local_date(app_.assigned_at)),
        ended_on=_date_cn(cf.matter_ended_on if cf else None), closed_on=_date_cn(_local_date(app_.closed_at)),
        outcome=cf.outcome_label if cf else (app_.outcome or "—"), outcome_detail=cf.outcome_detail if cf else None,
        review_total=accepted[-1].total if accepted else "—", review_max=total_max,
        rating="、".join(f"{r.stars} 星" for r in ratings) if ratings else None,
        objections="、".join(o.status_label for o in quality["objections"]) if quality["objections"] else None,
        subsidy=subsidy.yuan(cf.subsidy["amount_fen"]) + " 元" if cf and cf.subsidy else "—", n_files=n_files)
    content = {"kind": "archive", "title": "法律援助案件归档摘要", "number": app_.reference,
               "centre": current_app.config["CENTRE_NAME"], "centre_address": current_app.config["CENTRE_ADDRESS"],
               "date": today.isoformat(), "reference": app_.reference, "recipient": None, "paragraphs": paragraphs}
    return letters.render(content)


def read_archive(archive_: Archive) -> bytes:
    """The stored bundle, refused unless it is the one archived (SHA-256)."""
    return read_verified(archive_.storage_key, archive_.sha256, "归档", "archive_integrity")


# --- queues for the console ----------------------------------------------------------------------------------

def closing_queue() -> list[tuple[Application, ClosingFile]]:
    rows = db.session.execute(sa.select(Application, ClosingFile).join(ClosingFile, ClosingFile.application_id == Application.id)
                              .where(Application.status == "closing_review", ClosingFile.status == "submitted")
                              .order_by(ClosingFile.submitted_at)).all()
    return [(a, cf) for a, cf in rows]


def archive_queue() -> list[Application]:
    return db.session.scalars(sa.select(Application).where(Application.status == "closed")
                              .order_by(Application.closed_at)).all()


def my_cases(lawyer: StaffUser) -> list[Application]:
    return db.session.scalars(sa.select(Application).where(
        Application.assigned_lawyer_id == lawyer.id,
        Application.status.in_(HANDLING_STATES + ("closing_review",))).order_by(Application.assigned_at.desc())).all()


def citizen_view(app_: Application) -> dict:
    """The aided person's side: the lawyer (name, firm), an open change request, the closing status."""
    change = open_change(app_.id)
    cf = closing_file(app_.id)
    return {"lawyer": lawyer_out(app_.assigned_lawyer), "status": app_.status, "status_label": app_.status_label,
            "can_request_change": app_.status in HANDLING_STATES and app_.assigned_lawyer_id is not None and change is None,
            "change_request": None if change is None else {
                "id": change.id, "status": change.status, "status_label": change.status_label,
                "requested_by": change.requested_by, "requested_by_label": CHANGE_BY[change.requested_by],
                "created_at": change.created_at.isoformat()},
            "closing": None if cf is None or cf.status != "accepted" else {
                "outcome": cf.outcome, "outcome_label": cf.outcome_label, "matter_ended_on": cf.matter_ended_on.isoformat()},
            "art55": ART_55}
