"""The signed webhook: a whole call, a replayed request, bad signatures and stale timestamps refused,
bad events refused with nothing stored; the wallboard and /metrics figures; the do-not-call flag."""
from __future__ import annotations

import datetime as dt
import json
import time

import sqlalchemy as sa

from app.consultations.models import Consultation
from app.extensions import db
from app.telephony.bus import get_bus
from app.telephony.models import CallEvent
from app.telephony.webhook import sign
from tests.telephony.conftest import SECRET

URL = "/api/v1/telephony/events"


def post(client, payload, *, secret=SECRET, ts=None, body=None, signature=None):
    body = body if body is not None else json.dumps(payload).encode()
    ts = str(int(time.time())) if ts is None else str(ts)
    sig = signature if signature is not None else sign(secret, ts, body)
    return client.post(URL, data=body, headers={"Content-Type": "application/json", "X-Telephony-Timestamp": ts,
                                                "X-Telephony-Signature": sig})


def _local(h, m, s=0):
    return dt.datetime(2026, 12, 4, h, m, s, tzinfo=dt.timezone(dt.timedelta(hours=8))).isoformat()


def call(call_id, agent, caller="13907101234"):
    return [
        {"call_id": call_id, "event": "ringing", "at": _local(9, 0), "caller": caller},
        {"call_id": call_id, "event": "queued", "at": _local(9, 0, 1), "caller": caller, "queue": "12348"},
        {"call_id": call_id, "event": "agent_ringing", "at": _local(9, 0, 2), "caller": caller, "agent": agent},
        {"call_id": call_id, "event": "answered", "at": _local(9, 0, 4), "caller": caller, "agent": agent},
        {"call_id": call_id, "event": "ended", "at": _local(9, 5, 4), "caller": caller, "recording": "recordings/x.wav"},
    ]


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_whole_call_by_webhook_then_survey(tapp, staff):
    client = tapp.test_client()
    duty = staff["duty1"]
    sub = get_bus(tapp).subscribe(f"pop:{duty['id']}")
    r = post(client, call("cc-1", duty["staff_no"])[:1])
    assert r.status_code == 200 and r.json == {"stored": 1, "duplicates": 0}
    r = post(client, call("cc-1", duty["staff_no"])[1:])
    assert r.status_code == 200 and r.json == {"stored": 4, "duplicates": 0}
    pop = sub.get(timeout=1)[1]
    assert pop["caller_masked"] == "139****1234" and pop["calls_7d"] == 0 and pop["do_not_call"] is False
    with tapp.app_context():
        c = db.session.scalar(sa.select(Consultation).where(Consultation.call_id == "cc-1"))
        assert (c.wait_seconds, c.duration_seconds, c.duty_lawyer_id, c.recording_key) == (4, 300, duty["id"], "recordings/x.wav")
    r = post(client, {"call_id": "cc-1", "score": 1})
    assert r.status_code == 200 and r.json["stored"] == 1
    r = post(client, {"call_id": "cc-1", "score": 5})  # a second survey result of the same call: ignored
    assert r.json == {"stored": 0, "duplicates": 1}


def test_same_events_again_change_nothing(tapp, staff):
    client = tapp.test_client()
    events = call("cc-2", staff["duty1"]["staff_no"])
    assert post(client, events).json == {"stored": 5, "duplicates": 0}
    assert post(client, events, ts=int(time.time()) - 5).json == {"stored": 0, "duplicates": 5}  # re-sent, signed anew
    assert count(tapp, CallEvent) == 5 and count(tapp, Consultation) == 1


def test_replayed_request_refused(tapp, staff):
    client = tapp.test_client()
    body = json.dumps(call("cc-3", staff["duty1"]["staff_no"])[:2]).encode()
    ts = str(int(time.time()))
    first = post(client, None, body=body, ts=ts)
    assert first.status_code == 200
    again = post(client, None, body=body, ts=ts)
    assert again.status_code == 409 and again.json["code"] == "replayed" and "重复" in again.json["message"]
    assert count(tapp, CallEvent) == 2


def test_bad_signature_and_stale_timestamp_refused(tapp, staff):
    client = tapp.test_client()
    events = call("cc-4", staff["duty1"]["staff_no"])
    r = post(client, events, secret="wrong-secret")
    assert r.status_code == 401 and r.json["code"] == "bad_signature" and r.json["message"] == "签名无效"
    r = post(client, events, signature="")
    assert r.status_code == 401 and "缺少签名" in r.json["message"]
    body = json.dumps(events).encode()
    tampered = body.replace(b"13907101234", b"13907109999")
    ts = str(int(time.time()))
    r = post(client, None, body=tampered, ts=ts, signature=sign(SECRET, ts, body))
    assert r.status_code == 401
    r = post(client, events, ts=int(time.time()) - 301)
    assert r.status_code == 401 and r.json["code"] == "stale_timestamp" and "±300 秒" in r.json["message"]
    r = post(client, events, ts=int(time.time()) + 301)
    assert r.status_code == 401 and r.json["code"] == "stale_timestamp"
    r = post(client, events, ts="yesterday")
    assert r.status_code == 401 and r.json["code"] == "bad_timestamp"
    assert count(tapp, CallEvent) == 0 and count(tapp, Consultation) == 0


def test_signature_with_prefix_and_window_edge(tapp, staff):
    client = tapp.test_client()
    events = call("cc-5", staff["duty1"]["staff_no"])[:1]
    ts = int(time.time()) - 299
    body = json.dumps(events).encode()
    r = post(client, None, body=body, ts=ts, signature="sha256=" + sign(SECRET, ts, body).upper())
    assert r.status_code == 200


def test_unconfigured_secret_refuses(make_app, staff):
    app = make_app(TELEPHONY_WEBHOOK_SECRET=None)
    r = post(app.test_client(), [{"call_id": "x", "event": "ringing", "at": _local(9, 0), "caller": "13907101234"}])
    assert r.status_code == 503 and r.json["code"] == "webhook_not_configured"


def test_bad_events_refuse_the_whole_request(tapp, staff):
    client = tapp.test_client()
    good = call("cc-6", staff["duty1"]["staff_no"])[0]
    r = post(client, [good, {"call_id": "cc-6", "event": "exploded", "at": _local(9, 1)},
                      {"call_id": "cc-6", "event": "ended", "at": "2026-12-04 09:00"},
                      {"call_id": "cc-6", "score": 9}])
    assert r.status_code == 422
    fields = r.json["details"]["fields"]
    assert fields["1"] == ["未知的事件类型：exploded"] and "时区" in fields["2"][0] and fields["3"] == ["评分应为 1–5 的整数"]
    r = post(client, None, body=b"{not json")
    assert r.status_code == 400 and r.json["message"] == "请求体不是有效的 JSON"
    assert count(tapp, CallEvent) == 0


def test_wallboard_figures_page_and_metrics(tapp, staff, monkeypatch):
    from app.telephony import wallboard
    client = tapp.test_client()
    duty = staff["duty1"]["staff_no"]
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    at = lambda s: (now + dt.timedelta(seconds=s)).isoformat()  # noqa: E731
    events = [
        # answered in 2 s
        {"call_id": "w1", "event": "ringing", "at": at(-600), "caller": "13907100001"},
        {"call_id": "w1", "event": "answered", "at": at(-598), "caller": "13907100001", "agent": duty},
        {"call_id": "w1", "event": "ended", "at": at(-500)},
        # answered in 10 s (outside the 3 s target)
        {"call_id": "w2", "event": "ringing", "at": at(-400), "caller": "13907100002"},
        {"call_id": "w2", "event": "answered", "at": at(-390), "caller": "13907100002", "agent": "D9"},
        # abandoned after 30 s (counted), and after 3 s (not counted)
        {"call_id": "w3", "event": "ringing", "at": at(-300), "caller": "13907100003"},
        {"call_id": "w3", "event": "abandoned", "at": at(-270)},
        {"call_id": "w4", "event": "ringing", "at": at(-200), "caller": "13907100004"},
        {"call_id": "w4", "event": "abandoned", "at": at(-197)},
        # waiting now for 40 s
        {"call_id": "w5", "event": "ringing", "at": at(-45), "caller": "13907100005"},
        {"call_id": "w5", "event": "queued", "at": at(-40), "caller": "13907100005", "queue": "12348"},
    ]
    assert post(client, events).json["stored"] == 11
    with tapp.app_context():
        f = wallboard.figures()
    assert f["waiting"] == 1 and 39 <= f["longest_wait_seconds"] <= 45
    assert f["offered"] == 5 and f["answered"] == 2 and f["abandoned"] == 1 and f["short_abandons"] == 1
    assert f["answered_within_target"] == 1 and f["service_level"] == 0.5 and f["average_speed_of_answer"] == 6.0
    assert f["abandon_rate"] == round(1 / 3, 4)
    assert f["agents"]["available"] == 1 and f["agents"]["on_call"] == 1  # duty1's call ended; D9 still talking
    assert sum(f["calls_per_hour"]) == 5
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "legalaid_hotline_waiting 1.0" in metrics
    assert 'legalaid_hotline_calls_today{kind="offered"} 5.0' in metrics
    assert "legalaid_hotline_service_level 0.5" in metrics
    assert 'legalaid_hotline_agents{state="on_call"} 1.0' in metrics


def test_do_not_call_flag_shows_in_the_next_pop(tapp, staff):
    client = tapp.test_client()
    duty = staff["duty1"]
    post(client, call("d-1", duty["staff_no"]))
    with tapp.app_context():
        cid = db.session.scalar(sa.select(Consultation.id).where(Consultation.call_id == "d-1"))
    r = client.put(f"/api/v1/telephony/consultations/{cid}/do-not-call", json={"do_not_call": True, "note": "本人要求"},
                   headers=staff["duty2"]["headers"])
    assert r.status_code == 404  # another lawyer's call
    r = client.put(f"/api/v1/telephony/consultations/{cid}/do-not-call", json={"do_not_call": True, "note": "本人要求"},
                   headers=staff["aid1"]["headers"])
    assert r.status_code == 403
    r = client.put(f"/api/v1/telephony/consultations/{cid}/do-not-call", json={"do_not_call": True, "note": "本人要求"},
                   headers=duty["headers"])
    assert r.status_code == 200 and r.json["do_not_call"] is True
    sub = get_bus(tapp).subscribe(f"pop:{duty['id']}")
    events = call("d-2", duty["staff_no"])
    for e in events:
        e["at"] = e["at"].replace("09:", "10:")
    post(client, events[:3])
    pop = sub.get(timeout=1)[1]
    assert pop["do_not_call"] is True and pop["do_not_call_note"] == "本人要求"
    assert pop["calls_7d"] == 1 and pop["recent_calls"][0]["outcome"] == "已解答"


def test_wallboard_page_and_stream_by_role(tapp, staff):
    from tests.support import console_login
    client = tapp.test_client()
    console_login(client, "manager1")
    page = client.get("/console/wallboard")
    assert page.status_code == 200 and "话务实时情况" in page.get_data(as_text=True)
    assert 'data-stream="/console/telephony/stream?wallboard=1"' in page.get_data(as_text=True)
    home = client.get("/console/")
    assert home.status_code == 200 and 'id="wallboard"' in home.get_data(as_text=True)
    assert client.get("/console/wallboard.json").json["waiting"] == 0
    duty = tapp.test_client()
    console_login(duty, "duty1")
    assert duty.get("/console/wallboard").status_code == 403
    home = duty.get("/console/").get_data(as_text=True)
    assert 'data-stream="/console/telephony/stream"' in home and 'id="wallboard"' not in home
    aid = tapp.test_client()
    console_login(aid, "aid1")
    assert 'id="screen-pop"' not in aid.get("/console/").get_data(as_text=True)
    assert aid.get("/console/telephony/stream").status_code == 403
