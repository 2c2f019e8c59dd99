"""The signed webhook of a cloud contact centre: HMAC-SHA256 over "<timestamp>.<body>" with
TELEPHONY_WEBHOOK_SECRET, sent as `X-Telephony-Signature: <hex>` (an optional "sha256=" prefix is
accepted) beside `X-Telephony-Timestamp: <unix seconds>`; a timestamp outside the window or a signature
already taken is refused. Pure checks here; the route stores the receipt and the events."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import sqlalchemy as sa

from app import errors
from app.common.timeutil import utcnow
from app.extensions import db
from app.telephony import events as ev_model
from app.telephony.models import WebhookReceipt

MAX_EVENTS = 500


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str | None, timestamp: str | None, signature: str | None, body: bytes, window: int,
           now: dt.datetime | None = None) -> str:
    """The signature (lower-case hex) when the request is authentic and fresh; raises otherwise."""
    if not secret:
        raise errors.ServiceUnavailable("未配置话务系统回调密钥（TELEPHONY_WEBHOOK_SECRET）", code="webhook_not_configured")
    if not timestamp or not signature:
        raise errors.Unauthorized("缺少签名或时间戳（X-Telephony-Signature、X-Telephony-Timestamp）", code="bad_signature")
    try:
        ts = int(timestamp)
    except ValueError:
        raise errors.Unauthorized("时间戳无效（应为 Unix 秒）", code="bad_timestamp") from None
    given = signature.strip().lower().removeprefix("sha256=")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise errors.Unauthorized("签名无效", code="bad_signature")
    now_ts = (now or utcnow()).timestamp()
    if abs(now_ts - ts) > window:
        raise errors.Unauthorized(f"时间戳超出允许范围（±{window} 秒），请检查话务系统的时钟", code="stale_timestamp")
    return expected


def take_receipt(signature: str, window: int) -> None:
    """Refuse a request whose signature was taken already (a replay); forget receipts past the window."""
    now = utcnow()
    if db.session.get(WebhookReceipt, signature) is not None:
        raise errors.Conflict("重复的回调请求（已处理过），已拒绝", code="replayed")
    db.session.execute(sa.delete(WebhookReceipt).where(WebhookReceipt.received_at < now - dt.timedelta(seconds=2 * window)))
    db.session.add(WebhookReceipt(signature=signature, received_at=now))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise errors.Conflict("重复的回调请求（已处理过），已拒绝", code="replayed") from None


def parse(body: bytes) -> list[ev_model.Event]:
    """The body's event(s); any bad one refuses the whole request (nothing stored), each reason listed."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise errors.BadRequest("请求体不是有效的 JSON", code="bad_json") from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise errors.ValidationFailed("没有事件")
    if len(items) > MAX_EVENTS:
        raise errors.ValidationFailed(f"一次最多 {MAX_EVENTS} 个事件")
    out, bad = [], {}
    for i, item in enumerate(items):
        try:
            out.append(ev_model.from_webhook(item))
        except ev_model.BadEvent as exc:
            bad[str(i)] = [str(exc)]
    if bad:
        raise errors.ValidationFailed("事件内容有误，未处理任何事件", details={"fields": bad})
    return out
