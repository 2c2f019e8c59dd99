"""The one call-event model every input maps onto, and the mapping of each input's wire events:
the webhook's JSON, Asterisk AMI's key/value blocks, FreeSWITCH ESL's plain events. Pure functions:
no database, no Flask (the listener and the webhook route call them, the service stores the result)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.common.timeutil import UTC

EVENT_NAMES = ("ringing", "queued", "agent_ringing", "answered", "transferred", "ended", "abandoned", "survey")


@dataclass
class Event:
    call_id: str
    event: str
    at: dt.datetime  # aware UTC, as the switch stamped it
    source: str
    caller: str | None = None
    agent: str | None = None  # the duty lawyer's staff number (坐席工号)
    queue: str | None = None
    recording: str | None = None
    score: int | None = None  # survey
    data: dict = field(default_factory=dict)


class BadEvent(ValueError):
    """An input event that cannot be taken (the message says why, in Chinese)."""


def _trim(v, n: int) -> str | None:
    s = str(v).strip() if v is not None else ""
    return s[:n] or None


def agent_of(value: str | None) -> str | None:
    """'PJSIP/D001', 'SIP/D001-0000002a', 'Local/D001@agents/n', 'D001@default', 'Agent/D001' → 'D001'."""
    if not value:
        return None
    s = value.strip()
    if "/" in s:
        s = s.split("/", 1)[1]
    s = s.split("@", 1)[0]
    if "-" in s and value.strip().upper().startswith(("SIP/", "PJSIP/", "IAX2/")):
        s = s.rsplit("-", 1)[0]  # the channel's unique suffix
    return s[:32] or None


# --------------------------------------------------------------------------- webhook JSON
def from_webhook(item: dict) -> Event:
    """{"call_id", "event", "at" (ISO 8601 with offset, or epoch seconds), "caller", "agent", "queue",
    "recording"} or a survey {"call_id", "score"[, "at"]}."""
    if not isinstance(item, dict):
        raise BadEvent("事件应为 JSON 对象")
    call_id = _trim(item.get("call_id"), 64)
    if not call_id:
        raise BadEvent("缺少 call_id")
    name = item.get("event") or ("survey" if "score" in item else None)
    if name not in EVENT_NAMES:
        raise BadEvent(f"未知的事件类型：{name}")
    at = item.get("at")
    if at is None and name == "survey":
        at_dt = None
    else:
        at_dt = _parse_at(at)
    score = None
    if name == "survey":
        try:
            score = int(item.get("score"))
        except (TypeError, ValueError):
            raise BadEvent("评分应为 1–5 的整数") from None
        if not 1 <= score <= 5:
            raise BadEvent("评分应为 1–5 的整数")
    ev = Event(call_id=call_id, event=name, at=at_dt or dt.datetime.now(UTC), source="webhook",
               caller=_trim(item.get("caller"), 32), agent=agent_of(_trim(item.get("agent"), 64)),
               queue=_trim(item.get("queue"), 64), recording=_trim(item.get("recording"), 512), score=score)
    if name == "transferred" and item.get("to"):
        ev.data["to"] = _trim(item.get("to"), 64)
    return ev


def _parse_at(value) -> dt.datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadEvent(f"时间格式无效：{value[:40]}（应为带时区的 ISO 8601）") from None
        if parsed.tzinfo is None:
            raise BadEvent("时间须带时区，例如 2026-12-04T09:00:00+08:00")
        return parsed.astimezone(UTC)
    raise BadEvent("缺少事件时间 at")


# --------------------------------------------------------------------------- Asterisk AMI
def _ami_at(msg: dict, now: dt.datetime) -> dt.datetime:
    """`Timestamp: 1733300000.123456` (manager.conf timestampevents = yes), else the time received."""
    ts = msg.get("Timestamp")
    if ts:
        try:
            return dt.datetime.fromtimestamp(float(ts), UTC)
        except ValueError:
            pass
    return now


def _ami_call(msg: dict) -> str | None:
    return _trim(msg.get("Linkedid") or msg.get("Uniqueid"), 64)


def from_ami(msg: dict, now: dt.datetime) -> list[Event]:
    """One AMI event block (dict of its headers) → call events. One call = its Linkedid."""
    name = msg.get("Event")
    call_id = _ami_call(msg)
    at = _ami_at(msg, now)
    caller = _trim(msg.get("CallerIDNum"), 32)
    if caller in ("<unknown>", "unknown"):
        caller = None

    def ev(kind, **kw):
        return [Event(call_id=call_id, event=kind, at=at, source="ami", caller=caller, **kw)]

    if not call_id:
        return []
    first_channel = msg.get("Uniqueid") == msg.get("Linkedid")
    if name == "Newchannel" and first_channel:
        return ev("ringing")
    if name == "QueueCallerJoin":
        return ev("queued", queue=_trim(msg.get("Queue"), 64))
    if name == "AgentCalled":
        return ev("agent_ringing", queue=_trim(msg.get("Queue"), 64),
                  agent=agent_of(msg.get("MemberName") or msg.get("Interface") or msg.get("AgentName")))
    if name == "DialBegin" and msg.get("DestChannel") and not msg.get("Queue"):
        # a direct dial to a lawyer's extension (no queue): the destination is the agent
        return ev("agent_ringing", agent=agent_of(msg.get("DestCallerIDNum") or msg.get("DestChannel")))
    if name == "AgentConnect":
        return ev("answered", queue=_trim(msg.get("Queue"), 64),
                  agent=agent_of(msg.get("MemberName") or msg.get("Interface")))
    if name == "DialEnd" and msg.get("DialStatus") == "ANSWER" and not msg.get("Queue"):
        return ev("answered", agent=agent_of(msg.get("DestCallerIDNum") or msg.get("DestChannel")))
    if name == "QueueCallerAbandon":
        return ev("abandoned", queue=_trim(msg.get("Queue"), 64))
    if name in ("BlindTransfer", "AttendedTransfer"):
        call_id = _trim(msg.get("TransfereeLinkedid") or msg.get("TransfererLinkedid") or call_id, 64)
        return [Event(call_id=call_id, event="transferred", at=at, source="ami",
                      data={"to": _trim(msg.get("Extension"), 64)} if msg.get("Extension") else {})]
    if name == "Hangup" and first_channel:
        return ev("ended")
    if name == "UserEvent" and (msg.get("UserEvent") or "").lower() == "survey":
        try:
            score = int(msg.get("Score") or msg.get("score") or "")
        except ValueError:
            return []
        target = _trim(msg.get("CallId") or msg.get("LinkedID") or call_id, 64)
        return [Event(call_id=target, event="survey", at=at, source="ami", score=score)] if 1 <= score <= 5 else []
    if name == "MixMonitorStart" or (name == "VarSet" and msg.get("Variable") == "MIXMONITOR_FILENAME"):
        return []
    return []


def ami_agent_state(msg: dict) -> tuple[str, str] | None:
    """Queue member pause / status → (agent, available|paused|offline)."""
    name = msg.get("Event")
    agent = agent_of(msg.get("MemberName") or msg.get("Interface"))
    if not agent:
        return None
    if name == "QueueMemberPause":
        return agent, "paused" if msg.get("Paused") == "1" else "available"
    if name == "QueueMemberStatus" and msg.get("Status") == "5":  # AST_DEVICE_UNAVAILABLE
        return agent, "offline"
    if name == "QueueMemberAdded":
        return agent, "paused" if msg.get("Paused") == "1" else "available"
    if name == "QueueMemberRemoved":
        return agent, "offline"
    return None


# --------------------------------------------------------------------------- FreeSWITCH ESL
def _esl_at(h: dict, now: dt.datetime) -> dt.datetime:
    ts = h.get("Event-Date-Timestamp")  # microseconds since the epoch
    if ts and ts.isdigit():
        return dt.datetime.fromtimestamp(int(ts) / 1_000_000, UTC)
    return now


def from_esl(h: dict, now: dt.datetime) -> list[Event]:
    """One ESL plain event (its url-decoded headers) → call events. One call = Channel-Call-UUID (the
    caller's leg's uuid, shared by the legs bridged to it)."""
    name = h.get("Event-Name")
    at = _esl_at(h, now)
    call_id = _trim(h.get("Channel-Call-UUID") or h.get("Unique-ID"), 64)
    inbound = h.get("Call-Direction") == "inbound"
    caller = _trim(h.get("Caller-Caller-ID-Number"), 32)
    if name == "CUSTOM":
        sub = h.get("Event-Subclass", "")
        if sub == "callcenter::info":
            action = h.get("CC-Action")
            call_id = _trim(h.get("CC-Member-Session-UUID") or call_id, 64)
            queue = _trim((h.get("CC-Queue") or "").split("@", 1)[0], 64)
            agent = agent_of(h.get("CC-Agent"))
            caller = _trim(h.get("CC-Member-CID-Number") or caller, 32)
            if action == "member-queue-start":
                return [Event(call_id, "queued", at, "esl", caller=caller, queue=queue)]
            if action == "agent-offering":
                return [Event(call_id, "agent_ringing", at, "esl", caller=caller, queue=queue, agent=agent)]
            if action == "bridge-agent-start":
                return [Event(call_id, "answered", at, "esl", caller=caller, queue=queue, agent=agent)]
            if action == "member-queue-end" and h.get("CC-Cause") == "Cancel":
                return [Event(call_id, "abandoned", at, "esl", caller=caller, queue=queue)]
            return []
        if sub in ("legalaid::survey", "survey"):
            try:
                score = int(h.get("Survey-Score") or h.get("score") or "")
            except ValueError:
                return []
            target = _trim(h.get("Survey-Call-UUID") or call_id, 64)
            return [Event(target, "survey", at, "esl", score=score)] if 1 <= score <= 5 and target else []
        return []
    if not call_id:
        return []
    if name == "CHANNEL_CREATE" and inbound:
        return [Event(call_id, "ringing", at, "esl", caller=caller)]
    if name == "CHANNEL_CREATE" and not inbound and h.get("Channel-Call-UUID") != h.get("Unique-ID"):
        # the leg to a lawyer's phone (direct bridge, no call centre queue)
        agent = agent_of(h.get("Caller-Destination-Number") or h.get("Caller-Callee-ID-Number"))
        return [Event(call_id, "agent_ringing", at, "esl", agent=agent)] if agent and not h.get("variable_cc_agent") else []
    if name == "CHANNEL_ANSWER" and not inbound and h.get("Channel-Call-UUID") != h.get("Unique-ID"):
        agent = agent_of(h.get("variable_cc_agent") or h.get("Caller-Destination-Number")
                         or h.get("Caller-Callee-ID-Number"))
        return [Event(call_id, "answered", at, "esl", agent=agent)]
    if name == "CHANNEL_HANGUP_COMPLETE" and inbound:
        rec = _trim(h.get("variable_record_file") or h.get("variable_legalaid_recording"), 512)
        return [Event(call_id, "ended", at, "esl", caller=caller, recording=rec)]
    return []
