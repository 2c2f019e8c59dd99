"""Request ids and JSON logs.

Every request gets an id: the caller's `X-Request-ID` when it is a sane token (≤ 64 of
[A-Za-z0-9._-]), otherwise a new one; it is echoed in the `X-Request-ID` response header, put on
every log line written while serving the request, and carried into the background tasks the
request queues (app.tasks passes it along; Celery as a message header)."""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re

from flask import Flask, g, request

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_task: contextvars.ContextVar[str | None] = contextvars.ContextVar("task", default=None)
_SANE = re.compile(r"[A-Za-z0-9._\-]{1,64}")


def current_request_id() -> str | None:
    return _request_id.get()


def bind(request_id: str | None, task: str | None = None):
    """Set the ids for background work; returns tokens for `unbind`."""
    return _request_id.set(request_id), _task.set(task)


def unbind(tokens) -> None:
    rid, task = tokens
    _request_id.reset(rid)
    _task.reset(task)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.task = _task.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, task (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        rid = getattr(record, "request_id", None) or _request_id.get()
        if rid:
            out["request_id"] = rid
        task = getattr(record, "task", None) or _task.get()
        if task:
            out["task"] = task
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


_configured = False


def configure_logging(fmt: str, level: str = "INFO") -> None:
    """Root logging: JSON lines (production) or plain text (development); the request id on both."""
    global _configured
    root = logging.getLogger()
    if not _configured:
        _configured = True
        if not root.handlers:
            root.addHandler(logging.StreamHandler())
            root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
        if fmt == "json":
            if not isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(JsonFormatter())
        elif handler.formatter is None or isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    @app.before_request
    def _assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SANE.fullmatch(incoming) else os.urandom(16).hex()
        g.request_id = rid
        g._request_id_token = _request_id.set(rid)

    @app.after_request
    def _echo_request_id(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
        return response

    @app.teardown_request
    def _clear_request_id(exc):  # noqa: ARG001
        token = g.pop("_request_id_token", None)
        if token is not None:
            try:
                _request_id.reset(token)
            except ValueError:
                _request_id.set(None)
