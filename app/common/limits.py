"""Rate limits (issue 9 item 7). One Flask-Limiter instance lives in app.extensions (`limiter`);
routes decorate with the decorators below, which read their limit from app.config at request time.

Storage: Redis when REDIS_URL is set (shared by every gunicorn worker), memory otherwise.
A breach answers 429 in the API's error shape with `Retry-After` (a Chinese page in the console).
Put a decorator *below* the auth guard so per-citizen keys see the authenticated subject."""
from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, g, request

from app import errors
from app.common import outage
from app.extensions import limiter


def client_ip() -> str:
    # behind a proxy, configure ProxyFix (TRUST_PROXY_HOPS) so remote_addr is the client's address
    return request.remote_addr or "unknown"


def _subject() -> str:
    """The authenticated citizen (or staff member); before authentication, the bearer token's hash."""
    if g.get("citizen_id"):
        return f"citizen:{g.citizen_id}"
    staff = g.get("staff")
    if staff is not None:
        return f"staff:{staff.id}"
    auth = request.headers.get("Authorization", "")
    return "token:" + hashlib.sha256(auth.encode()).hexdigest()[:32] if auth else "ip:" + client_ip()


def _login_account() -> str:
    """The staff username being tried (JSON API or console form), case-folded."""
    name = ""
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("username"), str):
            name = body["username"]
    else:
        name = request.form.get("username", "")
    return "account:" + name.strip().lower()[:64]


def _setting(name: str):
    return lambda: current_app.config[name]


def on_breach(request_limit):
    """429 in the error shape (API) or as a Chinese page (console), with Retry-After."""
    retry = max(1, math.ceil(request_limit.reset_at - time.time())) if request_limit else 60
    err = errors.TooManyRequests(f"请求过于频繁，请 {retry} 秒后再试", code="rate_limited",
                          headers={"Retry-After": str(retry)})
    if outage.wants_html():
        body, status, headers = outage.html_page(err)
        return current_app.response_class(body, status=status, headers=headers)
    return err.to_response()


def _limit(setting: str, key_func, scope: str, methods=None):
    return limiter.limit(_setting(setting), key_func=key_func, scope=scope, on_breach=on_breach, methods=methods)


# The decorators other modules use
wechat_login = _limit("RATE_LIMIT_WECHAT_LOGIN", client_ip, "wechat_login")
phone_binding = _limit("RATE_LIMIT_PHONE_BINDING", _subject, "phone_binding")
uploads = _limit("RATE_LIMIT_UPLOADS", _subject, "uploads")
staff_login_account = _limit("RATE_LIMIT_STAFF_LOGIN_ACCOUNT", _login_account, "staff_login_account")
staff_login_ip = _limit("RATE_LIMIT_STAFF_LOGIN_IP", client_ip, "staff_login_ip")
eligibility = _limit("RATE_LIMIT_ELIGIBILITY", client_ip, "eligibility")  # the public eligibility screen


def staff_login(view):
    """Staff login: per account and per IP (API and console alike)."""
    return staff_login_account(staff_login_ip(view))


def staff_login_form(view):
    """The console's login form: only its POSTs count."""
    return _limit("RATE_LIMIT_STAFF_LOGIN_ACCOUNT", _login_account, "staff_login_account", ["POST"])(
        _limit("RATE_LIMIT_STAFF_LOGIN_IP", client_ip, "staff_login_ip", ["POST"])(view))


def init_app(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    # Every limit here is one of the route decorators above, which the decorated view checks itself.
    # The limiter's before_request hook only applies default, application and blueprint limits; there
    # are none, and on every request it cost ~90 us (a fifth of the application detail's CPU).
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or getattr(manager, "_blueprint_limits", None):
        raise RuntimeError("app-wide rate limits need the limiter's before_request hook back (app.common.limits)")
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in hooks if f != limiter._check_request_limit]
    if not app.config.get("RATELIMIT_HEADERS_ENABLED"):
        # Its after_request hook adds X-RateLimit headers (off) and settles `deduct_when` limits (none:
        # `_limit` above declares every limit); its teardown clears a context that ends with the request.
        def _ours(f) -> bool:
            return getattr(f, "args", None) == (limiter,) or getattr(f, "__self__", None) is limiter
        app.after_request_funcs[None] = [f for f in app.after_request_funcs.get(None, []) if not _ours(f)]
        app.teardown_request_funcs[None] = [f for f in app.teardown_request_funcs.get(None, []) if not _ours(f)]
