"""The wallboard's figures (large screen, the manager's home, /metrics): callers waiting and the longest
wait, duty lawyers available / on a call / paused, today's offered, answered, abandoned, service level
(answered within ANSWER_TARGET_SECONDS ÷ answered), average speed of answer, abandon rate (abandons under
5 s not counted), calls per hour, callbacks due and overdue. One computation per process at most every
second, shared by every open wallboard."""
from __future__ import annotations

import datetime as dt
import threading
import time

import sqlalchemy as sa
from flask import current_app
from prometheus_client.core import GaugeMetricFamily

from app.callbacks.models import CallbackTask
from app.common.timeutil import end_of_local_day, local_today, utcnow
from app.consultations.models import Consultation
from app.extensions import db
from app.telephony.models import AGENT_STATES, AgentState, LiveCall

SHORT_ABANDON_SECONDS = 5
WAITING_STATES = ("ringing", "queued", "agent_ringing")
STALE_HOURS = 4  # a call "waiting" longer than this lost its end event (switch down): not counted

_lock = threading.Lock()


def figures() -> dict:
    now = utcnow()
    today = local_today()
    target = int(current_app.config["ANSWER_TARGET_SECONDS"])
    waiting = db.session.execute(sa.select(sa.func.count(), sa.func.min(sa.func.coalesce(LiveCall.queued_at, LiveCall.ring_at)))
                                 .where(LiveCall.state.in_(WAITING_STATES), LiveCall.ended_at.is_(None),
                                        LiveCall.ring_at >= now - dt.timedelta(hours=STALE_HOURS))).one()
    n_waiting, oldest = waiting
    longest = int((now - oldest).total_seconds()) if oldest else 0
    agents = dict.fromkeys(AGENT_STATES, 0)
    for state, n in db.session.execute(sa.select(AgentState.state, sa.func.count()).group_by(AgentState.state)):
        agents[state] = agents.get(state, 0) + n
    C = Consultation
    answered_in_target = sa.and_(C.answered_at.isnot(None), C.wait_seconds <= target)
    abandoned = sa.and_(C.answered_at.is_(None), C.ended_at.isnot(None))
    row = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.count(C.answered_at),
        sa.func.count().filter(answered_in_target),
        sa.func.count().filter(abandoned),
        sa.func.avg(C.wait_seconds),
    ).where(C.local_date == today)).one()
    offered, answered, within, abandoned_n, asa = row
    short_n = _short_abandons(today)
    per_hour = dict.fromkeys(range(24), 0)
    for hour, n in db.session.execute(sa.select(C.local_hour, sa.func.count()).where(C.local_date == today)
                                      .group_by(C.local_hour)):
        per_hour[int(hour)] = n
    counted_abandons = max(abandoned_n - short_n, 0)
    due_by = end_of_local_day(today)
    cb_due, cb_overdue = db.session.execute(sa.select(
        sa.func.count().filter(CallbackTask.due_at <= due_by), sa.func.count().filter(CallbackTask.due_at < now))
        .where(CallbackTask.status == "open")).one()
    return {
        "type": "wallboard", "at": now.isoformat(), "date": today.isoformat(),
        "waiting": n_waiting, "longest_wait_seconds": longest,
        "agents": {k: agents.get(k, 0) for k in AGENT_STATES},
        "offered": offered, "answered": answered, "abandoned": counted_abandons, "short_abandons": short_n,
        "answered_within_target": within, "answer_target_seconds": target,
        "service_level": round(within / answered, 4) if answered else None,
        "average_speed_of_answer": round(float(asa), 1) if asa is not None else None,
        "abandon_rate": round(counted_abandons / (answered + counted_abandons), 4) if (answered + counted_abandons) else None,
        "calls_per_hour": [per_hour[h] for h in range(24)],
        "callbacks_due": cb_due, "callbacks_overdue": cb_overdue,
    }


def _short_abandons(today) -> int:
    """Abandons under SHORT_ABANDON_SECONDS (the caller hung up at once: not counted in the rate)."""
    rows = db.session.execute(sa.select(Consultation.ring_at, Consultation.ended_at).where(
        Consultation.local_date == today, Consultation.answered_at.is_(None), Consultation.ended_at.isnot(None)))
    return sum(1 for ring, end in rows if (end - ring).total_seconds() < SHORT_ABANDON_SECONDS)


def placeholder() -> dict:
    """The figures' shape with dashes: the manager's home renders this (no query of its own; its page stays
    as cheap as it was) and the stream fills it in at once."""
    dash = "—"
    return {"type": "wallboard", "pending": True, "at": utcnow().isoformat(), "waiting": dash,
            "longest_wait_seconds": dash, "agents": dict.fromkeys(AGENT_STATES, dash), "offered": dash,
            "answered": dash, "abandoned": dash, "short_abandons": dash, "answered_within_target": dash,
            "answer_target_seconds": int(current_app.config["ANSWER_TARGET_SECONDS"]), "service_level": None,
            "average_speed_of_answer": None, "abandon_rate": None, "calls_per_hour": [0] * 24,
            "callbacks_due": dash, "callbacks_overdue": dash}


def snapshot(max_age: float = 1.0) -> dict:
    """The figures, computed at most once per `max_age` seconds in this process."""
    _cache = current_app.extensions.setdefault("telephony_wallboard", {"at": 0.0, "data": None})
    with _lock:
        if _cache["data"] is None or time.monotonic() - _cache["at"] >= max_age:
            _cache["data"] = figures()
            _cache["at"] = time.monotonic()
        return _cache["data"]


def metric_families() -> list:
    f = figures()
    out = []

    def gauge(name, doc, value, labels=None):
        g = GaugeMetricFamily(name, doc, labels=list(labels or {}))
        g.add_metric(list((labels or {}).values()), float(value or 0))
        return g

    out.append(gauge("legalaid_hotline_waiting", "Callers waiting now", f["waiting"]))
    out.append(gauge("legalaid_hotline_longest_wait_seconds", "Longest wait of a caller waiting now", f["longest_wait_seconds"]))
    agents = GaugeMetricFamily("legalaid_hotline_agents", "Duty lawyers by line state", labels=["state"])
    for k, v in f["agents"].items():
        agents.add_metric([k], v)
    out.append(agents)
    today = GaugeMetricFamily("legalaid_hotline_calls_today", "Today's calls (local day)", labels=["kind"])
    for k in ("offered", "answered", "abandoned", "answered_within_target"):
        today.add_metric([k], f[k])
    out.append(today)
    out.append(gauge("legalaid_hotline_service_level", "Answered within target / answered, today", f["service_level"]))
    out.append(gauge("legalaid_hotline_average_speed_of_answer_seconds", "Average wait of answered calls, today",
                     f["average_speed_of_answer"]))
    out.append(gauge("legalaid_hotline_abandon_rate", "Abandons (5 s or longer) / (answered + those), today",
                     f["abandon_rate"]))
    cb = GaugeMetricFamily("legalaid_hotline_callbacks", "Open callbacks due today and overdue", labels=["kind"])
    cb.add_metric(["due"], f["callbacks_due"])
    cb.add_metric(["overdue"], f["callbacks_overdue"])
    out.append(cb)
    return out

