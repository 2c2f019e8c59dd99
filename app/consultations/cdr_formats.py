"""Call-detail files as switches write them, auto-detected beside the platform's own CSV (app.consultations.cdr):

- Asterisk `Master.csv` (cdr_csv): no header, fixed columns accountcode, src, dst, dcontext, clid, channel,
  dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags, then
  uniqueid, userfield, peeraccount, linkedid, sequence when enabled; rows of one call grouped by linkedid.
- Asterisk `queue_log`: `epoch|uniqueid|queue|agent|EVENT|data…` — ENTERQUEUE (url|callerid|position),
  CONNECT (holdtime|bridged uniqueid|ringtime), COMPLETECALLER / COMPLETEAGENT, ABANDON, EXITWITHTIMEOUT.
- FreeSWITCH `mod_cdr_csv`'s default template: caller_id_name, caller_id_number, destination_number,
  context, start_stamp, answer_stamp, end_stamp, duration, billsec, hangup_cause, uuid, bleg_uuid,
  accountcode, read_codec, write_codec (all quoted).
- FreeSWITCH `mod_json_cdr`: one JSON document per call (a file of one, a JSON array, or one per line),
  `variables` url-encoded (encode-values, the default); times from the *_uepoch variables (UTC µs).

Each is turned into rows of the canonical columns (call_id, caller, ring_at, answered_at, ended_at,
agent, recording; local times as text) with their line numbers, so one validation path imports them all.
An agent the platform does not know (a trunk, a queue's Local channel) is left empty, not an error."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import urllib.parse

from app.common.timeutil import LOCAL_TZ, UTC

CANON = ("call_id", "caller", "ring_at", "answered_at", "ended_at", "agent", "recording")
MAPPING = {k: i for i, k in enumerate(CANON)}
LABELS = {"csv": "CSV", "asterisk_master": "Asterisk Master.csv", "asterisk_queue_log": "Asterisk queue_log",
          "freeswitch_csv": "FreeSWITCH mod_cdr_csv", "freeswitch_json": "FreeSWITCH mod_json_cdr"}
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_QUEUE_LOG = re.compile(r"^\d{9,11}\|[^|]*\|[^|]*\|[^|]*\|[A-Z_]+(\||$)")
_DISPOSITIONS = {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"}
_HANGUP = re.compile(r"^[A-Z_]+$")
_UUID = re.compile(r"^[0-9a-fA-F-]{16,64}$")


def _agent(value: str | None, agents: dict) -> str:
    """'PJSIP/D001-0000002a', 'Agent/D001', 'D001@default', 'D001' → 'D001' when that is a staff number."""
    if not value:
        return ""
    s = value.strip()
    if "/" in s:
        s = s.split("/", 1)[1]
    s = s.split("@", 1)[0]
    for cand in (s, s.rsplit("-", 1)[0] if "-" in s else s):
        if cand in agents:
            return cand
    return ""


def _local(moment: dt.datetime | None) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def detect(text: str) -> str:
    head = text.lstrip()[:4096]
    if head.startswith(("{", "[")):
        return "freeswitch_json"
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if lines and all(_QUEUE_LOG.match(ln) for ln in lines[:5]):
        return "asterisk_queue_log"
    if lines:
        try:
            first = next(csv.reader([lines[0]]))
        except csv.Error:
            return "csv"
        if len(first) >= 16 and _STAMP.match(first[9].strip()) and first[14].strip() in _DISPOSITIONS:
            return "asterisk_master"
        if len(first) == 15 and _STAMP.match(first[4].strip()) and _HANGUP.match(first[9].strip()) \
                and _UUID.match(first[10].strip()):
            return "freeswitch_csv"
    return "csv"


def rows_for(kind: str, text: str, agents: dict) -> list[tuple[int, list[str]]]:
    return {"asterisk_master": _master, "asterisk_queue_log": _queue_log, "freeswitch_csv": _fs_csv,
            "freeswitch_json": _fs_json}[kind](text, agents)


def _row(call_id, caller, ring, answered, ended, agent="", recording="") -> list[str]:
    return [call_id, caller, ring, answered, ended, agent, recording]


# --------------------------------------------------------------------------- Asterisk
def _master(text: str, agents: dict) -> list[tuple[int, list[str]]]:
    calls: dict[str, dict] = {}
    order = []
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        line = reader.line_num
        f = [x.strip() for x in fields] + [""] * max(0, 21 - len(fields))
        src, dstchannel, start, answer, end, disposition = f[1], f[6], f[9], f[10], f[11], f[14]
        key = f[19] or f[16] or f"line-{line}"  # linkedid, else uniqueid
        call = calls.get(key)
        if call is None:
            call = calls[key] = {"line": line, "caller": src, "start": start, "answer": "", "end": end, "agent": ""}
            order.append(key)
        if start and (not call["start"] or start < call["start"]):
            call["start"] = start
        if end and end > call["end"]:
            call["end"] = end
        if disposition == "ANSWERED" and answer:
            agent = _agent(dstchannel, agents)
            if agent and (not call["answer"] or answer < call["answer"]):
                call["answer"], call["agent"] = answer, agent
            elif not call["answer"] and not agent:
                call["answer_any"] = min(call.get("answer_any") or answer, answer)
    out = []
    for key in order:
        c = calls[key]
        out.append((c["line"], _row(key, c["caller"], c["start"], c["answer"] or c.get("answer_any", ""), c["end"], c["agent"])))
    return out


def _queue_log(text: str, agents: dict) -> list[tuple[int, list[str]]]:
    calls: dict[str, dict] = {}
    order = []
    for line, raw in enumerate(text.splitlines(), 1):
        parts = raw.strip().split("|")
        if len(parts) < 5 or parts[1] in ("NONE", ""):
            continue  # QUEUESTART, ADDMEMBER, PAUSE …: no call
        try:
            at = dt.datetime.fromtimestamp(int(parts[0]), UTC)
        except ValueError:
            continue
        uid, agent, event, data = parts[1], parts[3], parts[4], parts[5:]
        call = calls.get(uid)
        if call is None:
            call = calls[uid] = {"line": line, "caller": "", "ring": None, "answered": None, "ended": None, "agent": ""}
            order.append(uid)
        if event == "ENTERQUEUE":
            call["ring"] = at
            call["caller"] = data[1] if len(data) > 1 else ""
            call["line"] = line
        elif event == "CONNECT":
            call["answered"] = at
            call["agent"] = _agent(agent, agents)
        elif event in ("COMPLETECALLER", "COMPLETEAGENT", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY",
                       "EXITWITHKEY", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"):
            call["ended"] = at
    return [(c["line"], _row(uid, c["caller"], _local(c["ring"]), _local(c["answered"]), _local(c["ended"]), c["agent"]))
            for uid, c in ((u, calls[u]) for u in order)]


# --------------------------------------------------------------------------- FreeSWITCH
def _fs_csv(text: str, agents: dict) -> list[tuple[int, list[str]]]:
    out = []
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        f = [x.strip() for x in fields] + [""] * max(0, 15 - len(fields))
        out.append((reader.line_num, _row(f[10], f[1], f[4], f[5], f[6], "")))
    return out


def _fs_json(text: str, agents: dict) -> list[tuple[int, list[str]]]:
    docs: list[tuple[int, object]] = []
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
        docs = [(1, d) for d in whole] if isinstance(whole, list) else [(1, whole)]
    except ValueError:
        for line, raw in enumerate(text.splitlines(), 1):
            if raw.strip():
                try:
                    docs.append((line, json.loads(raw)))
                except ValueError:
                    docs.append((line, None))
    out = []
    for i, (line, doc) in enumerate(docs):
        where = line if len(docs) == 1 or line > 1 else i + 1
        if not isinstance(doc, dict):
            out.append((where, _row("", "", "", "", "")))
            continue
        v = {k: urllib.parse.unquote(str(x)) for k, x in (doc.get("variables") or {}).items()}
        flow = doc.get("callflow") or [{}]
        flow = flow[0] if isinstance(flow, list) and flow else (flow if isinstance(flow, dict) else {})
        prof = flow.get("caller_profile") or {}

        def ue(name):
            raw = v.get(name) or "0"
            return dt.datetime.fromtimestamp(int(raw) / 1_000_000, UTC) if raw.isdigit() and int(raw) > 0 else None

        caller = v.get("caller_id_number") or prof.get("caller_id_number") or v.get("ani") or ""
        call_id = v.get("call_uuid") or v.get("uuid") or prof.get("uuid") or ""
        ring = ue("start_uepoch")
        ring_s = _local(ring) if ring else v.get("start_stamp", "")
        answered = ue("answer_uepoch")
        ended = ue("end_uepoch")
        agent = _agent(v.get("cc_agent") or v.get("legalaid_agent"), agents)
        out.append((where, _row(call_id, caller, ring_s, _local(answered) if answered else "",
                                _local(ended) if ended else v.get("end_stamp", ""), agent)))
    return out
