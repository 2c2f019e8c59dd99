"""The pool does not ping before each checkout. A connection the database server has dropped
(restart, failover, an administrator's pg_terminate_backend) must cost at most one request: a pure
read is retried once on a fresh connection, any other request answers 503 having changed nothing,
and the next request works."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.applications.models import Application
from app.extensions import db
from tests.factories import full_application, login


def _pgbouncer_kill(url) -> int | None:
    """Behind PgBouncer (CI's PostgreSQL pass) a terminated backend is replaced by the pooler unseen:
    drop the app's client connections at the pooler instead (its admin console: KILL, then RESUME).
    None when `url` is not a PgBouncer."""
    import subprocess
    cmd = ["psql", "-X", "-q", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
           "-d", "pgbouncer"]
    if subprocess.run([*cmd, "-c", "SHOW VERSION"], capture_output=True).returncode != 0:
        return None
    out = subprocess.run([*cmd, "-c", f"KILL {url.database}", "-c", f"RESUME {url.database}"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return 1


def _kill_app_connections(app) -> int:
    """Terminate, server side, every other session on the test database (the app's pooled ones)."""
    with app.app_context():
        url = db.engine.url
    killed = _pgbouncer_kill(url)
    if killed is not None:
        return killed
    killer = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with killer.connect() as conn:
            n = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        killer.dispose()
    return n


@pytest.fixture
def pg_app(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs a database server to drop connections: runs in the PostgreSQL pass (.ci/run)")
        from app.common import readonly
        # what this test is about: neither pool pings before use
        assert db.engine.pool._pre_ping is False and readonly.engine().pool._pre_ping is False
    return app


def test_killed_connections_cost_at_most_one_request(pg_app, client, fake_wechat, caplog):
    app = pg_app
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    detail, listing = f"/api/v1/applications/{a['id']}", "/api/v1/applications"
    assert client.get(detail, headers=s["headers"]).status_code == 200

    # a pure read meets a dead pooled connection: retried once, the citizen sees a normal answer
    assert _kill_app_connections(app) >= 1
    caplog.clear()
    r = client.get(detail, headers=s["headers"])
    assert r.status_code == 200 and r.get_json()["id"] == a["id"]
    assert "database connection lost (attempt 1)" in caplog.text  # it did meet the dead one, and retried
    assert _kill_app_connections(app) >= 1
    assert client.get(listing, headers=s["headers"]).get_json()["total"] == 1

    # a write meets one: 503 with the API's error shape and nothing stored; the next one succeeds
    assert _kill_app_connections(app) >= 1
    r = client.post("/api/v1/applications", json=full_application(applicant_name="王五"), headers=s["headers"])
    assert r.status_code == 503, r.get_json()
    assert r.get_json()["code"] == "database_unavailable" and r.headers["Retry-After"] == "1"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
    r = client.post("/api/v1/applications", json=full_application(applicant_name="王五"), headers=s["headers"])
    assert r.status_code == 201
    assert client.get(listing, headers=s["headers"]).get_json()["total"] == 2


def test_a_task_meeting_a_dropped_connection_runs_again_on_a_fresh_one(pg_app, client, fake_wechat, caplog):
    """Background work (a Celery worker or the thread pool) holds pooled connections too: the dead
    one fails the task's first statement, and the task runs once more instead of being lost."""
    from app import tasks
    from app.notifications.models import Notification

    app = pg_app
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    assert client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"]).status_code == 200
    fake_wechat.sent.clear()
    with app.app_context():
        n = db.session.scalars(sa.select(Notification)).first()
        n.status, n.attempts = "pending", 0  # as if delivery had not happened yet
        db.session.commit()
        note_id = n.id
    assert _kill_app_connections(app) >= 1
    caplog.clear()
    tasks._run(app, "deliver_notification", (note_id,))
    assert "dropped database connection" in caplog.text and "failed" not in caplog.text
    assert len(fake_wechat.sent) == 1
