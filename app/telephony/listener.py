"""`flask telephony listen`: a connection to the switch that reads its events for as long as it runs.

- Asterisk AMI (`ami://user:secret@host:5038`): the banner `Asterisk Call Manager/x.y`, `Action: Login`,
  then event blocks of `Key: Value` lines ending in a blank line.
- FreeSWITCH ESL (`esl://:password@host:8021`): `Content-Type: auth/request`, `auth <password>`,
  `event plain ALL`, then `Content-Type: text/event-plain` messages with a Content-Length body of
  url-encoded `Key: Value` headers.

The protocol is read here with the standard library (docs/telephony.md says why no client library).
A dropped connection — the switch restarting — is retried with exponential backoff (0.5 s doubling to
TELEPHONY_RECONNECT_MAX_SECONDS); every event goes through app.telephony.service.ingest, which stores
it once, so a reconnect, a switch that repeats itself or a second listener changes nothing twice."""
from __future__ import annotations

import logging
import socket
import threading
import urllib.parse
from dataclasses import dataclass

from app.common.timeutil import utcnow
from app.extensions import db
from app.telephony import events as ev_model
from app.telephony import service
from app.telephony.backoff import Backoff

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0  # AMI/ESL are quiet between calls; a ping keeps the line checked
BATCH = 200  # events already received are stored together, in one transaction


class ProtocolError(Exception):
    pass


class AuthFailed(ProtocolError):
    pass


@dataclass
class Target:
    kind: str  # ami | esl
    host: str
    port: int
    user: str
    secret: str

    @classmethod
    def parse(cls, url: str) -> "Target":
        u = urllib.parse.urlsplit(url or "")
        if u.scheme not in ("ami", "esl"):
            raise ValueError("TELEPHONY_URL 应为 ami://用户:密码@主机:5038 或 esl://:密码@主机:8021")
        default = 5038 if u.scheme == "ami" else 8021
        return cls(u.scheme, u.hostname or "127.0.0.1", u.port or default,
                   urllib.parse.unquote(u.username or ""), urllib.parse.unquote(u.password or ""))


class _Reader:
    """Buffered reads on a socket. A message is taken from the buffer only once it is complete, so a
    read timeout in the middle of one loses nothing."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the switch closed the connection")
        self.buf += chunk

    def line(self) -> str:
        while b"\n" not in self.buf:
            self._fill()
        raw, _, self.buf = self.buf.partition(b"\n")
        return raw.rstrip(b"\r").decode("utf-8", "replace")

    def _head(self) -> tuple[bytes, int] | None:
        """(the header block, where what follows it starts) when a whole block is buffered."""
        self.buf = self.buf.lstrip(b"\r\n")
        ends = [(i, n) for i, n in ((self.buf.find(b"\r\n\r\n"), 4), (self.buf.find(b"\n\n"), 2)) if i >= 0]
        if not ends:
            return None
        i, n = min(ends)
        return self.buf[:i], i + n

    def complete(self) -> bool:
        """A whole message is in the buffer already (ESL: its envelope at least)."""
        return self._head() is not None

    def block(self) -> dict[str, str]:
        """Key: Value lines up to a blank line (an AMI message)."""
        while True:
            found = self._head()
            if found:
                head, rest = found
                self.buf = self.buf[rest:]
                return parse_headers(head)
            self._fill()

    def message(self) -> tuple[dict[str, str], bytes]:
        """An ESL message: its envelope and its Content-Length body."""
        while True:
            found = self._head()
            if found:
                head, rest = found
                env = parse_headers(head)
                n = int(env.get("Content-Length") or 0)
                if len(self.buf) - rest >= n:
                    body = self.buf[rest:rest + n]
                    self.buf = self.buf[rest + n:]
                    return env, body
            self._fill()


def parse_headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for ln in head.decode("utf-8", "replace").splitlines():
        k, sep, v = ln.partition(":")
        if sep:
            out.setdefault(k.strip(), v.strip())
    return out


# --------------------------------------------------------------------------- AMI
class AmiSession:
    def __init__(self, sock: socket.socket, target: Target):
        self.r, self.sock, self.target = _Reader(sock), sock, target

    def login(self) -> str:
        banner = self.r.line()
        if not banner.startswith("Asterisk Call Manager/"):
            raise ProtocolError(f"not an AMI banner: {banner[:60]!r}")
        self.send({"Action": "Login", "ActionID": "legalaid-login", "Username": self.target.user,
                   "Secret": self.target.secret, "Events": "on"})
        while True:
            msg = self.r.block()
            if msg.get("ActionID") == "legalaid-login" or "Response" in msg:
                if msg.get("Response") != "Success":
                    raise AuthFailed(msg.get("Message") or "Authentication failed")
                return banner

    def send(self, fields: dict) -> None:
        self.sock.sendall("".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n")

    def ping(self) -> None:
        self.send({"Action": "Ping", "ActionID": "legalaid-ping"})

    def read(self) -> tuple[list, tuple | None]:
        msg = self.r.block()
        if "Event" not in msg:
            return [], None
        return ev_model.from_ami(msg, utcnow()), ev_model.ami_agent_state(msg)


# --------------------------------------------------------------------------- ESL
class EslSession:
    def __init__(self, sock: socket.socket, target: Target):
        self.r, self.sock, self.target = _Reader(sock), sock, target

    def _message(self) -> tuple[dict, bytes]:
        return self.r.message()

    def _reply(self) -> dict:
        while True:
            env, body = self._message()
            if env.get("Content-Type") == "command/reply":
                return env

    def login(self) -> str:
        env, _ = self._message()
        if env.get("Content-Type") != "auth/request":
            raise ProtocolError(f"not an ESL greeting: {env!r}"[:100])
        self.sock.sendall(f"auth {self.target.secret}\n\n".encode())
        reply = self._reply()
        if not reply.get("Reply-Text", "").startswith("+OK"):
            raise AuthFailed(reply.get("Reply-Text") or "auth failed")
        self.sock.sendall(b"event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CUSTOM "
                          b"callcenter::info legalaid::survey\n\n")
        reply = self._reply()
        if not reply.get("Reply-Text", "").startswith("+OK"):
            raise ProtocolError(reply.get("Reply-Text") or "event subscription refused")
        return "FreeSWITCH event socket"

    def ping(self) -> None:
        self.sock.sendall(b"api status\n\n")

    def read(self) -> tuple[list, tuple | None]:
        env, body = self._message()
        ctype = env.get("Content-Type")
        if ctype == "text/disconnect-notice":
            raise ConnectionError("FreeSWITCH sent a disconnect notice")
        if ctype != "text/event-plain":
            return [], None
        headers = parse_event_plain(body)
        return ev_model.from_esl(headers, utcnow()), None


def parse_event_plain(body: bytes) -> dict[str, str]:
    """An ESL plain event body: url-encoded `Key: Value` lines (then an optional blank line and a body)."""
    out: dict[str, str] = {}
    text = body.decode("utf-8", "replace")
    head, _, rest = text.partition("\n\n")
    for ln in head.split("\n"):
        k, sep, v = ln.partition(":")
        if sep:
            out[k.strip()] = urllib.parse.unquote(v.strip())
    if rest:
        out["_body"] = rest
    return out


# --------------------------------------------------------------------------- the loop
class Listener:
    """Connects, logs in, reads and ingests until `stop` is set; reconnects with backoff."""

    def __init__(self, app, url: str, *, stop: threading.Event | None = None, max_backoff: float | None = None,
                 on_batch=None):
        self.app, self.target = app, Target.parse(url)
        self.stop = stop or threading.Event()
        self.max_backoff = max_backoff if max_backoff is not None else float(app.config["TELEPHONY_RECONNECT_MAX_SECONDS"])
        self.connections = 0
        self.handled = 0  # events read and handled (stored, found stored already, or failed and logged)
        self.on_batch = on_batch

    def run(self) -> None:
        backoff = Backoff(self.max_backoff)
        while not self.stop.is_set():
            try:
                with socket.create_connection((self.target.host, self.target.port), timeout=CONNECT_TIMEOUT) as sock:
                    sock.settimeout(1.0)
                    session = (AmiSession if self.target.kind == "ami" else EslSession)(sock, self.target)
                    sock.settimeout(CONNECT_TIMEOUT)
                    banner = session.login()
                    self.connections += 1
                    log.info("telephony: connected to %s:%s (%s)", self.target.host, self.target.port, banner)
                    backoff.reset()
                    self._read(sock, session)
            except AuthFailed as exc:
                log.error("telephony: the switch refused the login (%s); check TELEPHONY_URL", exc)
            except (OSError, ConnectionError, ProtocolError, ValueError) as exc:
                if not self.stop.is_set():
                    log.warning("telephony: connection lost (%s: %s); retrying in %.1f s", type(exc).__name__, exc,
                                backoff.delay)
            if backoff.wait(self.stop):
                break

    def _read(self, sock: socket.socket, session) -> None:
        sock.settimeout(0.5)
        idle = 0.0
        while not self.stop.is_set():
            try:
                evs, agent_state = session.read()
            except socket.timeout:
                idle += 0.5
                if idle >= READ_TIMEOUT:
                    session.ping()
                    idle = 0.0
                continue
            idle = 0.0
            states = [agent_state] if agent_state else []
            # what the switch has sent already goes into the same transaction (one commit for a burst)
            while len(evs) < BATCH and session.r.complete():
                try:
                    more, state = session.read()
                except socket.timeout:  # an ESL body still on its way: it stays buffered for the next read
                    break
                evs += more
                if state:
                    states.append(state)
            if evs or states:
                self._ingest(evs, states)

    def _ingest(self, evs, states) -> None:
        with self.app.app_context():
            try:
                for state in states:
                    service.set_agent_state(*state)
                res = service.ingest(evs)
                if self.on_batch:
                    self.on_batch(evs, res)
            except Exception:  # noqa: BLE001 — one bad event must not end the listener
                log.exception("telephony: an event could not be stored")
                db.session.rollback()
            finally:
                db.session.remove()
                self.handled += len(evs)
