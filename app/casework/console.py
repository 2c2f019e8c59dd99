"""Console pages of case handling: the work queues (home), the application list and detail with the
actions the service allows, phone intake, progress notes, home visits and the lawyer roster."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from app import errors
from app.alerts import service as alerts
from app.applications.models import CATEGORIES, SERVICE_TYPES, STATUS_LABELS, STATUSES
from app.applications import actions
from app.audit import AuditLog
from app.auth.models import StaffUser
from app.applications import sla
from app.casework import cases, roster, queues as worklists
from app.casework.schemas import AvailabilityInput, IntakeInput, TransferInput
from app.centres import scope, service as centres
from app.procedure import decisions, flows
from app.procedure.schemas import action_input
from app.visits import schemas as visit_inputs
from app.visits import service as visit_service
from app.common.bounds import int_arg
from app.common.phone import mask as mask_phone
from app.common.timeutil import LOCAL_TZ, local_today, utcnow
from app.console import PAGE_SIZE, add_nav, back, bp, console_required, form_input, me
from app.documents import service as documents
from app.documents.models import KINDS, REJECT_REASONS, TO_VERIFY
from app.extensions import db
from app.common.permissions import P, Role, roles_with
from ocr import idnumber
from app.applications.models import Application
from app.supervision.models import Review, SampleBatch


add_nav(0, "console.home", "工作台", P.use_console)
add_nav(10, "console.applications", "申请与案件", P.view_case)
add_nav(20, "console.new_application", "电话受理", P.take_phone_intake)
add_nav(30, "console.home_visits", "上门服务", P.view_home_visits)
add_nav(40, "console.lawyers", "律师名册", P.manage_roster)


def describe_application(application_id: int) -> dict | None:
    """A callback task about an application, for its page: who to call and on which number."""
    a = db.session.get(Application, application_id)
    if a is None:
        return None
    # the full number only through the audited reveal (`reveal_phone`), as for calls
    return {"kind": "申请", "text": f"申请 {a.reference}", "at": a.submitted_at, "name": a.applicant_name,
            "phone_masked": mask_phone(a.phone) if a.phone else None,
            "reveal_url": url_for("console.reveal_phone", application_id=a.id) if a.phone else None,
            "summary": f"{a.category or '未分类'} · {a.status_label}"
                       + (f" · 承办律师 {a.assigned_lawyer.display_name}" if a.assigned_lawyer else ""),
            "application": {"id": a.id, "reference": a.reference}}



@bp.context_processor
def _labels():
    return {"KINDS": KINDS, "STATUS_LABELS": STATUS_LABELS, "mask_id": idnumber.mask, "mask_phone": mask_phone,
            "can_reveal_phone": lambda: P.reveal_phone.allows(me())}


# Each role's home leads with what is urgent for it: the queues in this order, and above them the items
# that cannot wait (breached or near SLA, overdue backfills and callbacks, legal deadlines within 72 h).
QUEUE_ORDER = {
    Role.manager: ("expedite", "assign", "callbacks", "backfill", "home_visits", "review", "documents"),
    Role.duty_lawyer: ("documents", "repeat_callbacks", "review", "backfill", "home_visits"),
    Role.aid_lawyer: ("my_cases", "home_visits"),
    Role.bureau_reviewer: ("objections",),
    Role.city_manager: ("review", "expedite", "assign", "callbacks", "backfill", "objections", "documents"),
}
QUEUE_PREVIEW = 8  # rows shown per queue on the home
QUEUE_FOLD = 22  # the next rows, folded away under "显示其后 N 项"; all of them on the queue's own pages
QUEUE_PAGE = 100  # rows per page of a queue's own page


def _urgent_now(queues: dict) -> list[dict]:
    seen, out = set(), []
    for key, q in queues.items():
        for it in q["items"]:
            st = (it.get("sla") or {}).get("state")
            hot = it.get("overdue") or st in ("breached", "near") or (
                it["type"] == "objection" and it.get("law_state") in ("near", "overdue")) or (
                it.get("deadline_hours_left") is not None and it["deadline_hours_left"] <= 72
                and it.get("status") not in ("assigned", "in_progress", "closing_review", "closed", "archived"))
            # one row per case (its first queue in this role's order), one per callback task
            mark = ("callback", it["id"]) if it["type"] == "callback" else ("case", it.get("application_id"))
            if hot and mark not in seen and mark[1]:
                seen.add(mark)
                out.append({**it, "queue": q["title"]})
    return sorted(out, key=lambda it: (not it.get("overdue"), it.get("due_at") or worklists.FAR_FUTURE))[:10]


@bp.route("/")
@console_required(P.use_console)
def home():
    staff = me()
    queues = worklists.queues_for(staff, limit=QUEUE_PREVIEW + QUEUE_FOLD)  # only the queues declared for this role
    order = QUEUE_ORDER.get(staff.role)
    if order:
        queues = {k: queues[k] for k in order if k in queues} | {k: v for k, v in queues.items() if k not in order}
    show_sla = staff.role in (Role.manager, Role.supervisor, Role.city_manager)
    extra = {}
    if P.score_calls.allows(staff):
        extra["reviews"] = _supervisor_work()
    if P.view_system_health.allows(staff):
        extra["admin_watch"] = _admin_watch()
    return render_template("casework/home.html", queues=queues, urgent_now=_urgent_now(queues), preview=QUEUE_PREVIEW,
                           fold=QUEUE_FOLD,
                           sla_summary=sla.summary() if show_sla else None,
                           alert_count=alerts.count_active() if P.handle_alerts.allows(staff) else None, **extra)


@bp.route("/queues/<key>")
@console_required(P.use_console)
def queue(key: str):
    """One work queue, a page at a time, in the home's order (urgent first, then the nearest due date)."""
    found = worklists.QUEUE_REGISTRY.get(key)
    if found is None:
        raise errors.NotFound("没有这个工作队列")
    if not found.allows(me()):
        raise errors.Forbidden("当前角色无权访问此页面")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return render_template("casework/queue.html", page=page, page_size=QUEUE_PAGE,
                           q=worklists.queue_for(me(), key, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE))


def _supervisor_work() -> list[dict]:
    """Sample batches with calls still to score, oldest first."""
    rows = db.session.execute(
        sa.select(SampleBatch, sa.func.count(Review.id),
                  sa.func.sum(sa.case((Review.status == "pending", 1), else_=0)))
        .join(Review, Review.sample_id == SampleBatch.id).group_by(SampleBatch.id)
        .order_by(SampleBatch.id.desc()).limit(20)).all()
    return [{"batch": b, "total": n, "pending": int(p or 0)} for b, n, p in rows]


def _admin_watch() -> dict:
    since = utcnow() - dt.timedelta(hours=24)
    failed = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "auth.login_failed", AuditLog.at >= since)) or 0
    locked = db.session.scalars(sa.select(StaffUser).where(StaffUser.locked_until.is_not(None),
                                                           StaffUser.locked_until > utcnow())).all()
    return {"failed_logins": failed, "locked": locked}


@bp.route("/applications")
@console_required(P.view_case)
def applications():
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:64] or None
    urgent = request.args.get("urgent") == "1"
    page = int_arg(request.args, "page", 1, maximum=100_000)
    stmt = cases.list_stmt(me(), status=status, q=q, urgent=urgent)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("casework/applications.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           status=status, q=q or "", urgent=urgent, statuses=STATUSES)


@bp.route("/applications/new", methods=["GET"])
@console_required(P.take_phone_intake)
def new_application():
    return render_template("casework/new_application.html", categories=CATEGORIES, service_types=SERVICE_TYPES,
                           today=local_today().isoformat())


@bp.route("/applications", methods=["POST"])
@console_required(P.take_phone_intake)
def create_application():
    data = form_input(IntakeInput)  # what the staff API takes; the rules are the service's
    contact = data.pop("first_contact_at", None)
    app_ = cases.open_for_caller(me(), data, first_contact_at=contact)
    flash(f"已受理并提交申请 {app_.reference}，请提醒来电人通过小程序补充材料", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>")
@console_required(P.view_case)
def application_detail(application_id):
    staff = me()
    app_ = cases.get_application(staff, application_id)
    docs = documents.list_for_application(staff, app_.id)
    allowed = actions.allowed_actions(staff, app_)
    allowed.sort(key=lambda a: a in DESTRUCTIVE_ACTIONS)  # the main action first, refusals after it
    suggestions = roster.suggest_lawyers(app_) if "assign" in allowed else []
    can_visit = visit_service.can_arrange_home_visit(staff, app_)
    visit_lawyers = []
    if can_visit:
        visit_lawyers = db.session.scalars(sa.select(StaffUser).where(
            StaffUser.role.in_(roles_with(P.do_home_visits)), StaffUser.is_active.is_(True))
            .order_by(StaffUser.role, StaffUser.full_name)).all()
    return render_template(
        "casework/application.html", a=app_, docs=docs, actions=allowed, suggestions=suggestions,
        centre=centres.get(app_.centre_id),
        transfer_to=[c for c in centres.all_centres() if c.id != app_.centre_id]
        if staff.role in flows.TRANSFER_ROLES and app_.status in flows.TRANSFERABLE else [],
        can_upload=documents.can_upload(staff, app_), can_visit=can_visit,
        can_note=actions.can(staff.role, "progress_note", app_.status),
        to_review={d.id for d in docs if d.status in TO_VERIFY and "verify" in documents.allowed_actions(staff, d)},
        can_complete_visit=lambda v: visit_service.can_complete_home_visit(staff, v),
        events=cases.timeline(app_), sla_state=sla.state(app_),
        backfill=documents.backfill_status(app_) if app_.backfill_kinds else None,
        present_kinds={d.kind for d in docs if d.status in documents.LIVE},
        visits=visit_service.visits_for(app_), active_visit=visit_service.active_visit(app_), visit_lawyers=visit_lawyers,
        service_types=SERVICE_TYPES, event_labels=actions.EVENT_LABELS, transitions=actions.ACTIONS,
        destructive=DESTRUCTIVE_ACTIONS, irreversible=IRREVERSIBLE_ACTIONS, left_undone=decisions.left_undone(app_, docs),
        reject_reasons=REJECT_REASONS, default_backfill_due=(utcnow() + dt.timedelta(days=3)).astimezone(LOCAL_TZ)
        .strftime("%Y-%m-%dT%H:%M"))


ACTING = tuple(dict.fromkeys(actions.ACTIONS[n].permission for n in actions.STAFF_TRANSITIONS))  # who may act on a case
EXPEDITE_DECIDER = "。是否先行提供法律援助由中心主任决定，决定后将在工作台和案件页显示"
DESTRUCTIVE_ACTIONS = tuple(name for name, a in actions.ACTIONS.items() if a.danger)
# decisions that cannot be taken back (a letter goes out): they ask for confirmation too
IRREVERSIBLE_ACTIONS = ("approve", "reject", "approve_expedite", "deny_expedite", "assign", "terminate", "close")


@bp.route("/applications/<int:application_id>/actions/<action>", methods=["POST"])
@console_required(*ACTING)
def application_action(application_id, action):
    staff = me()
    app_ = cases.get_application(staff, application_id)
    if action not in actions.STAFF_TRANSITIONS:
        raise errors.NotFound("未知操作")
    cases.act(staff, app_, action, form_input(action_input(action)))  # the API's schema, the same rules
    flash(f"已{actions.ACTIONS[action].label}：{app_.reference}（当前状态：{app_.status_label}）"
          + (EXPEDITE_DECIDER if action == "request_expedite" else ""), "ok")
    if P.work_case.allows(staff) or action in ("start_review", "request_expedite", "approve_expedite", "approve",
                                             "deny_expedite"):
        return redirect(url_for("console.application_detail", application_id=app_.id))
    return redirect(url_for("console.home"))


@bp.route("/applications/<int:application_id>/transfer", methods=["POST"])
@console_required(flows.TRANSFER_ROLES)
def application_transfer(application_id):
    """移送 (Art. 38), confirmed on the page; afterwards the sender no longer finds the application."""
    staff = me()
    app_ = cases.get_application(staff, application_id)
    data = form_input(TransferInput)
    out = flows.transfer(staff, app_, data["centre"], data["reason"])
    flash(f"已将申请 {out['reference']} 移送{out['centre']['name']}", "ok")
    if staff.role in scope.CITY_LEVEL:
        return redirect(url_for("console.application_detail", application_id=out["id"]))
    return redirect(url_for("console.home"))


@bp.route("/applications/<int:application_id>/phone", methods=["POST"])
@console_required(P.reveal_phone)
def reveal_phone(application_id):
    """The applicant's full number on its own page (never in a list, a cookie or a URL); each view audited."""
    app_ = cases.reveal_phone(me(), application_id)
    back_to = request.form.get("back") or ""
    if not back_to.startswith("/console/"):
        back_to = url_for("console.application_detail", application_id=app_.id)
    return render_template("console/number.html", number={"caller": app_.phone}, back_to=back_to,
                           title="联系电话", who=f"{app_.applicant_name or ''} · 申请 {app_.reference}")


@bp.route("/applications/<int:application_id>/notes", methods=["POST"])
@console_required(actions.ACTIONS["progress_note"].permission)
def application_note(application_id):
    app_ = cases.get_application(me(), application_id)
    cases.add_note(me(), app_, form_input(actions.ACTIONS["progress_note"].input)["note"])
    flash("已记录办理进展", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>/home-visit", methods=["POST"])
@console_required(P.arrange_home_visits)
def request_home_visit(application_id):
    app_ = cases.get_application(me(), application_id)
    f = form_input(visit_inputs.HomeVisitRequestInput)
    visit_service.request_home_visit(me(), app_, f["address"], f["reason"])
    flash("已登记上门服务申请", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>/home-visit/schedule", methods=["POST"])
@console_required(P.arrange_home_visits)
def schedule_home_visit(application_id):
    app_ = cases.get_application(me(), application_id)
    f = form_input(visit_inputs.HomeVisitScheduleInput)
    visit_service.schedule_home_visit(me(), app_, f["lawyer_id"], f["scheduled_at"], f["note"])
    flash("已安排上门服务", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/home-visits")
@console_required(P.view_home_visits)
def home_visits():
    show_all = request.args.get("all") == "1"
    visits = db.session.scalars(visit_service.list_visits_stmt(me(), active_only=not show_all).limit(200)).all()
    staff = me()
    return render_template("casework/home_visits.html", visits=visits, show_all=show_all,
                           requests=visit_service.pending_visit_requests(staff),
                           can_complete_visit=lambda v: visit_service.can_complete_home_visit(staff, v))


@bp.route("/home-visits/<int:visit_id>/complete", methods=["POST"])
@console_required(P.view_home_visits)
def complete_home_visit(visit_id):
    visit = visit_service.get_visit(me(), visit_id)
    visit_service.complete_home_visit(me(), visit, form_input(visit_inputs.HomeVisitCompleteInput)["result_note"])
    flash("已记录上门服务结果", "ok")
    return redirect(back())


@bp.route("/lawyers")
@console_required(P.manage_roster)
def lawyers():
    return render_template("casework/lawyers.html", rows=roster.roster())


@bp.route("/lawyers/<int:lawyer_id>/availability", methods=["POST"])
@console_required(P.manage_roster)
def lawyer_availability(lawyer_id):
    lawyer = roster.set_availability(me(), lawyer_id, form_input(AvailabilityInput)["available"])
    flash(f"已将{lawyer.display_name}设为{'可接案' if lawyer.available else '暂停接案'}", "ok")
    return redirect(url_for("console.lawyers"))


