"""送达: when a letter counts as delivered, and how it gets there.

A letter counts as delivered when the applicant received it; the clocks that run from it (the
supplement notice's due date, the province's objection period) start then.

- Citizens with the mini-program: delivered when they open it (recorded: `opened`), or
  DELIVERY_DEEMED_DAYS (2) days after the subscribe message announcing it was accepted by WeChat
  (`wechat_deemed`, set by the periodic scan). A message WeChat refused announces nothing.
- Applicants taken in by phone or at the counter (no WeChat account): by SMS through the
  configured gateway (`sms/`): the letter's number, what it decides and a short link with a one-time
  code; delivered when the link is opened (`sms_link`). Or by post or in person, recorded by staff
  with the date and the way (送达回证: `post`, `in_person`).
- Letters to a lawyer or a firm are delivered in the console when issued (`internal`).
- A letter to the applicant not delivered within DELIVERY_ALERT_DAYS (2) days raises an alert for
  staff to deliver it; the alert resolves once it is delivered.

One row per letter (`letter_deliveries`, migration 0010), opened by a session hook when the letter
row is written, whichever module issued it; the subscribe message that announces it is tied to it
the same way (by application and letter number). The SMS goes out after the commit (and the periodic
scan sends any the commit did not). Nothing here decides a case: the clocks ask `delivered_on`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

import sms
from app import errors
from app.alerts.models import Alert
from app.applications import service as applications
from app.applications.models import Application
from app.audit import record as audit
from app.common.timeutil import LOCAL_TZ, UTCDateTime, local_today, utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.common.permissions import P
from app.procedure import clocks
from app.procedure.models import LETTER_KINDS, Letter
from app.sms_bridge import get_sms
from app.tasks import enqueue, task

log = logging.getLogger(__name__)

WAYS = {"opened": "小程序内查看", "wechat_deemed": "订阅消息通知满两日视为送达", "sms_link": "短信链接查看",
        "post": "邮寄送达", "in_person": "直接送达", "internal": "系统内送达"}
STAFF_WAYS = ("post", "in_person")
CHANNELS = {"wechat": "小程序", "sms": "短信", "manual": "邮寄或直接送达", "internal": "系统内"}
# letters addressed to a lawyer or a firm, not to the applicant: delivered in the console when issued
INTERNAL_KINDS = {"assignment", "termination_notice", "resumption_notice"}
ALERT_KIND = "letter_undelivered"


class LetterDelivery(db.Model):
    """The delivery of one letter: its channel, the announcement, the SMS and its one-time link, and when
    and how it was delivered."""

    __tablename__ = "letter_deliveries"

    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(12))  # wechat | sms | manual | internal
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notifications.id", ondelete="SET NULL"))
    sms_phone: Mapped[str | None] = mapped_column(sa.String(20))
    sms_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sms_message_id: Mapped[str | None] = mapped_column(sa.String(64))
    sms_error: Mapped[str | None] = mapped_column(sa.String(255))
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    code_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    delivered_by: Mapped[str | None] = mapped_column(sa.String(16))  # a key of WAYS
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    note: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    letter = relationship(Letter, lazy="joined")
    notification = relationship(Notification)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands timezone-aware columns back naive (UTC)
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment


def get(letter_id: int) -> LetterDelivery | None:
    return db.session.get(LetterDelivery, letter_id)


def for_application(application_id: int) -> dict[int, LetterDelivery]:
    return {d.letter_id: d for d in db.session.scalars(
        sa.select(LetterDelivery).where(LetterDelivery.application_id == application_id))}


def delivered_on(letter: Letter) -> dt.date | None:
    """The local date the letter was delivered, or None while it is not."""
    d = get(letter.id)
    at = _aware(d.delivered_at) if d else None
    return at.astimezone(LOCAL_TZ).date() if at else None


def out(d: LetterDelivery | None, *, iso: bool = True) -> dict:
    """The delivery fields a letter carries in the API."""
    if d is None:
        return {"delivered_at": None, "delivered_by": None}
    at = _aware(d.delivered_at)
    return {"delivered_at": (at.isoformat() if iso else at) if at else None, "delivered_by": d.delivered_by}


# --- starting a delivery (in the letter's transaction) ---------------------------------------------------

def open_for(letter: Letter) -> LetterDelivery:
    """The delivery of a letter being written (letters.issue calls this in the letter's transaction):
    internal (a lawyer's or a firm's letter), the mini-program (a citizen's application), SMS (a phone or
    counter applicant with a phone number, when a gateway is configured: sent once the transaction
    commits, `send_pending`) or manual (staff deliver by post or in person and record it)."""
    session = db.session
    with session.no_autoflush:
        app_ = session.get(Application, letter.application_id)
    now = utcnow()
    d = LetterDelivery(letter=letter, application_id=letter.application_id, created_at=now)
    if letter.kind in INTERNAL_KINDS:
        d.channel, d.delivered_at, d.delivered_by = "internal", now, "internal"
    elif app_ is not None and app_.citizen_id is not None:
        d.channel = "wechat"
    elif app_ is not None and app_.phone and current_app.config.get("SMS_PROVIDER"):
        d.channel, d.sms_phone = "sms", app_.phone
        session.info.setdefault("delivery_sms", []).append(d)
    else:
        d.channel = "manual"
    session.add(d)
    return d


def announced(letter: Letter, message: Notification | None) -> None:
    """The subscribe message that announces the letter (letters.announce): two days after WeChat accepted
    it, the letter counts as delivered (the scan)."""
    d = get(letter.id)
    if d is not None and message is not None and d.channel == "wechat":
        d.notification = message


def send_pending() -> None:
    """After the commit of a transaction that wrote letters for SMS delivery: their SMS goes out in the
    background (a rolled-back letter has no delivery row, and the periodic scan sends any left behind)."""
    pending = db.session.info.pop("delivery_sms", ())
    for d in pending:
        if d.letter_id is not None:
            enqueue("send_letter_sms", d.letter_id)  # a task runs in its own session (and app context)


def _link(code: str) -> str:
    base = (current_app.config.get("LETTER_LINK_BASE") or "").rstrip("/")
    return f"{base}/l/{code}"


@task("send_letter_sms")
def send_sms(letter_id: int, *, resend_by=None) -> LetterDelivery | None:
    """Send (or resend) the SMS of a letter: its number, what it decides and a short link with a new
    one-time code (the previous code stops working). Safe to repeat: a letter already sent is not sent
    again unless staff ask (`resend_by`)."""
    d = db.session.get(LetterDelivery, letter_id)
    if d is None or d.delivered_at is not None or d.channel not in ("sms", "manual"):
        return d
    if d.sms_sent_at is not None and resend_by is None:
        return d
    gateway = get_sms()
    app_ = db.session.get(Application, d.application_id)
    phone = app_.phone if app_ else None
    if gateway is None or not phone:
        d.sms_error = "未配置短信服务" if gateway is None else "申请人没有手机号"
        db.session.commit()
        return d
    letter = db.session.get(Letter, letter_id)
    code = secrets.token_urlsafe(9)
    params = {"number": letter.number, "what": LETTER_KINDS[letter.kind], "link": _link(code)}
    try:
        receipt = gateway.send(phone, current_app.config["SMS_TEMPLATE_LETTER"], params)
    except sms.SmsError as exc:
        d.sms_error = f"{exc.code}: {exc}"[:255]
        log.warning("letter %s: SMS refused: %s", letter_id, d.sms_error)
        db.session.commit()
        return d
    d.channel, d.sms_phone = "sms", phone
    d.code_hash, d.code_used_at = _hash(code), None
    d.sms_sent_at, d.sms_message_id, d.sms_error = utcnow(), receipt.message_id, None
    applications.record_event(app_, resend_by, "letter_sms",
                              f"已向申请人手机发送{LETTER_KINDS[letter.kind]}（{letter.number}）的短信通知及查看链接")
    db.session.commit()
    return d


# --- delivery recorded ---------------------------------------------------------------------------------------

def _deliver(d: LetterDelivery, way: str, when: dt.datetime, *, by_id: int | None = None, note: str | None = None):
    d.delivered_at, d.delivered_by = when, way
    d.recorded_by_id = by_id
    if note:
        d.note = note[:255]
    letter = d.letter or db.session.get(Letter, d.letter_id)
    # the periods that run from a delivery (supplement due, objection period) start here, in this transaction
    clocks.on_delivered(letter, _aware(when).astimezone(LOCAL_TZ).date())


def opened_by_citizen(citizen, app_: Application, letter: Letter) -> LetterDelivery | None:
    """The citizen opened the letter in the mini-program: delivered now (the first opening counts)."""
    d = get(letter.id)
    if d is None or d.delivered_at is not None or app_.citizen_id != citizen.id:
        return d
    _deliver(d, "opened", utcnow())
    applications.record_event(app_, citizen, "letter_delivered", f"申请人已在小程序查看{letter.kind_label}（{letter.number}）")
    db.session.commit()
    return d


def open_link(code: str) -> Letter:
    """The SMS link: the one-time code delivers the letter and is spent. Raises NotFound for an unknown
    code and Gone for a used one."""
    d = db.session.scalar(sa.select(LetterDelivery).where(LetterDelivery.code_hash == _hash(code or "")))
    if d is None:
        raise errors.NotFound("链接无效")
    if d.code_used_at is not None:
        raise LinkUsed(_aware(d.code_used_at))
    now = utcnow()
    d.code_used_at = now
    letter = db.session.get(Letter, d.letter_id)
    if d.delivered_at is None:
        _deliver(d, "sms_link", now)
        app_ = db.session.get(Application, d.application_id)
        applications.record_event(app_, None, "letter_delivered",
                                  f"申请人已通过短信链接查看{letter.kind_label}（{letter.number}）")
    db.session.commit()
    return letter


class LinkUsed(Exception):
    def __init__(self, at: dt.datetime):
        super().__init__("used")
        self.at = at


def record_by_staff(staff, app_: Application, letter: Letter, way: str, day: dt.date | None,
                    note: str | None = None) -> LetterDelivery:
    """Staff record a delivery by post or in person (送达回证): the date and the way. Once."""
    if not P.record_delivery.allows(staff):
        raise errors.Forbidden("当前角色无权登记送达")
    d = get(letter.id)
    if d is None or letter.application_id != app_.id:
        raise errors.NotFound("未找到该文书")
    if way not in STAFF_WAYS:
        raise errors.ValidationFailed("送达方式无效", details={"fields": {"way": ["应为 post（邮寄）或 in_person（直接送达）"]}})
    if day is None:
        raise errors.ValidationFailed("请填写送达日期", details={"fields": {"date": ["必填"]}})
    issued = _aware(letter.issued_at).astimezone(LOCAL_TZ).date()
    if day > local_today() or day < issued:
        msg = f"送达日期应在文书出具日（{issued}）与今天之间"
        raise errors.ValidationFailed(msg, details={"fields": {"date": [msg]}})
    if d.delivered_at is not None:
        raise errors.InvalidTransition(f"该文书已于 {_aware(d.delivered_at).astimezone(LOCAL_TZ):%Y-%m-%d} 送达"
                                       f"（{WAYS.get(d.delivered_by, d.delivered_by)}），不能重复登记")
    note = (note or "").strip()[:255] or None
    # the day it was delivered, noon local time (the date is what counts)
    when = dt.datetime.combine(day, dt.time(12), LOCAL_TZ).astimezone(dt.timezone.utc)
    _deliver(d, way, when, by_id=staff.id, note=note)
    applications.record_event(app_, staff, "letter_delivered",
                              f"{letter.kind_label}（{letter.number}）已于 {day} {WAYS[way]}" + (f"：{note}" if note else ""))
    audit("letter.delivery_recorded", actor=staff, object_type="letter", object_id=letter.id,
          details={"way": way, "date": day.isoformat()})
    db.session.commit()
    return d


# --- the periodic scan ---------------------------------------------------------------------------------------

def scan(now: dt.datetime, raise_alert) -> dict:
    """Deem delivered the letters announced in the mini-program DELIVERY_DEEMED_DAYS ago; alert on the
    letters still undelivered DELIVERY_ALERT_DAYS after they were issued; resolve the alerts of the
    letters delivered since."""
    cfg = current_app.config
    out = {"deemed_delivered": 0, "sms_sent": 0}
    unsent = db.session.scalars(sa.select(LetterDelivery.letter_id).where(
        LetterDelivery.channel == "sms", LetterDelivery.sms_sent_at.is_(None), LetterDelivery.sms_error.is_(None),
        LetterDelivery.delivered_at.is_(None))).all()
    for letter_id in unsent:  # a commit whose after-commit queueing was lost (a crash between the two)
        send_sms(letter_id)  # commits (the scan is idempotent)
        out["sms_sent"] += 1
    deemed_before = now - dt.timedelta(days=cfg["DELIVERY_DEEMED_DAYS"])
    rows = db.session.execute(
        sa.select(LetterDelivery, Notification.sent_at).join(Notification, Notification.id == LetterDelivery.notification_id)
        .where(LetterDelivery.delivered_at.is_(None), LetterDelivery.channel == "wechat",
               Notification.status == "sent", Notification.sent_at <= deemed_before)).all()
    for d, sent_at in rows:
        _deliver(d, "wechat_deemed", _aware(sent_at) + dt.timedelta(days=cfg["DELIVERY_DEEMED_DAYS"]))
        out["deemed_delivered"] += 1
    late = now - dt.timedelta(days=cfg["DELIVERY_ALERT_DAYS"])
    live = set()
    for d, letter in db.session.execute(
            sa.select(LetterDelivery, Letter).join(Letter, Letter.id == LetterDelivery.letter_id)
            .where(LetterDelivery.delivered_at.is_(None), Letter.issued_at <= late)).all():
        key = f"{ALERT_KIND}:{letter.id}"
        how = {"sms": "已发短信但申请人未查看" if d.sms_sent_at else f"短信未发出（{d.sms_error or '等待发送'}）",
               "wechat": "小程序通知未送达或未查看", "manual": "申请人没有小程序，请邮寄或直接送达并登记"}.get(d.channel, "")
        raise_alert(ALERT_KIND, severity="warning", application_id=d.application_id, commit=False, dedupe_key=key,
                    message=f"{letter.kind_label}（{letter.number}）出具已超过 {cfg['DELIVERY_ALERT_DAYS']} 日仍未送达：{how}",
                    details={"letter_id": letter.id, "channel": d.channel})
        live.add(key)
    for alert in db.session.scalars(sa.select(Alert).where(Alert.kind == ALERT_KIND,
                                                           Alert.status.in_(("open", "acknowledged")))).all():
        if alert.dedupe_key not in live:
            alert.status, alert.resolved_at = "resolved", now
    return out

