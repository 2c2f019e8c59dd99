import os

import pytest
import sqlalchemy as sa

from app.applications import service
from app.applications.models import Application
from app.auth.models import Citizen
from app.auth.service import create_staff
from app.extensions import db
from app.notifications.models import Notification
from app.callbacks.models import CallbackTask
from app.ratings.models import Rating
from tests.factories import full_application, login
from tests.support import embedded_celery_worker


def _assigned_application(client, fake_wechat, app, name="rater"):
    s = login(client, fake_wechat, name)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    with app.app_context():
        mgr = create_staff(f"mgr-{name}", "password-123", "manager")
        duty = create_staff(f"duty-{name}", "password-123", "duty_lawyer")
        aid = create_staff(f"aid-{name}", "password-123", "aid_lawyer", full_name="李律师")
        app_ = db.session.get(Application, a["id"])
        citizen = db.session.get(Citizen, s["user"]["id"])
        service.transition(citizen, app_, "submit")
        service.transition(duty, app_, "start_review")
        return s, a["id"], (mgr.id, aid.id)


def _approve_and_assign(app, aid, mgr_id, lawyer_id):
    from app.auth.models import StaffUser
    with app.app_context():
        app_ = db.session.get(Application, aid)
        mgr = db.session.get(StaffUser, mgr_id)
        service.transition(mgr, app_, "approve")
        service.transition(mgr, app_, "assign", assigned_lawyer_id=lawyer_id)


def test_rating_only_after_assignment(client, fake_wechat, app):
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    r = client.post(f"/api/v1/applications/{a['id']}/rating", json={"stars": 1}, headers=s["headers"])
    assert r.status_code == 409
    # a refused rating creates nothing: no rating, no callback task
    assert client.get(f"/api/v1/applications/{a['id']}/rating", headers=s["headers"]).get_json() == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask)) == 0


def test_bad_rating_opens_callback_and_follow_up_closes_it(client, fake_wechat, app):
    s, aid, (mgr, lawyer) = _assigned_application(client, fake_wechat, app)
    _approve_and_assign(app, aid, mgr, lawyer)
    r = client.post(f"/api/v1/applications/{aid}/rating",
                    json={"stars": 2, "attitude": 1, "comment": "律师一直不回电话"}, headers=s["headers"])
    assert r.status_code == 201 and r.get_json()["callback_opened"] is True
    with app.app_context():
        task = db.session.scalar(sa.select(CallbackTask))
        assert task.status == "open" and task.reason == "bad_rating" and task.subject_id == aid
    # a second first-rating is refused only when no callback is open; here it is a follow-up
    r = client.post(f"/api/v1/applications/{aid}/rating", json={"stars": 5}, headers=s["headers"])
    assert r.status_code == 201 and r.get_json()["round"] == 1
    with app.app_context():
        assert db.session.scalar(sa.select(CallbackTask)).status == "satisfied"
    r = client.post(f"/api/v1/applications/{aid}/rating", json={"stars": 1}, headers=s["headers"])
    assert r.status_code == 409 and r.get_json()["code"] == "already_rated"
    ratings = client.get(f"/api/v1/applications/{aid}/rating", headers=s["headers"]).get_json()
    assert [x["stars"] for x in ratings] == [2, 5]
    with app.app_context():  # the refused third rating (1 star) opened no new callback task
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask)) == 1


def test_good_rating_no_callback_and_bad_input(client, fake_wechat, app):
    s, aid, (mgr, lawyer) = _assigned_application(client, fake_wechat, app, "good")
    _approve_and_assign(app, aid, mgr, lawyer)
    for bad in ({"stars": 0}, {"stars": 6}, {"stars": "五"}, {}, {"stars": 4, "attitude": 9}):
        r = client.post(f"/api/v1/applications/{aid}/rating", json=bad, headers=s["headers"])
        assert r.status_code == 422, bad
    with app.app_context():  # refused input created nothing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0
    assert client.post(f"/api/v1/applications/{aid}/rating", json={"stars": 4}, headers=s["headers"]).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask)) == 0


def test_failed_delivery_is_retried_and_recorded_without_blocking(client, fake_wechat, app):
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    fake_wechat.fail_next_sends(2, errcode=-1)
    r = client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"])
    assert r.status_code == 200 and r.get_json()["status"] == "submitted"
    with app.app_context():
        n = db.session.scalar(sa.select(Notification).order_by(Notification.id))  # the status message
        assert n.status == "sent" and n.attempts == 3
    assert len(fake_wechat.sent) == 2  # the status and the 收件回执, each once


def test_undeliverable_message_never_undoes_the_change(client, fake_wechat, app):
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    fake_wechat.fail_next_sends(10, errcode=43101)  # user refused subscription
    r = client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"])
    assert r.status_code == 200
    with app.app_context():
        n = db.session.scalar(sa.select(Notification).order_by(Notification.id))
        assert n.status == "failed" and n.attempts == app.config["NOTIFY_MAX_ATTEMPTS"]
        assert n.last_error == "error:43101" or "43101" in n.last_error
        assert db.session.get(Application, a["id"]).status == "submitted"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="runs in the PostgreSQL + Redis pass of .ci/run")
def test_notifications_through_celery_on_redis(make_app, fake_wechat):
    """Celery with a real worker on the machine's Redis delivers the message in the background."""
    import time

    app = make_app(TASKS_MODE="celery", REDIS_URL=os.environ["REDIS_URL"])
    celery = app.extensions["celery"]
    client = app.test_client()
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()
    def statuses():
        with app.app_context():
            return db.session.scalars(sa.select(Notification.status).order_by(Notification.id)).all()

    with embedded_celery_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"]).status_code == 200
        deadline = time.time() + 30  # bounded: the status message and the receipt's letter message
        while time.time() < deadline and (not statuses() or any(x != "sent" for x in statuses())):
            time.sleep(0.1)
    # submitted: the status message and the 收件回执's announcement, each sent once by the worker
    assert statuses() == ["sent", "sent"]
    assert len(fake_wechat.sent) == 2


def test_embedded_default_runs_the_periodic_sweep(make_app, fake_wechat):
    """Thread mode (no Redis): the first request starts the periodic loop, whose sweep delivers
    a message that a crash left pending."""
    import datetime as dt
    import time

    from app.common.timeutil import utcnow
    app = make_app(TASKS_MODE="thread")
    with app.app_context():  # no request yet: the loop is not running
        citizen = Citizen(openid="openid-left-pending")
        db.session.add(citizen)
        db.session.flush()
        db.session.add(Notification(citizen_id=citizen.id, template_id="tpl", data={"thing1": {"value": "x"}},
                                    next_attempt_at=utcnow() - dt.timedelta(minutes=5)))
        db.session.commit()
    assert not fake_wechat.sent
    app.test_client().get("/healthz")
    deadline = time.time() + 15
    while time.time() < deadline and not fake_wechat.sent:
        time.sleep(0.1)
    assert len(fake_wechat.sent) == 1
    with app.app_context():
        for _ in range(50):
            db.session.expire_all()
            if db.session.scalar(sa.select(Notification.status)) == "sent":
                break
            time.sleep(0.1)
        assert db.session.scalar(sa.select(Notification.status)) == "sent"

    # stopped with the app (tests/conftest.py's make_app does it after each test): no loop of this test
    # keeps claiming periods in the tables of the tests that come after it in this process
    import threading

    from app.tasks import stop_thread_pool
    loops = [t for t in threading.enumerate() if t.name == "periodic"]
    assert loops
    stop_thread_pool(app)
    for t in loops:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in loops)
