"""Who is calling: bearer tokens for the API. Every route declares the roles it admits."""
from __future__ import annotations

import functools

from flask import g, request

from app import errors
from app.auth.models import Citizen
from app.auth.service import subject_for_access_token


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _authenticate():
    token = bearer_token()
    if not token:
        raise errors.Unauthorized("请先登录", code="unauthorized")
    subject = subject_for_access_token(token)
    if subject is None:
        raise errors.Unauthorized("登录已过期，请重新登录", code="invalid_token")
    g.actor = subject
    if isinstance(subject, Citizen):
        g.citizen = subject
    else:
        g.staff = subject
    return subject


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not isinstance(_authenticate(), Citizen):
            raise errors.Forbidden("该接口仅供小程序用户使用")
        return view(*args, **kwargs)
    return wrapper


def staff_required(*roles: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = _authenticate()
            if isinstance(user, Citizen):
                raise errors.Forbidden("该接口仅供工作人员使用")
            if roles and user.role not in roles:
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
