"""Subscribe messages to citizens, delivered in the background with retries and backoff."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app

import wechat
from app.auth.models import Citizen
from app.common.timeutil import LOCAL_TZ, utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.tasks import enqueue, retry_delay, task
from app.wechat_bridge import get_wechat

log = logging.getLogger(__name__)


def _short(text: str | None, n: int = 20) -> str:
    # Subscribe-message "thing" values are limited to 20 characters
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def status_changed(application, to_status_label: str, note: str | None = None) -> Notification | None:
    """Queue a status message for the application's citizen (caller commits, then calls dispatch)."""
    if application.citizen_id is None:
        return None
    now_local = utcnow().astimezone(LOCAL_TZ)
    n = Notification(
        citizen_id=application.citizen_id, application_id=application.id,
        template_id=current_app.config["WECHAT_TEMPLATE_STATUS"],
        page=f"pages/application/detail?id={application.id}",
        data={
            "character_string1": {"value": application.reference or str(application.id)},
            "phrase2": {"value": _short(to_status_label, 5)},
            "time3": {"value": now_local.strftime("%Y-%m-%d %H:%M")},
            "thing4": {"value": _short(note or "点击查看办理进度")},
        },
        next_attempt_at=utcnow(),
    )
    db.session.add(n)
    return n


def document_rejected(application, document) -> Notification | None:
    """Tell the citizen which photo to re-shoot and why."""
    if application.citizen_id is None:
        return None
    n = Notification(
        citizen_id=application.citizen_id, application_id=application.id,
        template_id=current_app.config["WECHAT_TEMPLATE_DOCUMENT"],
        page=f"pages/application/documents?id={application.id}",
        data={
            "thing1": {"value": _short(document.kind_label)},
            "phrase2": {"value": "需重新拍摄"},
            "thing3": {"value": _short(document.reject_message)},
        },
        next_attempt_at=utcnow(),
    )
    db.session.add(n)
    return n


def letter_issued(application, title: str, number: str) -> Notification | None:
    """Announce a written decision (法律文书) to the citizen; the page opens the letter."""
    if application.citizen_id is None:
        return None
    n = Notification(
        citizen_id=application.citizen_id, application_id=application.id,
        template_id=current_app.config["WECHAT_TEMPLATE_LETTER"],
        page=f"pages/application/detail?id={application.id}&tab=letters",
        data={
            "thing1": {"value": _short(title)},
            "character_string2": {"value": _short(number, 32)},
            "time3": {"value": utcnow().astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")},
            "thing4": {"value": "点击查看文书"},
        },
        next_attempt_at=utcnow(),
    )
    db.session.add(n)
    return n


def dispatch(notifications) -> None:
    for n in notifications:
        if n is not None:
            enqueue("deliver_notification", n.id)


@task("deliver_notification")
def deliver(notification_id: int) -> None:
    n = db.session.get(Notification, notification_id, with_for_update=False)
    if n is None or n.status != "pending":
        return
    citizen = db.session.get(Citizen, n.citizen_id)
    n.attempts += 1
    try:
        get_wechat().send_subscribe_message(citizen.openid, n.template_id, n.data, page=n.page)
    except wechat.WeChatError as exc:
        n.last_error = f"{exc.kind}:{exc.errcode}"[:255]
        _schedule_retry(n)
    except Exception as exc:  # noqa: BLE001 — a delivery failure must never escape into the caller
        n.last_error = type(exc).__name__[:255]
        _schedule_retry(n)
    else:
        n.status = "sent"
        n.sent_at = utcnow()
        n.last_error = None
        n.next_attempt_at = None
    db.session.commit()
    if n.status == "pending":
        delay = (n.next_attempt_at - utcnow()).total_seconds()
        enqueue("deliver_notification", n.id, countdown=max(delay, 0))


def _schedule_retry(n: Notification) -> None:
    cfg = current_app.config
    delay = retry_delay(n.attempts, cfg["NOTIFY_MAX_ATTEMPTS"], base=cfg["NOTIFY_RETRY_BASE_SECONDS"])
    if delay is None:
        n.status = "failed"
        n.next_attempt_at = None
        log.warning("notification %s failed after %s attempts: %s", n.id, n.attempts, n.last_error)
        return
    n.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)


def sweep_due(limit: int = 500) -> int:
    """Re-queue pending notifications whose time has come (after a crash or lost message)."""
    stale = utcnow() - dt.timedelta(minutes=2)
    ids = db.session.scalars(sa.select(Notification.id).where(
        Notification.status == "pending", Notification.next_attempt_at <= stale).limit(limit)).all()
    for nid in ids:
        enqueue("deliver_notification", nid)
    return len(ids)
