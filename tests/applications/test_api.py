import datetime as dt

import sqlalchemy as sa
import time_machine

from app.applications import service
from app.applications.models import Application, ApplicationEvent
from app.extensions import db
from tests.factories import full_application, login


def _draft(client, s, **data):
    r = client.post("/api/v1/applications", json=data or full_application(), headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_create_edit_submit_and_timeline(client, fake_wechat):
    s = login(client, fake_wechat)
    a = _draft(client, s, applicant_name="刘建国", category="农民工欠薪")
    assert a["status"] == "draft" and a["reference"].startswith("FY")
    r = client.patch(f"/api/v1/applications/{a['id']}", json=full_application(), headers=s["headers"])
    assert r.status_code == 200
    r = client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"])
    assert r.status_code == 200 and r.get_json()["status"] == "submitted"
    d = client.get(f"/api/v1/applications/{a['id']}", headers=s["headers"]).get_json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in d["timeline"]] == [
        ("create", None, "draft"), ("submit", "draft", "submitted")]
    assert d["timeline"][1]["actor_name"] == "申请人"
    # subscribe messages went to the citizen through the fake WeChat server: the status and the 收件回执
    assert len(fake_wechat.sent) == 2
    assert fake_wechat.sent[0]["touser"] == s["openid"]
    assert fake_wechat.sent[0]["data"]["phrase2"]["value"] == "已提交"
    assert fake_wechat.sent[1]["data"]["thing1"]["value"] == "收件回执"


def test_submit_incomplete_lists_missing_fields_and_changes_nothing(client, fake_wechat, app):
    s = login(client, fake_wechat)
    a = _draft(client, s, applicant_name="张三", service_type="representation")
    r = client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"])
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == "incomplete_application"
    for f in ("id_number", "phone", "opposing_party", "hukou_address"):
        assert f in body["details"]["fields"]
    with app.app_context():
        assert db.session.get(Application, a["id"]).status == "draft"


def test_required_fields_depend_on_service_type(client, fake_wechat):
    s = login(client, fake_wechat)
    advice = full_application(service_type="advice", opposing_party=None, hardship_category=None,
                              hukou_address=None, current_address=None, sex=None)
    a = _draft(client, s, **advice)
    assert client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"]).status_code == 200
    # the same answers asking for representation are not enough: it needs more than advice
    rep = _draft(client, s, **{**advice, "service_type": "representation"})
    r = client.post(f"/api/v1/applications/{rep['id']}/submit", headers=s["headers"])
    assert r.status_code == 422 and r.get_json()["code"] == "incomplete_application"
    assert {"opposing_party", "hardship_category", "current_address", "sex", "hukou_address"} <= set(
        r.get_json()["details"]["fields"])
    assert client.get(f"/api/v1/applications/{rep['id']}", headers=s["headers"]).get_json()["status"] == "draft"


def test_invalid_id_number_and_phone_rejected(client, fake_wechat):
    s = login(client, fake_wechat)
    bad_id = full_application(id_number="420102198506151230")  # wrong check digit
    r = client.post("/api/v1/applications", json=bad_id, headers=s["headers"])
    assert r.status_code == 422 and "id_number" in r.get_json()["details"]["fields"]
    r = client.post("/api/v1/applications", json=full_application(phone="12345"), headers=s["headers"])
    assert r.status_code == 422 and "phone" in r.get_json()["details"]["fields"]
    r = client.post("/api/v1/applications", json=full_application(category="火星法"), headers=s["headers"])
    assert r.status_code == 422
    r = client.post("/api/v1/applications", json={"status": "approved"}, headers=s["headers"])
    assert r.status_code == 422  # unknown field (status is not writable)
    assert client.get("/api/v1/applications", headers=s["headers"]).get_json()["total"] == 0


def test_birth_date_and_sex_must_agree_with_id(client, fake_wechat):
    s = login(client, fake_wechat)
    a = _draft(client, s, **full_application(birth_date="1990-01-01", sex="女"))
    r = client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"])
    assert r.status_code == 422
    assert {"birth_date", "sex"} <= set(r.get_json()["details"]["fields"])


def test_illegal_transitions_refused_with_409(client, fake_wechat):
    s = login(client, fake_wechat)
    a = _draft(client, s)
    assert client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"]).status_code == 200
    r = client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"])
    assert r.status_code == 409 and r.get_json()["code"] == "invalid_transition"
    assert "已提交" in r.get_json()["message"]
    r = client.patch(f"/api/v1/applications/{a['id']}", json={"description": "改一下"}, headers=s["headers"])
    assert r.status_code == 409
    assert client.post(f"/api/v1/applications/{a['id']}/withdraw", json={"reason": "已和解"},
                       headers=s["headers"]).status_code == 200
    r = client.post(f"/api/v1/applications/{a['id']}/withdraw", json={}, headers=s["headers"])
    assert r.status_code == 409


def test_state_machine_service_roles(app, fake_wechat, client):
    """Staff transitions through the service: wrong role refused, each step on the timeline."""
    import pytest

    from app import errors
    from app.applications import service
    from app.auth.models import Citizen
    from app.auth.service import create_staff
    s = login(client, fake_wechat)
    a = _draft(client, s)
    with app.app_context():
        duty = create_staff("duty", "password-123", "duty_lawyer")
        mgr = create_staff("mgr", "password-123", "manager")
        aid = create_staff("aid", "password-123", "aid_lawyer", full_name="李律师")
        citizen = db.session.get(Citizen, s["user"]["id"])
        app_ = db.session.get(Application, a["id"])
        service.transition(citizen, app_, "submit")
        with pytest.raises(errors.Forbidden):
            service.transition(citizen, app_, "start_review")
        service.transition(duty, app_, "request_expedite", note="明天上诉期届满")
        with pytest.raises(errors.Forbidden):
            service.transition(duty, app_, "approve_expedite")
        service.transition(mgr, app_, "approve_expedite", backfill_kinds=["hukou_member"],
                           backfill_due_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3))
        with pytest.raises(errors.InvalidTransition):
            service.transition(aid, app_, "submit_closing")
        with pytest.raises(errors.Forbidden):  # the centre closes (after its closing review), not the lawyer
            service.transition(aid, app_, "close")
        service.transition(mgr, app_, "assign", assigned_lawyer_id=aid.id)
        assert app_.assigned_at is not None
        actions = db.session.scalars(sa.select(ApplicationEvent.action).where(
            ApplicationEvent.application_id == app_.id, ApplicationEvent.citizen_visible.is_(True))
            .order_by(ApplicationEvent.id)).all()
        assert actions == ["create", "submit", "request_expedite", "approve_expedite", "assign"]
        # the duty lawyer's expedite reason is for the manager: an internal note beside the state change
        internal = db.session.scalars(sa.select(ApplicationEvent.note).where(
            ApplicationEvent.application_id == app_.id, ApplicationEvent.citizen_visible.is_(False))).all()
        assert internal == ["明天上诉期届满"]
    d = client.get(f"/api/v1/applications/{a['id']}", headers=s["headers"]).get_json()
    assert d["status"] == "assigned" and d["assigned_lawyer"]["name"] == "李律师"
    assert d["backfill"]["missing"][0]["kind"] == "hukou_member" and d["backfill"]["complete"] is False


@time_machine.travel(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc), tick=False)  # Friday 10:00 in Beijing
def test_urgent_when_deadline_within_72_hours(client, fake_wechat):
    s = login(client, fake_wechat)
    a = _draft(client, s, **full_application(legal_deadline="2026-09-26"))
    b = _draft(client, s, **full_application(legal_deadline="2026-10-25"))
    assert a["is_urgent"] is True and b["is_urgent"] is False


def test_other_citizen_gets_404_and_no_data(client, fake_wechat, app):
    owner = login(client, fake_wechat, "owner")
    other = login(client, fake_wechat, "other")
    a = _draft(client, owner)
    for method, url, body in (
        ("get", f"/api/v1/applications/{a['id']}", None),
        ("patch", f"/api/v1/applications/{a['id']}", {"description": "篡改内容"}),
        ("post", f"/api/v1/applications/{a['id']}/submit", None),
        ("post", f"/api/v1/applications/{a['id']}/withdraw", {}),
        ("get", f"/api/v1/applications/{a['id']}/documents", None),
        ("post", f"/api/v1/applications/{a['id']}/rating", {"stars": 1}),
    ):
        r = getattr(client, method)(url, json=body, headers=other["headers"])
        assert r.status_code == 404, (method, url, r.status_code)
        assert "刘建国" not in r.get_data(as_text=True)
    assert client.get("/api/v1/applications", headers=other["headers"]).get_json()["total"] == 0
    with app.app_context():
        app_ = db.session.get(Application, a["id"])
        assert app_.status == "draft" and app_.description != "篡改内容"


def test_no_token_401_everywhere(client):
    for method, url in (("get", "/api/v1/applications"), ("post", "/api/v1/applications"),
                        ("get", "/api/v1/applications/1"), ("patch", "/api/v1/applications/1"),
                        ("post", "/api/v1/applications/1/submit"), ("post", "/api/v1/applications/1/withdraw"),
                        ("post", "/api/v1/documents"), ("get", "/api/v1/documents/1"),
                        ("get", "/api/v1/documents/1/url"), ("post", "/api/v1/applications/1/rating")):
        r = getattr(client, method)(url, json={})
        assert r.status_code == 401, (method, url)
        assert r.get_json()["code"] in ("unauthorized", "invalid_token")


def test_list_is_paginated_and_masks_id_numbers(client, fake_wechat):
    s = login(client, fake_wechat)
    for _ in range(3):
        _draft(client, s)
    r = client.get("/api/v1/applications?page=1&page_size=2", headers=s["headers"]).get_json()
    assert r["total"] == 3 and len(r["items"]) == 2 and r["page_size"] == 2
    item = r["items"][0]
    assert "id_number" not in item
    assert item["id_number_masked"].startswith("420102") and "*" in item["id_number_masked"]
    assert client.get("/api/v1/applications?page_size=1000", headers=s["headers"]).status_code == 422
    assert client.get("/api/v1/applications?status=bogus", headers=s["headers"]).status_code == 422


def test_idempotent_create(client, fake_wechat, app):
    s = login(client, fake_wechat)
    h = {**s["headers"], "Idempotency-Key": "k-123"}
    r1 = client.post("/api/v1/applications", json=full_application(), headers=h)
    r2 = client.post("/api/v1/applications", json=full_application(), headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r1.get_json()["id"] == r2.get_json()["id"]
    assert r2.headers.get("Idempotent-Replayed") == "true"
    assert client.get("/api/v1/applications", headers=s["headers"]).get_json()["total"] == 1
    # same key, different body: refused, nothing created
    r3 = client.post("/api/v1/applications", json=full_application(applicant_name="别人"), headers=h)
    assert r3.status_code == 422 and r3.get_json()["code"] == "idempotency_key_reused"
    # keys are per user: another citizen may use the same key
    o = login(client, fake_wechat)
    r4 = client.post("/api/v1/applications", json=full_application(), headers={**o["headers"], "Idempotency-Key": "k-123"})
    assert r4.status_code == 201 and r4.get_json()["id"] != r1.get_json()["id"]


def test_failed_request_does_not_burn_the_key(client, fake_wechat):
    s = login(client, fake_wechat)
    h = {**s["headers"], "Idempotency-Key": "k-bad"}
    assert client.post("/api/v1/applications", json=full_application(phone="1"), headers=h).status_code == 422
    assert client.post("/api/v1/applications", json=full_application(), headers=h).status_code == 201


def test_risky_text_refused_by_msg_sec_check(client, fake_wechat):
    s = login(client, fake_wechat)
    fake_wechat.add_risky_word("违禁内容")
    r = client.post("/api/v1/applications", json=full_application(description="这里有违禁内容需要处理一下"),
                    headers=s["headers"])
    assert r.status_code == 422 and r.get_json()["code"] == "content_risky"
    assert fake_wechat.requests_to("/wxa/msg_sec_check")
    assert client.get("/api/v1/applications", headers=s["headers"]).get_json()["total"] == 0


def test_phone_intake_is_linked_when_the_caller_binds_that_phone(client, fake_wechat, app):
    """A duty lawyer opens an application for a caller; once the caller binds the same phone in the
    mini-program, the case is theirs to follow and to add documents to. Others' numbers link nothing."""
    import io

    from app.auth.service import create_staff
    from tests.factories import jpeg_bytes
    with app.app_context():
        duty = create_staff("duty-link", "password-123", "duty_lawyer")
        intake = service.create_draft(duty, {"applicant_name": "来电人", "phone": "13900001111",
                                             "description": "电话反映被拖欠工资三个月"})
        service.transition(duty, intake, "submit")
        other = service.create_draft(duty, {"applicant_name": "别人", "phone": "13900002222", "description": "另一个来电人"})
        intake_id, other_id = intake.id, other.id
    s = login(client, fake_wechat)
    assert client.get("/api/v1/applications", headers=s["headers"]).get_json()["total"] == 0
    fake_wechat.add_phone_code("ph", "13900001111")
    assert client.post("/api/v1/me/phone", json={"code": "ph"}, headers=s["headers"]).status_code == 200
    items = client.get("/api/v1/applications", headers=s["headers"]).get_json()["items"]
    assert [i["id"] for i in items] == [intake_id]
    detail = client.get(f"/api/v1/applications/{intake_id}", headers=s["headers"]).get_json()
    assert detail["timeline"][-1]["action"] == "linked_to_citizen"
    r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                    data={"file": (io.BytesIO(jpeg_bytes()), "id.jpg"), "kind": "id_front",
                          "application_id": str(intake_id)})
    assert r.status_code == 201
    assert client.get(f"/api/v1/applications/{other_id}", headers=s["headers"]).status_code == 404


def test_retried_submit_with_idempotency_key_returns_the_first_answer(client, fake_wechat, app):
    s = login(client, fake_wechat)
    a = _draft(client, s)
    h = {**s["headers"], "Idempotency-Key": "submit-1"}
    r1 = client.post(f"/api/v1/applications/{a['id']}/submit", headers=h)
    r2 = client.post(f"/api/v1/applications/{a['id']}/submit", headers=h)
    assert r1.status_code == r2.status_code == 200
    assert r2.headers.get("Idempotent-Replayed") == "true" and r2.get_json()["status"] == "submitted"
    with app.app_context():
        events = db.session.scalars(sa.select(ApplicationEvent.action).where(
            ApplicationEvent.application_id == a["id"])).all()
        assert events.count("submit") == 1
    assert len(fake_wechat.sent) == 2  # the status and the receipt once, not twice
    # without a key the second submit is the illegal transition it is
    assert client.post(f"/api/v1/applications/{a['id']}/submit", headers=s["headers"]).status_code == 409
