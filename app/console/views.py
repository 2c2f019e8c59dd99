"""Console plumbing: the one `console` blueprint every domain's pages are declared on (each domain
keeps its pages in `app/<domain>/console.py` and its templates in `app/<domain>/templates/<domain>/`),
CSRF on every POST, security headers, template filters, the layout's context, the navigation each
domain adds to, and the error pages. Imports nothing of a domain package (domains import this)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import marshmallow as ma
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.utils import cached_property

from app import errors
from app.common.bounds import int_arg
from app.common.permissions import Permission
from app.common.timeutil import LOCAL_TZ, UTC, utcnow
from app.console import auth
from app.extensions import db

_APP_DIR = Path(__file__).resolve().parent.parent


class _ConsoleBlueprint(Blueprint):
    """Finds templates in the console's own folder (layout, macros, error page) and in every domain's."""

    @cached_property
    def jinja_loader(self):
        folders = [Path(self.root_path) / "templates"] + sorted(
            p for p in _APP_DIR.glob("*/templates") if p.parent.name != "console")
        return ChoiceLoader([FileSystemLoader(str(p)) for p in folders])


bp = _ConsoleBlueprint("console", __name__, url_prefix="/console", template_folder="templates",
                       static_folder="static", static_url_path="/static")

PAGE_SIZE = 50
_NAV: list[tuple[int, str, str, Permission]] = []


def add_nav(order: int, endpoint: str, label: str, permission: Permission) -> None:
    """A domain puts one of its pages in the console's navigation, shown to the roles `permission`
    (app.common.permissions.P, the one its page requires) admits."""
    if not isinstance(permission, Permission):
        raise TypeError(f"the navigation takes a permission of app.common.permissions, not {permission!r}")
    if not any(e == endpoint for _, e, _, _ in _NAV):
        _NAV.append((order, endpoint, label, permission))
        _NAV.sort(key=lambda n: n[:3])


def me():
    """The logged-in staff user (set by `console_required`)."""
    return g.console_staff


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
def format_local(value, fmt="%Y-%m-%d %H:%M"):
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
    return {"me": user, "csrf_token": auth.csrf_token, "now": utcnow(), "nav": _nav(user) if user else [],
            "form_state": g.get("form_state")}


def _nav(user):
    return [(ep, label) for _, ep, label, permission in _NAV if permission.allows(user)]


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
        return redirect(back())
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
    keep_form_state(err)
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


def keep_form_state(err: errors.ApiError) -> None:
    """The refused form's values (never a secret) and each message at its field, for console.js to fill
    the form again, mark the fields invalid (aria-invalid, aria-describedby) and focus the first."""
    fields = (err.details or {}).get("fields") or {}
    values = {k: [v[:5000] for v in request.form.getlist(k)] for k in request.form if k not in SECRET_FIELDS}
    g.form_state = {"action": request.path, "message": err.message, "values": values,
                    "errors": {k: v for k, v in fields.items() if v}}


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


def back() -> str:
    """The page the form was posted from (same site only), else the home page."""
    ref = request.referrer or ""
    host = request.host_url.rstrip("/")
    if ref.startswith(host):
        return auth.safe_next(ref[len(host):], url_for("console.home"))
    return url_for("console.home")


def local_datetime(value: str | None, field: str, required: bool = False) -> dt.datetime | None:
    """<input type=datetime-local> in Asia/Shanghai → aware UTC."""
    if not value:
        if required:
            raise errors.ValidationFailed("请填写时间", details={"fields": {field: ["必填"]}})
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    except ValueError:
        raise errors.ValidationFailed("时间格式不正确", details={"fields": {field: ["时间格式不正确"]}}) from None



def form_args(schema_cls, data, ignore=("csrf_token", "then"), message="填写内容有误") -> dict:
    """Load a form or query string through an API input schema; errors become the page's message."""
    try:
        return schema_cls().load({k: v for k, v in data.items() if k not in ignore and v != ""})
    except ma.ValidationError as exc:
        raise errors.ValidationFailed(message, details={"fields": exc.messages}) from None


def form_input(schema_cls, form=None) -> dict:
    """Load a posted console form with the marshmallow schema the API loads for the same action (one
    input path: the same rules, the same field errors, the same 422 message). A List field takes every
    value posted under its name, a date-time is the page's <input type=datetime-local> in Beijing time,
    a Dict field takes the values posted as `<name>.<key>`, an empty value counts as not sent; fields the
    schema does not know are left out (the CSRF token)."""
    form = request.form if form is None else form
    schema = schema_cls()
    data = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if isinstance(field, ma.fields.List):
            values = [v for v in form.getlist(key) if v != ""]
            if values or key in form:
                data[key] = values
            continue
        if isinstance(field, ma.fields.Dict):  # posted as <key>.<entry> (e.g. scores.timeliness)
            entries = {k[len(key) + 1:]: v for k, v in form.items() if k.startswith(key + ".") and v != ""}
            if entries:
                data[key] = entries
            continue
        value = form.get(key)
        if value is None or value == "":
            continue
        if isinstance(field, ma.fields.DateTime) and "T" in value and len(value) <= 16:
            value = local_datetime(value, key).isoformat()
        data[key] = value
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        fields = exc.messages
        # one field refused: its own words lead (e.g. 请填写办理结果), as the page said before it took the schema
        only = next(iter(fields.values())) if len(fields) == 1 else None
        message = only[0] if isinstance(only, list) and only and isinstance(only[0], str) else None
        raise errors.ValidationFailed(message, details={"fields": fields}) from None


def page_no() -> int:
    return int_arg(request.args, "page", 1, maximum=100_000)
