"""Early warning (预警) for repeat callers: the episodes a number (or citizen) opens by calling often,
found when calls are recorded (console or CDR import; app.consultations.flows.calls_recorded opens the
callback task and the alert for a new one). Alerts go to the console's alerts inbox (app.alerts),
which also holds the SLA-breach, backfill-overdue and deadline-close alerts of app.alerts.service.scan()."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app

from app.alerts.models import Alert
from app.alerts.service import raise_alert as _raise, resolve_quietly
from app.audit import record as audit
from app.common.permissions import CITIZEN, SYSTEM, role_of
from app.common.timeutil import utcnow
from app.consultations.models import Consultation, RepeatCallerEpisode
from app.extensions import db

log = logging.getLogger(__name__)


def _cfg(name: str):
    return current_app.config[name]


def repeat_threshold() -> int:
    return int(_cfg("REPEAT_CALLER_THRESHOLD"))


def repeat_window() -> dt.timedelta:
    return dt.timedelta(days=float(_cfg("REPEAT_CALLER_WINDOW_DAYS")))


# --------------------------------------------------------------------------- alerts inbox
def raise_alert(kind: str, *, dedupe_key: str, message: str, severity: str = "warning",
                citizen_id: int | None = None, application_id: int | None = None, details: dict | None = None):
    """Raise an alert in the console's inbox (app.alerts; deduplicated by key), in our transaction."""
    return _raise(kind, message=message, severity=severity, citizen_id=citizen_id, application_id=application_id,
                  dedupe_key=dedupe_key, details=details, commit=False)


# --------------------------------------------------------------------------- repeat callers
def check_repeat_callers(calls: list[Consultation]) -> list[tuple[RepeatCallerEpisode, Consultation]]:
    """Run after new calls are flushed. A number (or citizen) reaching the threshold within the window
    opens one episode (returned, flushed, with the call that opened it); later calls in the episode only
    extend it."""
    calls = sorted((c for c in calls if c.ring_at is not None), key=lambda c: (c.ring_at, c.id))
    if not calls:
        return []
    window, threshold = repeat_window(), repeat_threshold()
    hashes = sorted({c.caller_hash for c in calls})
    citizens = sorted({c.citizen_id for c in calls if c.citizen_id})
    lo, hi = calls[0].ring_at - window, calls[-1].ring_at

    history: list[tuple] = []
    for i in range(0, max(len(hashes), len(citizens)), 500):
        hs, cs = hashes[i:i + 500], citizens[i:i + 500]
        who = sa.or_(Consultation.caller_hash.in_(hs), Consultation.citizen_id.in_(cs) if cs else sa.false())
        history += db.session.execute(sa.select(
            Consultation.id, Consultation.caller_hash, Consultation.citizen_id, Consultation.ring_at)
            .where(who, Consultation.ring_at >= lo, Consultation.ring_at <= hi)).all()
    history = list({h.id: h for h in history}.values())
    by_hash: dict[str, list] = {}
    by_citizen: dict[int, list] = {}
    for h in history:
        by_hash.setdefault(h.caller_hash, []).append(h)
        if h.citizen_id:
            by_citizen.setdefault(h.citizen_id, []).append(h)

    episodes = []
    for i in range(0, max(len(hashes), len(citizens)), 500):
        hs, cs = hashes[i:i + 500], citizens[i:i + 500]
        who = sa.or_(RepeatCallerEpisode.caller_hash.in_(hs),
                     RepeatCallerEpisode.citizen_id.in_(cs) if cs else sa.false())
        episodes += db.session.scalars(sa.select(RepeatCallerEpisode).where(
            who, RepeatCallerEpisode.last_call_at >= lo)).all()

    created = []
    now = utcnow()
    for c in calls:
        ep = next((e for e in episodes if (e.caller_hash == c.caller_hash or (c.citizen_id and e.citizen_id == c.citizen_id))
                   and e.first_call_at <= c.ring_at and e.last_call_at >= c.ring_at - window), None)
        if ep is not None:
            if c.ring_at > ep.last_call_at:
                ep.last_call_at = c.ring_at
                ep.call_count += 1
            continue
        same = {h.id: h for h in by_hash.get(c.caller_hash, [])}
        if c.citizen_id:
            same.update({h.id: h for h in by_citizen.get(c.citizen_id, [])})
        recent = [h for h in same.values() if c.ring_at - window <= h.ring_at <= c.ring_at]
        if len(recent) < threshold:
            continue
        ep = RepeatCallerEpisode(caller_hash=c.caller_hash, caller_masked=c.caller_masked, citizen_id=c.citizen_id,
                                 consultation_id=c.id, region=c.region, topic=c.topic,
                                 first_call_at=min(h.ring_at for h in recent), last_call_at=c.ring_at,
                                 call_count=len(recent), triggered_at=now, created_at=now)
        db.session.add(ep)
        db.session.flush()
        episodes.append(ep)
        created.append((ep, c))
    return created


def is_recent(call: Consultation) -> bool:
    """A call within the window of now (not one of an import of past months)."""
    return call.ring_at >= utcnow() - repeat_window()


def warning_text(ep: RepeatCallerEpisode) -> str:
    days = round(repeat_window().total_seconds() / 86400)
    return f"{ep.caller_masked} 在{days}天内来电{ep.call_count}次（重复来电预警）"


def resolve_episode_alert(task, actor) -> None:
    """Closing a repeat-caller callback (satisfied, escalated, or a rating >= 4) resolves its alert: the
    episode was answered; a new episode raises a new one. Given to app.callbacks.init_app by the factory."""
    ep = db.session.scalar(sa.select(RepeatCallerEpisode).where(RepeatCallerEpisode.callback_task_id == task.id))
    if ep is None or ep.alert_id is None:
        return
    alert = db.session.get(Alert, ep.alert_id)
    if alert is not None and alert.status != "resolved":
        staff = actor if role_of(actor) not in (CITIZEN, SYSTEM) else None  # a citizen's rating: the system
        resolve_quietly(alert, staff)
        audit("alert.resolve", actor=staff, object_type="alert", object_id=alert.id,
              details={"callback_task_id": task.id})

