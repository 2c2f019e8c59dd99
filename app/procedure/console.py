"""Console pages of the procedure (server-rendered on the console's session and CSRF): the review desk
(clock, the screen's basis, documents, decide / notice / 先行提供 / terminate), the notice composer,
the letters tab of a case, and the justice bureau reviewer's objection desk. A form that fails keeps
what was typed: the page is rendered again with the error and the values."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import storage
from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from app import errors
from app.applications.models import Application
from app.applications import actions
from app.applications.service import TRANSITIONS
from app.audit import record as audit
from app.common.timeutil import local_today
from app.console import add_nav, bp, console_required, form_input, keep_form_state
from app.documents import service as documents
from app.documents.models import Document
from app.extensions import db
from app.common.permissions import P
from app.storage_bridge import get_storage
from app.procedure import cases, clocks, decisions, delivery, eligibility, flows, law, letters, notices, screen
from app.procedure import objections as objections_
from app.procedure.models import ApplicationProcedure, Letter, Objection, read_state
from app.procedure.delivery_routes import RecordInput
from app.procedure.schemas import (ExplanationInput, NoteInput, NoticeInput, ObjectionDecisionInput, OverrideInput,
                                   ReceiveInput, action_input)

add_nav(15, "console.review_queue", "审查台", P.view_review_desk)
add_nav(16, "console.objections", "异议审查", P.view_objections)


@bp.context_processor
def _procedure_context():
    def admin_warnings():
        # the calendar's Mon–Fri fallback, shown to the admin on every console page
        me = g.get("console_staff")
        return clocks.calendar_warnings() + clocks.settings_warnings() if me is not None and P.view_system_health.allows(me) else []

    def procedure_links(a):
        # the case page's statutory deadlines and the way to the review desk and the letters tab
        from markupsafe import Markup
        return Markup(render_template("procedure/_case_links.html", a=a, deadlines=clocks.deadlines(a),
                                      due_state=clocks.due_state, n_letters=len(letters.list_for(a.id))))

    return {"admin_warnings": admin_warnings, "procedure_law": law, "procedure_links": procedure_links,
            "due_labels": clocks.DUE_LABELS,
            "expedite_applicable": decisions.expedite_grounds_applicable}


def _me():
    return g.console_staff


# --- review queue and desk -------------------------------------------------------------------------------

@bp.route("/review")
@console_required(P.view_review_desk)
def review_queue():
    """Open reviews, nearest statutory deadline first, coloured by how close it is."""
    apps = db.session.scalars(sa.select(Application)
                              .outerjoin(ApplicationProcedure, ApplicationProcedure.application_id == Application.id)
                              .where(Application.status.in_(clocks.REVIEW_STATES + ("approved",)),
                                     ApplicationProcedure.decision.is_(None) | Application.status.in_(("approved",)))).all()
    today = local_today()
    found = clocks.deadlines_many(apps)
    rows = []
    for a in apps:
        d = found[a.id]
        due = clocks.nearest_due(d)
        rows.append({"a": a, "deadlines": d, "due": due, "state": clocks.due_state(due, today)})
    far = dt.date.max
    rows.sort(key=lambda r: (not r["a"].is_urgent, r["due"] or far, r["a"].id))
    return render_template("procedure/review_queue.html", rows=rows, today=today)


def _desk(app_: Application, *, error: str | None = None, form: dict | None = None, which: str | None = None,
          status: int = 200):
    ps = read_state(app_)
    me = _me()
    docs = documents.list_for_application(me, app_.id)
    d = clocks.deadlines(app_)
    desk_actions = [a for a in decisions.DESK_ACTIONS if actions.can(me.role, a, app_.status)]
    can_notice = P.review_case.allows(me) and app_.status in clocks.NOTICE_STATES and not notices.notices_for(app_.id)
    return render_template(
        "procedure/desk.html", a=app_, ps=ps, docs=docs, deadlines=d, due_state=clocks.due_state,
        screen=screen.screen_answer(app_), notices=notices.notices_for(app_.id), notice=notices.open_notice(app_.id),
        checklist=notices.checklist_for(app_), letters=letters.list_for(app_.id), objections=objections_.objections_for(app_.id),
        desk_actions=desk_actions, can_notice=can_notice,
        can_explain=P.request_explanation.allows(me) and app_.status in clocks.NOTICE_STATES, transitions=TRANSITIONS, law=law,
        result_labels=eligibility.RESULT_LABELS, means_labels=eligibility.MEANS_TEST_LABELS,
        expedite_applicable=decisions.expedite_grounds_applicable(app_), left_undone=decisions.left_undone(app_),
        can_override=P.review_case.allows(me), can_confirm=(P.decide_case.allows(me) and ps.expedite_ground
                                                           and ps.decision is None
                                                           and app_.status in ("expedite_approved", "assigned", "in_progress")),
        default_due=(local_today() + dt.timedelta(days=15)).isoformat(), today=local_today(),
        error=error, form=form or {}, which=which), status


@bp.route("/review/<int:application_id>")
@console_required(P.view_case)
def review_desk(application_id):
    return _desk(cases.staff_application(_me(), application_id))


def _typed() -> dict:
    """What was typed, only to show it again after a refusal (the input itself is loaded by `form_input`
    with the API's schema)."""
    f = request.form
    return {**{k: f.get(k) for k in f if k != "csrf_token"}, "grounds": f.getlist("grounds"), "items": f.getlist("items")}


def _retry(app_, exc: errors.ApiError, which: str):
    """Render the desk again with what was typed and each message at its field (no redirect: nothing is
    lost)."""
    db.session.rollback()
    app_ = db.session.get(Application, app_.id)
    keep_form_state(exc)
    return _desk(app_, form=_typed(), which=which, status=exc.status)


def _desk_post(app_, which: str, act, done: str):
    """Run one desk action: on success back to the desk with `done`; a refusal (422/409) renders the
    desk again with the message and what was typed; 403/404 propagate."""
    try:
        act()
    except errors.ApiError as exc:
        if exc.status in (403, 404):
            raise
        return _retry(app_, exc, which)
    flash(done() if callable(done) else done, "ok")
    return redirect(url_for("console.review_desk", application_id=app_.id))


@bp.route("/review/<int:application_id>/decide/<action>", methods=["POST"])
@console_required(P.review_case)
def review_decide(application_id, action):
    app_ = cases.staff_application(_me(), application_id)
    if action not in decisions.DESK_ACTIONS:
        abort(404)
    return _desk_post(app_, action, lambda: flows.desk_decision(_me(), app_, action, form_input(action_input(action))),
                      lambda: f"已{TRANSITIONS[action].label}：{app_.reference}（当前状态：{app_.status_label}）"
                      + ("。是否先行提供法律援助由中心主任决定" if action == "request_expedite" else ""))


@bp.route("/review/<int:application_id>/notice", methods=["POST"])
@console_required(P.review_case)
def review_notice(application_id):
    app_ = cases.staff_application(_me(), application_id)

    def issue():
        data = form_input(NoticeInput)
        flows.notice(_me(), app_, data["items"], data.get("due_date"), data.get("note"), days=data.get("days"))
    return _desk_post(app_, "notice", issue, "已发出补充材料通知书（一次性告知），审查期限暂停计算")


@bp.route("/review/<int:application_id>/explanation", methods=["POST"])
@console_required(P.request_explanation)
def review_explanation(application_id):
    app_ = cases.staff_application(_me(), application_id)
    return _desk_post(app_, "explanation", lambda: flows.explanation_requested(
        _me(), app_, form_input(ExplanationInput)["note"]), "已要求申请人补充说明（审查期限照常计算）")


@bp.route("/review/<int:application_id>/receive", methods=["POST"])
@console_required(P.review_case)
def review_receive(application_id):
    app_ = cases.staff_application(_me(), application_id)
    return _desk_post(app_, "receive", lambda: notices.receive_items(_me(), app_, form_input(ReceiveInput)["items"]),
                      "已登记收到的材料")


@bp.route("/review/<int:application_id>/override", methods=["POST"])
@console_required(P.review_case)
def review_override(application_id):
    app_ = cases.staff_application(_me(), application_id)
    def override():
        data = form_input(OverrideInput)
        screen.override_screen(_me(), app_, data["result"], data["reason"])
    return _desk_post(app_, "override", override, "已调整资格审查结果（已记入审计日志）")


@bp.route("/review/<int:application_id>/grant-after-expedite", methods=["POST"])
@console_required(P.decide_case)
def review_grant_after_expedite(application_id):
    app_ = cases.staff_application(_me(), application_id)
    return _desk_post(app_, "confirm", lambda: flows.grant_after_expedite(_me(), app_, form_input(NoteInput).get("note")),
                      "已作出给予法律援助决定")


# --- letters --------------------------------------------------------------------------------------------------

def _letters_page(app_, *, error=None, form=None, status=200):
    return render_template("procedure/letters.html", a=app_, letters=letters.list_for(app_.id),
                           deliveries=delivery.for_application(app_.id), ways=delivery.WAYS,
                           channels=delivery.CHANNELS, can_record=P.record_delivery.allows(_me()),
                           error=error, form=form or {}, today=local_today()), status


@bp.route("/applications/<int:application_id>/letters")
@console_required(P.view_case)
def letters_tab(application_id):
    app_ = cases.staff_application(_me(), application_id)
    return _letters_page(app_)


@bp.route("/applications/<int:application_id>/letters/<int:letter_id>/delivery", methods=["POST"])
@console_required(P.record_delivery)
def record_letter_delivery(application_id, letter_id):
    """送达回证: staff record a delivery by post or in person (the date and the way), after a confirmation."""
    app_ = cases.staff_application(_me(), application_id)
    letter = db.session.scalar(sa.select(Letter).where(Letter.id == letter_id, Letter.application_id == app_.id))
    if letter is None:
        abort(404)
    try:
        data = form_input(RecordInput)
        delivery.record_by_staff(_me(), app_, letter, data["way"], data["date"], data.get("note"))
    except errors.ApiError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        keep_form_state(exc)
        return _letters_page(app_, error=exc.message, form={**_typed(), "letter_id": letter_id}, status=exc.status)
    flash(f"已登记送达：{letter.kind_label}（{letter.number}）", "ok")
    return redirect(url_for("console.letters_tab", application_id=app_.id))


@bp.route("/letters/<int:letter_id>")
@console_required(P.view_case, P.view_objections)
def open_letter(letter_id):
    """The PDF (its SHA-256 checked), each opening audited."""
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    me = _me()
    if not P.view_case.allows(me):
        # the bureau sees the letters of applications with an objection
        if not db.session.scalar(sa.select(Objection.id).where(Objection.application_id == letter.application_id)):
            raise errors.NotFound("未找到该文书")
    else:
        cases.staff_application(me, letter.application_id)
    audit("letter.view", actor=me, object_type="letter", object_id=letter.id,
          details={"application_id": letter.application_id, "number": letter.number})
    db.session.commit()
    resp = Response(letters.read_pdf(letter), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"inline; filename=letter-{letter.id}.pdf"
    return resp


# --- the bureau's objection desk --------------------------------------------------------------------------------

@bp.route("/objections")
@console_required(P.view_objections)
def objections():
    status = request.args.get("status", "open")
    if status not in ("open", "upheld", "corrected", "all"):
        status = "open"
    rows = db.session.scalars(objections_.objections_stmt(_me(), None if status == "all" else status).limit(300)).all()
    apps = {a.id: a for a in db.session.scalars(sa.select(Application).where(
        Application.id.in_([o.application_id for o in rows] or [0])))}
    return render_template("procedure/objections.html", rows=rows, apps=apps, status=status,
                           due_state=clocks.due_state)


def _objection_photos(obj: Objection) -> list[dict]:
    """The photos the citizen attached, as short-lived links; each one shown is audited as a view."""
    if not obj.document_ids:
        return []
    docs = db.session.scalars(sa.select(Document).where(Document.id.in_(obj.document_ids),
                                                        Document.application_id == obj.application_id)).all()
    out = []
    for doc in docs:
        try:
            url = get_storage().signed_url(doc.storage_key, expires=current_app.config["SIGNED_URL_TTL"])
        except storage.StorageError:
            continue
        audit("document.view", actor=_me(), object_type="document", object_id=doc.id,
              details={"application_id": doc.application_id, "kind": doc.kind, "objection_id": obj.id})
        out.append({"id": doc.id, "url": url, "label": doc.kind_label})
    db.session.commit()
    return out


def _objection_page(obj: Objection, *, error=None, form=None, status=200):
    app_ = db.session.get(Application, obj.application_id)
    return render_template("procedure/objection.html", o=obj, a=app_, letters=letters.list_for(app_.id),
                           photos=_objection_photos(obj),
                           event_labels=actions.EVENT_LABELS,
                           events=cases.events_for(app_.id), due_state=clocks.due_state,
                           screen=screen.screen_answer(app_), error=error, form=form or {},
                           can_decide=P.decide_objection.allows(_me()) and obj.status == "open"), status


@bp.route("/objections/<int:objection_id>")
@console_required(P.view_objections)
def objection(objection_id):
    return _objection_page(objections_.get_objection(_me(), objection_id))


@bp.route("/objections/<int:objection_id>/decide", methods=["POST"])
@console_required(P.decide_objection)
def decide_objection(objection_id):
    obj = objections_.get_objection(_me(), objection_id)
    try:
        data = form_input(ObjectionDecisionInput)
        flows.objection_decided(_me(), obj, data["decision"], data["note"])
    except errors.ApiError as exc:
        if exc.status in (403, 404):
            raise
        db.session.rollback()
        obj = objections_.get_objection(_me(), objection_id)
        keep_form_state(exc)
        return _objection_page(obj, form=_typed(), status=exc.status)
    flash("已作出决定：" + obj.status_label + "，已通知申请人", "ok")
    return redirect(url_for("console.objection", objection_id=obj.id))
