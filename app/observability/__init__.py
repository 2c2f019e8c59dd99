"""Operations (issue 9 item 12): request ids, JSON logs, Prometheus metrics at /metrics, Sentry.

    init_app(app)   — wired by create_app; every part is off-the-shelf (prometheus-client, sentry-sdk).
"""
from __future__ import annotations


from app.observability import logs, metrics, sentry


def init_app(app) -> None:
    logs.init_app(app)
    metrics.init_app(app)
    sentry.init_app(app)
