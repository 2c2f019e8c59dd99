"""The AMI and ESL listeners against protocol-faithful fake switches: a whole call from each input, the
switch restarting mid-call, two listeners at once (each event once), a refused login."""
from __future__ import annotations

import time

import sqlalchemy as sa

from app.consultations.models import Consultation
from app.extensions import db
from app.ratings.models import Rating
from app.callbacks.models import CallbackTask
from app.telephony.bus import get_bus
from app.telephony.models import AgentState, CallEvent, LiveCall
from tests.fakes.switch_server import ami_call, esl_call

T0 = 1_796_346_000.0  # 2026-12-04 09:00:00 +08:00
CALLER = "13907101234"


def wait_for(fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _events(app, call_id):
    with app.app_context():
        out = [e for (e,) in db.session.execute(sa.select(CallEvent.event).where(CallEvent.call_id == call_id)
                                                .order_by(CallEvent.at, CallEvent.id))]
        db.session.remove()
        return out


def _call(app, call_id):
    with app.app_context():
        c = db.session.scalar(sa.select(Consultation).where(Consultation.call_id == call_id))
        db.session.expunge_all() if c is None else db.session.expunge(c)
        db.session.remove()
        return c


def test_whole_ami_call_with_screen_pop_and_survey(tapp, staff, ami, listen):
    duty = staff["duty1"]
    sub = get_bus(tapp).subscribe(f"pop:{duty['id']}")
    other = get_bus(tapp).subscribe(f"pop:{staff['duty2']['id']}")
    lst = listen(tapp, ami.url)
    ami.wait_clients(1)
    assert ami.commands[0] == "login"
    events = ami_call("1796346000.101", CALLER, duty["staff_no"], T0, survey=2)
    ami.emit(events[0])  # Newchannel: the record exists from the first event
    c = wait_for(lambda: _call(tapp, "1796346000.101"))
    assert c.source == "switch" and c.caller_masked == "139****1234" and c.region.startswith("湖北省")
    assert c.answered_at is None and c.ring_at.timestamp() == T0
    for e in events[1:]:
        ami.emit(e)
    pop = sub.get(timeout=5)
    assert pop is not None and pop[1]["caller_masked"] == "139****1234" and pop[1]["consultation_id"] == c.id
    wait_for(lambda: "ended" in _events(tapp, "1796346000.101"))
    assert _events(tapp, "1796346000.101") == ["ringing", "queued", "agent_ringing", "answered", "survey", "ended"]
    assert sub.get(timeout=0.3) is None, "one pop per ring (AgentCalled and DialBegin are the same ring)"
    assert other.get(timeout=0.1) is None, "another lawyer's page gets nothing"
    c = _call(tapp, "1796346000.101")
    assert c.wait_seconds == 3 and c.duration_seconds == 130 and c.duty_lawyer_id == duty["id"]
    assert c.agent_no == duty["staff_no"] and c.outcome == "answered"
    with tapp.app_context():
        r = db.session.scalar(sa.select(Rating).where(Rating.subject_type == "consultation", Rating.subject_id == c.id))
        assert r.stars == 2 and r.source == "phone_survey" and r.lawyer_id == duty["id"]
        task = db.session.scalar(sa.select(CallbackTask).where(CallbackTask.rating_id == r.id))
        assert task.reason == "bad_rating" and task.status == "open" and task.subject_id == c.id
        assert db.session.get(AgentState, duty["staff_no"]).state == "available"
        assert db.session.get(LiveCall, "1796346000.101").state == "ended"
    assert lst.connections == 1


def test_abandoned_ami_call(tapp, staff, ami, listen):
    listen(tapp, ami.url)
    ami.wait_clients(1)
    for e in ami_call("1796346100.7", "02785551234", staff["duty1"]["staff_no"], T0 + 100, answered=False):
        ami.emit(e)
    wait_for(lambda: "ended" in _events(tapp, "1796346100.7"))
    c = _call(tapp, "1796346100.7")
    assert c.answered_at is None and (c.ended_at - c.ring_at).total_seconds() == 20 and c.caller_kind == "landline"
    with tapp.app_context():
        assert db.session.get(LiveCall, "1796346100.7").state == "abandoned"


def test_ami_switch_restarts_mid_call(tapp, staff, ami, listen):
    lst = listen(tapp, ami.url)
    ami.wait_clients(1)
    events = ami_call("1796346200.11", CALLER, staff["duty1"]["staff_no"], T0 + 200)
    for e in events[:4]:
        ami.emit(e)
    wait_for(lambda: "agent_ringing" in _events(tapp, "1796346200.11"))
    ami.restart()  # Asterisk restarts: connection gone, the port closed for a moment
    ami.wait_clients(1)
    assert lst.connections == 2 and ami.logins == 2
    for e in events[2:]:  # the switch repeats part of the call after coming back
        ami.emit(e)
    wait_for(lambda: "ended" in _events(tapp, "1796346200.11"))
    assert _events(tapp, "1796346200.11") == ["ringing", "queued", "agent_ringing", "answered", "ended"]
    c = _call(tapp, "1796346200.11")
    assert c.wait_seconds == 3 and c.duration_seconds == 130


def test_two_ami_listeners_store_each_event_once(tapp, staff, ami, listen):
    duty = staff["duty1"]
    sub = get_bus(tapp).subscribe(f"pop:{duty['id']}")
    first, second = listen(tapp, ami.url), listen(tapp, ami.url)
    ami.wait_clients(2)
    for i in range(3):
        for e in ami_call(f"17963463{i:02d}.5", f"1387120{i:04d}", duty["staff_no"], T0 + 300 + i * 200):
            assert ami.emit(e) == 2
    for i in range(3):
        wait_for(lambda: "ended" in _events(tapp, f"17963463{i:02d}.5"))
    wait_for(lambda: first.handled == second.handled >= 15)  # the slower listener has handled its copies too
    with tapp.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallEvent)) == 15
    pops = []
    while (m := sub.get(timeout=0.3)) is not None:
        pops.append(m)
    assert len(pops) == 3


def test_ami_login_refused_then_retried(tapp, ami, listen):
    ami.secret = "other"
    lst = listen(tapp, ami.url.replace(":other@", ":s3cret@"))
    wait_for(lambda: ami.commands.count("login") >= 2)  # refused, retried with backoff
    assert lst.connections == 0 and ami.logins == 0


def test_whole_esl_call(tapp, staff, esl, listen):
    duty = staff["duty2"]
    sub = get_bus(tapp).subscribe(f"pop:{duty['id']}")
    listen(tapp, esl.url)
    esl.wait_clients(1)
    assert esl.commands[:2] == ["auth", "event plain"]
    uuid = "3f1b2a9c-5d1e-4c8a-9f00-1234567890ab"
    events = esl_call(uuid, "+8613907101234", duty["staff_no"], T0 + 1000, survey=5)
    esl.emit(events[0])
    c = wait_for(lambda: _call(tapp, uuid))
    assert c.caller_masked == "139****1234"
    for e in events[1:]:
        esl.emit(e)
    assert sub.get(timeout=5)[1]["call_id"] == uuid
    wait_for(lambda: "ended" in _events(tapp, uuid))
    assert _events(tapp, uuid) == ["ringing", "queued", "agent_ringing", "answered", "survey", "ended"]
    c = _call(tapp, uuid)
    assert c.wait_seconds == 3 and c.duration_seconds == 130 and c.duty_lawyer_id == duty["id"]
    assert c.recording_key == f"recordings/2026/12/{uuid}.wav"
    with tapp.app_context():
        r = db.session.scalar(sa.select(Rating).where(Rating.subject_id == c.id))
        assert r.stars == 5
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackTask)) == 0


def test_esl_switch_restarts_and_two_listeners(tapp, staff, esl, listen):
    first, second = listen(tapp, esl.url), listen(tapp, esl.url)
    esl.wait_clients(2)
    uuid = "9a8b7c6d-0000-4000-8000-00000000cafe"
    events = esl_call(uuid, "13871201111", staff["duty1"]["staff_no"], T0 + 2000)
    for e in events[:3]:
        esl.emit(e)
    wait_for(lambda: "queued" in _events(tapp, uuid))
    esl.restart()
    esl.wait_clients(2)
    for e in events[2:]:
        esl.emit(e)
    wait_for(lambda: "ended" in _events(tapp, uuid))
    wait_for(lambda: first.handled == second.handled >= 5)  # the slower listener has handled its copies too
    assert _events(tapp, uuid) == ["ringing", "queued", "agent_ringing", "answered", "ended"]
    with tapp.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 1
