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
