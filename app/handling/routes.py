"""API of a case after assignment: the aided person's side (their lawyer, a change request) and the staff's
(the lawyer's notes, withdrawal, termination report, closing file; the manager's decisions, closing review,
archive). Routes parse, call the service, serialise. Roles are declared on each route; ownership is checked
per object by the service (another lawyer's case is a 404)."""
from __future__ import annotations

from flask import Response, g
from flask_smorest import Blueprint

from app import errors
from app.applications import service as applications
from app.audit import record as audit
from app.auth.guards import citizen_required, staff_required
from app.common.idempotency import idempotent
from app.common.openapi import BEARER
from app.common.permissions import P
from app.extensions import db
from app.handling import service
from app.handling.schemas import (BatchInput, ChangeDecisionInput, ClosingInput, ExportArgs, ProgressInput,
                                  ReasonsInput, ReportDecisionInput, ReviewInput, TerminationReportInput)
from app.procedure import clocks
from app.subsidy import service as subsidy

citizen = Blueprint("handling", __name__, url_prefix="/api/v1/applications",
                    description="案件承办（小程序）：承办律师、申请更换法律援助人员、结案情况")
staff = Blueprint("handling_staff", __name__, url_prefix="/api/v1/staff",
                  description="案件承办（工作人员）：办理进展、更换律师、终止情形报告、结案、结案审查、归档")


# --- serialising -------------------------------------------------------------------------------------------

def _iso(v):
    return v.isoformat() if v is not None else None


def change_out(c) -> dict:
    return {"id": c.id, "application_id": c.application_id, "requested_by": c.requested_by, "by_label": c.by_label,
            "reasons": c.reasons, "status": c.status, "status_label": c.status_label, "created_at": _iso(c.created_at),
            "from_lawyer": service.lawyer_out(c.from_lawyer), "to_lawyer": service.lawyer_out(c.to_lawyer),
            "decided_at": _iso(c.decided_at), "decision_note": c.decision_note}


def report_out(r) -> dict:
    art, text = service.TERMINATION_GROUNDS[r.ground]
    return {"id": r.id, "application_id": r.application_id, "ground": r.ground, "article": art, "ground_text": text,
            "facts": r.facts, "status": r.status, "status_label": r.status_label, "created_at": _iso(r.created_at),
            "decision_note": r.decision_note, "decided_at": _iso(r.decided_at)}


def closing_out(cf) -> dict | None:
    if cf is None:
        return None
    return {"id": cf.id, "status": cf.status, "status_label": cf.status_label, "outcome": cf.outcome,
            "outcome_label": cf.outcome_label, "outcome_detail": cf.outcome_detail,
            "matter_ended_on": _iso(cf.matter_ended_on), "due_date": _iso(cf.due_date), "late": cf.late,
            "report": cf.report, "document_ids": cf.document_ids, "stage": cf.stage, "subsidy": cf.subsidy,
            "submitted_at": _iso(cf.submitted_at),
            "reviews": [{"id": r.id, "decision": r.decision, "decision_label": r.decision_label, "reasons": r.reasons,
                         "scores": r.scores, "total": r.total, "created_at": _iso(r.created_at)} for r in cf.reviews]}


def staff_view(app_) -> dict:
    a = service.archive_of(app_.id)
    s = subsidy.for_application(app_.id)
    return {"application_id": app_.id, "status": app_.status, "status_label": app_.status_label,
            "lawyer": service.lawyer_out(app_.assigned_lawyer),
            "changes": [change_out(c) for c in service.changes_for(app_.id)],
            "termination_reports": [report_out(r) for r in service.reports_for(app_.id)],
            "closing": closing_out(service.closing_file(app_.id)), "rubric": service.rubric(),
            "subsidy": None if s is None else {"amount_fen": s.amount_fen, "amount": subsidy.yuan(s.amount_fen),
                                               "batch_id": s.batch_id, "breakdown": s.breakdown},
            "archive": None if a is None else {"sha256": a.sha256, "size": a.size, "archived_at": _iso(a.archived_at),
                                               "retain_until": _iso(a.retain_until), "files": len(a.manifest)},
            "deadlines": clocks.deadlines_json(clocks.deadlines(app_))}


# --- the aided person -----------------------------------------------------------------------------------------

@citizen.route("/<int:application_id>/handling")
@citizen_required
@citizen.response(200)
def citizen_handling(application_id):
    """承办情况：承办律师（姓名、律师事务所）、更换申请、结案结果"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    return service.citizen_view(app_)


@citizen.route("/<int:application_id>/lawyer-change", methods=["POST"])
@citizen_required
@idempotent
@citizen.arguments(ReasonsInput)
@citizen.response(201)
def citizen_request_change(data, application_id):
    """申请更换法律援助人员（第五十五条），需说明理由；由法律援助中心决定"""
    app_ = applications.get_for_citizen(g.citizen, application_id)
    service.request_change(g.citizen, app_, data["reasons"])
    return service.citizen_view(app_), 201


# --- staff ----------------------------------------------------------------------------------------------------



@staff.route("/applications/<int:application_id>/handling")
@staff_required(P.view_handling)
@staff.doc(security=BEARER)
@staff.response(200)
def staff_handling(application_id):
    """承办情况：更换申请、终止情形报告、结案材料与审查、补贴、归档"""
    return staff_view(service.case_for_staff(g.staff, application_id))


@staff.route("/applications/<int:application_id>/progress", methods=["POST"])
@staff_required(P.handle_cases)
@staff.doc(security=BEARER)
@staff.arguments(ProgressInput)
@staff.response(201)
def progress(data, application_id):
    """记录办理进展（visible=true 时受援人可见，否则仅内部可见）"""
    app_ = service.case_for_staff(g.staff, application_id)
    service.add_progress(g.staff, app_, data["note"], data["visible"])
    return {"ok": True}, 201


@staff.route("/applications/<int:application_id>/withdrawal", methods=["POST"])
@staff_required(P.report_as_lawyer)
@staff.doc(security=BEARER)
@staff.arguments(ReasonsInput)
@staff.response(201)
def lawyer_withdrawal(data, application_id):
    """承办律师申请退出（更换法律援助人员），需说明理由"""
    app_ = service.case_for_staff(g.staff, application_id)
    return change_out(service.withdraw_as_lawyer(g.staff, app_, data["reasons"])), 201


@staff.route("/lawyer-changes")
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.response(200)
def list_changes():
    """待决定的更换法律援助人员申请"""
    return {"items": [change_out(c) for c in service.pending_changes()]}


@staff.route("/lawyer-changes/<int:change_id>/decision", methods=["POST"])
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.arguments(ChangeDecisionInput)
@staff.response(200)
def decide_change(data, change_id):
    """决定更换（approve，可同时指派新律师；否则重新计算指派期限）或不予更换（refuse，需说明理由）"""
    change = service.get_change(g.staff, change_id)
    return change_out(service.decide_change(g.staff, change, data["decision"] == "approve", data.get("note"),
                                            data.get("lawyer_id")))


@staff.route("/applications/<int:application_id>/termination-reports", methods=["POST"])
@staff_required(P.report_as_lawyer)
@staff.doc(security=BEARER)
@staff.arguments(TerminationReportInput)
@staff.response(201)
def report_termination(data, application_id):
    """报告终止法律援助的情形（第四十八条第二款），由中心负责人决定"""
    app_ = service.case_for_staff(g.staff, application_id)
    return report_out(service.report_termination(g.staff, app_, data["ground"], data["facts"])), 201


@staff.route("/termination-reports")
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.response(200)
def list_reports():
    """待决定的终止情形报告"""
    return {"items": [report_out(r) for r in service.open_reports()]}


@staff.route("/termination-reports/<int:report_id>/decision", methods=["POST"])
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.arguments(ReportDecisionInput)
@staff.response(200)
def decide_report(data, report_id):
    """终止（terminate：出具终止法律援助决定书）或继续援助（dismiss，需说明理由）"""
    report = service.get_report(g.staff, report_id)
    return report_out(service.decide_report(g.staff, report, data["decision"], data))


@staff.route("/applications/<int:application_id>/closing", methods=["POST"])
@staff_required(P.report_as_lawyer)
@staff.doc(security=BEARER)
@staff.arguments(ClosingInput)
@staff.response(201)
def submit_closing(data, application_id):
    """提交结案材料：结案方式、办理结束日期、法律文书副本（先上传到本案）、办理情况报告、补贴阶段"""
    app_ = service.case_for_staff(g.staff, application_id)
    service.submit_closing(g.staff, app_, data)
    return staff_view(app_), 201


@staff.route("/applications/<int:application_id>/closing/review", methods=["POST"])
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.arguments(ReviewInput)
@staff.response(200)
def review_closing(data, application_id):
    """结案审查：按质量评估标准评分，通过（accept）或退回补正（return，需说明理由）"""
    app_ = service.case_for_staff(g.staff, application_id)
    service.review_closing(g.staff, app_, data["decision"], data["scores"], data.get("reasons"))
    return staff_view(app_)


@staff.route("/applications/<int:application_id>/archive", methods=["POST"])
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.response(201)
def archive(application_id):
    """归档：整卷（申请、测评、文书、材料、进度、结案材料）封存为 ZIP（含 PDF 摘要）并记录 SHA-256"""
    app_ = service.case_for_staff(g.staff, application_id)
    service.archive(g.staff, app_)
    return staff_view(app_), 201


@staff.route("/applications/<int:application_id>/archive.zip")
@staff_required(P.decide_after_assignment)
@staff.doc(security=BEARER)
@staff.response(200, content_type="application/zip")
def archive_zip(application_id):
    """下载归档案卷（发送前核对 SHA-256；每次下载记入审计日志）"""
    app_ = service.case_for_staff(g.staff, application_id)
    a = service.archive_of(app_.id)
    if a is None:
        raise errors.NotFound("本案尚未归档")
    data = service.read_archive(a)
    audit("archive.view", actor=g.staff, object_type="archive", object_id=a.id)
    db.session.commit()
    resp = Response(data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f"attachment; filename={app_.reference}.zip"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# --- subsidy batches -------------------------------------------------------------------------------------------

def batch_out(b) -> dict:
    return {"id": b.id, "month": b.month, "status": b.status, "status_label": b.status_label,
            "total_fen": b.total_fen, "total": subsidy.yuan(b.total_fen), "items": len(b.items),
            "approved_at": _iso(b.approved_at)}


@staff.route("/subsidy/batches")
@staff_required(P.manage_subsidies)
@staff.doc(security=BEARER)
@staff.response(200)
def list_batches():
    """办案补贴月度批次"""
    return {"items": [batch_out(b) for b in subsidy.batches()]}


@staff.route("/subsidy/batches", methods=["POST"])
@staff_required(P.manage_subsidies)
@staff.doc(security=BEARER)
@staff.arguments(BatchInput)
@staff.response(201)
def create_batch(data):
    """生成某月的补贴批次（该月结案审查通过、尚未入批的补贴）"""
    return batch_out(subsidy.create_batch(g.staff, data["month"])), 201


@staff.route("/subsidy/batches/<int:batch_id>/approve", methods=["POST"])
@staff_required(P.manage_subsidies)
@staff.doc(security=BEARER)
@staff.response(200)
def approve_batch(batch_id):
    """审批补贴批次（不可撤销）"""
    return batch_out(subsidy.approve_batch(g.staff, subsidy.get_batch(g.staff, batch_id)))


@staff.route("/subsidy/batches/<int:batch_id>/export")
@staff_required(P.manage_subsidies)
@staff.doc(security=BEARER)
@staff.arguments(ExportArgs, location="query")
@staff.response(200, content_type="text/csv")
def export_batch(args, batch_id):
    """导出已审批的补贴批次（CSV 或 XLSX，供财务发放）"""
    body, mime, name = subsidy.export(g.staff, subsidy.get_batch(g.staff, batch_id), args["format"])
    resp = Response(body, mimetype=mime.split(";")[0])
    resp.headers["Content-Type"] = mime
    resp.headers["Content-Disposition"] = f"attachment; filename={name}"
    return resp
