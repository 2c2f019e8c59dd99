"""Console pages of the auth domain: staff login and logout (the session itself is console plumbing)
and the administrator's staff accounts page."""
from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import flash, g, make_response, redirect, render_template, request, url_for

from app import errors
from app.audit import record as audit
from app.common.taxonomy import CATEGORIES
from app.auth.models import StaffUser
from app.common.permissions import CITIZEN, P, ROLE_LABELS, STAFF_ROLES, Role
from app.auth.service import authenticate_staff, create_staff
from app.centres import scope, service as centres
from app.common import limits
from app.auth.schemas import StaffActiveInput, StaffCreateInput
from app.console import add_nav, auth, bp, console_required, form_input, me
from app.extensions import db

add_nav(60, "console.staff_page", "账号管理", P.manage_staff)


@bp.context_processor
def _labels():
    """The role names and the permission table, for the templates: `can(P.score_calls)` asks whether the
    logged-in staff member's role has a permission."""
    return {"ROLE_LABELS": ROLE_LABELS, "P": P, "can": _can, "CITIZEN": CITIZEN.value, "Role": Role}


def _can(permission) -> bool:
    user = auth.current_staff()
    return user is not None and permission.allows(user)


@bp.route("/login", methods=["GET", "POST"])
@limits.staff_login_form
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
            audit("auth.login_failed", object_type="staff_user", details={"channel": "console", "username": username[:64],
                                                                     "reason": exc.code})
            db.session.commit()
            error, status = exc.message, exc.status
        else:
            resp = redirect(nxt)
            auth.start_session(user, resp)
            audit("auth.login", actor=user, object_type="staff_user", object_id=user.id, details={"channel": "console"})
            db.session.commit()
            return resp
    resp = make_response(render_template("auth/login.html", error=error, next=nxt, username=username), status)
    if not request.cookies.get(auth.LOGIN_CSRF_COOKIE) or "login_csrf" in g:
        resp.set_cookie(auth.LOGIN_CSRF_COOKIE, auth.csrf_token(), max_age=3600, **auth.cookie_kwargs())
    return resp


@bp.route("/logout", methods=["POST"])
def logout():
    user = auth.current_staff()
    resp = redirect(url_for("console.login"))
    if user is not None:
        audit("auth.logout", actor=user, object_type="staff_user", object_id=user.id, details={"channel": "console"})
    auth.end_session(resp)
    db.session.commit()
    return resp


@bp.route("/staff")
@console_required(P.manage_staff)
def staff_page():
    rows = db.session.scalars(sa.select(StaffUser).order_by(StaffUser.role, StaffUser.username)).all()
    return render_template("auth/staff.html", rows=rows, roles=STAFF_ROLES, categories=CATEGORIES,
                           centres={c.id: c for c in centres.all_centres()})


@bp.route("/staff", methods=["POST"])
@console_required(P.manage_staff)
def staff_create():
    f = form_input(StaffCreateInput)
    extra = {}
    if f["role"] == Role.aid_lawyer:
        extra = {"specialties": ",".join(f["specialties"]) or None, "region": (f["region"] or "").strip() or None}
    if f["centre"]:
        chosen = centres.by_code(f["centre"])
        if chosen is None:
            raise errors.ValidationFailed("所属中心不存在", details={"fields": {"centre": ["请选择所属中心"]}})
        own = centres.get(me().centre_id)
        if chosen.id != me().centre_id and not (own and own.is_city):
            raise errors.ValidationFailed("只能为本中心创建账号", details={"fields": {"centre": ["只能选择本中心"]}})
        extra["centre_id"] = chosen.id
    other = extra.get("centre_id") not in (None, me().centre_id)
    with scope.unscoped("admin creates an account in another centre") if other else contextlib.nullcontext():
        user = create_staff(f["username"].strip(), f["password"], f["role"], full_name=f["full_name"].strip(),
                            staff_no=(f["staff_no"] or "").strip() or None, **extra)
        username, user_id, role = user.username, user.id, user.role  # read here: another centre's row is not reloaded
    audit("auth.staff_create", actor=me(), object_type="staff_user", object_id=user_id, details={"role": role})
    db.session.commit()
    flash(f"已创建账号 {username}", "ok")
    return redirect(url_for("console.staff_page"))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@console_required(P.manage_staff)
def staff_active(user_id):
    user = db.session.get(StaffUser, user_id)
    if user is None:
        raise errors.NotFound("未找到该账号")
    if user.id == me().id:
        raise errors.Conflict("不能停用自己的账号")
    user.is_active = form_input(StaffActiveInput)["active"]
    audit("auth.staff_update", actor=me(), object_type="staff_user", object_id=user.id, details={"is_active": user.is_active})
    db.session.commit()
    flash(f"已{'启用' if user.is_active else '停用'}账号 {user.username}", "ok")
    return redirect(url_for("console.staff_page"))


