"""The periodic scan (registered with the alerts scan): 视为撤回 past a notice's due date, and alerts for
the review, assignment and objection clocks near or past their due date. An alert of a clock no longer
near (its case moved on, or is not read because its stored date is beyond the horizon) is resolved."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.alerts.models import Alert
from app.applications.models import Application
from app.common.timeutil import LOCAL_TZ
from app.extensions import db
from app.procedure import due, flows
from app.procedure.clocks import NOTICE_STATES, REVIEW_STATES, deadlines_many, due_state
from app.procedure.models import Objection, SupplementNotice

def due_stmt(today: dt.date) -> sa.Select:
    """The cases whose review or assignment date is near or past: only those are read (the date is stored per
    case, app/procedure/due.py, and indexed), so the scan costs what is due, not every open case."""
    return sa.select(Application).where(Application.clock_due <= due.horizon(today),
                                        Application.status.in_(REVIEW_STATES + ("approved",)))


def scan(now: dt.datetime, raise_alert) -> dict:
    today = now.astimezone(LOCAL_TZ).date()
    out = {"deemed_withdrawn": 0, "resolved": 0}
    # 视为撤回: open notices past their due date
    # (an undelivered notice has no due date: it never withdraws anything; the delivery alert asks staff)
    lapsed = db.session.scalars(sa.select(SupplementNotice).where(
        SupplementNotice.status == "open", SupplementNotice.due_date.is_not(None),
        SupplementNotice.due_date < today)).all()
    for notice in lapsed:
        app_ = db.session.get(Application, notice.application_id)
        if app_.status in NOTICE_STATES:
            flows.deemed_withdrawn(app_, notice)
            out["deemed_withdrawn"] += 1
        else:
            notice.status, notice.closed_at = "lapsed", now
    live = set()
    apps = db.session.scalars(due_stmt(today)).all()
    found = deadlines_many(apps)
    for app_ in apps:
        d = found[app_.id]
        ref = app_.reference or app_.id
        for clock, due, label in (("review", d["review_due"], "审查决定"), ("assign", d["assign_due"], "指派律师")):
            state = due_state(due, today, clock)
            if state == "overdue":
                key = f"{clock}_overdue:{app_.id}:{due}"
                raise_alert(f"{clock}_overdue", severity="critical", application_id=app_.id, commit=False, dedupe_key=key,
                            message=f"申请 {ref} 的{label}已超过法定期限（应于 {due} 前完成）", details={"due": due.isoformat()})
                live.add(key)
            elif state == "near":
                key = f"{clock}_due_soon:{app_.id}:{due}"
                raise_alert(f"{clock}_due_soon", severity="warning", application_id=app_.id, commit=False, dedupe_key=key,
                            message=f"申请 {ref} 的{label}期限将至（{due}）", details={"due": due.isoformat()})
                live.add(key)
    for obj in db.session.scalars(sa.select(Objection).where(Objection.status == "open")).all():
        state = due_state(obj.decide_by, today, "objection_decide")
        if state in ("overdue", "near"):
            kind = "objection_overdue" if state == "overdue" else "objection_due_soon"
            key = f"{kind}:{obj.id}:{obj.decide_by}"
            raise_alert(kind, severity="critical" if state == "overdue" else "warning", application_id=obj.application_id,
                        commit=False, dedupe_key=key, details={"objection_id": obj.id},
                        message=f"异议 #{obj.id} 应于 {obj.decide_by} 前审查决定" + ("，已超期" if state == "overdue" else ""))
            live.add(key)
    kinds = ("review_overdue", "review_due_soon", "assign_overdue", "assign_due_soon", "objection_overdue",
             "objection_due_soon")
    for alert in db.session.scalars(sa.select(Alert).where(Alert.kind.in_(kinds),
                                                           Alert.status.in_(("open", "acknowledged")))).all():
        if alert.dedupe_key not in live:
            alert.status, alert.resolved_at = "resolved", now
            out["resolved"] += 1
    return out
