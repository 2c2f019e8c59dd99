"""Staff JSON API: the same actions as the console, for bearer tokens (POST /api/v1/auth/staff/login).
Each route declares its roles; objects are checked per object (an aid lawyer sees only assigned cases;
what a role cannot see answers 404)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from app.applications.actions import ACTIONS, STAFF_TRANSITIONS
from app.applications.models import Application
from app.auth.guards import staff_required
from app.common.permissions import P, Permission
from app.applications import sla
from app.casework import cases, roster, queues as worklists
from app.visits import service as home_visits
from app.common.idempotency import idempotent
from app.common.pagination import paginate
from app.documents import service as documents
from app.documents.schemas import DocumentDetailOut
from app.extensions import db
from app.procedure import flows
from app.procedure.schemas import DECISION_INPUTS, action_input
from app.staff import schemas as s
from app.common.openapi import BEARER

blp = Blueprint("staff", __name__, url_prefix="/api/v1/staff",
                description="工作人员接口：工作队列、申请审查、特事特办、指派律师、上门服务")


def _detail(application_id: int) -> Application:
    cases.get_application(g.staff, application_id)  # per-object check
    return db.session.scalar(sa.select(Application).where(Application.id == application_id)
                             .options(selectinload(Application.events)).execution_options(populate_existing=True))


# --- queues -------------------------------------------------------------------------------

@blp.route("/queue")
@blp.doc(security=BEARER)
@staff_required(P.view_case)
@blp.response(200, s.QueueOut(many=True))
def queue():
    """当前角色的工作队列（紧急在前，含时限倒计时；每个队列给出前 100 项与总项数）"""
    return list(worklists.queues_for(g.staff, limit=100).values())


# --- applications --------------------------------------------------------------------------

@blp.route("/applications")
@blp.doc(security=BEARER)
@staff_required(P.view_case)
@blp.arguments(s.StaffApplicationListArgs, location="query")
@blp.response(200, s.StaffApplicationPageOut)
def list_applications(args):
    """申请列表（援助律师仅见指派给自己的案件）"""
    stmt = cases.list_stmt(g.staff, status=args.get("status"), q=args.get("q"), urgent=args.get("urgent"))
    return paginate(stmt, args["page"], args["page_size"])


@blp.route("/applications", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.take_phone_intake)
@idempotent
@blp.arguments(s.IntakeInput)
@blp.response(201, s.StaffApplicationOut)
def create_application(data):
    """值班律师电话受理：为来电群众代为申请并提交（支持 Idempotency-Key）"""
    contact = data.pop("first_contact_at", None)
    app_ = cases.open_for_caller(g.staff, data, first_contact_at=contact)
    return _detail(app_.id)


@blp.route("/applications/<int:application_id>")
@blp.doc(security=BEARER)
@staff_required(P.view_case)
@blp.response(200, s.StaffApplicationOut)
def get_application(application_id):
    """申请详情（含时间线、补交材料、上门服务、时限）"""
    return _detail(application_id)


def _action_route(path: str, action: str, permission: Permission, schema, summary: str, to_data=None):
    def view(data, application_id):
        app_ = cases.get_application(g.staff, application_id)
        cases.act(g.staff, app_, action, to_data(data) if to_data else data)
        return _detail(app_.id)
    view.__name__ = f"action_{action}"
    view.__doc__ = summary
    view = blp.response(200, s.StaffApplicationOut)(view)
    view = blp.arguments(schema)(view)
    view = staff_required(permission)(view)
    view = blp.doc(security=BEARER)(view)
    blp.route(f"/applications/<int:application_id>/{path}", methods=["POST"], endpoint=f"action_{action}")(view)


for _name in STAFF_TRANSITIONS:  # one route per declared action, with its permission and input
    _a = ACTIONS[_name]
    _summary = DECISION_INPUTS.get(_name, (None, _a.summary))[1]  # the law's decisions: app/procedure's inputs
    _action_route(_a.api_path, _name, _a.permission, action_input(_name), _summary or _a.label)


@blp.route("/applications/<int:application_id>/phone")
@blp.doc(security=BEARER)
@staff_required(P.reveal_phone)
@blp.response(200, s.PhoneOut)
def reveal_phone(application_id):
    """查看申请人完整联系电话（用于回访，记入审计日志）"""
    app_ = cases.reveal_phone(g.staff, application_id)
    return {"id": app_.id, "reference": app_.reference, "phone": app_.phone}


@blp.route("/applications/<int:application_id>/notes", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(ACTIONS["progress_note"].permission)
@blp.arguments(ACTIONS["progress_note"].input)
@blp.response(200, s.StaffApplicationOut)
def add_note(data, application_id):
    """记录办理进展（写入时间线）"""
    app_ = cases.get_application(g.staff, application_id)
    cases.add_note(g.staff, app_, data["note"])
    return _detail(app_.id)


@blp.route("/applications/<int:application_id>/lawyer-suggestions")
@blp.doc(security=BEARER)
@staff_required(P.manage_roster)
@blp.response(200, s.SuggestionOut(many=True))
def lawyer_suggestions(application_id):
    """推荐律师（擅长领域、在办案件数、区域），第一位为推荐人选"""
    app_ = cases.get_application(g.staff, application_id)
    return roster.suggest_lawyers(app_)


@blp.route("/applications/<int:application_id>/home-visit", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.arrange_home_visits)
@blp.arguments(s.HomeVisitRequestInput)
@blp.response(201, s.HomeVisitOut)
def request_home_visit(data, application_id):
    """申请上门服务"""
    app_ = cases.get_application(g.staff, application_id)
    return home_visits.request_home_visit(g.staff, app_, data["address"], data.get("reason"))


@blp.route("/applications/<int:application_id>/home-visit/schedule", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.arrange_home_visits)
@blp.arguments(s.HomeVisitScheduleInput)
@blp.response(200, s.HomeVisitOut)
def schedule_home_visit(data, application_id):
    """安排上门服务：律师与时间"""
    app_ = cases.get_application(g.staff, application_id)
    return home_visits.schedule_home_visit(g.staff, app_, data["lawyer_id"], data["scheduled_at"], data.get("note"))


@blp.route("/home-visits")
@blp.doc(security=BEARER)
@staff_required(P.view_home_visits)
@blp.arguments(s.HomeVisitArgs, location="query")
@blp.response(200, s.HomeVisitOut(many=True))
def list_home_visits(args):
    """上门服务列表（援助律师仅见自己的）"""
    return db.session.scalars(home_visits.list_visits_stmt(g.staff, active_only=not args["all"]).limit(500)).all()


@blp.route("/home-visits/<int:visit_id>/complete", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.view_home_visits)
@blp.arguments(s.HomeVisitCompleteInput)
@blp.response(200, s.HomeVisitOut)
def complete_home_visit(data, visit_id):
    """记录上门服务完成情况（上门律师或负责人）"""
    visit = home_visits.get_visit(g.staff, visit_id)
    return home_visits.complete_home_visit(g.staff, visit, data["result_note"])


# --- documents ---------------------------------------------------------------------------------

@blp.route("/documents/<int:document_id>/verify", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.verify_documents)
@blp.response(200, DocumentDetailOut)
def verify_document(document_id):
    """材料审核通过"""
    doc = cases.get_document(g.staff, document_id)
    return documents.verify(g.staff, doc)


@blp.route("/documents/<int:document_id>/reject", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(P.verify_documents)
@blp.arguments(s.DocumentRejectInput)
@blp.response(200, DocumentDetailOut)
def reject_document(data, document_id):
    """退回材料（原因群众可见，并通知其重新拍摄）"""
    doc = cases.get_document(g.staff, document_id)
    return documents.reject(g.staff, doc, data["reason"], data.get("note"))


# --- roster, SLA --------------------------------------------------------

@blp.route("/lawyers")
@blp.doc(security=BEARER)
@staff_required(P.manage_roster)
@blp.response(200, s.RosterOut(many=True))
def lawyers():
    """援助律师名册（擅长领域、区域、在办案件、接案状态）"""
    return roster.roster()


@blp.route("/lawyers/<int:lawyer_id>", methods=["PATCH"])
@blp.doc(security=BEARER)
@staff_required(P.manage_roster)
@blp.arguments(s.AvailabilityInput)
@blp.response(200, s.RosterOut)
def update_lawyer(data, lawyer_id):
    """调整律师接案状态"""
    roster.set_availability(g.staff, lawyer_id, data["available"])
    return next(r for r in roster.roster() if r["id"] == lawyer_id)


@blp.route("/sla")
@blp.doc(security=BEARER)
@staff_required(P.view_sla)
@blp.arguments(s.SlaArgs, location="query")
@blp.response(200, s.SlaSummaryOut)
def sla_summary(args):
    """紧急及特事特办案件的指派时限达标率"""
    return sla.summary(days=args["days"])


# --- transfer between centres (Art. 38) -------------------------------------------------------

@blp.route("/applications/<int:application_id>/transfer", methods=["POST"])
@blp.doc(security=BEARER)
@staff_required(flows.TRANSFER_ROLES)
@blp.arguments(s.TransferInput)
@blp.response(200, s.TransferOut)
def transfer(data, application_id):
    """移送（第三十八条）：本中心无管辖权时，附理由移送有管辖权的法律援助机构；申请人收到通知，接收机构次日起计算审查期限，移送后本中心不再可见"""
    app_ = cases.get_application(g.staff, application_id)
    return flows.transfer(g.staff, app_, data["centre"], data.get("reason"))
