"""Taking call events: each stored once, the call's consultation kept in step from the first event,
the live state of calls and agents, the screen pop for the ringing lawyer, the phone survey.

Every input (webhook, AMI, ESL, demo switch) calls `ingest`. An event is stored once per
(call_id, event, at) — and the events a call has once (ringing, queued, answered, ended, abandoned,
survey) once per call — by a unique insert; only the process whose insert won applies it, so two
listeners, a reconnect or a replayed webhook change nothing twice and pop the screen once."""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.audit import record as audit
from app.auth.models import StaffUser
from app.centres import service as centres
from app.common import crypto
from app.common.crypto import phone_hash
from app.common.models import built_once, upsert_insert
from app.common.timeutil import LOCAL_TZ, utcnow
from app.consultations import phones, rollups
from app.consultations import service as consultations
from app.consultations.models import Consultation
from app.consultations.service import build_row, default_area_code
from app.consultations.warnings import check_repeat_callers
from app.extensions import db
from app.common.permissions import P, Role
from app.ratings import service as ratings
from app.telephony import screenpop
from app.telephony.bus import get_bus
from app.telephony.events import Event
from app.telephony.models import ONCE, AgentState, CallerFlag, CallEvent, LiveCall

log = logging.getLogger(__name__)
UNKNOWN_CALLER = "未知号码"


@dataclass
class Result:
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    pops: list = field(default_factory=list)  # (staff_id, payload) published after the commit

    def as_dict(self) -> dict:
        return {"stored": self.stored, "duplicates": self.duplicates}


def ingest(events: list[Event], *, publish: bool = True) -> Result:
    """Store and apply the events in one transaction (one commit for a webhook list or a listener's
    burst); should that fail, each event again in its own transaction, so one bad event fails alone.
    The pops go out after the commit."""
    try:
        res = _ingest(events)
    except Exception:
        db.session.rollback()
        if len(events) <= 1:
            raise
        res = Result()
        for ev in events:
            try:
                one = _ingest([ev])
            except sa.exc.IntegrityError:
                db.session.rollback()  # stored by the other listener between our insert and our apply
                res.duplicates += 1
                continue
            except Exception:  # noqa: BLE001 — logged; the other events are kept
                db.session.rollback()
                log.exception("telephony: event %s of call %s could not be applied", ev.event, ev.call_id)
                res.failed += 1
                continue
            res.stored += one.stored
            res.duplicates += one.duplicates
            res.pops += one.pops
    if publish and res.pops:
        bus = get_bus(current_app._get_current_object())
        for staff_id, payload in res.pops:
            bus.publish(f"pop:{staff_id}", payload)
    return res


def _ingest(events: list[Event]) -> Result:
    res = Result()
    agents, states = _prefetch_agents(events)
    changes: list = []  # (rollup facts, +1 | -1), netted and applied once for the batch
    calls: dict[str, tuple] = {}  # call_id → (LiveCall, Consultation) read once per batch (locked on PostgreSQL)
    for ev in sorted(events, key=lambda e: e.at):
        known = calls.get(ev.call_id)
        event_id = _store(ev, known[1].id if known and known[1] is not None else None)
        if event_id is not None:
            calls[ev.call_id] = _apply(ev, event_id, res.pops, (agents, states), changes, known)
            res.stored += 1
        else:
            res.duplicates += 1
    deltas: Counter = Counter()
    for facts, sign in changes:
        deltas[tuple(sorted(facts.items()))] += sign
    _apply_rollups(deltas)
    db.session.commit()
    return res


def _apply_rollups(deltas: Counter) -> None:
    """A call's facts change with each event (answered, ended): the analytics rollups get the net change
    of the batch — a whole call in one request is one addition, not five additions and four removals."""
    plus = [dict(k) for k, n in deltas.items() if n > 0 for _ in range(n)]
    minus = [dict(k) for k, n in deltas.items() if n < 0 for _ in range(-n)]
    if minus:
        rollups.apply(minus, sign=-1)
    if plus:
        rollups.apply(plus)


def _statement(name: str):
    """The dialect's INSERT … ON CONFLICT DO NOTHING statements, built once (parameters bound per event)."""
    if name == "event":
        t = CallEvent.__table__
        return built_once(("telephony.event",), lambda: upsert_insert(t).on_conflict_do_nothing().returning(t.c.id))
    return built_once(("telephony.live_call",), lambda: upsert_insert(LiveCall.__table__).on_conflict_do_nothing())


def _store(ev: Event, consultation_id: int | None = None) -> int | None:
    """Insert the event; its id, or None when it is stored already."""
    values = dict(call_id=ev.call_id, event=ev.event, at=ev.at, source=ev.source,
                  once_key=f"{ev.call_id}|{ev.event}"[:90] if ev.event in ONCE else None,
                  agent=ev.agent, queue=ev.queue, data=_data(ev) or None, received_at=utcnow(),
                  consultation_id=consultation_id)
    return db.session.execute(_statement("event"), values).scalar()


def _data(ev: Event) -> dict:
    d = dict(ev.data)
    if ev.caller:
        d["caller_masked"] = phones.mask(ev.caller)
    if ev.recording:
        d["recording"] = ev.recording
    if ev.score is not None:
        d["score"] = ev.score
    return d


# --------------------------------------------------------------------------- applying one event
def _caller(raw: str | None) -> tuple[phones.Caller, str] | None:
    if not raw:
        return None
    try:
        c = phones.normalise(raw, default_area_code())
        return c, c.hash
    except phones.InvalidNumber:
        return phones.Caller(raw[:20], "other", phones.UNKNOWN, phones.UNKNOWN), phone_hash(raw)


def _live_call(ev: Event) -> LiveCall:
    db.session.execute(_statement("live_call"), dict(
        call_id=ev.call_id, state="ringing", ring_at=ev.at, updated_at=utcnow(), consultation_id=None, queued_at=None,
        answered_at=None, ended_at=None, agent=None, queue=None))
    # the row locked for the rest of this event (PostgreSQL): a second listener applying another event
    # of the same call waits instead of overwriting with what it read before
    return db.session.scalars(sa.select(LiveCall).where(LiveCall.call_id == ev.call_id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def _consultation(ev: Event, lc: LiveCall, changes: list) -> Consultation | None:
    """The call's record, created by its first event (the caller may still be unknown then)."""
    c = db.session.scalars(sa.select(Consultation).where(Consultation.call_id == ev.call_id)
                           .execution_options(populate_existing=True)).first()
    if c is not None or ev.event == "survey":
        return c
    found = _caller(ev.caller)
    caller, h = found if found else (phones.Caller("", "other", phones.UNKNOWN, phones.UNKNOWN), phone_hash(ev.call_id))
    now = utcnow()
    row = build_row(caller, ev.at, None, None, caller_hash=h, caller_enc=None if not found or caller.kind == "other" else crypto.encrypt(caller.number),
                    call_id=ev.call_id, source="switch", topic_suggested=False, created_at=now, updated_at=now,
                    centre_id=centres.centre_for_new())  # the shared hotline's: the city centre (no staff acting)
    if not found:
        row["caller_masked"] = UNKNOWN_CALLER
    c = Consultation(**row)
    db.session.add(c)
    db.session.flush()
    lc.consultation_id = c.id
    changes.append((rollups.facts(c), 1))
    if found:
        check_repeat_callers([c])
    return c


def _set_caller(c: Consultation, raw: str) -> None:
    found = _caller(raw)
    if not found:
        return
    caller, h = found
    c.caller_hash, c.caller_masked, c.caller_kind = h, caller.masked, caller.kind
    c.region, c.province = caller.region, caller.province
    if caller.kind != "other":
        c.caller_enc = crypto.encrypt(caller.number)
    check_repeat_callers([c])


def _recompute(c: Consultation) -> None:
    local = c.ring_at.astimezone(LOCAL_TZ)
    c.local_date, c.local_hour = local.date(), local.hour
    c.wait_seconds = int((c.answered_at - c.ring_at).total_seconds()) if c.answered_at else None
    if c.answered_at and c.ended_at:
        c.duration_seconds = max(int((c.ended_at - c.answered_at).total_seconds()), 0)
    elif not c.answered_at:
        c.duration_seconds = 0


def _prefetch_agents(events: list[Event]) -> tuple[dict, dict]:
    """The batch's lawyers (by staff number) and their line states, read in one statement each rather
    than one per event; an agent absent from either is recorded as None (no second look)."""
    wanted = {ev.agent for ev in events if ev.agent}
    if not wanted:
        return {}, {}
    agents = dict.fromkeys(wanted)
    agents.update({s.staff_no: s for s in db.session.scalars(sa.select(StaffUser).where(StaffUser.staff_no.in_(wanted)))})
    states = dict.fromkeys(wanted)
    states.update({r.agent: r for r in db.session.scalars(sa.select(AgentState).where(AgentState.agent.in_(wanted)))})
    return agents, states


def _staff(agent: str | None, cache: dict) -> StaffUser | None:
    if not agent:
        return None
    if agent not in cache:
        cache[agent] = db.session.scalar(sa.select(StaffUser).where(StaffUser.staff_no == agent))
    return cache[agent]


def _agent_state(agent: str | None, state: str, at: dt.datetime, staff: StaffUser | None, call_id: str | None,
                 states: dict | None = None) -> None:
    if not agent:
        return
    row = states[agent] if states is not None and agent in states else db.session.get(AgentState, agent)
    if row is None:
        row = AgentState(agent=agent, state=state, since=at, staff_id=staff.id if staff else None, call_id=call_id)
        db.session.add(row)
        if states is not None:
            states[agent] = row
        return
    if call_id is None and row.call_id and state == "available" and row.state not in ("on_call", "ringing"):
        return
    row.state, row.since, row.call_id = state, at, call_id
    if staff is not None:
        row.staff_id = staff.id


def set_agent_state(agent: str, state: str, at: dt.datetime | None = None) -> None:
    """Pause / unpause / log off reported by the switch (queue member events)."""
    row = db.session.get(AgentState, agent)
    staff = _staff(agent, {})
    if row is None:
        db.session.add(AgentState(agent=agent, state=state, since=at or utcnow(), staff_id=staff.id if staff else None))
    elif not (row.state in ("on_call", "ringing") and state == "available"):
        row.state, row.since = state, at or utcnow()


def _apply(ev: Event, event_id: int, pops: list, cache: tuple[dict, dict], changes: list, known: tuple | None) -> tuple:
    agents, states = cache
    if known is not None and known[1] is not None:
        lc, c = known
        linked = True
    else:
        lc = _live_call(ev)
        c = _consultation(ev, lc, changes)
        linked = False
    if c is None:
        log.warning("telephony: %s for call %s before any other event; stored only", ev.event, ev.call_id)
        return lc, None
    old = rollups.facts(c)
    if ev.caller and c.caller_masked == UNKNOWN_CALLER:
        _set_caller(c, ev.caller)
    if ev.event in ("ringing", "queued", "agent_ringing") and ev.at < c.ring_at:
        c.ring_at = ev.at
        lc.ring_at = ev.at
    if ev.queue:
        lc.queue = ev.queue
    staff = _staff(ev.agent, agents)
    if ev.event == "queued":
        lc.queued_at = min(lc.queued_at or ev.at, ev.at)
        if lc.state == "ringing":
            lc.state = "queued"
    elif ev.event == "agent_ringing":
        again = lc.state == "agent_ringing" and lc.agent == ev.agent  # AgentCalled and DialBegin of one ring
        if lc.state in ("ringing", "queued", "agent_ringing"):
            lc.state, lc.agent = "agent_ringing", ev.agent
            _agent_state(ev.agent, "ringing", ev.at, staff, ev.call_id, states)
            if not again:
                _pop(c, staff, ev, pops)
        c.agent_no = c.agent_no or ev.agent
    elif ev.event == "answered":
        if lc.agent != ev.agent and lc.state != "answered":
            _pop(c, staff, ev, pops)  # answered with no ringing reported for this lawyer (direct bridge)
        if c.answered_at is None or ev.at < c.answered_at:
            c.answered_at = ev.at
        lc.answered_at = c.answered_at
        if lc.state not in ("ended", "abandoned"):
            lc.state = "answered"
        lc.agent = ev.agent or lc.agent
        c.agent_no = ev.agent or c.agent_no
        if staff is not None and staff.role == Role.duty_lawyer:
            c.duty_lawyer_id = staff.id
        if c.outcome is None:
            c.outcome = "answered"
        if lc.state == "answered":
            _agent_state(ev.agent, "on_call", ev.at, staff, ev.call_id, states)
    elif ev.event == "transferred":
        c.outcome = "transferred" if c.outcome in (None, "answered") else c.outcome
    elif ev.event in ("ended", "abandoned"):
        c.ended_at = min(c.ended_at or ev.at, ev.at)
        lc.ended_at = c.ended_at
        lc.state = "ended" if c.answered_at else "abandoned"
        if ev.recording and not c.recording_key:
            c.recording_key = ev.recording
        if lc.agent:
            _agent_state(lc.agent, "available", ev.at, _staff(lc.agent, agents), None, states)
    elif ev.event == "survey":
        if ev.score is not None:
            ratings.rate_consultation_by_survey(c.id, ev.score)
    _recompute(c)
    lc.updated_at = utcnow()
    c.updated_at = utcnow()
    new = rollups.facts(c)
    if old != new:
        changes += [(old, -1), (new, 1)]
    db.session.flush()
    if not linked:
        db.session.execute(sa.update(CallEvent).where(CallEvent.id == event_id).values(consultation_id=c.id))
    return lc, c


def _pop(c: Consultation, staff: StaffUser | None, ev: Event, pops: list) -> None:
    if staff is None or not P.log_calls.allows(staff) or not staff.is_active:
        return
    pops.append((staff.id, screenpop.build(c, ev)))


# --------------------------------------------------------------------------- do not call back
def caller_flag(c: Consultation) -> CallerFlag | None:
    """The do-not-call-back flag of the call's number, if one was ever set."""
    return db.session.get(CallerFlag, c.caller_hash)


def set_do_not_call(staff, consultation_id: int, on: bool, note: str | None = None) -> dict:
    """勿回拨 on the call's number (a duty lawyer only on their own calls); audited."""
    c = consultations.get_for_staff(staff, consultation_id)
    flag = caller_flag(c)
    if flag is None:
        flag = CallerFlag(caller_hash=c.caller_hash)
        db.session.add(flag)
    flag.do_not_call, flag.note = on, ((note or "").strip()[:200] or None)
    flag.set_by_id, flag.updated_at = staff.id, utcnow()
    audit("telephony.do_not_call", actor=staff, object_type="consultation", object_id=c.id, details={"on": on})
    db.session.commit()
    return {"consultation_id": c.id, "caller_masked": c.caller_masked, "do_not_call": on}
