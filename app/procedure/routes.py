"""API of the procedure: the public eligibility screen, the citizen's screen/letters/objections, the
staff's review desk actions and the bureau reviewer's objection desk. Routes parse, call the service,
serialise."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, g, jsonify, request
from flask_smorest import Blueprint

from app import errors
from app.centres import service as centres
from app.auth import consents
from app.applications import schemas as application_schemas, service as applications
from app.audit import record as audit
from app.auth.guards import citizen_required, staff_required
from app.common import limits
from app.common.idempotency import idempotent
from app.extensions import db
from app.common.permissions import P
from app.procedure import cases, clocks, decisions, eligibility, flows, law, letters, notices, objections, schemas as s
from app.procedure import screen as screening
from app.procedure.models import Letter, read_state
from app.common.openapi import BEARER

public = Blueprint("eligibility", __name__, url_prefix="/api/v1", description="法律援助资格自测（无需登录）与文书下载")
citizen = Blueprint("procedure", __name__, url_prefix="/api/v1/applications",
                    description="法律援助程序（小程序）：资格自测与诚信承诺、法律文书、异议")
staff = Blueprint("procedure_staff", __name__, url_prefix="/api/v1/staff",
                  description="法律援助程序（工作人员）：审查台、一次性告知、资格调整、终止、司法局异议审查")


# --- public ----------------------------------------------------------------------------------------------------

@public.route("/eligibility", methods=["POST"])
@limits.eligibility  # per IP, RATE_LIMIT_ELIGIBILITY, the shared Flask-Limiter (Redis when REDIS_URL is set)
@public.arguments(s.EligibilityInput)
@public.response(200, s.EligibilityOut)
def screen(data):
    """资格自测：返回初步结果、经济困难审查要求、每一项的法律依据（条款与原文）和需准备的材料"""
    try:
        return eligibility.screen(data, centres.config_of_code(request.args.get("centre")))
    except eligibility.UnknownKeys as exc:
        raise errors.ValidationFailed("资格自测内容有误", code="unknown_key", details={"fields": exc.fields}) from None


@public.route("/eligibility/rules")
@public.response(200, s.EligibilityRulesOut)
def rules():
    """自测的选项：事项、情形、人员类别（含条款），本地经济困难标准，现行个人诚信承诺"""
    matters, situations, groups = eligibility.rules(centres.config_of_code(request.args.get("centre")))
    as_list = lambda d: [{"key": r.key, "label": r.label, "article": r.article, "text": r.text} for r in d.values()]  # noqa: E731
    cfg = centres.config_of_code(request.args.get("centre"))
    return {"matters": as_list(matters), "situations": as_list(situations), "groups": as_list(groups),
            "hardship_standard": f"家庭成员人均月收入不高于 {cfg['HARDSHIP_MONTHLY_INCOME_PER_MEMBER']} 元"
                                 f"（{cfg['HARDSHIP_STANDARD_TEXT']}）",
            "integrity_commitment": {"version": eligibility.CURRENT_COMMITMENT,
                                     "text": eligibility.INTEGRITY_COMMITMENTS[eligibility.CURRENT_COMMITMENT]}}


@public.route("/eligibility/checklist")
@public.arguments(s.ChecklistArgs, location="query")
@public.response(200, s.ChecklistOut)
def checklist(args):
    """按事项列出需准备的材料（一次性告知补充材料的清单，第四十三条；无需登录）"""
    matters, _, _ = eligibility.rules(current_app.config)
    matter = args.get("matter")
    if matter is not None and matter not in matters:
        raise errors.NotFound("未知的事项")
    return {"matter": matter, "items": law.checklist(matter)}


@public.route("/letters/<int:letter_id>/pdf")
@public.response(200, content_type="application/pdf")
def letter_pdf(letter_id):
    """法律文书 PDF（签名链接，限时有效；发送前核对 SHA-256）"""
    if not letters.check_signature(letter_id, request.args.get("expires"), request.args.get("signature")):
        raise errors.Forbidden("链接无效或已过期", code="invalid_signature")
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        raise errors.NotFound("未找到该文书")
    data = letters.read_pdf(letter)
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"inline; filename=letter-{letter.id}.pdf"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


# --- citizen ---------------------------------------------------------------------------------------------------

@citizen.route("/<int:application_id>/submit", methods=["POST"])
@citizen_required
@idempotent
@citizen.response(200, application_schemas.ApplicationOut)
def submit_application(application_id):
    """提交申请（支持 Idempotency-Key：网络重试时返回首次结果）"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    return flows.submit(g.citizen, app_)


@citizen.route("/<int:application_id>/withdraw", methods=["POST"])
@citizen_required
@idempotent
@citizen.arguments(application_schemas.ReasonInput)
@citizen.response(200, application_schemas.ApplicationOut)
def withdraw_application(data, application_id):
    """撤回申请"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    return flows.withdraw(g.citizen, app_, data.get("reason"))


@citizen.route("/<int:application_id>/eligibility", methods=["PUT"])
@citizen_required
@citizen.arguments(s.ApplicationEligibilityInput)
@citizen.response(200, s.ScreenOut)
def put_screen(data, application_id):
    """保存资格自测结果与个人诚信承诺（草稿阶段；因经济困难申请的须同意承诺）"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    consents.require_for_screen(g.citizen, data)  # the household income needs its separate consent
    screening.store_screen(g.citizen, app_, data)
    return screening.screen_answer(app_)


@citizen.route("/<int:application_id>/eligibility")
@citizen_required
@citizen.response(200, s.ScreenOut)
def get_screen(application_id):
    """本申请保存的资格自测结果与个人诚信承诺（小程序重新打开草稿时据此恢复）"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    return screening.screen_answer(app_)


@citizen.route("/<int:application_id>/letters")
@citizen_required
@citizen.response(200, s.LetterOut(many=True))
def list_letters(application_id):
    """本申请的法律文书（带签名下载地址）"""
    applications.get_for_citizen(g.citizen, application_id)
    return jsonify(letters.letters_out(application_id))


@citizen.route("/<int:application_id>/letters/<int:letter_id>")
@citizen_required
@citizen.response(200, s.LetterDetailOut)
def get_letter(application_id, letter_id):
    """一份法律文书：结构化内容与签名下载地址（他人的文书一律 404）"""
    applications.get_for_citizen(g.citizen, application_id)
    letter = _letter(application_id, letter_id)
    return {**letters.letter_out(letter, iso=False), "data": letter.data}


@citizen.route("/<int:application_id>/objections", methods=["POST"])
@citizen_required
@idempotent
@citizen.arguments(s.ObjectionInput)
@citizen.response(201, s.ObjectionOut)
def lodge_objection(data, application_id):
    """对不予法律援助或终止法律援助的决定提出异议（法律援助法第四十九条），由司法局 5 个工作日内审查"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    obj = objections.lodge_objection(g.citizen, app_, data["reasons"], data.get("document_ids"))
    return objections.objection_out(obj)


@citizen.route("/<int:application_id>/objections")
@citizen_required
@citizen.response(200, s.ObjectionOut(many=True))
def list_objections(application_id):
    """本申请的异议及审查结果"""
    applications.get_for_citizen(g.citizen, application_id)
    return [objections.objection_out(o) for o in objections.objections_for(application_id)]


def _letter(application_id: int, letter_id: int) -> Letter:
    letter = db.session.scalar(sa.select(Letter).where(Letter.id == letter_id, Letter.application_id == application_id))
    if letter is None:
        raise errors.NotFound("未找到该文书")
    return letter


# --- staff -------------------------------------------------------------------------------------------------------

def _case(application_id: int):
    return cases.staff_application(g.staff, application_id)


def procedure_view(app_) -> dict:
    ps = read_state(app_)
    return {"deadlines": clocks.deadlines(app_), "eligibility": screening.screen_answer(app_),
            "integrity_commitment": ps.integrity_commitment, "checklist": notices.checklist_for(app_),
            "notices": notices.notices_for(app_.id), "objections": [objections.objection_out(o) for o in
                                                                     objections.objections_for(app_.id)],
            "letters": [letters.letter_out(l, iso=False) for l in letters.list_for(app_.id)],
            "expedite_grounds_applicable": decisions.expedite_grounds_applicable(app_),
            "decision": ps.decision, "decision_grounds": ps.decision_grounds}


@staff.route("/applications/<int:application_id>/procedure")
@staff.doc(security=BEARER)
@staff_required(P.view_case)
@staff.response(200, s.ProcedureOut)
def get_procedure(application_id):
    """审查台：法定期限、资格自测依据、材料清单、补充通知、异议、文书"""
    return procedure_view(_case(application_id))


@staff.route("/applications/<int:application_id>/eligibility-override", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.review_case)
@staff.arguments(s.OverrideInput)
@staff.response(200, s.ProcedureOut)
def override(data, application_id):
    """调整资格自测结果（须说明理由，记入审计日志）"""
    app_ = _case(application_id)
    screening.override_screen(g.staff, app_, data["result"], data["reason"])
    return procedure_view(app_)


@staff.route("/applications/<int:application_id>/notices", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.review_case)
@staff.arguments(s.NoticeInput)
@staff.response(201, s.ProcedureOut)
def issue_notice(data, application_id):
    """一次性告知需补充的全部材料（附截止日；期间审查期限暂停），生成补充材料通知书"""
    app_ = _case(application_id)
    flows.notice(g.staff, app_, data["items"], data.get("due_date"), data.get("note"), days=data.get("days"))
    return procedure_view(app_)


@staff.route("/applications/<int:application_id>/explanation-requests", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.request_explanation)
@staff.arguments(s.ExplanationInput)
@staff.response(201, s.ProcedureOut)
def request_explanation(data, application_id):
    """要求申请人补充说明（一次性告知已发出后；不暂停、不重新计算审查期限），申请人可在进度中看到"""
    app_ = _case(application_id)
    flows.explanation_requested(g.staff, app_, data["note"])
    return procedure_view(app_)


@staff.route("/applications/<int:application_id>/notices/receive", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.review_case)
@staff.arguments(s.ReceiveInput)
@staff.response(200, s.ProcedureOut)
def receive(data, application_id):
    """登记已收到的补充材料（全部收齐后审查期限重新计算）"""
    app_ = _case(application_id)
    notices.receive_items(g.staff, app_, data["items"])
    return procedure_view(app_)


@staff.route("/applications/<int:application_id>/grant-after-expedite", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.decide_case)
@staff.arguments(s.NoteInput)
@staff.response(200, s.ProcedureOut)
def grant_after_expedite(data, application_id):
    """先行提供法律援助后审查符合条件：作出给予法律援助决定（不符合的，请终止法律援助）"""
    app_ = _case(application_id)
    flows.grant_after_expedite(g.staff, app_, data.get("note"))
    return procedure_view(app_)


@staff.route("/applications/<int:application_id>/letters/<int:letter_id>")
@staff.doc(security=BEARER)
@staff_required(P.view_case)
@staff.response(200, s.LetterDetailOut)
def staff_letter(application_id, letter_id):
    """查看法律文书（记入审计日志）"""
    _case(application_id)
    letter = _letter(application_id, letter_id)
    audit("letter.view", actor=g.staff, object_type="letter", object_id=letter.id,
          details={"application_id": application_id, "number": letter.number})
    db.session.commit()
    return {**letters.letter_out(letter, iso=False), "data": letter.data}


@staff.route("/objections")
@staff.doc(security=BEARER)
@staff_required(P.view_objections)
@staff.arguments(s.ObjectionListArgs, location="query")
@staff.response(200, s.ObjectionOut(many=True))
def list_objections_staff(args):
    """异议列表（司法局审查人员；法援中心负责人只读）"""
    status = None if args["status"] == "all" else args["status"]
    return [objections.objection_out(o) for o in db.session.scalars(objections.objections_stmt(g.staff, status).limit(500))]


@staff.route("/objections/<int:objection_id>")
@staff.doc(security=BEARER)
@staff_required(P.view_objections)
@staff.response(200, s.ObjectionOut)
def get_objection(objection_id):
    """异议详情"""
    return objections.objection_out(objections.get_objection(g.staff, objection_id))


@staff.route("/objections/<int:objection_id>/decide", methods=["POST"])
@staff.doc(security=BEARER)
@staff_required(P.decide_objection)
@staff.arguments(s.ObjectionDecisionInput)
@staff.response(200, s.ObjectionOut)
def decide(data, objection_id):
    """司法局审查决定：维持（uphold）或责令改正（correct，申请回到审查并重新计时）；只能决定一次"""
    obj = objections.get_objection(g.staff, objection_id)
    return objections.objection_out(flows.objection_decided(g.staff, obj, data["decision"], data["note"]))
