"""Call events as the switch reports them, the live state of calls and agents, webhook receipts
(replay refusal) and per-number flags (do not call back)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType
from app.common.timeutil import UTCDateTime, utcnow
from app.consultations.models import BigID
from app.extensions import db

EVENTS = ("ringing", "queued", "agent_ringing", "answered", "transferred", "ended", "abandoned", "survey")
# events a call has at most once: a second one (another listener, a reconnect without timestamps) is a duplicate
ONCE = ("ringing", "queued", "answered", "ended", "abandoned", "survey")
CALL_STATES = ("ringing", "queued", "agent_ringing", "answered", "ended", "abandoned")
AGENT_STATES = ("available", "ringing", "on_call", "paused", "offline")
AGENT_STATE_LABELS = {"available": "空闲", "ringing": "振铃中", "on_call": "通话中", "paused": "暂停", "offline": "离线"}


class CallEvent(db.Model):
    """One event of one call, stored once per (call_id, event, at)."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    call_id: Mapped[str] = mapped_column(sa.String(64))
    event: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(sa.String(8))  # webhook | ami | esl | demo
    # "<call_id>|<event>" for the events a call has once (ONCE): unique, so a second listener or a
    # switch without timestamps cannot store them twice; NULL for the others (agent_ringing, transferred)
    once_key: Mapped[str | None] = mapped_column(sa.String(90))
    agent: Mapped[str | None] = mapped_column(sa.String(32))
    queue: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict | None] = mapped_column(JSONType)  # recording, survey score, transfer target …
    consultation_id: Mapped[int | None] = mapped_column(BigID, sa.ForeignKey("consultations.id", ondelete="SET NULL"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("call_id", "event", "at", name="uq_call_events_call_event_at"),
        sa.UniqueConstraint("once_key", name="uq_call_events_once_key"),
        sa.Index("ix_call_events_received", "received_at"),
    )


class LiveCall(db.Model):
    """The state of one switch call (the wallboard's waiting callers), beside its consultation."""

    __tablename__ = "live_calls"

    call_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(BigID, sa.ForeignKey("consultations.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(16))
    ring_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    agent: Mapped[str | None] = mapped_column(sa.String(32))
    queue: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.Index("ix_live_calls_state", "state", "ring_at"),)


class AgentState(db.Model):
    """A duty lawyer's line as the switch last reported it."""

    __tablename__ = "agent_states"

    agent: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # staff number (坐席工号)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(12))
    call_id: Mapped[str | None] = mapped_column(sa.String(64))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WebhookReceipt(db.Model):
    """A signed webhook request already taken: the same signature again within the window is a replay."""

    __tablename__ = "telephony_webhook_receipts"

    signature: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class CallerFlag(db.Model):
    """Per caller number (keyed hash): 勿回拨 — the caller asked not to be called back."""

    __tablename__ = "caller_flags"

    caller_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    do_not_call: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
