"""A grant while a photo sent back for re-shooting has not come again needs the tick `confirm_incomplete`,
on every path that takes the decision: the API's action, the case page and the review desk refuse alike
(422 at the field, nothing decided) and grant with it."""
from __future__ import annotations

import sqlalchemy as sa

from app.applications.models import Application
from app.extensions import db
from tests.factories import jpeg_bytes
from tests.support import console_login, make_case, user


def _reshoot_pending(app) -> int:
    from app.documents import service as documents
    app_id = make_case(app, "under_review")
    with app.app_context():
        doc = documents.upload(user(app, "duty1"), app_id, "id_front", jpeg_bytes(), "id.jpg")
        documents.reject(user(app, "duty1"), doc, "blurry")
    return app_id


def _status(app, app_id) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Application.status).where(Application.id == app_id))


def test_the_desk_the_case_page_and_the_api_refuse_a_grant_without_the_tick(app, client, staff):
    manager = app.test_client()
    token = console_login(manager, "manager1")

    desk_case = _reshoot_pending(app)
    page = manager.get(f"/console/review/{desk_case}").get_data(as_text=True)
    assert "已退回重拍" in page and 'name="confirm_incomplete"' in page  # the warning and its tick on the desk
    r = manager.post(f"/console/review/{desk_case}/decide/approve", data={"csrf_token": token, "note": "符合条件"})
    assert r.status_code == 422 and "已退回重拍" in r.get_data(as_text=True)
    assert _status(app, desk_case) == "under_review"
    r = manager.post(f"/console/review/{desk_case}/decide/approve",
                     data={"csrf_token": token, "note": "符合条件", "confirm_incomplete": "1"})
    assert r.status_code == 302 and _status(app, desk_case) == "approved"

    api_case = _reshoot_pending(app)
    h = staff.role("manager")["headers"]
    r = client.post(f"/api/v1/staff/applications/{api_case}/approve", json={"note": "符合条件"}, headers=h)
    assert r.status_code == 422
    assert r.get_json()["details"]["fields"] == {"confirm_incomplete": ["请确认后再提交"]}
    assert _status(app, api_case) == "under_review"
    r = client.post(f"/api/v1/staff/applications/{api_case}/approve", json={"note": "符合条件", "confirm_incomplete": True},
                    headers=h)
    assert r.status_code == 200 and _status(app, api_case) == "approved"


def test_after_the_one_notice_a_manager_asks_for_an_explanation_and_the_clock_runs_on(app, client, staff):
    """Spec, Clocks: one notice per application; a second is refused, and a manager may record a supplementary
    explanation request, which neither pauses nor restarts anything. The citizen sees it in the timeline."""
    import time_machine

    from app.procedure import clocks
    from app.procedure.models import read_state
    with time_machine.travel("2026-09-25 10:00 +0800", tick=False):  # Friday: received, review due in 7 日
        app_id = make_case(app, "under_review")
        h = staff.role("manager")["headers"]
        r = client.post(f"/api/v1/staff/applications/{app_id}/notices", json={"items": ["hukou_home"], "days": 15},
                        headers=h)
        assert r.status_code == 201
        r = client.post(f"/api/v1/staff/applications/{app_id}/notices", json={"items": ["judgment"], "days": 15},
                        headers=h)
        assert r.status_code == 409 and "一次性告知只能发出一次" in r.get_json()["message"]
        with app.app_context():
            a = db.session.get(Application, app_id)
            before = (read_state(a).review_clock_from, read_state(a).review_days, clocks.deadlines(a))
            assert before[2]["review_due"] is None and before[2]["review_days_left"] == 7  # paused by the notice
        duty = staff.role("duty_lawyer")["headers"]
        r = client.post(f"/api/v1/staff/applications/{app_id}/explanation-requests", json={"note": "请说明收入"},
                        headers=duty)
        assert r.status_code == 403  # a manager's request
        r = client.post(f"/api/v1/staff/applications/{app_id}/explanation-requests", json={"note": ""}, headers=h)
        assert r.status_code == 422 and "note" in r.get_json()["details"]["fields"]
        r = client.post(f"/api/v1/staff/applications/{app_id}/explanation-requests",
                        json={"note": "请说明配偶离职的时间"}, headers=h)
        assert r.status_code == 201
        with app.app_context():
            a = db.session.get(Application, app_id)
            assert (read_state(a).review_clock_from, read_state(a).review_days, clocks.deadlines(a)) == before
        manager = app.test_client()
        token = console_login(manager, "manager1")
        page = manager.get(f"/console/review/{app_id}").get_data(as_text=True)
        assert 'id="form-explanation"' in page and "不暂停" in page
        r = manager.post(f"/console/review/{app_id}/explanation", data={"csrf_token": token, "note": ""})
        assert r.status_code == 422  # the API's schema: the same field refused
        r = manager.post(f"/console/review/{app_id}/explanation", data={"csrf_token": token, "note": "请补充说明住址"})
        assert r.status_code == 302
    with app.app_context():
        from app.applications.models import ApplicationEvent
        events = db.session.scalars(sa.select(ApplicationEvent.note).where(
            ApplicationEvent.application_id == app_id, ApplicationEvent.action == "explanation_requested")).all()
    assert events == ["请补充说明：请说明配偶离职的时间（不影响审查期限的计算）", "请补充说明：请补充说明住址（不影响审查期限的计算）"]
