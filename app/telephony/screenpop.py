"""来电弹屏: what the ringing lawyer sees about the caller before answering — the masked number and
region, calls in the last 7 and 30 days, open applications with their status and deadlines, open
callbacks, the repeat-caller warning and the do-not-call-back flag. Built once per ring by the process
that took the event, pushed to that lawyer only."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.applications.models import FINAL_STATUSES, STATUS_LABELS, Application
from app.auth.models import Citizen
from app.callbacks.models import REASON_LABELS, CallbackTask
from app.common import crypto
from app.common.timeutil import LOCAL_TZ, utcnow
from app.consultations.models import OUTCOME_LABELS, Consultation, RepeatCallerEpisode
from app.consultations.warnings import repeat_threshold, repeat_window
from app.extensions import db
from app.telephony.models import CallerFlag

DEADLINE_LABELS = {"review_due": "审查期限", "supplement_due": "补充材料期限", "assign_due": "指派期限",
                   "objection_due": "异议期限"}


def _local(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else None


def build(c: Consultation, ev) -> dict:
    now = utcnow()
    others = sa.and_(Consultation.caller_hash == c.caller_hash, Consultation.id != c.id)
    known = c.caller_masked != "未知号码"
    n7 = n30 = in_window = 0
    recent = []
    if known:  # the counts in one statement: 7 and 30 days, and the repeat-caller window (this call included)
        window = now - repeat_window()
        n7, n30, in_window = db.session.execute(sa.select(
            sa.func.count().filter(Consultation.ring_at >= now - dt.timedelta(days=7), Consultation.id != c.id),
            sa.func.count().filter(Consultation.ring_at >= now - dt.timedelta(days=30), Consultation.id != c.id),
            sa.func.count().filter(Consultation.ring_at >= window)).where(
            Consultation.caller_hash == c.caller_hash,
            Consultation.ring_at >= min(window, now - dt.timedelta(days=30)))).one()
        for r in db.session.scalars(sa.select(Consultation).where(others).order_by(Consultation.ring_at.desc()).limit(5)):
            recent.append({"at": _local(r.ring_at), "topic": r.topic or "未分类",
                           "outcome": OUTCOME_LABELS.get(r.outcome, "未接通" if r.answered_at is None else "—"),
                           "lawyer": r.duty_lawyer.display_name if r.duty_lawyer else None, "summary": (r.summary or "")[:80]})
    number = crypto.decrypt(c.caller_enc) if c.caller_enc and known else None
    citizen_ids = {c.citizen_id} if c.citizen_id else set()
    if number:
        citizen_ids |= set(db.session.scalars(sa.select(Citizen.id).where(Citizen.phone == number).limit(5)))
    apps_q = sa.select(Application).where(Application.status.notin_(FINAL_STATUSES), Application.status != "draft")
    who = [Application.citizen_id.in_(citizen_ids)] if citizen_ids else []
    if number:
        who.append(Application.phone == number)
    applications = []
    if who:
        for a in db.session.scalars(apps_q.where(sa.or_(*who)).order_by(Application.deadline_at.nulls_last()).limit(5)):
            dues = {k: v for k, v in (a.procedure_deadlines or {}).items() if v}
            applications.append({
                "id": a.id, "reference": a.reference, "status": STATUS_LABELS.get(a.status, a.status),
                "name": a.applicant_name, "deadline": _local(a.deadline_at),
                "legal_deadline": a.legal_deadline.isoformat() if a.legal_deadline else None,
                "deadlines": [{"label": DEADLINE_LABELS.get(k, k), "date": v.isoformat() if hasattr(v, "isoformat") else str(v)}
                              for k, v in dues.items()]})
    cond = []
    if known:  # callbacks about this number's calls of the last 90 days (a subquery, not a list fetched first)
        calls = sa.select(Consultation.id).where(Consultation.caller_hash == c.caller_hash,
                                                 Consultation.ring_at >= now - dt.timedelta(days=90))
        cond.append(sa.and_(CallbackTask.subject_type == "consultation", CallbackTask.subject_id.in_(calls.scalar_subquery())))
    if citizen_ids:
        cond.append(CallbackTask.citizen_id.in_(citizen_ids))
    callbacks = []
    if cond:
        for t in db.session.scalars(sa.select(CallbackTask).where(CallbackTask.status == "open", sa.or_(*cond))
                                    .order_by(CallbackTask.due_at).limit(5)):
            callbacks.append({"id": t.id, "reason": REASON_LABELS.get(t.reason, t.reason), "due": _local(t.due_at),
                              "overdue": t.due_at < now, "note": (t.note or "")[:80]})
    episode = None
    if known:
        episode = db.session.scalar(sa.select(RepeatCallerEpisode).where(
            RepeatCallerEpisode.caller_hash == c.caller_hash,
            RepeatCallerEpisode.last_call_at >= now - repeat_window()).order_by(RepeatCallerEpisode.id.desc()).limit(1))
    flag = db.session.get(CallerFlag, c.caller_hash)
    return {
        "type": "screen_pop", "consultation_id": c.id, "call_id": c.call_id, "event": ev.event,
        "at": ev.at.isoformat(), "sent_at": now.timestamp(), "agent": ev.agent, "queue": ev.queue,
        "caller_masked": c.caller_masked, "region": c.region,
        "calls_7d": n7, "calls_30d": n30, "recent_calls": recent,
        "applications": applications, "callbacks": callbacks,
        "repeat_caller": bool(episode) or (known and in_window >= repeat_threshold()),
        "repeat_calls": episode.call_count if episode else in_window,
        "do_not_call": bool(flag and flag.do_not_call), "do_not_call_note": flag.note if flag else None,
    }
