"""Issue 18: the API tells the citizen what they may do now (`allowed_actions`), from the declared
actions, and the server accepts exactly those: the mini-program's objection button follows it."""
from __future__ import annotations

import datetime as dt

from app.extensions import db
from tests.factories import full_application, login
from tests.support import api_login, citizen_case

A = "/api/v1/applications"
S = "/api/v1/staff/applications"


def _actions(client, s, app_id):
    r = client.get(f"{A}/{app_id}", headers=s["headers"])
    assert r.status_code == 200
    return r.get_json()["allowed_actions"]


def test_draft_and_submitted_actions_on_both_read_paths(client, fake_wechat):
    s = login(client, fake_wechat)
    r = client.post(A, json=full_application(), headers=s["headers"])
    assert r.get_json()["allowed_actions"] == ["edit", "submit", "withdraw"]  # the ORM path (ApplicationOut)
    app_id = r.get_json()["id"]
    assert _actions(client, s, app_id) == ["edit", "submit", "withdraw"]  # the fast read path
    r = client.post(f"{A}/{app_id}/submit", headers=s["headers"])
    assert r.status_code == 200 and r.get_json()["allowed_actions"] == ["withdraw", "upload"]
    assert _actions(client, s, app_id) == ["withdraw", "upload"]


def test_objection_offered_only_while_the_server_accepts_one(make_app, fake_wechat, staff):
    # a province that sets a period to object (the national law sets none: then any time)
    app = make_app(OBJECTION_PERIOD_DAYS=30)
    client = app.test_client()
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
    r = client.post(f"{S}/{app_id}/reject", json={"reason": "家庭人均月收入高于本市标准", "grounds": ["not_in_hardship"]},
                    headers=mgr)
    assert r.status_code == 200, r.get_json()
    assert _actions(client, s, app_id) == ["upload", "object"] or _actions(client, s, app_id) == ["object"]
    assert "object" in _actions(client, s, app_id)
    # the period ran out (a date in the past): no button, and the server refuses
    from app.procedure.models import ApplicationProcedure
    with app.app_context():
        a = db.session.get(ApplicationProcedure, app_id)
        kept, a.objection_due = a.objection_due, dt.date(2026, 1, 5)
        db.session.commit()
    assert "object" not in _actions(client, s, app_id)
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "家庭收入计算有误，请重新审查"}, headers=s["headers"])
    assert r.status_code == 409 and "2026-01-05" in r.get_json()["message"]
    with app.app_context():
        a = db.session.get(ApplicationProcedure, app_id)
        a.objection_due = kept
        db.session.commit()
    assert "object" in _actions(client, s, app_id)
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "家庭收入计算有误，请重新审查"}, headers=s["headers"])
    assert r.status_code == 201
    # one objection per decision: no button, and the server refuses a second
    assert "object" not in _actions(client, s, app_id)
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "再次提出异议，理由同上"}, headers=s["headers"])
    assert r.status_code == 409


def test_allowed_actions_is_an_enum_in_the_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    prop = spec["components"]["schemas"]["ApplicationOut"]["properties"]["allowed_actions"]
    assert prop["items"]["enum"] == ["edit", "submit", "withdraw", "upload", "rate", "object"]
