"""Sentry error reporting when SENTRY_DSN is set (sentry-sdk, Flask + Celery integrations).
No personal data: send_default_pii off, request bodies and cookies not sent, and events carry the
request id as a tag so a report can be matched with the logs."""
from __future__ import annotations

from flask import Flask

from app.observability.logs import current_request_id

_initialised_dsn: str | None = None


def _before_send(event, hint):  # noqa: ARG001
    req = event.get("request") or {}
    for key in ("data", "cookies"):
        req.pop(key, None)
    headers = req.get("headers") or {}
    for h in list(headers):
        if h.lower() in ("authorization", "cookie", "x-csrf-token"):
            headers[h] = "[removed]"
    rid = current_request_id()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def init_app(app: Flask) -> None:
    global _initialised_dsn
    dsn = app.config.get("SENTRY_DSN")
    if not dsn or dsn == _initialised_dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration
    sentry_sdk.init(dsn=dsn, environment=app.config["APP_ENV"], send_default_pii=False,
                    max_request_body_size="never", traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
                    integrations=[FlaskIntegration(), CeleryIntegration()], before_send=_before_send)
    _initialised_dsn = dsn
