"""Protocol-faithful fake switches for the telephony listener's tests, on 127.0.0.1 and a free port.

- FakeAmi speaks Asterisk's manager interface as Asterisk does: the `Asterisk Call Manager/6.0.0` banner,
  `Action: Login` answered with `Response: Success` / `Error` blocks (CRLF lines, a blank line ends each
  message), `Event: FullyBooted` after login, `Action: Ping` → `Ping: Pong`, then event blocks with
  `Timestamp:` headers (manager.conf timestampevents = yes) to every logged-in connection.
- FakeEsl speaks FreeSWITCH's event socket: `Content-Type: auth/request`, `auth <password>` → command/reply
  `+OK accepted` (or `-ERR invalid` and a text/disconnect-notice), `event plain …` → `+OK event listener
  enabled plain`, `api status` → api/response, events as `Content-Type: text/event-plain` with a
  Content-Length and url-encoded `Key: Value` headers.

`drop()` closes every connection (the switch restarting); `restart()` also closes the listening socket
and opens it again on the same port after a pause."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import time
import urllib.parse


class _FakeSwitch:
    def __init__(self, port: int = 0):
        self.host = "127.0.0.1"
        self.clients: list[socket.socket] = []
        self.logins = 0
        self.commands: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listen(port)

    def _listen(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept, args=(self.sock,), daemon=True)
        self._accepting.start()

    def _accept(self, lsock) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_safe, args=(conn,), daemon=True).start()

    def _serve_safe(self, conn) -> None:
        try:
            self._serve(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                if conn in self.clients:
                    self.clients.remove(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _send_all(self, data: bytes) -> int:
        with self._lock:
            clients = list(self.clients)
        for c in clients:
            try:
                c.sendall(data)
            except OSError:
                pass
        return len(clients)

    def wait_clients(self, n: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.clients) >= n:
                    return
            time.sleep(0.02)
        raise AssertionError(f"{len(self.clients)} listener(s) logged in, expected {n}")

    def drop(self) -> None:
        with self._lock:
            clients, self.clients = list(self.clients), []
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def restart(self, pause: float = 0.3) -> None:
        port = self.port
        self._close_listening()
        self.drop()
        time.sleep(pause)
        self._listen(port)

    def _close_listening(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.sock.close()
        self._accepting.join(2)

    def close(self) -> None:
        self._stop.set()
        self._close_listening()
        self.drop()

    @property
    def url_host(self) -> str:
        return f"{self.host}:{self.port}"


# --------------------------------------------------------------------------- Asterisk AMI
class FakeAmi(_FakeSwitch):
    BANNER = b"Asterisk Call Manager/6.0.0\r\n"

    def __init__(self, username="legalaid", secret="s3cret", port: int = 0):
        self.username, self.secret = username, secret
        super().__init__(port)

    @property
    def url(self) -> str:
        return f"ami://{self.username}:{self.secret}@{self.url_host}"

    @staticmethod
    def block(fields: dict) -> bytes:
        return "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n"

    def _serve(self, conn) -> None:
        conn.sendall(self.BANNER)
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
            raw, _, buf = buf.partition(b"\r\n\r\n")
            msg = dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)
            action = msg.get("Action", "").lower()
            self.commands.append(action)
            aid = {"ActionID": msg["ActionID"]} if "ActionID" in msg else {}
            if action == "login":
                if msg.get("Username") == self.username and msg.get("Secret") == self.secret:
                    conn.sendall(self.block({"Response": "Success", **aid, "Message": "Authentication accepted"}))
                    conn.sendall(self.block({"Event": "FullyBooted", "Privilege": "system,all", "Uptime": "12",
                                             "LastReload": "12", "Status": "Fully Booted"}))
                    with self._lock:
                        self.clients.append(conn)
                        self.logins += 1
                else:
                    conn.sendall(self.block({"Response": "Error", **aid, "Message": "Authentication failed"}))
                    return
            elif action == "ping":
                conn.sendall(self.block({"Response": "Success", **aid, "Ping": "Pong",
                                         "Timestamp": f"{time.time():.6f}"}))
            elif action == "logoff":
                conn.sendall(self.block({"Response": "Goodbye", **aid, "Message": "Thanks for all the fish."}))
                return
            else:
                conn.sendall(self.block({"Response": "Error", **aid, "Message": "Invalid/unknown command"}))

    def emit(self, event: dict) -> int:
        return self._send_all(self.block(event))


def ami_call(linkedid: str, caller: str, agent: str, t0: float, *, answered: bool = True, survey: int | None = None,
             queue: str = "12348", talk: float = 120.0) -> list[dict]:
    """A queue call as Asterisk 18 reports it on AMI (channel PJSIP/trunk-…, the member PJSIP/<agent>)."""
    chan = f"PJSIP/trunk-{linkedid[-8:]}"
    member = f"PJSIP/{agent}-{linkedid[-4:]}"
    head, _, seq = linkedid.rpartition(".")
    member_uid = f"{head}.{int(seq) + 1}"  # the member's channel: the next uniqueid
    base = {"Privilege": "call,all", "Channel": chan, "CallerIDNum": caller, "CallerIDName": "<unknown>",
            "ConnectedLineNum": "<unknown>", "ConnectedLineName": "<unknown>", "Language": "zh",
            "AccountCode": "", "Context": "from-trunk", "Exten": "12348", "Priority": "1",
            "Uniqueid": linkedid, "Linkedid": linkedid}

    def ev(name, t, **kw):
        return {"Event": name, "Timestamp": f"{t0 + t:.6f}", **base, **kw}

    out = [ev("Newchannel", 0, ChannelState="0", ChannelStateDesc="Down"),
           ev("Newstate", 0.2, ChannelState="6", ChannelStateDesc="Up"),
           ev("QueueCallerJoin", 1.0, Queue=queue, Position="1", Count="1")]
    dest = {"DestChannel": member, "DestChannelState": "0", "DestChannelStateDesc": "Down",
            "DestCallerIDNum": agent, "DestUniqueid": member_uid, "DestLinkedid": linkedid}
    out.append(ev("AgentCalled", 1.5, Queue=queue, Interface=f"PJSIP/{agent}", MemberName=agent, **dest))
    out.append(ev("DialBegin", 1.5, DialString=agent, **dest))
    if answered:
        out.append(ev("DialEnd", 3.0, DialStatus="ANSWER", **dest))
        out.append(ev("AgentConnect", 3.0, Queue=queue, Interface=f"PJSIP/{agent}", MemberName=agent,
                      HoldTime="2", RingTime="2", **dest))
        out.append(ev("BridgeEnter", 3.1, BridgeUniqueid="b-" + linkedid, BridgeType="basic", BridgeTechnology="simple_bridge",
                      BridgeCreator="<unknown>", BridgeName="<unknown>", BridgeNumChannels="2"))
        end = 3.0 + talk
        out.append(ev("AgentComplete", end, Queue=queue, Interface=f"PJSIP/{agent}", MemberName=agent,
                      HoldTime="2", TalkTime=str(int(talk)), Reason="agent", **dest))
        if survey is not None:
            out.append(ev("UserEvent", end + 8, UserEvent="Survey", Score=str(survey)))
        out.append(ev("Hangup", end + 10, Cause="16", **{"Cause-txt": "Normal Clearing"}))
    else:
        out.append(ev("QueueCallerAbandon", 20.0, Queue=queue, Position="1", OriginalPosition="1", HoldTime="19"))
        out.append(ev("Hangup", 20.0, Cause="16", **{"Cause-txt": "Normal Clearing"}))
    return out


# --------------------------------------------------------------------------- FreeSWITCH ESL
class FakeEsl(_FakeSwitch):
    def __init__(self, password="ClueCon", port: int = 0):
        self.password = password
        super().__init__(port)

    @property
    def url(self) -> str:
        return f"esl://:{self.password}@{self.url_host}"

    @staticmethod
    def reply(text: str) -> bytes:
        return f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode()

    def _serve(self, conn) -> None:
        conn.sendall(b"Content-Type: auth/request\n\n")
        buf = b""
        authed = False
        while True:
            while b"\n\n" not in buf:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buf += chunk
            raw, _, buf = buf.partition(b"\n\n")
            cmd = raw.decode().strip()
            self.commands.append(cmd.split(" ", 1)[0] + (" " + cmd.split(" ")[1] if cmd.startswith("event") else ""))
            if cmd.startswith("auth "):
                if cmd[5:] == self.password:
                    authed = True
                    conn.sendall(self.reply("+OK accepted"))
                else:
                    conn.sendall(self.reply("-ERR invalid"))
                    body = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
                    conn.sendall(b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n" % len(body) + body)
                    return
            elif not authed:
                conn.sendall(self.reply("-ERR command not found"))
            elif cmd.startswith("event plain"):
                conn.sendall(self.reply("+OK event listener enabled plain"))
                with self._lock:
                    self.clients.append(conn)
                    self.logins += 1
            elif cmd.startswith("api "):
                body = b"UP 0 years, 0 days, 0 hours, 1 minute\nFreeSWITCH (Version 1.10.12) is ready\n"
                conn.sendall(b"Content-Type: api/response\nContent-Length: %d\n\n" % len(body) + body)
            elif cmd == "exit":
                conn.sendall(self.reply("+OK bye"))
                return
            else:
                conn.sendall(self.reply("-ERR command not found"))

    @staticmethod
    def event_plain(headers: dict) -> bytes:
        body = "".join(f"{k}: {urllib.parse.quote(str(v), safe='')}\n" for k, v in headers.items()) + "\n"
        data = body.encode()
        return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(data) + data

    def emit(self, headers: dict) -> int:
        return self._send_all(self.event_plain(headers))


def esl_call(uuid: str, caller: str, agent: str, t0: float, *, answered: bool = True, survey: int | None = None,
             queue: str = "12348@default", talk: float = 120.0) -> list[dict]:
    """A call through mod_callcenter as FreeSWITCH 1.10 reports it in plain events."""
    agent_uuid = uuid[:-4] + "beef"

    def stamp(t):
        us = int((t0 + t) * 1_000_000)
        local = dt.datetime.fromtimestamp(t0 + t).strftime("%Y-%m-%d %H:%M:%S")
        return {"Event-Date-Local": local, "Event-Date-GMT": dt.datetime.utcfromtimestamp(t0 + t).strftime(
            "%a, %d %b %Y %H:%M:%S GMT"), "Event-Date-Timestamp": str(us)}

    core = {"Core-UUID": "6c6def18-a4c2-4a3b-9b1c-0123456789ab", "FreeSWITCH-Hostname": "fs1",
            "FreeSWITCH-Switchname": "fs1", "FreeSWITCH-IPv4": "10.0.0.5"}
    a_leg = {"Unique-ID": uuid, "Channel-Call-UUID": uuid, "Call-Direction": "inbound",
             "Channel-Name": "sofia/external/" + caller + "@10.0.0.1", "Caller-Caller-ID-Number": caller,
             "Caller-Caller-ID-Name": caller, "Caller-Destination-Number": "12348"}
    b_leg = {"Unique-ID": agent_uuid, "Channel-Call-UUID": uuid, "Call-Direction": "outbound",
             "Channel-Name": f"sofia/internal/{agent}@10.0.0.20", "Caller-Caller-ID-Number": caller,
             "Caller-Destination-Number": agent, "Caller-Callee-ID-Number": agent, "variable_cc_agent": f"{agent}@default"}

    def cc(t, action, **kw):
        return {"Event-Name": "CUSTOM", **core, **stamp(t), "Event-Subclass": "callcenter::info", "CC-Queue": queue,
                "CC-Action": action, "CC-Member-Session-UUID": uuid, "CC-Member-CID-Number": caller,
                "CC-Member-CID-Name": caller, **kw}

    out = [{"Event-Name": "CHANNEL_CREATE", **core, **stamp(0), **a_leg, "Channel-State": "CS_INIT",
            "Answer-State": "ringing"},
           {"Event-Name": "CHANNEL_ANSWER", **core, **stamp(0.3), **a_leg, "Answer-State": "answered"},
           cc(1.0, "member-queue-start", **{"CC-Member-UUID": "m-" + uuid[:8]}),
           cc(1.5, "agent-offering", **{"CC-Agent": f"{agent}@default"})]
    if answered:
        out.append({"Event-Name": "CHANNEL_CREATE", **core, **stamp(1.5), **b_leg, "Channel-State": "CS_INIT"})
        out.append({"Event-Name": "CHANNEL_ANSWER", **core, **stamp(3.0), **b_leg, "Answer-State": "answered"})
        out.append(cc(3.0, "bridge-agent-start", **{"CC-Agent": f"{agent}@default"}))
        end = 3.0 + talk
        out.append(cc(end, "bridge-agent-end", **{"CC-Agent": f"{agent}@default", "CC-Hangup-Cause": "NORMAL_CLEARING"}))
        out.append(cc(end, "member-queue-end", **{"CC-Cause": "Terminated", "CC-Agent": f"{agent}@default"}))
        if survey is not None:
            out.append({"Event-Name": "CUSTOM", **core, **stamp(end + 8), "Event-Subclass": "legalaid::survey",
                        "Survey-Call-UUID": uuid, "Survey-Score": str(survey)})
        out.append({"Event-Name": "CHANNEL_HANGUP_COMPLETE", **core, **stamp(end + 10), **a_leg,
                    "Hangup-Cause": "NORMAL_CLEARING", "variable_record_file": f"recordings/2026/12/{uuid}.wav"})
    else:
        out.append(cc(20.0, "member-queue-end", **{"CC-Cause": "Cancel", "CC-Cancel-Reason": "BREAK_OUT"}))
        out.append({"Event-Name": "CHANNEL_HANGUP_COMPLETE", **core, **stamp(20.0), **a_leg,
                    "Hangup-Cause": "ORIGINATOR_CANCEL"})
    return out
