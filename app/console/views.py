"""Console pages. Every view declares its roles; objects are checked per object by the casework
service (an aid lawyer sees only assigned cases). Every POST is CSRF-checked."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template, request,
                   url_for)

from app import errors
from app.common.bounds import int_arg
from app.alerts import service as alerts
from app.alerts.models import KIND_LABELS as ALERT_KIND_LABELS
from app.applications.models import CATEGORIES, SERVICE_TYPES, STATUS_LABELS, STATUSES
from app.applications.service import TRANSITIONS
from app.audit import AuditLog, record as audit
from app.auth.models import ROLE_LABELS, STAFF_ROLES, StaffUser
from app.auth.service import authenticate_staff, create_staff
from app.casework import service as casework, sla
from app.common import exports, limits
from app.common.timeutil import LOCAL_TZ, UTC, utcnow
from app.console import auth
from app.console.auth import console_required
from app.console.audit_query import audit_stmt
from app.documents import service as documents
from app.documents.models import KINDS, REJECT_REASONS
from app.extensions import db
from ocr import idnumber

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")

ALL_STAFF = STAFF_ROLES
CASE_ROLES = ("duty_lawyer", "aid_lawyer", "supervisor", "manager")
PAGE_SIZE = 50

WARNING_LABELS = {
    "image_too_small": "照片分辨率过低", "blurred": "照片模糊", "blurry": "照片模糊", "too_dark": "照片过暗",
    "overexposed": "照片过曝", "wrong_kind": "材料类型可能不对", "no_text": "未识别到文字", "expired": "证件已过期",
}
CHECK_LABELS = {
    "id_check_digit": ("身份证号校验位", True), "id_valid": ("身份证号有效", True),
    "birth_date_matches_id": ("出生日期与身份证号一致", True), "sex_matches_id": ("性别与身份证号一致", True),
    "expired": ("证件已过期", False), "not_yet_valid": ("证件尚未生效", False),
}
FIELD_LABELS = {
    "name": "姓名", "sex": "性别", "ethnicity": "民族", "birth_date": "出生日期", "address": "住址",
    "id_number": "公民身份号码", "issuing_authority": "签发机关", "valid_from": "有效期起", "valid_to": "有效期至",
    "relationship": "户主或与户主关系", "former_name": "曾用名", "birth_place": "出生地", "native_place": "籍贯",
    "other_address": "本市（县）其他住址", "religion": "宗教信仰", "height": "身高", "blood_type": "血型",
    "education": "文化程度", "marital_status": "婚姻状况", "veteran_status": "兵役状况", "employer": "服务处所",
    "occupation": "职业", "moved_to_city": "何时由何地迁来本市（县）", "moved_to_address": "何时由何地迁来本址",
    "registration_date": "登记日期", "household_type": "户别", "householder_name": "户主姓名",
    "household_number": "户号", "issue_date": "签发日期",
}
ACTION_ROLES = {name: t.roles for name, t in TRANSITIONS.items()}
EVENT_LABELS = {name: t.label for name, t in TRANSITIONS.items()} | {
    "create": "创建申请", "document_uploaded": "上传材料", "document_verified": "材料审核通过",
    "document_rejected": "材料退回重拍", "progress_note": "办理进展", "home_visit_requested": "申请上门服务",
    "home_visit_scheduled": "安排上门服务", "home_visit_done": "完成上门服务",
}
AUDIT_ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "document_view": "查看材料",
    "document_verify": "材料审核通过", "document_reject": "材料退回", "export": "导出",
    "lawyer_assigned": "指派律师", "application_note": "记录进展", "alert_acknowledge": "确认预警",
    "alert_resolve": "解除预警", "roster_update": "调整名册", "home_visit_request": "申请上门服务",
    "home_visit_schedule": "安排上门服务", "home_visit_done": "完成上门服务", "staff_create": "新建账号",
    "staff_update": "修改账号",
} | {f"application_{k}": f"申请：{v.label}" for k, v in TRANSITIONS.items()}


# --- plumbing -----------------------------------------------------------------------------

@bp.before_request
def _csrf():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        auth.check_csrf()


@bp.after_request
def _headers(resp):
    resp.headers.setdefault("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; "
                            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("Cache-Control", "no-store")
    return resp


@bp.app_template_filter("local")
def _local(value, fmt="%Y-%m-%d %H:%M"):
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL_TZ).strftime(fmt)
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)


@bp.app_template_filter("iso")
def _iso(value):
    return value.astimezone(UTC).isoformat() if isinstance(value, dt.datetime) else ""


@bp.context_processor
def _context():
    user = auth.current_staff()
    return {"me": user, "csrf_token": auth.csrf_token, "ROLE_LABELS": ROLE_LABELS, "KINDS": KINDS,
            "STATUS_LABELS": STATUS_LABELS, "now": utcnow(), "mask_id": idnumber.mask,
            "nav": _nav(user) if user else []}


def _nav(user):
    items = [("console.home", "工作台", ALL_STAFF), ("console.applications", "申请与案件", CASE_ROLES),
             ("console.new_application", "电话受理", ("duty_lawyer",)),
             ("console.home_visits", "上门服务", ("duty_lawyer", "manager", "aid_lawyer")),
             ("console.lawyers", "律师名册", ("manager",)), ("console.alerts_page", "预警", ("manager",)),
             ("console.staff_page", "账号管理", ("admin",)), ("console.audit_page", "审计日志", ("admin",))]
    items += current_app.extensions.get("console_nav", [])  # pages other packages add under /console
    return [(ep, label) for ep, label, roles in items if user.role in roles]


def _error_page(err: errors.ApiError):
    if err.status == 401:
        return redirect(url_for("console.login"))
    if request.method == "POST" and err.status in (400, 409, 413, 422, 429):
        fields = (err.details or {}).get("fields") or {}
        extra = "；".join(f"{'、'.join(v) if isinstance(v, list) else v}" for v in fields.values() if v)
        flash(err.message + (f"（{extra}）" if extra and extra not in err.message else ""), "error")
        return redirect(_back())
    titles = {403: "无权访问", 404: "未找到", 409: "操作冲突"}
    return render_template("console/error.html", status=err.status, title=titles.get(err.status, "出错了"),
                           message=err.message), err.status


@bp.errorhandler(errors.ApiError)
def _api_error(err):
    return _error_page(err)


@bp.errorhandler(413)
def _too_large(err):  # noqa: ARG001
    return _error_page(errors.ApiError("上传内容过大", status=413))


def _back() -> str:
    ref = request.referrer or ""
    host = request.host_url.rstrip("/")
    if ref.startswith(host):
        return auth.safe_next(ref[len(host):], url_for("console.home"))
    return url_for("console.home")


def _me() -> StaffUser:
    return g.console_staff


def _local_datetime(value: str | None, field: str) -> dt.datetime | None:
    """<input type=datetime-local> in Asia/Shanghai → aware UTC."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    except ValueError:
        raise errors.ValidationFailed("时间格式不正确", details={"fields": {field: ["时间格式不正确"]}}) from None


# --- login ------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limits.staff_login_form
def login():
    nxt = auth.safe_next(request.values.get("next"), url_for("console.home"))
    if auth.current_staff() is not None and request.method == "GET":
        return redirect(nxt)
    error = None
    status = 200
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        try:
            if not username or not password:
                raise errors.Unauthorized("请输入用户名和密码")
            user = authenticate_staff(username, password)
        except errors.ApiError as exc:
            db.session.rollback()
            audit("login_failed", object_type="staff_user", details={"channel": "console", "username": username[:64],
                                                                     "reason": exc.code})
            db.session.commit()
            error, status = exc.message, exc.status
        else:
            resp = redirect(nxt)
            auth.start_session(user, resp)
            audit("login", actor=user, object_type="staff_user", object_id=user.id, details={"channel": "console"})
            db.session.commit()
            return resp
    resp = make_response(render_template("console/login.html", error=error, next=nxt), status)
    if not request.cookies.get(auth.LOGIN_CSRF_COOKIE) or "login_csrf" in g:
        resp.set_cookie(auth.LOGIN_CSRF_COOKIE, auth.csrf_token(), max_age=3600, **auth.cookie_kwargs())
    return resp


@bp.route("/logout", methods=["POST"])
def logout():
    user = auth.current_staff()
    resp = redirect(url_for("console.login"))
    if user is not None:
        audit("logout", actor=user, object_type="staff_user", object_id=user.id, details={"channel": "console"})
    auth.end_session(resp)
    db.session.commit()
    return resp


# --- home: the work queues -----------------------------------------------------------------------

@bp.route("/")
@console_required(*ALL_STAFF)
def home():
    me = _me()
    queues = casework.queues_for(me) if me.role in CASE_ROLES else {}
    show_sla = me.role in ("manager", "supervisor", "duty_lawyer")
    return render_template("console/home.html", queues=queues, sla_summary=sla.summary() if show_sla else None,
                           alert_count=alerts.count_active() if me.role == "manager" else None)


# --- applications -----------------------------------------------------------------------------------

@bp.route("/applications")
@console_required(*CASE_ROLES)
def applications():
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:64] or None
    urgent = request.args.get("urgent") == "1"
    page = int_arg(request.args, "page", 1, maximum=100_000)
    stmt = casework.list_stmt(_me(), status=status, q=q, urgent=urgent)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("console/applications.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           status=status, q=q or "", urgent=urgent, statuses=STATUSES)


@bp.route("/applications/new", methods=["GET"])
@console_required("duty_lawyer")
def new_application():
    return render_template("console/new_application.html", categories=CATEGORIES, service_types=SERVICE_TYPES)


@bp.route("/applications", methods=["POST"])
@console_required("duty_lawyer")
def create_application():
    f = request.form
    data = {k: (f.get(k) or "").strip() or None for k in (
        "applicant_name", "phone", "description", "category", "service_type", "id_number", "current_address",
        "urgency_reason", "home_visit_address", "home_visit_reason")}
    deadline = f.get("legal_deadline")
    if deadline:
        try:
            data["legal_deadline"] = dt.date.fromisoformat(deadline)
        except ValueError:
            raise errors.ValidationFailed("法定期限日期格式不正确") from None
    data["home_visit_requested"] = f.get("home_visit_requested") == "1"
    if data["home_visit_requested"] and not data.get("home_visit_address"):
        raise errors.ValidationFailed("申请上门服务请填写上门地址")
    contact = _local_datetime(f.get("first_contact_at"), "first_contact_at")
    app_ = casework.open_for_caller(_me(), data, first_contact_at=contact)
    flash(f"已受理并提交申请 {app_.reference}，请提醒来电人通过小程序补充材料", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>")
@console_required(*CASE_ROLES)
def application_detail(application_id):
    me = _me()
    app_ = casework.get_application(me, application_id)
    docs = documents.list_for_application(me, app_.id)
    actions = [a for a, roles in ACTION_ROLES.items()
               if me.role in roles and app_.status in TRANSITIONS[a].sources and a not in ("submit", "withdraw")]
    suggestions = casework.suggest_lawyers(app_) if "assign" in actions else []
    visit_lawyers = []
    if me.role in ("duty_lawyer", "manager"):
        visit_lawyers = db.session.scalars(sa.select(StaffUser).where(
            StaffUser.role.in_(("aid_lawyer", "duty_lawyer")), StaffUser.is_active.is_(True))
            .order_by(StaffUser.role, StaffUser.full_name)).all()
    return render_template(
        "console/application.html", a=app_, docs=docs, actions=actions, suggestions=suggestions,
        events=casework.timeline(app_), sla_state=sla.state(app_),
        backfill=documents.backfill_status(app_) if app_.backfill_kinds else None,
        present_kinds={d.kind for d in docs if d.status in documents.LIVE},
        visits=casework.visits_for(app_), active_visit=casework.active_visit(app_), visit_lawyers=visit_lawyers,
        service_types=SERVICE_TYPES, event_labels=EVENT_LABELS, transitions=TRANSITIONS,
        reject_reasons=REJECT_REASONS, default_backfill_due=(utcnow() + dt.timedelta(days=3)).astimezone(LOCAL_TZ)
        .strftime("%Y-%m-%dT%H:%M"))


@bp.route("/applications/<int:application_id>/actions/<action>", methods=["POST"])
@console_required("duty_lawyer", "manager", "aid_lawyer")
def application_action(application_id, action):
    me = _me()
    app_ = casework.get_application(me, application_id)
    if action not in TRANSITIONS or action in ("submit", "withdraw"):
        raise errors.NotFound("未知操作")
    f = request.form
    data = {"note": f.get("note"), "reason": f.get("reason"), "outcome": f.get("outcome"),
            "lawyer_id": f.get("lawyer_id"), "backfill_kinds": f.getlist("backfill_kinds"),
            "backfill_due_at": _local_datetime(f.get("backfill_due_at"), "backfill_due_at")}
    casework.act(me, app_, action, data)
    flash(f"已{TRANSITIONS[action].label}：{app_.reference}（当前状态：{app_.status_label}）", "ok")
    if me.role == "aid_lawyer" or action in ("start_review", "request_expedite", "approve_expedite", "approve",
                                             "deny_expedite"):
        return redirect(url_for("console.application_detail", application_id=app_.id))
    return redirect(url_for("console.home"))


@bp.route("/applications/<int:application_id>/notes", methods=["POST"])
@console_required("aid_lawyer", "manager", "duty_lawyer")
def application_note(application_id):
    app_ = casework.get_application(_me(), application_id)
    casework.add_note(_me(), app_, request.form.get("note"))
    flash("已记录办理进展", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>/documents", methods=["POST"])
@console_required("duty_lawyer", "manager")
def upload_document(application_id):
    app_ = casework.get_application(_me(), application_id)
    f = request.files.get("file")
    if f is None or not f.filename:
        raise errors.ValidationFailed("请选择要上传的照片")
    from flask import current_app
    raw = f.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    doc = documents.upload(_me(), app_.id, request.form.get("kind") or "", raw, f.filename)
    flash(f"已上传：{doc.kind_label}", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>/home-visit", methods=["POST"])
@console_required("duty_lawyer", "manager")
def request_home_visit(application_id):
    app_ = casework.get_application(_me(), application_id)
    casework.request_home_visit(_me(), app_, request.form.get("address"), request.form.get("reason"))
    flash("已登记上门服务申请", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/applications/<int:application_id>/home-visit/schedule", methods=["POST"])
@console_required("duty_lawyer", "manager")
def schedule_home_visit(application_id):
    app_ = casework.get_application(_me(), application_id)
    when = _local_datetime(request.form.get("scheduled_at"), "scheduled_at")
    casework.schedule_home_visit(_me(), app_, request.form.get("lawyer_id"), when, request.form.get("note"))
    flash("已安排上门服务", "ok")
    return redirect(url_for("console.application_detail", application_id=app_.id))


@bp.route("/home-visits")
@console_required("duty_lawyer", "manager", "aid_lawyer")
def home_visits():
    show_all = request.args.get("all") == "1"
    visits = db.session.scalars(casework.list_visits_stmt(_me(), active_only=not show_all).limit(200)).all()
    return render_template("console/home_visits.html", visits=visits, show_all=show_all)


@bp.route("/home-visits/<int:visit_id>/complete", methods=["POST"])
@console_required("duty_lawyer", "manager", "aid_lawyer")
def complete_home_visit(visit_id):
    visit = casework.get_visit(_me(), visit_id)
    casework.complete_home_visit(_me(), visit, request.form.get("result_note"))
    flash("已记录上门服务结果", "ok")
    return redirect(_back())


# --- documents ------------------------------------------------------------------------------------

@bp.route("/documents/<int:document_id>")
@console_required(*CASE_ROLES)
def document_detail(document_id):
    me = _me()
    doc = casework.get_document(me, document_id)
    app_ = casework.get_application(me, doc.application_id)
    view = documents.signed_view(me, doc.id)  # writes the audit record
    ocr = doc.ocr_result or {}
    checks = ocr.get("checks") or {}
    failed, passed = [], []
    for key, (label, good) in CHECK_LABELS.items():
        if key in checks and checks[key] is not None:
            (passed if bool(checks[key]) == good else failed).append(label)
    region = checks.get("region") or None
    return render_template("console/document.html", doc=doc, a=app_, url=view["url"], ocr=ocr,
                           fields=(ocr.get("fields") or {}), field_labels=FIELD_LABELS, failed=failed, passed=passed,
                           region=region, warnings=[WARNING_LABELS.get(w, w) for w in doc.warnings],
                           reject_reasons=REJECT_REASONS, can_verify=me.role in ("duty_lawyer", "manager"),
                           next_doc=_next_document(doc))


def _next_document(doc):
    from app.documents.models import Document
    from app.applications.models import Application, FINAL_STATUSES
    return db.session.scalar(sa.select(Document.id).join(Application, Application.id == Document.application_id)
                             .where(Document.status.in_(casework.TO_VERIFY), Document.id != doc.id,
                                    Application.status.not_in(FINAL_STATUSES + ("draft",)))
                             .order_by(Document.id).limit(1))


@bp.route("/documents/<int:document_id>/verify", methods=["POST"])
@console_required("duty_lawyer", "manager")
def verify_document(document_id):
    doc = casework.get_document(_me(), document_id)
    documents.verify(_me(), doc)
    flash(f"已审核通过：{doc.kind_label}", "ok")
    return redirect(url_for("console.application_detail", application_id=doc.application_id))


@bp.route("/documents/<int:document_id>/reject", methods=["POST"])
@console_required("duty_lawyer", "manager")
def reject_document(document_id):
    doc = casework.get_document(_me(), document_id)
    note = (request.form.get("note") or "").strip()[:500] or None
    documents.reject(_me(), doc, request.form.get("reason") or "", note)
    flash(f"已退回：{doc.kind_label}（群众将收到重新拍摄的提示）", "ok")
    return redirect(url_for("console.application_detail", application_id=doc.application_id))


# --- roster ---------------------------------------------------------------------------------------

@bp.route("/lawyers")
@console_required("manager")
def lawyers():
    return render_template("console/lawyers.html", rows=casework.roster())


@bp.route("/lawyers/<int:lawyer_id>/availability", methods=["POST"])
@console_required("manager")
def lawyer_availability(lawyer_id):
    lawyer = casework.set_availability(_me(), lawyer_id, request.form.get("available") == "1")
    flash(f"已将{lawyer.display_name}设为{'可接案' if lawyer.available else '暂停接案'}", "ok")
    return redirect(url_for("console.lawyers"))


# --- alerts ---------------------------------------------------------------------------------------

@bp.route("/alerts")
@console_required("manager")
def alerts_page():
    status = request.args.get("status", "active")
    kind = request.args.get("kind") or None
    rows = db.session.scalars(alerts.list_stmt(status, kind).limit(200)).all()
    return render_template("console/alerts.html", rows=rows, status=status, kind=kind, kinds=ALERT_KIND_LABELS)


@bp.route("/alerts/<int:alert_id>/<op>", methods=["POST"])
@console_required("manager")
def alert_action(alert_id, op):
    alert = alerts.get(alert_id)
    if op == "acknowledge":
        alerts.acknowledge(_me(), alert)
    elif op == "resolve":
        alerts.resolve(_me(), alert)
    else:
        raise errors.NotFound("未知操作")
    flash("预警状态已更新", "ok")
    return redirect(_back())


# --- admin: staff accounts and the audit log ----------------------------------------------------------

@bp.route("/staff")
@console_required("admin")
def staff_page():
    rows = db.session.scalars(sa.select(StaffUser).order_by(StaffUser.role, StaffUser.username)).all()
    return render_template("console/staff.html", rows=rows, roles=STAFF_ROLES, categories=CATEGORIES)


@bp.route("/staff", methods=["POST"])
@console_required("admin")
def staff_create():
    f = request.form
    extra = {}
    if f.get("role") == "aid_lawyer":
        extra = {"specialties": ",".join(f.getlist("specialties")) or None, "region": (f.get("region") or "").strip() or None}
    user = create_staff((f.get("username") or "").strip(), f.get("password") or "", f.get("role") or "",
                        full_name=(f.get("full_name") or "").strip(), staff_no=(f.get("staff_no") or "").strip() or None,
                        **extra)
    audit("staff_create", actor=_me(), object_type="staff_user", object_id=user.id, details={"role": user.role})
    db.session.commit()
    flash(f"已创建账号 {user.username}", "ok")
    return redirect(url_for("console.staff_page"))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@console_required("admin")
def staff_active(user_id):
    user = db.session.get(StaffUser, user_id)
    if user is None:
        raise errors.NotFound("未找到该账号")
    if user.id == _me().id:
        raise errors.Conflict("不能停用自己的账号")
    user.is_active = request.form.get("active") == "1"
    audit("staff_update", actor=_me(), object_type="staff_user", object_id=user.id, details={"is_active": user.is_active})
    db.session.commit()
    flash(f"已{'启用' if user.is_active else '停用'}账号 {user.username}", "ok")
    return redirect(url_for("console.staff_page"))


@bp.route("/audit")
@console_required("admin")
def audit_page():
    page = int_arg(request.args, "page", 1, maximum=100_000)
    stmt = audit_stmt(request.args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    return render_template("console/audit.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           args=request.args, actions=actions, action_labels=AUDIT_ACTION_LABELS)


@bp.route("/audit.csv")
@console_required("admin")
def audit_export():
    rows = db.session.scalars(audit_stmt(request.args).limit(100_000)).all()
    audit("export", actor=_me(), object_type="audit_log",
          details={"rows": len(rows), "filters": {k: v for k, v in request.args.items()}})
    db.session.commit()
    headers = ["时间", "操作人类型", "操作人ID", "操作人", "操作", "对象类型", "对象ID", "IP", "详情"]
    body = exports.csv_bytes([(None, headers, (
        [_local(r.at, "%Y-%m-%d %H:%M:%S"), r.actor_type, r.actor_id or "", r.actor_name or "", r.action,
         r.object_type or "", r.object_id or "", r.ip or "",
         json.dumps(r.details, ensure_ascii=False) if r.details else ""] for r in rows))])
    return exports.download(body, "csv", f"audit-{dt.datetime.now(LOCAL_TZ):%Y%m%d%H%M}.csv")
