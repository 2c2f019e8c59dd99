"""Edges of the staff procedure routes: bad input and out-of-order requests change nothing."""
from __future__ import annotations

import datetime as dt

from app.common.timeutil import local_today
from tests.support import api_login, citizen_case, make_case

S = "/api/v1/staff/applications"


def test_receive_and_grant_after_expedite_edges(app, client, fake_wechat, staff):
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    s, app_id, _ = citizen_case(client, fake_wechat)
    # nothing to receive without a notice
    r = client.post(f"{S}/{app_id}/notices/receive", json={"items": ["hukou_home"]}, headers=duty)
    assert r.status_code == 409 and r.get_json()["message"]
    due = (local_today() + dt.timedelta(days=7)).isoformat()
    assert client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home", "id_back"], "due_date": due},
                       headers=duty).status_code == 201
    before = client.get(f"{S}/{app_id}/procedure", headers=duty).get_json()
    for body in ({"items": ["passport"]}, {"items": []}, {"items": "hukou_home"}, {}):
        r = client.post(f"{S}/{app_id}/notices/receive", json=body, headers=duty)
        assert r.status_code == 422, body
    assert client.get(f"{S}/{app_id}/procedure", headers=duty).get_json()["notices"] == before["notices"]
    r = client.post(f"{S}/{app_id}/notices/receive", json={"items": ["id_back"]}, headers=duty)
    assert r.status_code == 200
    notice = r.get_json()["notices"][0]
    assert notice["status"] == "open" and [i["key"] for i in notice["items"] if i["received_at"]] == ["id_back"]
    # grant after 先行提供 only on a 先行提供 case still without a decision
    r = client.post(f"{S}/{app_id}/grant-after-expedite", json={}, headers=mgr)
    assert r.status_code == 409 and "不能" in r.get_json()["message"]
    expedited = make_case(app, "expedite_approved", by_phone=True)
    assert client.post(f"{S}/{expedited}/grant-after-expedite", json={"note": "x" * 501}, headers=mgr).status_code == 422
    r = client.post(f"{S}/{expedited}/grant-after-expedite", json={"note": "经审查符合条件"}, headers=mgr)
    assert r.status_code == 200 and r.get_json()["decision"] == "granted"
    assert [l["kind"] for l in r.get_json()["letters"]] == ["receipt", "expedite", "grant"]
    r = client.post(f"{S}/{expedited}/grant-after-expedite", json={}, headers=mgr)
    assert r.status_code == 409  # decided once


def test_decisions_out_of_order_and_unknown(app, client, fake_wechat, staff):
    mgr, bureau = api_login(client, "manager1"), api_login(client, "bureau1")
    app_id = make_case(app, "submitted", by_phone=True)
    r = client.post(f"{S}/{app_id}/approve", json={}, headers=mgr)
    assert r.status_code == 409 and "已提交" in r.get_json()["message"]
    r = client.post(f"{S}/{app_id}/terminate", json={"ground": "own_lawyer", "note": "x"}, headers=mgr)
    assert r.status_code == 409 and "已提交" in r.get_json()["message"]
    assert client.post("/api/v1/staff/objections/999999/decide", json={"decision": "uphold", "note": "x"},
                       headers=bureau).status_code == 404
    assert client.get("/api/v1/staff/objections/999999", headers=bureau).status_code == 404
    assert client.get("/api/v1/staff/objections?status=bogus", headers=bureau).status_code == 422
