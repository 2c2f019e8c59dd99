"""Console sessions: a random token in an HttpOnly cookie, its hash and a CSRF token in the database.

Sessions end on logout, after `CONSOLE_IDLE_MINUTES` without activity or `CONSOLE_SESSION_HOURS`
after login, and when the account is disabled. Every POST to the console carries the session's
CSRF token (the login form uses a double-submit cookie instead, as there is no session yet).
"""
from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
from urllib.parse import urlparse

import sqlalchemy as sa
from flask import current_app, g, redirect, request, url_for
from sqlalchemy.orm import joinedload

from app import errors
from app.common import crypto
from app.common.permissions import Permission
from app.common.timeutil import utcnow
from app.console.models import ConsoleSession
from app.extensions import db

COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
TOUCH_EVERY = dt.timedelta(seconds=60)


def cookie_secure() -> bool:
    configured = current_app.config["CONSOLE_COOKIE_SECURE"]
    if configured is not None:
        return bool(configured)
    return not (current_app.debug or current_app.testing or current_app.config["APP_ENV"] in ("test", "development"))


def cookie_kwargs() -> dict:
    return {"httponly": True, "samesite": "Lax", "secure": cookie_secure(), "path": "/console"}


def start_session(user, response) -> ConsoleSession:
    token = crypto.new_token()
    now = utcnow()
    hours = int(current_app.config["CONSOLE_SESSION_HOURS"])
    row = ConsoleSession(token_hash=crypto.token_hash(token), staff_id=user.id, csrf_token=secrets.token_urlsafe(32),
                         created_at=now, last_seen_at=now, expires_at=now + dt.timedelta(hours=hours),
                         ip=request.remote_addr, user_agent=(request.user_agent.string or "")[:255])
    db.session.add(row)
    response.set_cookie(COOKIE, token, max_age=hours * 3600, **cookie_kwargs())
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return row


def end_session(response) -> None:
    row = current_session()
    if row is not None:
        row.revoked_at = utcnow()
        db.session.commit()
    response.delete_cookie(COOKIE, path="/console")


def current_session() -> ConsoleSession | None:
    if "console_session" in g:
        return g.console_session
    g.console_session = None
    g.console_staff = None
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    # the session and its account in one statement (every console request runs it)
    row = db.session.scalar(sa.select(ConsoleSession).options(joinedload(ConsoleSession.staff))
                            .where(ConsoleSession.token_hash == crypto.token_hash(token)))
    user = row.staff if row is not None else None
    now = utcnow()
    idle = dt.timedelta(minutes=int(current_app.config["CONSOLE_IDLE_MINUTES"]))
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.last_seen_at + idle <= now:
        return None
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    g.console_session = row
    g.console_staff = user
    g.actor = user
    return row


def current_staff():
    current_session()
    return g.get("console_staff")


def csrf_token() -> str:
    row = current_session()
    if row is not None:
        return row.csrf_token
    # before login: double-submit cookie, set by the login page
    if "login_csrf" not in g:
        g.login_csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    return g.login_csrf


def check_csrf() -> None:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    row = current_session()
    expected = row.csrf_token if row is not None else request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise errors.Forbidden("页面已过期或请求来源无效，请刷新页面后重试", code="csrf_failed")


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths under /console are followed after login (no open redirects)."""
    if not target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/console") or target.startswith("//"):
        return default
    return target


def console_required(*permissions):
    """Anonymous → the login page; a logged-in role that none of `permissions` (app.common.permissions.P)
    admits → 403 page."""
    for p in permissions:
        if not isinstance(p, Permission):
            raise TypeError(f"a page takes permissions of app.common.permissions, not {p!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_staff()
            if user is None:
                if request.method == "GET":
                    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
                raise errors.Unauthorized("登录已过期，请重新登录")
            if permissions and not any(p.allows(user) for p in permissions):
                raise errors.Forbidden("当前角色无权访问此页面")
            return view(*args, **kwargs)
        return wrapper
    return decorator
