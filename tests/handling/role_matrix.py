"""Role-matrix entries after assignment (issue 17), picked up by tests/platform/test_role_matrix.py: the
承办 page and its forms, the manager's desk, the subsidy batches in the console; the staff API's handling
and subsidy routes; the aided person's side. Cases assigned to a lawyer go to aid1 (the aid_lawyer tried);
a case assigned to aid1 is another lawyer's for nobody else of that role in the matrix. Builders write
through the services and mark the builder dirty."""
from __future__ import annotations

import datetime as dt
import io
import itertools

import sqlalchemy as sa

from app.common.timeutil import local_today
from tests.factories import jpeg_bytes

_months = itertools.count(1)
CASE_SEE = {"duty_lawyer", "manager", "supervisor", "aid_lawyer"}
SCORES = {"timeliness": 18, "communication": 18, "legal_work": 27, "outcome": 18, "file": 9}


def _user(b, username):
    from tests.support import user
    return user(b.app, username)


def _get(b, app_id):
    from app.applications.models import Application
    from app.extensions import db
    return db.session.get(Application, app_id)


def with_document(b):
    """An in-progress case of aid1 with a copy of a legal document uploaded by aid1: (case id, document id)."""
    from app.documents import service as documents
    app_id = b.case("in_progress")
    with b.app.app_context():
        doc_id = documents.upload(_user(b, "aid1"), app_id, "other", jpeg_bytes(), "调解书.jpg").id
    b.dirty = True
    b.closing_ready = (app_id, doc_id)
    return app_id


def closing_body(b, console=True):
    _, doc_id = b.closing_ready
    body = {"outcome": "mediation", "matter_ended_on": local_today().isoformat(),
            "report": "双方自愿达成调解协议，被申请人当场履行，受援人权益已实现。", "stage": "non_litigation"}
    if console:
        return {**body, "document_ids": str(doc_id), "confirm": "1"}
    return {**body, "document_ids": [doc_id]}


def archived(b):
    from app.handling import service
    app_id = b.case("closed")
    with b.app.app_context():
        service.archive(_user(b, "manager1"), _get(b, app_id))
    b.dirty = True
    return app_id


def change(b, citizen_id=None):
    """An open change request: the lawyer's withdrawal (or the citizen's request on their own case)."""
    from app.handling import service
    from tests.support import make_case
    b.dirty = True
    app_id = make_case(b.app, "in_progress", citizen_id=citizen_id, by_phone=citizen_id is None)
    with b.app.app_context():
        return service.withdraw_as_lawyer(_user(b, "aid1"), _get(b, app_id), "律师执业冲突，申请退出").id


def report(b):
    from app.handling import service
    app_id = b.case("in_progress")
    with b.app.app_context():
        report_id = service.report_termination(_user(b, "aid1"), _get(b, app_id), "own_lawyer", "受援人已自行委托律师").id
    b.dirty = True
    return report_id


def month_with_subsidy(b):
    """A month (unique per call, long past) holding one accepted subsidy not yet in a batch."""
    from app.extensions import db
    from app.subsidy.models import Subsidy
    app_id = b.case("closed")
    n = next(_months)
    month = dt.date(2000 + n // 12, n % 12 + 1, 15)  # batch months run 2000–2099
    with b.app.app_context():
        row = db.session.scalar(sa.select(Subsidy).where(Subsidy.application_id == app_id))
        row.accepted_on = month
        db.session.commit()
    b.dirty = True
    return month.strftime("%Y-%m")


def batch(b, approved=False):
    from app.subsidy import service
    from app.extensions import db
    month = month_with_subsidy(b)
    with b.app.app_context():
        created = service.create_batch(_user(b, "manager1"), month)
        if approved:
            service.approve_batch(_user(b, "manager1"), created)
        db.session.commit()
        return created.id


def assigned_letter(b):
    """An in-progress case of aid1 and its 指派通知书: "<case id>/handling/letters/<letter id>"."""
    from app.procedure import letters
    app_id = b.case("in_progress")
    with b.app.app_context():
        letter_id = [l.id for l in letters.list_for(app_id) if l.kind == "assignment"][-1]
    return f"{app_id}/handling/letters/{letter_id}"


def own_case(b):
    from tests.support import make_case
    b.dirty = True
    return make_case(b.app, "in_progress", citizen_id=b.citizen_id)


def console_cases(Case, builder, staff):  # noqa: N803, ARG001
    c = "/console"
    p = "console"
    return [
        Case(f"{p}.handling_desk", "GET", {"manager", "aid_lawyer"}, lambda b: f"{c}/handling", fresh=False),
        Case(f"{p}.case_handling", "GET", CASE_SEE, lambda b: f"{c}/applications/{b.case('in_progress')}/handling", fresh=False),
        Case(f"{p}.case_handling", "GET", CASE_SEE - {"aid_lawyer"},
             lambda b: f"{c}/applications/{b.case('approved')}/handling", fresh=False),
        Case(f"{p}.case_letter", "GET", CASE_SEE, lambda b: f"{c}/applications/{assigned_letter(b)}", fresh=False),
        Case(f"{p}.case_progress", "POST", {"aid_lawyer", "manager"},
             lambda b: f"{c}/applications/{b.case('in_progress')}/handling/progress", lambda b: {"note": "已联系受援人", "visible": "1"}),
        Case(f"{p}.case_upload", "POST", {"aid_lawyer"}, lambda b: f"{c}/applications/{b.case('in_progress')}/handling/upload",
             lambda b: {"kind": "judgment", "file": (io.BytesIO(jpeg_bytes()), "j.jpg")}),
        Case(f"{p}.case_withdrawal", "POST", {"aid_lawyer"},
             lambda b: f"{c}/applications/{b.case('in_progress')}/handling/withdrawal", lambda b: {"reasons": "执业利益冲突"}),
        Case(f"{p}.case_termination_report", "POST", {"aid_lawyer"},
             lambda b: f"{c}/applications/{b.case('in_progress')}/handling/termination-report",
             lambda b: {"ground": "own_lawyer", "facts": "受援人已自行委托律师"}),
        Case(f"{p}.case_closing", "POST", {"aid_lawyer"}, lambda b: f"{c}/applications/{with_document(b)}/handling/closing",
             lambda b: closing_body(b)),
        Case(f"{p}.case_review", "POST", {"manager"}, lambda b: f"{c}/applications/{b.case('closing_review')}/handling/review",
             lambda b: {"decision": "accept", "confirm": "1", **{f"scores.{k}": str(v) for k, v in SCORES.items()}}),
        Case(f"{p}.case_archive", "POST", {"manager"}, lambda b: f"{c}/applications/{b.case('closed')}/handling/archive",
             lambda b: {"confirm": "1"}),
        Case(f"{p}.case_archive_zip", "GET", {"manager"}, lambda b: f"{c}/applications/{archived(b)}/handling/archive.zip",
             fresh=False),
        Case(f"{p}.change_decision", "POST", {"manager"}, lambda b: f"{c}/lawyer-changes/{change(b)}",
             lambda b: {"decision": "refuse", "note": "理由不成立", "confirm": "1"}),
        Case(f"{p}.report_decision", "POST", {"manager"}, lambda b: f"{c}/termination-reports/{report(b)}",
             lambda b: {"decision": "dismiss", "note": "经核实受援人未另行委托", "confirm": "1"}),
        Case(f"{p}.subsidy_batches", "GET", {"manager"}, lambda b: f"{c}/subsidy", fresh=False),
        Case(f"{p}.subsidy_create", "POST", {"manager"}, lambda b: f"{c}/subsidy", lambda b: {"month": month_with_subsidy(b)}),
        Case(f"{p}.subsidy_batch", "GET", {"manager"}, lambda b: f"{c}/subsidy/{batch(b)}", fresh=False),
        Case(f"{p}.subsidy_approve", "POST", {"manager"}, lambda b: f"{c}/subsidy/{batch(b)}/approve", lambda b: {"confirm": "1"}),
        Case(f"{p}.subsidy_export", "GET", {"manager"}, lambda b: f"{c}/subsidy/{batch(b, approved=True)}/export.xlsx",
             fresh=False),
    ]


def api_cases(Case, builder, staff):  # noqa: N803, ARG001
    s = "/api/v1/staff"
    a = "/api/v1/applications"
    p = "handling_staff"
    return [
        Case(f"{p}.staff_handling", "GET", CASE_SEE, lambda b: f"{s}/applications/{b.case('in_progress')}/handling", fresh=False),
        Case(f"{p}.progress", "POST", {"aid_lawyer", "manager"}, lambda b: f"{s}/applications/{b.case('in_progress')}/progress",
             lambda b: {"note": "已提交仲裁申请", "visible": True}),
        Case(f"{p}.lawyer_withdrawal", "POST", {"aid_lawyer"}, lambda b: f"{s}/applications/{b.case('in_progress')}/withdrawal",
             lambda b: {"reasons": "执业利益冲突"}),
        Case(f"{p}.list_changes", "GET", {"manager"}, lambda b: f"{s}/lawyer-changes", fresh=False),
        Case(f"{p}.decide_change", "POST", {"manager"}, lambda b: f"{s}/lawyer-changes/{change(b)}/decision",
             lambda b: {"decision": "approve", "lawyer_id": staff["aid2"]["id"]}),
        Case(f"{p}.report_termination", "POST", {"aid_lawyer"},
             lambda b: f"{s}/applications/{b.case('in_progress')}/termination-reports",
             lambda b: {"ground": "own_lawyer", "facts": "受援人已自行委托律师"}),
        Case(f"{p}.list_reports", "GET", {"manager"}, lambda b: f"{s}/termination-reports", fresh=False),
        Case(f"{p}.decide_report", "POST", {"manager"}, lambda b: f"{s}/termination-reports/{report(b)}/decision",
             lambda b: {"decision": "terminate", "note": "受援人已自行委托律师"}),
        Case(f"{p}.submit_closing", "POST", {"aid_lawyer"}, lambda b: f"{s}/applications/{with_document(b)}/closing",
             lambda b: closing_body(b, console=False)),
        Case(f"{p}.review_closing", "POST", {"manager"}, lambda b: f"{s}/applications/{b.case('closing_review')}/closing/review",
             lambda b: {"decision": "return", "scores": SCORES, "reasons": "请补充履行凭证"}),
        Case(f"{p}.archive", "POST", {"manager"}, lambda b: f"{s}/applications/{b.case('closed')}/archive"),
        Case(f"{p}.archive_zip", "GET", {"manager"}, lambda b: f"{s}/applications/{archived(b)}/archive.zip", fresh=False),
        Case(f"{p}.list_batches", "GET", {"manager"}, lambda b: f"{s}/subsidy/batches", fresh=False),
        Case(f"{p}.create_batch", "POST", {"manager"}, lambda b: f"{s}/subsidy/batches", lambda b: {"month": month_with_subsidy(b)}),
        Case(f"{p}.approve_batch", "POST", {"manager"}, lambda b: f"{s}/subsidy/batches/{batch(b)}/approve"),
        Case(f"{p}.export_batch", "GET", {"manager"}, lambda b: f"{s}/subsidy/batches/{batch(b, approved=True)}/export?format=csv",
             fresh=False),
        # the aided person's side: their own case only
        Case("handling.citizen_handling", "GET", {"citizen"}, lambda b: f"{a}/{own_case(b)}/handling", fresh=False),
        Case("handling.citizen_request_change", "POST", {"citizen"}, lambda b: f"{a}/{own_case(b)}/lawyer-change",
             lambda b: {"reasons": "律师长期不回复我的电话"}),
    ]
