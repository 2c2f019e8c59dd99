"""One error shape for the whole API: {"code", "message" (Chinese), "details"}.

Services raise ApiError subclasses; handlers here turn them, webargs validation errors and
werkzeug HTTP errors into JSON. Unexpected exceptions become a plain 500 without a trace.
"""
from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 status: int | None = None, details: dict | None = None, headers: dict | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}
        self.headers = headers or {}

    def to_response(self):
        resp = jsonify({"code": self.code, "message": self.message, "details": self.details})
        resp.status_code = self.status
        for k, v in self.headers.items():
            resp.headers[k] = v
        return resp


class BadRequest(ApiError):
    status, code, message = 400, "bad_request", "请求有误"


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "无权进行此操作"


class NotFound(ApiError):
    status, code, message = 404, "not_found", "未找到该资源"


class Conflict(ApiError):
    status, code, message = 409, "conflict", "操作与当前状态冲突"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ValidationFailed(ApiError):
    status, code, message = 422, "validation_error", "提交的内容有误，请检查后重试"


class TooManyRequests(ApiError):
    status, code, message = 429, "rate_limited", "请求过于频繁，请稍后再试"


class ServiceUnavailable(ApiError):
    status, code, message = 503, "service_unavailable", "服务暂时不可用，请稍后再试"


HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "未找到该资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作与当前状态冲突"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容有误，请检查后重试"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试"),
}


def http_error_payload(error: HTTPException):
    status = error.code or 500
    code, message = HTTP_MESSAGES.get(status, ("error", "请求失败"))
    details = {}
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # webargs validation errors: {"json": {...}} / {"query": {...}}
        details = {"fields": _flatten_locations(data["messages"])}
    if "message" in data and isinstance(data["message"], str):
        message = data["message"]
    headers = dict(data.get("headers") or {})
    if status == 413:
        message = "上传内容过大"
    return {"code": code, "message": message, "details": details}, status, headers


def _flatten_locations(messages):
    # webargs nests errors under the location ("json", "query", "form", "files")
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "headers", "view_args"}:
        merged = {}
        for loc in messages.values():
            if isinstance(loc, dict):
                merged.update(loc)
            else:
                merged.setdefault("_schema", loc)
        return merged
    return messages


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return err.to_response()

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if isinstance(err, HTTPException):
            payload, status, headers = http_error_payload(err)
            return jsonify(payload), status, headers
        if _lost_database_connection(err):
            # The pool does not ping before use: the one request that met a connection the database
            # had dropped gets a 503 (nothing was committed); the pool has already been renewed
            log.warning("database connection lost: %s", type(getattr(err, "orig", err)).__name__)
            code, message = HTTP_MESSAGES[503]
            return jsonify({"code": code, "message": message, "details": {}}), 503, {"Retry-After": "1"}
        log.exception("unhandled error")
        code, message = HTTP_MESSAGES[500]
        return jsonify({"code": code, "message": message, "details": {}}), 500


def _lost_database_connection(err: Exception) -> bool:
    from sqlalchemy.exc import DBAPIError
    return isinstance(err, DBAPIError) and bool(err.connection_invalidated)
