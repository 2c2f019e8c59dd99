"""Role-matrix entries for the procedure (issue 10), picked up by tests/platform/test_role_matrix.py:
the review desk, notices, letters and the objection desk in the console; the staff API's procedure
routes; the citizen's screen, letters and objections; the public screen and the signed PDF link.
The allowed roles are read from the permission table (`R(P.x)`; what each permission admits is written
out in tests/architecture/test_permissions.py). Builders write through the services and mark the
builder dirty."""
from __future__ import annotations

import datetime as dt
import itertools

from app.common.permissions import P
from app.common.timeutil import local_today
from tests.platform.test_role_matrix import R

_seq = itertools.count(1)
CASE_SEE = R(P.view_case) - {"aid_lawyer"}  # see a case that is not assigned to them
WRITERS = R(P.review_case)
DESK = R(P.view_review_desk)


def _staff(b, username):
    from tests.support import user
    return user(b.app, username)


def _refused(b, citizen_id=None):
    """A refused application (with its 不予法律援助决定书); the citizen's own when citizen_id is given."""
    from app.applications.models import Application
    from app.extensions import db
    from app.procedure import flows, objections
    from tests.support import make_case
    b.dirty = True
    app_id = make_case(b.app, "under_review", citizen_id=citizen_id, by_phone=citizen_id is None)
    with b.app.app_context():
        a = db.session.get(Application, app_id)
        flows.desk_decision(_staff(b, "manager1"), a, "reject", {"reason": "家庭收入高于标准", "grounds": ["not_in_hardship"]})
    return app_id


def _citizen(b):
    from app.auth.models import Citizen
    from app.extensions import db
    with b.app.app_context():
        c = Citizen(openid=f"openid-procedure-{next(_seq)}-{dt.datetime.now().timestamp()}")
        db.session.add(c)
        db.session.commit()
        return c.id


def objection(b, citizen_id=None):
    from app.applications.models import Application
    from app.auth.models import Citizen
    from app.extensions import db
    from app.procedure import flows, objections
    citizen_id = citizen_id or _citizen(b)
    app_id = _refused(b, citizen_id)
    with b.app.app_context():
        obj = objections.lodge_objection(db.session.get(Citizen, citizen_id), db.session.get(Application, app_id),
                                      "我的收入计算有误")
        return obj.id


def letter(b):
    """(application id, letter id) of a refusal that the bureau has an objection on."""
    from app.extensions import db
    from app.procedure.models import Objection
    obj_id = objection(b)
    with b.app.app_context():
        app_id = db.session.get(Objection, obj_id).application_id
        from app.procedure import letters
        return app_id, letters.list_for(app_id)[0].id


def noticed(b):
    from app.applications.models import Application
    from app.extensions import db
    from app.procedure import flows, objections
    app_id = b.case("under_review")
    with b.app.app_context():
        flows.notice(_staff(b, "duty1"), db.session.get(Application, app_id), ["hukou_home", "judgment"],
                             local_today() + dt.timedelta(days=10))
    return app_id


def own_letter(b):
    app_id = _refused(b, b.citizen_id)
    from app.procedure import letters
    with b.app.app_context():
        return app_id, letters.list_for(app_id)[0].id


def signed_pdf(b):
    from app.extensions import db
    from app.procedure import letters
    from app.procedure.models import Letter
    _, letter_id = letter(b)
    with b.app.test_request_context():
        return letters.signed_url(db.session.get(Letter, letter_id))


def phone_letter(b, *, sms: bool = False) -> str:
    """"<application id>/letters/<letter id>" of a phone applicant's refusal letter, not yet delivered (staff
    deliver it by post or in person, or resend its SMS: `sms` gives the app an in-memory gateway)."""
    from app.extensions import db
    from app.procedure import letters
    if sms:
        from sms.memory import MemorySms
        b.app.extensions["sms"] = MemorySms()
    app_id = _refused(b)
    with b.app.app_context():
        letter = letters.list_for(app_id)[-1]
        db.session.rollback()
        return f"{app_id}/letters/{letter.id}"


def _due():
    return (local_today() + dt.timedelta(days=10)).isoformat()


def console_cases(Case, builder, staff):  # noqa: N803, ARG001
    c = "/console"
    p = "console"
    return [
        Case(f"{p}.review_queue", "GET", DESK, lambda b: f"{c}/review", fresh=False),
        Case(f"{p}.review_desk", "GET", CASE_SEE, lambda b: f"{c}/review/{b.case()}", fresh=False),
        Case(f"{p}.review_desk", "GET", CASE_SEE | {"aid_lawyer"}, lambda b: f"{c}/review/{b.case('in_progress')}", fresh=False),
        Case(f"{p}.review_decide", "POST", WRITERS, lambda b: f"{c}/review/{b.case('submitted')}/decide/start_review"),
        Case(f"{p}.review_decide", "POST", R(P.decide_case), lambda b: f"{c}/review/{b.case()}/decide/approve", lambda b: {"note": "符合"}),
        Case(f"{p}.review_decide", "POST", R(P.decide_case), lambda b: f"{c}/review/{b.case()}/decide/reject",
             lambda b: {"reason": "收入高于标准", "grounds": "not_in_hardship"}),
        Case(f"{p}.review_decide", "POST", R(P.request_expedite), lambda b: f"{c}/review/{b.case()}/decide/request_expedite",
             lambda b: {"reason": "需要立即申请财产保全", "ground": "preservation_or_advance_execution"}),
        Case(f"{p}.review_decide", "POST", R(P.decide_case), lambda b: f"{c}/review/{b.case('assigned')}/decide/terminate",
             lambda b: {"ground": "own_lawyer", "note": "受援人已自行委托律师"}),
        Case(f"{p}.review_notice", "POST", WRITERS, lambda b: f"{c}/review/{b.case()}/notice",
             lambda b: {"items": "hukou_home", "due_date": _due(), "note": "请补充"}),
        Case(f"{p}.review_receive", "POST", WRITERS, lambda b: f"{c}/review/{noticed(b)}/receive", lambda b: {"items": "judgment"}),
        Case(f"{p}.review_explanation", "POST", R(P.request_explanation), lambda b: f"{c}/review/{noticed(b)}/explanation",
             lambda b: {"note": "请说明配偶离职的时间"}),
        Case(f"{p}.review_override", "POST", WRITERS, lambda b: f"{c}/review/{b.case()}/override",
             lambda b: {"result": "likely_eligible", "reason": "经电话核实"}),
        Case(f"{p}.review_grant_after_expedite", "POST", R(P.decide_case),
             lambda b: f"{c}/review/{b.case('expedite_approved')}/grant-after-expedite", lambda b: {"note": "符合条件"}),
        Case(f"{p}.letters_tab", "GET", CASE_SEE, lambda b: f"{c}/applications/{letter(b)[0]}/letters", fresh=False),
        Case(f"{p}.open_letter", "GET", CASE_SEE | R(P.decide_objection), lambda b: f"{c}/letters/{letter(b)[1]}",
             fresh=False, changes=True),
        Case(f"{p}.record_letter_delivery", "POST", R(P.record_delivery),
             lambda b: f"{c}/applications/{phone_letter(b)}/delivery",
             lambda b: {"way": "post", "date": local_today().isoformat(), "confirm": "1"}),
        Case(f"{p}.objections", "GET", R(P.view_objections), lambda b: f"{c}/objections", fresh=False),
        Case(f"{p}.objection", "GET", R(P.view_objections), lambda b: f"{c}/objections/{objection(b)}",
             fresh=False),
        Case(f"{p}.decide_objection", "POST", R(P.decide_objection), lambda b: f"{c}/objections/{objection(b)}/decide",
             lambda b: {"decision": "uphold", "note": "原决定理由充分"}),
    ]


def api_cases(Case, builder, staff):  # noqa: N803, ARG001
    s = "/api/v1/staff"
    a = "/api/v1/applications"
    p = "procedure_staff"
    return [
        Case(f"{p}.get_procedure", "GET", CASE_SEE, lambda b: f"{s}/applications/{b.case()}/procedure", fresh=False),
        Case(f"{p}.override", "POST", WRITERS, lambda b: f"{s}/applications/{b.case()}/eligibility-override",
             lambda b: {"result": "needs_review", "reason": "收入材料待核"}),
        Case(f"{p}.issue_notice", "POST", WRITERS, lambda b: f"{s}/applications/{b.case()}/notices",
             lambda b: {"items": ["hukou_home"], "due_date": _due()}),
        Case(f"{p}.request_explanation", "POST", R(P.request_explanation),
             lambda b: f"{s}/applications/{noticed(b)}/explanation-requests", lambda b: {"note": "请说明配偶离职的时间"}),
        Case(f"{p}.receive", "POST", WRITERS, lambda b: f"{s}/applications/{noticed(b)}/notices/receive",
             lambda b: {"items": ["hukou_home"]}),
        Case(f"{p}.grant_after_expedite", "POST", R(P.decide_case),
             lambda b: f"{s}/applications/{b.case('expedite_approved')}/grant-after-expedite", lambda b: {}),
        Case(f"{p}.staff_letter", "GET", CASE_SEE, lambda b: "{}/applications/{}/letters/{}".format(s, *letter(b)),
             fresh=False, changes=True),
        Case("delivery_staff.record", "POST", R(P.record_delivery),
             lambda b: f"{s}/applications/{phone_letter(b)}/delivery",
             lambda b: {"way": "in_person", "date": local_today().isoformat()}),
        Case("delivery_staff.resend", "POST", R(P.record_delivery),
             lambda b: f"{s}/applications/{phone_letter(b, sms=True)}/sms", lambda b: {}),
        Case(f"{p}.list_objections_staff", "GET", R(P.view_objections), lambda b: f"{s}/objections?status=all",
             fresh=False),
        Case(f"{p}.get_objection", "GET", R(P.view_objections), lambda b: f"{s}/objections/{objection(b)}",
             fresh=False),
        Case(f"{p}.decide", "POST", R(P.decide_objection), lambda b: f"{s}/objections/{objection(b)}/decide",
             lambda b: {"decision": "correct", "note": "收入计算有误，请重新审查"}),
        Case("staff.action_terminate", "POST", R(P.decide_case), lambda b: f"{s}/applications/{b.case('assigned')}/terminate",
             lambda b: {"ground": "aided_person_request", "note": "受援人申请终止"}),
        # the citizen's side (the matrix citizen's own objects) and the public routes
        Case("procedure.list_letters", "GET", {"citizen"}, lambda b: f"{a}/{own_letter(b)[0]}/letters", fresh=False),
        Case("procedure.get_letter", "GET", {"citizen"},
             lambda b: "{}/{}/letters/{}".format(a, *own_letter(b)), fresh=False),
        Case("procedure.list_objections", "GET", {"citizen"}, lambda b: f"{a}/{own_letter(b)[0]}/objections", fresh=False),
        Case("procedure.lodge_objection", "POST", {"citizen"}, lambda b: f"{a}/{own_letter(b)[0]}/objections",
             lambda b: {"reasons": "我符合经济困难标准"}),
    ]
