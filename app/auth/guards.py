"""Who is calling: bearer tokens for the API. Every route declares the roles it admits.

The token check is one indexed query. A citizen's row is loaded only when a view touches
`g.citizen` (the status polling path needs just the id, `g.citizen_id`); staff rows are loaded
at once because the role and the active flag decide access.
"""
from __future__ import annotations

import functools

from flask import g, request
from werkzeug.local import LocalProxy

from app import errors
from app.auth.models import Citizen, StaffUser
from app.auth.service import subject_of_access_token
from app.extensions import db


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _load_citizen(citizen_id: int) -> Citizen:
    cached = g.get("_citizen_row")
    if cached is None:
        cached = db.session.get(Citizen, citizen_id)
        if cached is None:
            raise errors.Unauthorized("账号不可用，请重新登录", code="invalid_token")
        g._citizen_row = cached
    return cached


def _authenticate() -> str:
    token = bearer_token()
    if not token:
        raise errors.Unauthorized("请先登录", code="unauthorized")
    ref = subject_of_access_token(token)
    if ref is None:
        raise errors.Unauthorized("登录已过期，请重新登录", code="invalid_token")
    subject_type, subject_id = ref
    if subject_type == "citizen":
        g.citizen_id = subject_id
        g.citizen = g.actor = LocalProxy(functools.partial(_load_citizen, subject_id))
    else:
        user = db.session.get(StaffUser, subject_id)
        if user is None or not user.is_active:
            raise errors.Unauthorized("账号不可用，请重新登录", code="invalid_token")
        g.staff = g.actor = user
    return subject_type


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if _authenticate() != "citizen":
            raise errors.Forbidden("该接口仅供小程序用户使用")
        return view(*args, **kwargs)
    return wrapper


def staff_required(*roles: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if _authenticate() != "staff":
                raise errors.Forbidden("该接口仅供工作人员使用")
            if roles and g.staff.role not in roles:
                raise errors.Forbidden("当前角色无权进行此操作")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def any_authenticated(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        _authenticate()
        return view(*args, **kwargs)
    return wrapper
