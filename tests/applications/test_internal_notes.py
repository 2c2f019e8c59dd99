"""Issue 9 item 5: internal notes stay internal. Each timeline event records whether the citizen sees it
(declared per action in app.applications.actions); review notes, an assignment override's note and
progress notes reach neither the citizen API nor a WeChat subscribe message, while the staff see them."""
from __future__ import annotations

import io
import json

import sqlalchemy as sa

from app.applications import actions
from app.applications.models import ApplicationEvent
from app.extensions import db
from app.notifications.models import Notification
from app.common.timeutil import local_today
from tests.factories import jpeg_bytes
from tests.support import api_login, citizen_case

SECRETS = ("审查意见：材料待核", "负责人调整指派：原推荐律师回避", "当事人情绪不稳，注意沟通方式")


def test_internal_notes_never_reach_the_citizen(app, client, fake_wechat, staff):
    s, app_id, _ = citizen_case(client, fake_wechat, kinds=())
    mgr = api_login(client, "manager1")
    base = f"/api/v1/staff/applications/{app_id}"
    assert client.post(f"{base}/start-review", json={"note": SECRETS[0]}, headers=mgr).status_code == 200
    assert client.post(f"{base}/approve", json={}, headers=mgr).status_code == 200
    r = client.post(f"{base}/assign", json={"lawyer_id": staff["aid2"]["id"], "note": SECRETS[1]}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    assert client.post(f"{base}/notes", json={"note": SECRETS[2]}, headers=mgr).status_code == 200
    # a visible note still reaches the citizen: the closing outcome (closing file, then the centre's acceptance)
    aid = api_login(client, "aid2")
    r = client.post("/api/v1/documents", headers=aid, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "other", "application_id": str(app_id)})
    assert r.status_code == 201, r.get_json()
    r = client.post(f"/api/v1/staff/applications/{app_id}/closing", headers=aid, json={
        "outcome": "document_drafted", "outcome_detail": "已代写上诉状", "matter_ended_on": local_today().isoformat(),
        "document_ids": [r.get_json()["id"]], "stage": "non_litigation", "report": "已代写上诉状并于上诉期内提交二审法院，受援人已签收。"})
    assert r.status_code == 201, r.get_json()
    scores = {"timeliness": 18, "communication": 18, "legal_work": 27, "outcome": 18, "file": 9}
    r = client.post(f"/api/v1/staff/applications/{app_id}/closing/review", headers=mgr,
                    json={"decision": "accept", "scores": scores})
    assert r.status_code == 200, r.get_json()

    # the citizen's API: the state changes are there, none of the internal notes
    detail = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"])
    body = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert not any(secret in body for secret in SECRETS)
    acts = [e["action"] for e in detail.get_json()["timeline"]]
    assert {"start_review", "approve", "assign", "close"} <= set(acts)
    assert "internal_note" not in acts and "progress_note" not in acts
    assert "已代写上诉状" in body
    listing = client.get("/api/v1/applications", headers=s["headers"]).get_data(as_text=True)
    assert not any(secret in listing for secret in SECRETS)

    # no subscribe message carries them (and one message per state change was queued)
    with app.app_context():
        messages = db.session.scalars(sa.select(Notification).where(Notification.application_id == app_id)).all()
        assert len(messages) >= 5
        sent = json.dumps([m.data for m in messages], ensure_ascii=False)
        assert not any(secret in sent for secret in SECRETS)
        # each event records its visibility: the internal ones are the notes
        events = db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == app_id)).all()
        hidden = {e.note for e in events if not e.citizen_visible}
        assert hidden == set(SECRETS)

    # the staff see every note, each marked with whether the citizen sees it
    staff_view = client.get(base, headers=mgr).get_json()["timeline"]
    assert {e["note"] for e in staff_view if e["citizen_visible"] is False} == set(SECRETS)


def test_each_action_declares_whether_the_citizen_sees_its_note():
    internal = {name for name, a in actions.ACTIONS.items() if not a.citizen_sees_note}
    assert {"start_review", "approve", "assign", "progress_note", "request_expedite", "deny_expedite"} <= internal
    # refusals give their reasons to the citizen; the outcome and the backfill list are theirs too
    assert {"reject", "close", "approve_expedite", "withdraw", "submit"}.isdisjoint(internal)
    assert actions.citizen_sees("internal_note") is False and actions.citizen_sees("document_rejected") is True
