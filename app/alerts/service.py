"""Raise, acknowledge and resolve alerts; the periodic scan that raises SLA and backfill alerts.

`raise_alert` is idempotent per `dedupe_key`: raising the same condition twice returns the first
row (also under a concurrent race: the unique index decides, the loser reads the winner's row).
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import errors
from app.alerts.models import ALERT_STATUSES, Alert
from app.audit import record as audit
from app.centres import service as centres
from app.common.timeutil import utcnow
from app.extensions import db
from app.observability.metrics import SLA_BREACHES
from app.tasks import task
from app.applications.models import FINAL_STATUSES, Application
from app.applications import sla
from app.documents.service import backfill_status

log = logging.getLogger(__name__)


def raise_alert(kind: str, *, message: str, severity: str = "warning", application_id: int | None = None,
                citizen_id: int | None = None, dedupe_key: str | None = None, details: dict | None = None,
                commit: bool = True) -> Alert:
    if dedupe_key:
        existing = db.session.scalar(sa.select(Alert).where(Alert.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    alert = Alert(kind=kind, severity=severity, application_id=application_id, citizen_id=citizen_id,
                  message=message[:500], status="open", dedupe_key=dedupe_key, details=details,
                  created_at=utcnow(), centre_id=centres.centre_for_new(application_id=application_id))
    try:
        with db.session.begin_nested():
            db.session.add(alert)
    except IntegrityError:
        existing = db.session.scalar(sa.select(Alert).where(Alert.dedupe_key == dedupe_key))
        if existing is None:
            raise
        return existing
    if commit:
        db.session.commit()
    return alert


_raise_alert = raise_alert

def get(alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise errors.NotFound("未找到该预警")
    return alert


def acknowledge(staff, alert: Alert) -> Alert:
    if alert.status != "open":
        raise errors.InvalidTransition(f"预警当前状态为「{alert.status_label}」，不能确认")
    alert.status = "acknowledged"
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = staff.id
    audit("alert.acknowledge", actor=staff, object_type="alert", object_id=alert.id)
    db.session.commit()
    return alert


def resolve(staff, alert: Alert) -> Alert:
    if alert.status == "resolved":
        raise errors.InvalidTransition("预警已解除")
    _resolve(alert, staff)
    audit("alert.resolve", actor=staff, object_type="alert", object_id=alert.id)
    db.session.commit()
    return alert


def resolve_quietly(alert: Alert, staff=None) -> None:
    """Resolve in the caller's transaction (the caller audits and commits): when the work the alert asked
    for is done elsewhere, e.g. its callback task is closed."""
    _resolve(alert, staff)


def _resolve(alert: Alert, staff=None) -> None:
    alert.status = "resolved"
    alert.resolved_at = utcnow()
    alert.resolved_by_id = getattr(staff, "id", None)


def list_stmt(status: str | None = None, kind: str | None = None) -> sa.Select:
    stmt = sa.select(Alert)
    if status:
        if status == "active":
            stmt = stmt.where(Alert.status.in_(("open", "acknowledged")))
        elif status in ALERT_STATUSES:
            stmt = stmt.where(Alert.status == status)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    severity_rank = sa.case((Alert.severity == "critical", 0), (Alert.severity == "warning", 1), else_=2)
    return stmt.order_by(severity_rank, Alert.created_at.desc(), Alert.id.desc())


def count_active() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Alert).where(
        Alert.status.in_(("open", "acknowledged")))) or 0


# --- the scan -------------------------------------------------------------------

def scan(now: dt.datetime | None = None) -> dict:
    """Raise SLA-breach, near-breach, backfill-overdue and deadline-close alerts; resolve those whose
    condition has ended. Safe to run as often as you like (dedupe keys)."""

    now = now or utcnow()
    raised = {"sla_breach": 0, "sla_near_breach": 0, "backfill_overdue": 0, "deadline_close": 0, "resolved": 0}

    # what was raised before for cases still open, read once: a condition that persists (a breach stays
    # a breach while the case waits) costs no query per case and per scan
    known = set(db.session.scalars(sa.select(Alert.dedupe_key).join(Application, Application.id == Alert.application_id)
                                   .where(Alert.dedupe_key.is_not(None), Application.status.not_in(FINAL_STATUSES))))

    def raise_alert(kind, **kwargs):
        """Raise an alert unless its dedupe key was raised before; counts the new ones. Returns the alert,
        or None when it had been raised before (in any state)."""
        key = kwargs["dedupe_key"]
        if key in known:
            return None
        new = not db.session.scalar(sa.select(Alert.id).where(Alert.dedupe_key == key))
        alert = _raise_alert(kind, **kwargs)
        known.add(key)
        raised[kind] = raised.get(kind, 0) + int(new)
        return alert
    waiting = db.session.scalars(sa.select(Application).where(Application.status.in_(sla.WAITING_STATUSES))).all()
    for app_ in waiting:
        st = sla.state(app_, now)
        ref = app_.reference or app_.id
        if st["state"] == "breached":
            raise_alert("sla_breach", severity="critical", application_id=app_.id, commit=False,
                        dedupe_key=f"sla_breach:{app_.id}",
                        message=f"申请 {ref} 自首次接触起已 {st['elapsed_minutes']} 分钟仍未指派律师（时限 {st['target_minutes']} 分钟）",
                        details={"target_minutes": st["target_minutes"]})
        elif st["state"] == "near":
            raise_alert("sla_near_breach", severity="warning", application_id=app_.id, commit=False,
                        dedupe_key=f"sla_near_breach:{app_.id}",
                        message=f"申请 {ref} 距指派时限仅剩 {st['remaining_minutes']} 分钟",
                        details={"target_minutes": st["target_minutes"]})
        if app_.deadline_at and app_.deadline_at - now <= dt.timedelta(hours=24) and app_.deadline_at > now:
            raise_alert("deadline_close", severity="critical", application_id=app_.id, commit=False,
                        dedupe_key=f"deadline_close:{app_.id}",
                        message=f"申请 {ref} 的法定期限不足 24 小时，尚未指派律师")
    backfilling = db.session.scalars(sa.select(Application).where(
        Application.backfill_kinds.is_not(None), Application.backfill_due_at.is_not(None),
        Application.status.not_in(FINAL_STATUSES))).all()
    for app_ in backfilling:
        bf = backfill_status(app_)
        if bf["missing"] and app_.backfill_due_at < now:
            raise_alert("backfill_overdue", severity="warning", application_id=app_.id, commit=False,
                        dedupe_key=f"backfill_overdue:{app_.id}:{app_.backfill_due_at:%Y%m%d%H%M}",
                        message=f"申请 {app_.reference or app_.id} 补交材料已逾期：尚缺"
                                + "、".join(m["label"] for m in bf["missing"]),
                        details={"missing": [m["kind"] for m in bf["missing"]]})
    # conditions that ended: the case got its lawyer, the backfill is complete, the case is over
    active = db.session.scalars(sa.select(Alert).where(
        Alert.status.in_(("open", "acknowledged")), Alert.application_id.is_not(None),
        Alert.kind.in_(("sla_breach", "sla_near_breach", "backfill_overdue", "deadline_close")))).all()
    for alert in active:
        app_ = db.session.get(Application, alert.application_id)
        if app_ is None:
            continue
        if alert.kind == "backfill_overdue":
            ended = app_.status in FINAL_STATUSES or backfill_status(app_)["complete"]
        elif alert.kind == "sla_near_breach":
            ended = app_.status not in sla.WAITING_STATUSES or sla.state(app_, now)["state"] == "breached"
        else:
            ended = app_.status not in sla.WAITING_STATUSES
        if ended:
            _resolve(alert)
            raised["resolved"] += 1
    db.session.commit()
    for scanner in current_app.extensions["alerts"]["scanners"]:  # app.alerts.init_app
        for key, n in (scanner(now, raise_alert) or {}).items():
            raised[key] = raised.get(key, 0) + n
        db.session.commit()
    SLA_BREACHES.inc(raised["sla_breach"])
    return raised


@task("alerts_scan")
def scan_task() -> None:
    result = scan()
    log.info("alerts scan: %s", result)
