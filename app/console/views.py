"""Console pages. Every view declares its roles; objects are checked per object by the casework
service (an aid lawyer sees only assigned cases). Every POST is CSRF-checked."""
from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa
from flask import (Blueprint, current_app, Response, flash, g, make_response, redirect, render_template, request,
                   url_for)

from app import errors
from app.alerts import service as alerts
from app.alerts.models import KIND_LABELS as ALERT_KIND_LABELS
from app.applications.models import CATEGORIES, SERVICE_TYPES, STATUS_LABELS, STATUSES
from app.applications.service import TRANSITIONS
from app.audit import AuditLog, record as audit
from app.auth.models import ROLE_LABELS, STAFF_ROLES, StaffUser
from app.auth.service import authenticate_staff, create_staff
from app.casework import service as casework, sla
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
# Each check shown by its outcome: (key, the good value, words when good, words when not).
CHECKS = (
    ("id_check_digit", True, "身份证号校验位正确", "身份证号校验位错误"),
    ("id_valid", True, "身份证号有效", "身份证号无效（地区码或出生日期不合规）"),
    ("birth_date_matches_id", True, "出生日期与身份证号一致", "出生日期与身份证号不一致"),
    ("sex_matches_id", True, "性别与身份证号一致", "性别与身份证号不一致"),
    ("expired", False, "在有效期内", "已过期"),
    ("not_yet_valid", False, "已生效", "尚未生效"),
)


def check_outcomes(ocr: dict) -> list[dict]:
    """The OCR checks of a document as outcomes in words, failures first: [{"ok", "text"}]."""
    checks = ocr.get("checks") or {}
    fields = ocr.get("fields") or {}
    valid_to = (fields.get("valid_to") or {}).get("value")
    valid_from = (fields.get("valid_from") or {}).get("value")
    out = []
    for key, good, yes, no in CHECKS:
        if checks.get(key) is None:
            continue
        ok = bool(checks[key]) == good
        text = yes if ok else no
        if key == "expired" and valid_to:
            text += "（长期有效）" if valid_to == "长期" else f"（有效期至 {valid_to}）"
        if key == "not_yet_valid" and valid_from:
            text += f"（自 {valid_from} 起）"
        out.append({"ok": ok, "text": text})
    if checks.get("id_corrected"):
        out.append({"ok": None, "text": "身份证号经校验位纠正识别，请与照片核对"})
    return sorted(out, key=lambda c: {False: 0, None: 1, True: 2}[c["ok"]])


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
    "staff_update": "修改账号", "consultation.create": "登记来电",
    "consultation.update": "修改来电", "consultation.reveal_number": "查看完整号码", "consultation.recording_view": "收听录音",
    "calls.import": "导入话单", "callback.attempt": "记录回访", "callback.satisfied": "回访：群众满意",
    "callback.escalated": "回访：升级处理", "supervision.sample": "抽检抽样", "supervision.score": "抽检评分",
    "analytics.export": "导出数据分析",
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
            "nav": _nav(user) if user else [], "form_state": g.get("form_state")}


def _nav(user):
    items = [("console.home", "工作台", ALL_STAFF), ("console.applications", "申请与案件", CASE_ROLES),
             ("console.new_application", "电话受理", ("duty_lawyer",)),
             ("console.home_visits", "上门服务", ("duty_lawyer", "manager", "aid_lawyer")),
             ("console.lawyers", "律师名册", ("manager",)), ("console.alerts_page", "预警", ("manager",)),
             ("console.staff_page", "账号管理", ("admin",)), ("console.audit_page", "审计日志", ("admin",))]
    items += current_app.extensions.get("console_nav", [])  # pages other packages add under /console
    return [(ep, label) for ep, label, roles in items if user.role in roles]


FORM_ERROR_STATUSES = (400, 409, 413, 422, 429)
SECRET_FIELDS = ("csrf_token", "password", "new_password")


def _error_page(err: errors.ApiError):
    if err.status == 401:
        return redirect(url_for("console.login"))
    if request.method == "POST" and err.status in FORM_ERROR_STATUSES:
        again = _form_again(err)
        if again is not None:
            return again
        fields = (err.details or {}).get("fields") or {}
        extra = "；".join(f"{'、'.join(v) if isinstance(v, list) else v}" for v in fields.values() if v)
        flash(err.message + (f"（{extra}）" if extra and extra not in err.message else ""), "error")
        return redirect(_back())
    titles = {403: "无权访问", 404: "未找到", 409: "操作冲突"}
    return render_template("console/error.html", status=err.status, title=titles.get(err.status, "出错了"),
                           message=err.message), err.status


def _form_again(err: errors.ApiError):
    """A refused form comes back as the page it was sent from, with what was typed and each message at
    its field (console.js fills the form from `form_state`), answered with the error's status.
    Nothing is stored: the page is rendered again in this request from the form just posted."""
    back = _back_path()
    if back is None:
        return None
    db.session.rollback()  # nothing of the refused change may be flushed by the page's queries
    fields = (err.details or {}).get("fields") or {}
    values = {k: [v[:5000] for v in request.form.getlist(k)] for k in request.form if k not in SECRET_FIELDS}
    g.form_state = {"action": request.path, "message": err.message, "values": values,
                    "errors": {k: v for k, v in fields.items() if v}}
    path, _, query = back.partition("?")
    environ = dict(request.environ)
    environ.update({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "CONTENT_LENGTH": "0",
                    "CONTENT_TYPE": "", "wsgi.input": io.BytesIO(b"")})
    with current_app.request_context(environ):
        try:
            resp = current_app.full_dispatch_request()
        except Exception:  # noqa: BLE001 — the page itself failed: fall back to the redirect with a message
            current_app.logger.exception("re-rendering %s after a refused form failed", path)
            return None
    if resp.status_code != 200 or not (resp.mimetype or "").startswith("text/html"):
        return None
    resp.status_code = err.status
    return resp


def _back_path() -> str | None:
    """The console page the form was posted from (same host, under /console, not the POST target)."""
    ref = request.referrer or ""
    host = request.host_url.rstrip("/")
    if not ref.startswith(host + "/"):
        return None
    path = auth.safe_next(ref[len(host):], "")
    return path or None


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
def login():
    nxt = auth.safe_next(request.values.get("next"), url_for("console.home"))
    if auth.current_staff() is not None and request.method == "GET":
        return redirect(nxt)
    error = None
    status = 200
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
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
    resp = make_response(render_template("console/login.html", error=error, next=nxt, username=username), status)
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

# Each role's home leads with what is urgent for it: the queues in this order, and above them the items
# that cannot wait (breached or near SLA, overdue backfills and callbacks, legal deadlines within 72 h).
QUEUE_ORDER = {
    "manager": ("expedite", "assign", "callbacks", "backfill", "home_visits", "review", "documents"),
    "duty_lawyer": ("documents", "review", "backfill", "home_visits"),
    "aid_lawyer": ("my_cases", "home_visits"),
}
QUEUE_PREVIEW = 8  # rows shown per queue; the rest folds away under "显示其余 N 项"


def _urgent_now(queues: dict) -> list[dict]:
    seen, out = set(), []
    for key, q in queues.items():
        for it in q["items"]:
            st = (it.get("sla") or {}).get("state")
            hot = it.get("overdue") or st in ("breached", "near") or (
                it.get("deadline_hours_left") is not None and it["deadline_hours_left"] <= 72
                and it.get("status") not in ("assigned", "in_progress", "closed"))
            mark = (it["type"], it["id"])
            if hot and mark not in seen and (it.get("application_id") or it["type"] == "callback"):
                seen.add(mark)
                out.append({**it, "queue": q["title"]})
    return sorted(out, key=lambda it: (not it.get("overdue"), it.get("due_at") or casework.FAR_FUTURE))[:10]


@bp.route("/")
@console_required(*ALL_STAFF)
def home():
    me = _me()
    queues = casework.queues_for(me) if me.role in CASE_ROLES else {}
    order = QUEUE_ORDER.get(me.role)
    if order:
        queues = {k: queues[k] for k in order if k in queues} | {k: v for k, v in queues.items() if k not in order}
    show_sla = me.role in ("manager", "supervisor")
    extra = {}
    if me.role == "supervisor":
        extra["reviews"] = _supervisor_work()
    if me.role == "admin":
        extra["admin"] = _admin_watch()
    return render_template("console/home.html", queues=queues, urgent_now=_urgent_now(queues), preview=QUEUE_PREVIEW,
                           sla_summary=sla.summary() if show_sla else None,
                           alert_count=alerts.count_active() if me.role == "manager" else None, **extra)


def _supervisor_work() -> list[dict]:
    """Sample batches with calls still to score, oldest first."""
    from app.supervision.models import Review, SampleBatch
    rows = db.session.execute(
        sa.select(SampleBatch, sa.func.count(Review.id),
                  sa.func.sum(sa.case((Review.status == "pending", 1), else_=0)))
        .join(Review, Review.sample_id == SampleBatch.id).group_by(SampleBatch.id)
        .order_by(SampleBatch.id.desc()).limit(20)).all()
    return [{"batch": b, "total": n, "pending": int(p or 0)} for b, n, p in rows]


def _admin_watch() -> dict:
    since = utcnow() - dt.timedelta(hours=24)
    failed = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "login_failed", AuditLog.at >= since)) or 0
    locked = db.session.scalars(sa.select(StaffUser).where(StaffUser.locked_until.is_not(None),
                                                           StaffUser.locked_until > utcnow())).all()
    return {"failed_logins": failed, "locked": locked}


# --- applications -----------------------------------------------------------------------------------

@bp.route("/applications")
@console_required(*CASE_ROLES)
def applications():
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    q = (request.args.get("q") or "").strip()[:64] or None
    urgent = request.args.get("urgent") == "1"
    page = max(1, request.args.get("page", 1, type=int) or 1)
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
    actions.sort(key=lambda a: a in DESTRUCTIVE_ACTIONS)  # the main action first, refusals after it
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
        destructive=DESTRUCTIVE_ACTIONS, left_undone=_left_undone(app_, docs),
        reject_reasons=REJECT_REASONS, default_backfill_due=(utcnow() + dt.timedelta(days=3)).astimezone(LOCAL_TZ)
        .strftime("%Y-%m-%dT%H:%M"))


DESTRUCTIVE_ACTIONS = ("reject", "deny_expedite")


def _left_undone(app_, docs=None) -> dict[str, str]:
    """Actions that would leave work undone, with what: they ask for an explicit confirmation."""
    out = {}
    if app_.backfill_kinds:
        missing = documents.backfill_status(app_)["missing"]
        if missing:
            labels = "、".join(m["label"] for m in missing)
            out["close"] = f"尚有 {len(missing)} 项补交材料未交（{labels}），结案后将不再跟踪补交"
    docs = docs if docs is not None else documents.list_for_application(g.console_staff, app_.id)
    live = {d.kind for d in docs if d.status in documents.LIVE}
    reshoot = sorted({d.kind_label for d in docs if d.status == "rejected" and d.kind not in live})
    if reshoot:
        text = f"材料「{'、'.join(reshoot)}」已退回重拍，群众尚未重新上传"
        for action in ("approve", "approve_expedite"):
            out[action] = text
    return out


@bp.route("/applications/<int:application_id>/actions/<action>", methods=["POST"])
@console_required("duty_lawyer", "manager", "aid_lawyer")
def application_action(application_id, action):
    me = _me()
    app_ = casework.get_application(me, application_id)
    if action not in TRANSITIONS or action in ("submit", "withdraw"):
        raise errors.NotFound("未知操作")
    f = request.form
    undone = _left_undone(app_).get(action)
    if undone and f.get("confirm_incomplete") != "1":
        raise errors.ValidationFailed(undone, details={"fields": {"confirm_incomplete": ["请确认后再提交"]}})
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
    region = checks.get("region") or None
    return render_template("console/document.html", doc=doc, a=app_, url=view["url"], ocr=ocr,
                           fields=(ocr.get("fields") or {}), field_labels=FIELD_LABELS, checks=check_outcomes(ocr),
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
    page = max(1, request.args.get("page", 1, type=int) or 1)
    stmt = audit_stmt(request.args)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(sa.select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    from app import audit_text
    names = audit_text.Names(rows)
    entries = [{"r": r, "who": audit_text.actor(r, names), "object": audit_text.obj(r, names),
                "sentence": audit_text.sentence(r, names, AUDIT_ACTION_LABELS)} for r in rows]
    return render_template("console/audit.html", entries=entries, total=total, page=page, page_size=PAGE_SIZE,
                           args=request.args, actions=actions, action_labels=AUDIT_ACTION_LABELS,
                           object_types=audit_text.OBJECT_NOUNS)


def _cell(value: str) -> str:
    """A spreadsheet must not run what a user typed: text starting like a formula is quoted."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.route("/audit.csv")
@console_required("admin")
def audit_export():
    rows = db.session.scalars(audit_stmt(request.args).limit(100_000)).all()
    audit("export", actor=_me(), object_type="audit_log",
          details={"rows": len(rows), "filters": {k: v for k, v in request.args.items()}})
    db.session.commit()
    from app import audit_text
    out = io.StringIO()
    out.write("\ufeff")  # Excel on Chinese Windows opens UTF-8 with a BOM
    w = csv.writer(out)
    w.writerow(["时间", "记录", "操作人", "操作", "对象", "说明", "IP"])
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        names = audit_text.Names(chunk)
        for r in chunk:
            w.writerow([_cell(v) for v in (
                _local(r.at, "%Y-%m-%d %H:%M:%S"), audit_text.sentence(r, names, AUDIT_ACTION_LABELS),
                audit_text.actor(r, names), AUDIT_ACTION_LABELS.get(r.action, audit_text.VERBS.get(r.action, r.action)),
                audit_text.obj(r, names), audit_text.how(r, names), r.ip or "")])
    name = f"audit-{dt.datetime.now(LOCAL_TZ):%Y%m%d%H%M}.csv"
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
