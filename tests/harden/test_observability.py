"""Issue 9 item 12: request ids in and out and on every log line (tasks too), JSON logs,
Prometheus metrics at /metrics (not public), Sentry when SENTRY_DSN is set."""
from __future__ import annotations

import gzip
import io
import json
import logging
import time

import pytest

from tests.factories import full_application, jpeg_bytes, login


def test_request_id_in_and_out(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123.XYZ_9"})
    assert r.headers["X-Request-ID"] == "abc-123.XYZ_9"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" + "x" * 80})
    assert r.headers["X-Request-ID"] != "bad id" and len(r.headers["X-Request-ID"]) == 32
    a, b = client.get("/healthz").headers["X-Request-ID"], client.get("/healthz").headers["X-Request-ID"]
    assert a != b and len(a) == 32
    assert client.get("/api/v1/nope").headers["X-Request-ID"]  # error answers carry it too


def test_json_logs_carry_request_id_into_tasks(make_app, monkeypatch):
    from app import tasks
    from app.observability.logs import ContextFilter, JsonFormatter
    from app.tasks import enqueue
    app = make_app(LOG_FORMAT="json")

    def _logs_something(x):
        logging.getLogger("app.test.task").warning("task ran with %s", x)
    # registered for this test only (the task list's own test checks the real registry)
    monkeypatch.setitem(tasks._registry, "test_observability_log", _logs_something)

    @app.get("/_test_log")
    def _view():
        logging.getLogger("app.test.view").warning("在请求中")
        enqueue("test_observability_log", 7)
        return {"ok": True}

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logging.getLogger("app.test").addHandler(handler)
    try:
        r = app.test_client().get("/_test_log", headers={"X-Request-ID": "req-42"})
    finally:
        logging.getLogger("app.test").removeHandler(handler)
    assert r.status_code == 200
    lines = [json.loads(ln) for ln in buf.getvalue().splitlines()]
    assert [(x["logger"], x["request_id"]) for x in lines] == [("app.test.view", "req-42"), ("app.test.task", "req-42")]
    assert lines[0]["message"] == "在请求中" and lines[1]["task"] == "test_observability_log"
    assert {"ts", "level"} <= set(lines[0])
    root_formatters = {type(h.formatter).__name__ for h in logging.getLogger().handlers if h.formatter}
    assert "JsonFormatter" in root_formatters  # LOG_FORMAT=json set the root handlers' format
    from app.observability.logs import configure_logging
    configure_logging("text")


def _metrics(client, **kw):
    r = client.get("/metrics", **kw)
    return r.status_code, r.get_data(as_text=True)


def test_metrics_content_and_access(make_app, fake_wechat):
    app = make_app(METRICS_TOKEN="s3cret-token", METRICS_ALLOW_IPS="127.0.0.1/32")
    c = app.test_client()
    s = login(c, fake_wechat)
    assert c.get("/api/v1/me", headers=s["headers"]).status_code == 200
    aid = c.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    c.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
           data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "other", "application_id": str(aid)})
    with app.app_context():
        from app.alerts.service import scan
        scan()
    status, text = _metrics(c)
    assert status == 200
    assert 'legalaid_http_requests_total{method="GET",route="/api/v1/me",status="200"}' in text
    assert 'legalaid_http_request_duration_seconds_bucket{le="0.3",method="GET",route="/api/v1/me"}' in text
    for name in ("legalaid_ocr_duration_seconds", "legalaid_sla_breaches_total", "legalaid_pending_work",
                 "legalaid_alerts_open", "legalaid_queue_depth"):
        assert name in text
    assert 'legalaid_pending_work{kind="ocr"}' in text
    # not public: another address without the token gets a 404 in the API's error shape
    status, text = _metrics(c, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert status == 404 and "legalaid_" not in text
    status, _ = _metrics(c, environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"Authorization": "Bearer wrong"})
    assert status == 404
    status, text = _metrics(c, environ_base={"REMOTE_ADDR": "203.0.113.9"},
                            headers={"Authorization": "Bearer s3cret-token"})
    assert status == 200 and "legalaid_http_requests_total" in text


def test_ocr_duration_and_task_outcome_observed(make_app, fake_wechat, monkeypatch):
    import ocr
    from app.observability import metrics
    app = make_app(OCR_ENABLED=True)
    before = metrics.OCR_LATENCY._sum.get()
    monkeypatch.setattr(ocr, "analyze", lambda image, expected_kind=None: (time.sleep(0.05), {"fields": {}})[1])
    c = app.test_client()
    s = login(c, fake_wechat)
    aid = c.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    r = c.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
               data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "id_front", "application_id": str(aid)})
    assert r.status_code == 201
    assert metrics.OCR_LATENCY._sum.get() - before >= 0.05
    _, text = _metrics(c)
    assert 'legalaid_tasks_total{outcome="ok",task="ocr_document"}' in text


@pytest.fixture
def sentry_server(httpserver):
    httpserver.expect_request("/api/1/envelope/", method="POST").respond_with_data("{}")
    yield httpserver
    import sentry_sdk

    from app.observability import sentry
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    sentry._initialised_dsn = None


def test_sentry_receives_unhandled_errors_without_personal_data(make_app, sentry_server):
    import sentry_sdk
    dsn = f"http://publickey@127.0.0.1:{sentry_server.port}/1"
    app = make_app(SENTRY_DSN=dsn)

    @app.get("/api/v1/_test_boom")
    def _boom():
        raise RuntimeError("boom for sentry")

    import secrets
    token = "tok" + secrets.token_hex(12)  # built at run time: the test's own source is in the event
    r = app.test_client().get("/api/v1/_test_boom", headers={"Authorization": f"Bearer {token}",
                                                             "X-Request-ID": "req-sentry-1"})
    assert r.status_code == 500 and r.get_json()["code"] == "internal_error"
    sentry_sdk.flush(timeout=5)
    bodies = []
    for req, _ in sentry_server.log:
        data = req.get_data()
        if req.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        bodies.append(data.decode("utf-8", "replace"))
    joined = "\n".join(bodies)
    assert "boom for sentry" in joined and "req-sentry-1" in joined
    assert token not in joined
