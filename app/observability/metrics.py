"""Prometheus metrics (prometheus-client) served at /metrics, which is not public: a request must
carry `Authorization: Bearer <METRICS_TOKEN>` (when set) or come from an address in
METRICS_ALLOW_IPS (default loopback only).

- legalaid_http_requests_total{method,route,status} and legalaid_http_request_duration_seconds{method,route}
  (route = the URL rule, e.g. /api/v1/applications/<int:application_id>, never the raw path);
- legalaid_tasks_total{task,outcome} (ok | error) and legalaid_task_duration_seconds{task};
- legalaid_ocr_duration_seconds (one OCR pass over a photo);
- legalaid_sla_breaches_total (new SLA breach alerts raised) and, read at scrape time,
  legalaid_alerts_open{kind}, legalaid_queue_depth{queue} (Celery's Redis list) and
  legalaid_pending_work{kind} (OCR and notifications waiting in the database), and the hotline
  wallboard's figures (legalaid_hotline_*, app.telephony.wallboard.metric_families, given by the app factory).

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty folder) so the counters
of every worker are added up."""
from __future__ import annotations

import hmac
import ipaddress
import logging
import time

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest)
from prometheus_client.core import GaugeMetricFamily

from app import errors
from app.extensions import db

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter("legalaid_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("legalaid_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10))
TASKS = Counter("legalaid_tasks_total", "Background tasks run", ["task", "outcome"])
TASK_LATENCY = Histogram("legalaid_task_duration_seconds", "Background task duration", ["task"],
                         buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120))
OCR_LATENCY = Histogram("legalaid_ocr_duration_seconds", "OCR of one photo",
                        buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 60))
SLA_BREACHES = Counter("legalaid_sla_breaches_total", "SLA breach alerts raised")


# The tables read at scrape time, named here so this package imports no domain
_ALERTS = sa.table("alerts", sa.column("kind"), sa.column("status"))
_DOCUMENTS = sa.table("documents", sa.column("status"))
_NOTIFICATIONS = sa.table("notifications", sa.column("status"))


# Gauges a domain adds without this package importing it (app.telephony: the wallboard's figures) are
# given by the app factory as app.extensions["metrics.state_providers"]: functions run in the app context
# at scrape time, each returning a list of metric families


class _StateCollector:
    """Gauges read when Prometheus scrapes: open alerts, queue depth, work waiting in the database."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        alerts = GaugeMetricFamily("legalaid_alerts_open", "Open alerts", labels=["kind"])
        pending = GaugeMetricFamily("legalaid_pending_work", "Work waiting in the database", labels=["kind"])
        queue = GaugeMetricFamily("legalaid_queue_depth", "Messages waiting in the task queue", labels=["queue"])
        extra: list = []
        try:
            with self.app.app_context():
                for kind, n in db.session.execute(sa.select(_ALERTS.c.kind, sa.func.count()).where(
                        _ALERTS.c.status == "open").group_by(_ALERTS.c.kind)):
                    alerts.add_metric([kind], n)
                for kind, table, status in (("ocr", _DOCUMENTS, "ocr_pending"),
                                            ("notifications", _NOTIFICATIONS, "pending")):
                    n = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.status == status))
                    pending.add_metric([kind], n or 0)
                for provider in self.app.extensions.get("metrics.state_providers", ()):
                    try:
                        extra.extend(provider())
                    except Exception as exc:  # noqa: BLE001 — one provider failing leaves the others
                        db.session.rollback()
                        log.warning("metrics: %s unavailable (%s)", getattr(provider, "__name__", provider),
                                    type(exc).__name__)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 — a scrape must not fail because the database is down
            log.warning("metrics: database gauges unavailable (%s)", type(exc).__name__)
        url = self.app.config.get("REDIS_URL")
        if url and self.app.config.get("TASKS_MODE") == "celery":
            try:
                import redis
                r = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
                queue.add_metric(["celery"], r.llen("celery"))
            except Exception as exc:  # noqa: BLE001
                log.warning("metrics: queue depth unavailable (%s)", type(exc).__name__)
        yield alerts
        yield pending
        yield queue
        yield from extra


def _registry(app: Flask) -> CollectorRegistry:
    reg = app.extensions.get("metrics_registry")
    if reg is None:
        reg = CollectorRegistry()
        if app.config["PROMETHEUS_MULTIPROC_DIR"]:
            from prometheus_client import multiprocess
            multiprocess.MultiProcessCollector(reg)
        else:
            for collector in (HTTP_REQUESTS, HTTP_LATENCY, TASKS, TASK_LATENCY, OCR_LATENCY, SLA_BREACHES):
                reg.register(collector)
        reg.register(_StateCollector(app))
        app.extensions["metrics_registry"] = reg
    return reg


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    allow = current_app.config.get("METRICS_ALLOW_IPS") or ""
    try:
        addr = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    for item in (x.strip() for x in allow.split(",")):
        if item:
            try:
                if addr in ipaddress.ip_network(item, strict=False):
                    return True
            except ValueError:
                continue
    return False


def init_app(app: Flask) -> None:
    _children: dict[tuple, tuple] = {}

    @app.before_request
    def _start_timer():
        g._t0 = time.perf_counter()

    @app.after_request
    def _observe(response):
        t0 = g.pop("_t0", None)
        req = request._get_current_object()
        if t0 is not None and req.endpoint != "metrics":
            rule = req.url_rule
            key = (req.method, rule.rule if rule is not None else "unmatched", response.status_code)
            children = _children.get(key)
            if children is None:  # the labelled series, looked up once per method, route and status
                children = _children[key] = (HTTP_REQUESTS.labels(key[0], key[1], str(key[2])),
                                             HTTP_LATENCY.labels(key[0], key[1]))
            children[0].inc()
            children[1].observe(time.perf_counter() - t0)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        if not _allowed():
            raise errors.NotFound()  # not public: indistinguishable from a missing page
        return Response(generate_latest(_registry(current_app._get_current_object())), mimetype=CONTENT_TYPE_LATEST)


def observe_task(name: str, fn, *args):
    """Run a task function, counting it by name and outcome."""
    t0 = time.perf_counter()
    outcome = "error"
    try:
        result = fn(*args)
        outcome = "ok"
        return result
    finally:
        TASKS.labels(name, outcome).inc()
        TASK_LATENCY.labels(name).observe(time.perf_counter() - t0)
