"""Console pages after assignment: the case's 承办 page (the lawyer's notes, withdrawal, termination report,
closing file with the subsidy it earns; the manager's decisions, closing review beside the aided person's
ratings and objections, archive), the manager's desk (changes, reports, closing reviews, archiving) and the
subsidy batches. Every irreversible act asks for confirmation twice: the browser's dialog (data-confirm) and
a required checkbox the server checks (`confirm=1`)."""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from app import errors
from app.applications.models import Application
from app.audit import record as audit
from app.common.permissions import P, Role
from app.common.timeutil import local_today
from app.auth.models import StaffUser
from app.console import add_nav, bp, console_required, form_input, me
from app.documents import service as documents
from app.extensions import db
from app.handling import service
from app.handling.models import OUTCOMES
from app.handling.schemas import (BatchInput, ChangeDecisionInput, ClosingDocumentInput, ClosingInput, ProgressInput,
                                  ReasonsInput, ReportDecisionInput, ReviewInput, TerminationReportInput)
from app.procedure import clocks, letters
from app.subsidy import service as subsidy

add_nav(17, "console.handling_desk", "承办与结案", P.handle_cases)
add_nav(18, "console.subsidy_batches", "办案补贴", P.manage_subsidies)



@bp.context_processor
def _handling_context():
    def handling_links(a):
        if a.status not in ("assigned", "in_progress", "closing_review", "closed", "archived", "approved") \
                or not P.view_handling.allows(me()):
            return ""
        return Markup(render_template("handling/_case_link.html", a=a))
    return {"handling_links": handling_links}


def _confirmed(what: str) -> None:
    if request.form.get("confirm") != "1":
        msg = f"请勾选确认后再{what}（此操作不可撤销）"
        raise errors.ValidationFailed(msg, details={"fields": {"confirm": [msg]}})


def _back(app_id: int):
    return redirect(url_for("console.case_handling", application_id=app_id))


def _aid_lawyers(exclude: int | None = None) -> list[StaffUser]:
    return [l for l in db.session.scalars(sa.select(StaffUser).where(
        StaffUser.role == Role.aid_lawyer, StaffUser.is_active.is_(True)).order_by(StaffUser.full_name)).all()
        if l.id != exclude]


@bp.route("/handling")
@console_required(P.handle_cases)
def handling_desk():
    staff = me()
    if staff.role == Role.aid_lawyer:
        return render_template("handling/desk.html", mine=service.my_cases(staff))
    return render_template("handling/desk.html", changes=service.pending_changes(), reports=service.open_reports(),
                           closings=service.closing_queue(), to_archive=service.archive_queue(),
                           grounds=service.TERMINATION_GROUNDS,
                           apps={a.id: a for a in _apps_of(service.pending_changes(), service.open_reports())})


def _apps_of(*lists):
    ids = {x.application_id for items in lists for x in items}
    return db.session.scalars(sa.select(Application).where(Application.id.in_(ids))).all() if ids else []


@bp.route("/applications/<int:application_id>/handling")
@console_required(P.view_handling)
def case_handling(application_id):
    staff = me()
    a = service.case_for_staff(staff, application_id)
    cf = service.closing_file(a.id)
    is_lawyer = staff.role == Role.aid_lawyer and a.assigned_lawyer_id == staff.id
    stages = subsidy.stages_for(a.service_type)
    facts = service._facts(a)
    previews = {k: subsidy.compute(a, k, facts) for k in stages}
    docs = service.closing_documents(staff, a)
    missing = documents.backfill_status(a)["missing"] if a.backfill_kinds else []
    return render_template(
        "handling/case.html", a=a, cf=cf, is_lawyer=is_lawyer, is_manager=P.decide_after_assignment.allows(staff),
        changes=service.changes_for(a.id), open_change=service.open_change(a.id), reports=service.reports_for(a.id),
        grounds=service.TERMINATION_GROUNDS, outcomes=OUTCOMES, stages=stages, previews=previews, docs=docs,
        rubric=service.rubric(), quality=service.quality_context(a), archive=service.archive_of(a.id),
        paid=subsidy.for_application(a.id), backfill_missing=missing, yuan=subsidy.yuan, lawyers=_aid_lawyers(a.assigned_lawyer_id),
        deadlines=clocks.deadlines(a), case_letters=letters.list_for(a.id), events=service.progress_of(a.id))


@bp.route("/applications/<int:application_id>/handling/letters/<int:letter_id>")
@console_required(P.view_handling)
def case_letter(application_id, letter_id):
    """A letter of the case as PDF (the lawyer's 指派通知书 and 更换通知 among them); every view audited."""
    a = service.case_for_staff(me(), application_id)
    letter = next((l for l in letters.list_for(a.id) if l.id == letter_id), None)
    if letter is None:
        raise errors.NotFound("未找到该文书")
    data = letters.read_pdf(letter)
    audit("letter.view", actor=me(), object_type="letter", object_id=letter.id)
    db.session.commit()
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=letter-{letter.id}.pdf", "Cache-Control": "no-store"})


@bp.route("/applications/<int:application_id>/handling/progress", methods=["POST"])
@console_required(P.handle_cases)
def case_progress(application_id):
    a = service.case_for_staff(me(), application_id)
    data = form_input(ProgressInput)
    service.add_progress(me(), a, data["note"], data["visible"])
    flash("已记录办理进展" + ("（受援人可见）" if data["visible"] else "（内部）"), "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/upload", methods=["POST"])
@console_required(P.report_as_lawyer)
def case_upload(application_id):
    a = service.case_for_staff(me(), application_id)
    f = request.files.get("file")
    if f is None or not f.filename:
        raise errors.ValidationFailed("请选择要上传的文件", details={"fields": {"file": ["请选择文件"]}})
    documents.upload(me(), a.id, form_input(ClosingDocumentInput)["kind"], f.read(), f.filename)
    flash("已上传法律文书副本", "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/withdrawal", methods=["POST"])
@console_required(P.report_as_lawyer)
def case_withdrawal(application_id):
    a = service.case_for_staff(me(), application_id)
    service.withdraw_as_lawyer(me(), a, form_input(ReasonsInput)["reasons"])
    flash("已提交退出申请，等待中心负责人决定", "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/termination-report", methods=["POST"])
@console_required(P.report_as_lawyer)
def case_termination_report(application_id):
    a = service.case_for_staff(me(), application_id)
    data = form_input(TerminationReportInput)
    service.report_termination(me(), a, data["ground"], data["facts"])
    flash("已报告终止情形，等待中心负责人决定", "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/closing", methods=["POST"])
@console_required(P.report_as_lawyer)
def case_closing(application_id):
    a = service.case_for_staff(me(), application_id)
    _confirmed("提交结案材料")
    service.submit_closing(me(), a, form_input(ClosingInput))
    flash("已提交结案材料，等待中心结案审查", "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/review", methods=["POST"])
@console_required(P.decide_after_assignment)
def case_review(application_id):
    a = service.case_for_staff(me(), application_id)
    _confirmed("作出结案审查结论")
    data = form_input(ReviewInput)
    service.review_closing(me(), a, data["decision"], data["scores"], data.get("reasons"))
    flash("结案审查通过，已结案" if data["decision"] == "accept" else "已退回律师补正", "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/archive", methods=["POST"])
@console_required(P.decide_after_assignment)
def case_archive(application_id):
    a = service.case_for_staff(me(), application_id)
    _confirmed("归档")
    record = service.archive(me(), a)
    flash(f"已归档（SHA-256 {record.sha256[:16]}…）", "ok")
    return _back(a.id)


@bp.route("/applications/<int:application_id>/handling/archive.zip")
@console_required(P.decide_after_assignment)
def case_archive_zip(application_id):
    a = service.case_for_staff(me(), application_id)
    record = service.archive_of(a.id)
    if record is None:
        raise errors.NotFound("本案尚未归档")
    data = service.read_archive(record)
    audit("archive.view", actor=me(), object_type="archive", object_id=record.id)
    db.session.commit()
    return Response(io.BytesIO(data).getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={a.reference}.zip"})


@bp.route("/lawyer-changes/<int:change_id>", methods=["POST"])
@console_required(P.decide_after_assignment)
def change_decision(change_id):
    change = service.get_change(me(), change_id)
    _confirmed("作出决定")
    data = form_input(ChangeDecisionInput)
    approve = data["decision"] == "approve"
    service.decide_change(me(), change, approve, data.get("note"), data.get("lawyer_id"))
    flash("已同意更换法律援助人员，已出具更换通知" if approve else "已决定不予更换", "ok")
    return _back(change.application_id)


@bp.route("/termination-reports/<int:report_id>", methods=["POST"])
@console_required(P.decide_after_assignment)
def report_decision(report_id):
    report = service.get_report(me(), report_id)
    _confirmed("作出决定")
    data = form_input(ReportDecisionInput)
    service.decide_report(me(), report, data["decision"], data)
    flash("已决定终止法律援助，已出具终止决定书" if report.status == "terminated" else "已决定继续援助", "ok")
    return _back(report.application_id)


# --- subsidy batches ---------------------------------------------------------------------------------------

@bp.route("/subsidy")
@console_required(P.manage_subsidies)
def subsidy_batches():
    month = request.args.get("month") or local_today().strftime("%Y-%m")
    try:
        pending = subsidy.unbatched(month)
    except errors.ApiError:
        pending, month = [], local_today().strftime("%Y-%m")
    return render_template("subsidy/batches.html", batches=subsidy.batches(), month=month, pending=pending,
                           yuan=subsidy.yuan)


@bp.route("/subsidy", methods=["POST"])
@console_required(P.manage_subsidies)
def subsidy_create():
    batch = subsidy.create_batch(me(), form_input(BatchInput)["month"])
    flash(f"已生成 {batch.month} 补贴批次（{len(batch.items)} 件，合计 {subsidy.yuan(batch.total_fen)} 元）", "ok")
    return redirect(url_for("console.subsidy_batch", batch_id=batch.id))


@bp.route("/subsidy/<int:batch_id>")
@console_required(P.manage_subsidies)
def subsidy_batch(batch_id):
    batch = subsidy.get_batch(me(), batch_id)
    return render_template("subsidy/batch.html", batch=batch, rows=subsidy.rows(batch), headers=subsidy.HEADERS,
                           yuan=subsidy.yuan)


@bp.route("/subsidy/<int:batch_id>/approve", methods=["POST"])
@console_required(P.manage_subsidies)
def subsidy_approve(batch_id):
    batch = subsidy.get_batch(me(), batch_id)
    _confirmed("审批")
    subsidy.approve_batch(me(), batch)
    flash(f"已审批 {batch.month} 补贴批次", "ok")
    return redirect(url_for("console.subsidy_batch", batch_id=batch.id))


@bp.route("/subsidy/<int:batch_id>/export.<fmt>")
@console_required(P.manage_subsidies)
def subsidy_export(batch_id, fmt):
    body, mime, name = subsidy.export(me(), subsidy.get_batch(me(), batch_id), fmt)
    return Response(body, headers={"Content-Type": mime, "Content-Disposition": f"attachment; filename={name}"})
