"""The citizen read path (detail and list): one statement that joins the token check and the owned
rows, run without a transaction, serialised without the ORM. It must answer exactly what the
marshmallow schemas would, and keep every refusal of the guard layer."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import joinedload

from app.applications import service
from app.applications.models import Application
from app.applications.schemas import ApplicationOut, ApplicationPageOut
from app.auth.models import Citizen
from app.auth.service import create_staff, issue_tokens
from app.extensions import db
from tests.factories import full_application, login


def _draft(client, s, **data):
    r = client.post("/api/v1/applications", json=data or full_application(), headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _orm(app_id):
    db.session.expire_all()
    return db.session.scalars(sa.select(Application).options(joinedload(Application.events))
                              .where(Application.id == app_id)).unique().first()


@time_machine.travel(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc), tick=False)  # Friday 10:00 in Beijing
def test_fast_detail_matches_the_schema(client, fake_wechat, app):
    """Through every step that changes what the detail shows (timeline, expedite, backfill, lawyer)."""
    s = login(client, fake_wechat)
    a = _draft(client, s, **full_application(legal_deadline="2026-09-26"))
    with app.test_request_context():
        duty = create_staff("duty-x", "password-123", "duty_lawyer")
        mgr = create_staff("mgr-x", "password-123", "manager")
        aid = create_staff("aid-x", "password-123", "aid_lawyer", full_name="李律师", phone="13800000000")
        citizen = db.session.get(Citizen, s["user"]["id"])
        app_ = db.session.get(Application, a["id"])
        steps = [(citizen, "submit", {}), (duty, "request_expedite", {}),
                 (mgr, "approve_expedite", {"backfill_kinds": ["hukou_member"],
                                            "backfill_due_at": dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.timezone.utc)}),
                 (mgr, "assign", {"assigned_lawyer_id": aid.id})]
        for actor, action, extra in [(None, None, None)] + steps:
            if action:
                service.transition(actor, app_, action, **extra)
                db.session.commit()
            expected = ApplicationOut().dump(_orm(a["id"]))
            r = client.get(f"/api/v1/applications/{a['id']}", headers=s["headers"])
            assert r.status_code == 200 and r.mimetype == "application/json"
            assert r.get_json() == expected, action
        assert r.get_json()["assigned_lawyer"]["name"] == "李律师"
        assert r.get_json()["backfill"]["missing"][0]["kind"] == "hukou_member"
        assert r.get_json()["backfill"]["due_at"] == "2026-09-28T02:00:00+00:00"
        assert r.get_json()["is_urgent"] is True


def test_fast_list_matches_the_schema_and_paginates(client, fake_wechat, app):
    s = login(client, fake_wechat)
    other = login(client, fake_wechat)
    ids = [_draft(client, s, **full_application(applicant_name=f"申请人{i}"))["id"] for i in range(5)]
    _draft(client, other)
    assert client.post(f"/api/v1/applications/{ids[1]}/submit", headers=s["headers"]).status_code == 200
    with app.app_context():
        def expected(status, page, size):
            stmt = sa.select(Application).where(Application.citizen_id == s["user"]["id"])
            if status:
                stmt = stmt.where(Application.status == status)
            rows = db.session.scalars(stmt.order_by(Application.created_at.desc(), Application.id.desc())).all()
            return ApplicationPageOut().dump({"items": rows[(page - 1) * size:page * size], "page": page,
                                              "page_size": size, "total": len(rows)})
        for query in ({}, {"page": 2, "page_size": 2}, {"page": 3, "page_size": 2}, {"page": 9, "page_size": 2},
                      {"status": "submitted"}, {"status": "draft", "page_size": 3}, {"status": "closed"},
                      {"status": "closed", "page": 2}):
            r = client.get("/api/v1/applications", query_string=query, headers=s["headers"])
            assert r.status_code == 200, r.get_json()
            want = expected(query.get("status"), query.get("page", 1), query.get("page_size", 20))
            assert r.get_json() == want, query
    body = client.get("/api/v1/applications", headers=s["headers"]).get_json()
    assert [i["id"] for i in body["items"]] == ids[::-1]  # newest first, and none of the other citizen's
    assert all("*" in i["id_number_masked"] and "id_number" not in i for i in body["items"])
    r = client.get("/api/v1/applications", query_string={"page_size": 500}, headers=s["headers"])
    assert r.status_code == 422


def test_parameters_of_every_size_on_one_connection(client, fake_wechat, app):
    """On PostgreSQL the reads are prepared once per connection and run with binary parameters, whose
    type follows the value (an int is sent as int2, int4 or int8 by its size): small and large ids and
    offsets must each find their statement, one after the other."""
    s = login(client, fake_wechat)
    app_id = _draft(client, s)["id"]
    for _ in range(2):
        for id_ in (app_id, 40_000, 2_147_483_647, app_id):
            r = client.get(f"/api/v1/applications/{id_}", headers=s["headers"])
            assert r.status_code == (200 if id_ == app_id else 404), (id_, r.get_json())
        for page in (1, 2, 1_000, 100_000, 1):
            r = client.get("/api/v1/applications", query_string={"page": page, "page_size": 50}, headers=s["headers"])
            assert r.status_code == 200 and r.get_json()["total"] == 1, (page, r.get_json())


@pytest.mark.parametrize("path", ["/api/v1/applications/{id}", "/api/v1/applications"])
def test_guard_refusals_on_the_read_path(client, fake_wechat, app, path):
    s = login(client, fake_wechat)
    other = login(client, fake_wechat)
    a = _draft(client, s)
    url = path.format(id=a["id"])
    assert client.get(url, headers=s["headers"]).status_code == 200
    # no token, a malformed header, an unknown token: 401 with the API's error shape
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not-a-token"}):
        r = client.get(url, headers=headers)
        assert r.status_code == 401 and r.get_json()["code"] in ("unauthorized", "invalid_token"), headers
    # a staff token on a citizen route: 403; a disabled staff account: 401
    with app.test_request_context():
        staff_id = create_staff("mgr-read", "password-123", "manager").id
        token = issue_tokens("staff", staff_id)["access_token"]
        db.session.commit()
    r = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and "小程序" in r.get_json()["message"]
    with app.app_context():
        db.session.execute(sa.text("UPDATE staff_users SET is_active = :f WHERE id = :i"), {"f": False, "i": staff_id})
        db.session.commit()
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # another citizen's application is indistinguishable from a missing one
    if "{id}" in path:
        r = client.get(url, headers=other["headers"])
        assert r.status_code == 404 and "刘建国" not in r.get_data(as_text=True)
        assert client.get(path.format(id=a["id"] + 999), headers=s["headers"]).status_code == 404
    else:
        assert client.get(url, headers=other["headers"]).get_json()["total"] == 0


@pytest.mark.parametrize("path", ["/api/v1/applications/{id}", "/api/v1/applications"])
def test_logout_and_expiry_fail_on_the_very_next_request(client, fake_wechat, app, path):
    s = login(client, fake_wechat)
    url = path.format(id=_draft(client, s)["id"])
    assert client.get(url, headers=s["headers"]).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=s["headers"]).status_code == 204
    assert client.get(url, headers=s["headers"]).status_code == 401
    s2 = login(client, fake_wechat)
    url2 = path.format(id=_draft(client, s2)["id"])
    assert client.get(url2, headers=s2["headers"]).status_code == 200
    with app.app_context():  # the token expires (clock moved past it)
        db.session.execute(sa.text("UPDATE auth_tokens SET expires_at = :t WHERE subject_id = :i"),
                           {"t": dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1), "i": s2["user"]["id"]})
        db.session.commit()
    assert client.get(url2, headers=s2["headers"]).status_code == 401


def test_a_citizen_read_view_that_skips_the_guard_fails_closed(app):
    """`citizen_read` refuses to send what a view computed without running `owned_rows`."""
    from flask import g

    from app.auth.guards import citizen_read

    @citizen_read
    def leaky():
        return {"secret": 1}

    with app.test_request_context(headers={"Authorization": "Bearer whatever"}):
        with pytest.raises(RuntimeError):
            leaky()
        assert g._owned_read_checked is False
