import datetime as dt

import sqlalchemy as sa

from app.consultations.models import Consultation
from app.extensions import db
from tests.support import log_call, recent


def test_duty_lawyer_logs_call_masked_hashed_region_and_topic(client, app, staff):
    d = staff.role("duty_lawyer")
    body = log_call(client, d["headers"], caller="+86 139-0714-1234",
                    summary="包工头拖欠工资八个月，工地老板不见了", outcome="application_started")
    assert body["caller_masked"] == "139****1234"
    assert body["region"] == "湖北省武汉市"
    assert body["duty_lawyer_id"] == d["id"]
    assert body["topic"] == "农民工欠薪" and body["topic_suggested"] is True
    assert body["wait_seconds"] == 2 and body["duration_seconds"] == 300
    assert "13907141234" not in str(body)
    with app.app_context():
        c = db.session.get(Consultation, body["id"])
        assert "13907141234" not in (c.caller_hash + c.caller_masked + (c.caller_enc or ""))
    # the clear number only through the audited reveal
    r = client.get(f"/api/v1/consultations/{body['id']}/caller-number", headers=d["headers"])
    assert r.status_code == 200 and r.get_json()["caller"] == "13907141234"
    from app.audit import AuditLog
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.action == "consultation.reveal_number")) == 1


def test_landline_region_by_area_code_and_validation(client, staff):
    h = staff.role("manager")["headers"]
    assert log_call(client, h, caller="0755-12345678")["region"] == "广东省深圳市"
    assert log_call(client, h, caller="85551234")["region"] == "湖北省武汉市"  # local number: hotline area code
    r = client.post("/api/v1/consultations", json={"caller": "12", "ring_at": recent().isoformat()}, headers=h)
    assert r.status_code == 422 and set(r.get_json()) == {"code", "message", "details"}
    ring = recent(0.01)
    r = client.post("/api/v1/consultations", json={"caller": "13907141234", "ring_at": ring.isoformat(),
                                                    "answered_at": (ring - dt.timedelta(seconds=5)).isoformat()}, headers=h)
    assert r.status_code == 422 and "应答时间" in r.get_json()["message"]
    r = client.post("/api/v1/consultations", json={"caller": "13907141234", "ring_at": ring.isoformat(), "topic": "天气"},
                    headers=h)
    assert r.status_code == 422


def test_role_checks_on_consultation_routes(client, app, staff):
    call = log_call(client, staff.role("duty_lawyer")["headers"])
    before = _count(app)
    for role in ("aid_lawyer", "supervisor", "admin"):
        r = client.post("/api/v1/consultations", json={"caller": "13907141234", "ring_at": recent().isoformat()},
                        headers=staff.role(role)["headers"])
        assert r.status_code == 403, role
    assert client.post("/api/v1/consultations", json={}).status_code == 401
    # another duty lawyer neither sees nor edits the call
    other = staff["duty2"]["headers"]
    assert client.get(f"/api/v1/consultations/{call['id']}", headers=other).status_code == 404
    assert client.patch(f"/api/v1/consultations/{call['id']}", json={"topic": "刑事"}, headers=other).status_code == 404
    assert client.get(f"/api/v1/consultations/{call['id']}/caller-number", headers=other).status_code == 404
    assert client.get("/api/v1/consultations", headers=other).get_json()["total"] == 0
    assert client.get(f"/api/v1/consultations/{call['id']}", headers=staff.role("aid_lawyer")["headers"]).status_code == 403
    # a duty lawyer cannot log a call in someone else's name
    r = client.post("/api/v1/consultations", json={"caller": "13907141234", "ring_at": recent().isoformat(),
                                                    "duty_lawyer_id": staff["duty2"]["id"]},
                    headers=staff.role("duty_lawyer")["headers"])
    assert r.status_code == 403
    assert _count(app) == before
    assert client.get(f"/api/v1/consultations/{call['id']}", headers=staff.role("supervisor")["headers"]).status_code == 200


def test_topic_change_moves_rollup_counts(client, app, staff):
    from app.consultations.rollup_models import ROLLUPS
    call = log_call(client, staff.role("duty_lawyer")["headers"], topic="婚姻家庭")
    r = client.patch(f"/api/v1/consultations/{call['id']}", json={"topic": "刑事"}, headers=staff.role("duty_lawyer")["headers"])
    assert r.status_code == 200 and r.get_json()["topic"] == "刑事"
    with app.app_context():
        t = ROLLUPS["topic"]
        counts = dict(db.session.execute(sa.select(t.c.topic, t.c.calls)).all())
        assert counts.get("刑事") == 1 and counts.get("婚姻家庭", 0) == 0


def test_idempotency_key_on_create(client, app, staff):
    h = {**staff.role("duty_lawyer")["headers"], "Idempotency-Key": "call-1"}
    body = {"caller": "13907141234", "ring_at": recent(0.01).isoformat()}
    a = client.post("/api/v1/consultations", json=body, headers=h)
    b = client.post("/api/v1/consultations", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and a.get_json()["id"] == b.get_json()["id"]
    assert _count(app) == 1


def test_suggest_topic_route(client, staff):
    r = client.post("/api/v1/consultations/suggest-topic", json={"summary": "老公家暴，想离婚，孩子抚养权"},
                    headers=staff.role("duty_lawyer")["headers"])
    assert r.status_code == 200 and r.get_json()["topic"] == "婚姻家庭"
    assert client.post("/api/v1/consultations/suggest-topic", json={"summary": "x"},
                       headers=staff.role("aid_lawyer")["headers"]).status_code == 403


def _count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Consultation))
