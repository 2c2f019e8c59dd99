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


# WeChat subscribe-message values are limited by their field's type (the key's prefix)
LIMITS = {"thing": 20, "phrase": 5, "character_string": 32}


def _short(text: str | None, n: int = 20) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def _value(key: str, value: str | None) -> str:
    kind = key.rstrip("0123456789")
    return _short(value, LIMITS[kind]) if kind in LIMITS else value


def _now() -> str:
    return utcnow().astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _message(application, kind: str, values: dict[str, str], **query) -> Notification | None:
    """The one message skeleton: a subscribe message of `kind` (its template setting and mini-program page
    above; `query` is added to the page's) to the application's citizen (none for a phone intake nobody
    has linked yet), queued in the caller's transaction; the caller commits, then calls `dispatch`.
    `values` are the template's fields, each cut to its type's limit."""
    if application.citizen_id is None:
        return None
    data = {key: {"value": _value(key, value)} for key, value in values.items()}
    n = Notification(citizen_id=application.citizen_id, application_id=application.id,
                     template_id=current_app.config[TEMPLATE_SETTINGS[kind]], page=_page(kind, application, **query),
                     data=data, next_attempt_at=utcnow())
    db.session.add(n)
    return n


def status_changed(application, to_status_label: str, note: str | None = None) -> Notification | None:
    """The application's state changed (with the note the citizen may read)."""
    return _message(application, "status", {
        "character_string1": application.reference or str(application.id),
        "phrase2": to_status_label,
        "time3": _now(),
        "thing4": note or "点击查看办理进度",
    })


def document_rejected(application, document) -> Notification | None:
    """Which photo to re-shoot and why."""
    return _message(application, "document", {
        "thing1": document.kind_label,
        "phrase2": "需重新拍摄",
        "thing3": document.reject_message,
    })


def letter_issued(application, title: str, number: str) -> Notification | None:
    """A written decision (法律文书); the page opens the letter."""
    return _message(application, "letter", {
        "thing1": title,
        "character_string2": number,
        "time3": _now(),
        "thing4": "点击查看文书",
    }, tab="letters")


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
