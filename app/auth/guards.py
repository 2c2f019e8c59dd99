"""Who is calling: bearer tokens for the API. Every route declares the roles it admits."""
from __future__ import annotations

import functools

from flask import g, request

from app import errors
from app.auth.models import Citizen, StaffUser
from app.auth.service import resolve_access_token
from app.extensions import db


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_token():
    token = _bearer()
    if not token:
        raise errors.Unauthorized("请先登录", code="unauthorized")
    row = resolve_access_token(token)
    if row is None:
        raise errors.Unauthorized("登录已过期，请重新登录", code="invalid_token")
    g.auth_token = row
    return row


def _load_subject(row):
    model = Citizen if row.subject_type == "citizen" else StaffUser
    subject = db.session.get(model, row.subject_id)
    if subject is None or (row.subject_type == "staff" and not subject.is_active):
        raise errors.Unauthorized("账号不可用，请重新登录", code="invalid_token")
    return subject


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        row = current_token()
        if row.subject_type != "citizen":
            raise errors.Forbidden("该接口仅供小程序用户使用")
        g.citizen = _load_subject(row)
        g.actor = g.citizen
        return view(*args, **kwargs)
    return wrapper


def staff_required(*roles: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            row = current_token()
            if row.subject_type != "staff":
                raise errors.Forbidden("该接口仅供工作人员使用")
            user = _load_subject(row)
            if roles and user.role not in roles:
                raise errors.Forbidden("当前角色无权进行此操作")
            g.staff = user
            g.actor = user
            return view(*args, **kwargs)
        return wrapper
    return decorator


def any_authenticated(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        row = current_token()
        subject = _load_subject(row)
        g.actor = subject
        if row.subject_type == "citizen":
            g.citizen = subject
        else:
            g.staff = subject
        return view(*args, **kwargs)
    return wrapper
