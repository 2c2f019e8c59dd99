"""Failures of what the service depends on, turned into honest answers.

- database unreachable, busy or timing out → 503 `database_unavailable` (+ Retry-After); the
  session is rolled back and the pool (pre-ping) reconnects by itself once the database is back;
- object storage unreachable on any write or read → 503 `storage_unavailable`;
- a value the database cannot hold (an integer out of range, a string too long) that slipped past
  validation → 422 `value_out_of_range`, never a 500.

A browser (the console, any non-API page) gets a Chinese error page, never raw JSON."""
from __future__ import annotations

import logging

import sqlalchemy.exc as sa_exc
from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import storage
from app import errors
from app.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def classify(exc: BaseException) -> errors.ApiError | None:
    if isinstance(exc, errors.ApiError):
        return exc
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return database_unavailable(retry_after=1)  # a dropped pooled connection: the pool is renewed
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        sa_exc.DisconnectionError)):
        return database_unavailable()
    if isinstance(exc, sa_exc.DataError):
        return errors.ValidationFailed("提交的数值或文本超出允许范围", code="value_out_of_range")
    if isinstance(exc, storage.StorageError):
        return errors.ServiceUnavailable("文件存储暂时不可用，请稍后重试", code="storage_unavailable",
                                         headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return None


def database_unavailable(retry_after: int = RETRY_AFTER_SECONDS) -> errors.ApiError:
    return errors.ServiceUnavailable("数据库暂时不可用，请稍后重试", code="database_unavailable",
                                     headers={"Retry-After": str(retry_after)})


def rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection may be gone; the pool replaces it
        try:
            db.session.invalidate()
        except Exception:  # noqa: BLE001
            pass


def wants_html() -> bool:
    """A page request from a browser (console pages, login form), not an API client."""
    path = request.path
    if path.startswith(("/api/", "/files/", "/metrics", "/healthz", "/readyz")):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return path.startswith("/console") or best == "text/html"


TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 409: "操作冲突",
          413: "上传内容过大", 422: "提交的内容有误", 429: "操作过于频繁", 500: "系统出错了",
          503: "服务暂时不可用"}


def html_page(err: errors.ApiError):
    retry = err.headers.get("Retry-After")
    body = render_template("errors/page.html", title=TITLES.get(err.status, "出错了"), message=err.message,
                           retry_after=retry)
    return body, err.status, {**err.headers, "Content-Type": "text/html; charset=utf-8"}


def respond(err: errors.ApiError):
    """The API's JSON error shape, or the Chinese page for a browser."""
    return html_page(err) if wants_html() else err.to_response()


def init_app(app) -> None:
    """The app's error handlers (registered last, so they replace the plain JSON ones of app.errors
    and flask-smorest): API errors, HTTP errors (incl. the rate limiter's 429) and anything unexpected."""

    @app.errorhandler(errors.ApiError)
    def _api_error(err: errors.ApiError):
        return respond(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if err.code == 429 and getattr(err, "response", None) is not None:
            return err.response  # the rate limiter's breach answer (app.common.limits.on_breach)
        payload, status, headers = errors.http_error_payload(err)
        if status >= 400 and wants_html():
            return html_page(errors.ApiError(payload["message"], status=status, code=payload["code"], headers=headers))
        return jsonify(payload), status, headers

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if isinstance(err, HTTPException):
            return _http_error(err)
        # Database down, busy, or a pooled connection the server dropped (the pool does not ping
        # before use: that one request gets a 503, nothing was committed, the pool is renewed);
        # storage down; a value the database cannot hold
        known = classify(err)
        rollback_quietly()
        if known is not None:
            log.warning("%s %s: %s (%s)", request.method, request.path, known.code,
                        type(getattr(err, "orig", None) or err).__name__)
            return respond(known)
        log.exception("unhandled error")
        code, message = errors.HTTP_MESSAGES[500]
        return respond(errors.ApiError(message, status=500, code=code))
