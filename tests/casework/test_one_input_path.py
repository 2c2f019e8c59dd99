"""One input path per action: the staff API and the case page load the same schema and the service holds
every rule, so both refuse the same things with the same field errors (frozen clock)."""
from __future__ import annotations

import datetime as dt
import json
import re

import time_machine

from app.applications.models import Application
from app.extensions import db
from tests.support import api_login, console_login, make_case

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing
OWED = "尚有 1 项补交材料未交（户口本首页），结案后将不再跟踪补交"


def _form_state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>', html, re.S).group(1))


def _assigned_with_backfill_owed(app, client, staff) -> int:
    app_id = make_case(app, "expedite_approved", by_phone=True)
    h = api_login(client, "manager1")
    r = client.post(f"/api/v1/staff/applications/{app_id}/assign", json={"lawyer_id": staff["aid1"]["id"]}, headers=h)
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        a = db.session.get(Application, app_id)
        assert a.status == "assigned" and a.backfill_kinds == ["hukou_home"]
    return app_id


@time_machine.travel(NOW, tick=False)
def test_closing_with_backfill_owed_needs_the_tick_through_the_api(app, client, staff):
    app_id = _assigned_with_backfill_owed(app, client, staff)
    h = api_login(client, "aid1")
    r = client.post(f"/api/v1/staff/applications/{app_id}/close", json={"outcome": "已调解结案"}, headers=h)
    assert r.status_code == 422
    assert r.get_json()["message"] == OWED
    assert r.get_json()["details"]["fields"] == {"confirm_incomplete": ["请确认后再提交"]}
    with app.app_context():
        assert db.session.get(Application, app_id).status == "assigned"
    r = client.post(f"/api/v1/staff/applications/{app_id}/close", json={"outcome": "已调解结案", "confirm_incomplete": True},
                    headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    with app.app_context():
        a = db.session.get(Application, app_id)
        assert a.closed_at == NOW and a.outcome == "已调解结案"


@time_machine.travel(NOW, tick=False)
def test_closing_with_backfill_owed_needs_the_tick_on_the_case_page(app, client, staff):
    app_id = _assigned_with_backfill_owed(app, client, staff)
    page = app.test_client()
    csrf = console_login(page, "aid1")
    detail = f"http://localhost/console/applications/{app_id}"
    r = page.post(f"/console/applications/{app_id}/actions/close", data={"csrf_token": csrf, "outcome": "已调解结案"},
                  headers={"Referer": detail})
    assert r.status_code == 422
    state = _form_state(r.get_data(as_text=True))
    assert state["message"] == OWED and state["errors"] == {"confirm_incomplete": ["请确认后再提交"]}
    with app.app_context():
        assert db.session.get(Application, app_id).status == "assigned"
    r = page.post(f"/console/applications/{app_id}/actions/close",
                  data={"csrf_token": csrf, "outcome": "已调解结案", "confirm_incomplete": "1"}, headers={"Referer": detail})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Application, app_id).status == "closed"


@time_machine.travel(NOW, tick=False)
def test_api_and_page_refuse_the_same_input_with_the_same_field_errors(app, client, staff):
    app_id = make_case(app, "under_review", by_phone=True)
    h = api_login(client, "manager1")
    api = client.post(f"/api/v1/staff/applications/{app_id}/reject", json={"grounds": ["not_in_hardship"]}, headers=h)
    page = app.test_client()
    csrf = console_login(page, "manager1")
    r = page.post(f"/console/applications/{app_id}/actions/reject", data={"csrf_token": csrf, "grounds": "not_in_hardship"},
                  headers={"Referer": f"http://localhost/console/applications/{app_id}"})
    state = _form_state(r.get_data(as_text=True))
    assert api.status_code == r.status_code == 422
    assert state["errors"] == api.get_json()["details"]["fields"] == {"reason": ["请填写不予法律援助的理由（群众可见）"]}
    assert state["message"] == "请填写不予法律援助的理由（群众可见）"  # the page leads with the one field's words
    # a date-time in the page is Beijing time, the API's carries its zone: the same instant either way
    app2 = make_case(app, "expedite_requested", by_phone=True)
    r = page.post(f"/console/applications/{app2}/actions/approve_expedite",
                  data={"csrf_token": csrf, "backfill_kinds": ["hukou_home", "id_back"], "backfill_due_at": "2026-09-28T18:00"})
    assert r.status_code == 302
    with app.app_context():
        a = db.session.get(Application, app2)
        assert a.backfill_due_at == dt.datetime(2026, 9, 28, 10, 0, tzinfo=dt.timezone.utc)
        assert a.backfill_kinds == ["hukou_home", "id_back"]
