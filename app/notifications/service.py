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
from app.tasks import enqueue, task
from app.wechat_bridge import get_wechat

log = logging.getLogger(__name__)

# Every subscribe message the server sends: its template id's setting and the mini-program page a tap
# opens (each must be a page of miniprogram/app.json: tests/notifications/test_contract.py).
TEMPLATE_SETTINGS = {"status": "WECHAT_TEMPLATE_STATUS", "document": "WECHAT_TEMPLATE_DOCUMENT",
                     "letter": "WECHAT_TEMPLATE_LETTER"}
PAGES = {"status": "pages/status/status", "document": "pages/photos/photos", "letter": "pages/status/status"}
# Where the mini-program asks for consent and for which messages (WeChat: at most 3 per request). A
# one-time consent allows one message: the moments cover every message that can follow them.
#   submit: progress, photos to re-shoot, the notice/decision letters; objection: the bureau's answer and
#   the letters after it; awaiting: the status page of a case under review (a notice or decision can come)
CONSENT_MOMENTS = {"submit": ["status", "document", "letter"], "objection": ["status", "letter"],
                   "awaiting": ["letter", "status", "document"]}


def template_ids() -> dict[str, str]:
    cfg = current_app.config
    return {kind: cfg[setting] for kind, setting in TEMPLATE_SETTINGS.items()}


def client_config() -> dict:
    """What the mini-program needs to ask consent for exactly the messages the server sends."""
    return {"subscribe_templates": template_ids(),
            "subscribe_long_term": bool(current_app.config["WECHAT_SUBSCRIBE_LONG_TERM"]),
            "subscribe_moments": {k: list(v) for k, v in CONSENT_MOMENTS.items()}}


def _page(kind: str, application, **query) -> str:
    q = "&".join([f"id={application.id}"] + [f"{k}={v}" for k, v in query.items()])
    return f"{PAGES[kind]}?{q}"


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
        template_id=current_app.config[TEMPLATE_SETTINGS["status"]],
        page=_page("status", application),
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
        template_id=current_app.config[TEMPLATE_SETTINGS["document"]],
        page=_page("document", application),
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
        template_id=current_app.config[TEMPLATE_SETTINGS["letter"]],
        page=_page("letter", application, tab="letters"),
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
    if n.attempts >= cfg["NOTIFY_MAX_ATTEMPTS"]:
        n.status = "failed"
        n.next_attempt_at = None
        log.warning("notification %s failed after %s attempts: %s", n.id, n.attempts, n.last_error)
        return
    backoff = cfg["NOTIFY_RETRY_BASE_SECONDS"] * (2 ** (n.attempts - 1))
    n.next_attempt_at = utcnow() + dt.timedelta(seconds=backoff)


def sweep_due(limit: int = 500) -> int:
    """Re-queue pending notifications whose time has come (after a crash or lost message)."""
    stale = utcnow() - dt.timedelta(minutes=2)
    ids = db.session.scalars(sa.select(Notification.id).where(
        Notification.status == "pending", Notification.next_attempt_at <= stale).limit(limit)).all()
    for nid in ids:
        enqueue("deliver_notification", nid)
    return len(ids)
