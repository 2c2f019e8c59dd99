"""Publish/subscribe for the console's pushed updates (screen pops). In-process queues on the embedded
default; Redis pub/sub between processes when REDIS_URL is set (the listener process publishes, each
web process relays what it hears to its own subscribers, the open SSE streams)."""
from __future__ import annotations

import json
import logging
import queue
import threading
import time

from app.telephony.backoff import Backoff

log = logging.getLogger(__name__)
RELAY_BACKOFF_CEILING = 10.0  # seconds between attempts to reach Redis again, at most


class Subscription:
    def __init__(self, bus: "LocalBus", topics: tuple[str, ...]):
        self.bus, self.topics = bus, topics
        self.queue: queue.Queue = queue.Queue(maxsize=100)

    def get(self, timeout: float) -> tuple[str, dict] | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.bus._remove(self)


class LocalBus:
    """Subscribers in this process; `publish` delivers at once."""

    def __init__(self):
        self._subs: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    def subscribe(self, *topics: str) -> Subscription:
        sub = Subscription(self, tuple(topics))
        with self._lock:
            for t in topics:
                self._subs.setdefault(t, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            for t in sub.topics:
                self._subs.get(t, set()).discard(sub)

    def subscribers(self, topic: str) -> int:
        return len(self._subs.get(topic, ()))

    def deliver(self, topic: str, message: dict) -> int:
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        for s in subs:
            try:
                s.queue.put_nowait((topic, message))
            except queue.Full:  # a stalled page: it misses this message rather than holding the publisher
                log.warning("telephony bus: a subscriber of %s is full; message dropped", topic)
        return len(subs)

    def publish(self, topic: str, message: dict) -> None:
        self.deliver(topic, message)

    def close(self) -> None:
        pass


class RedisBus(LocalBus):
    """Publish to Redis; one thread per process relays the prefix's channels to the local subscribers."""

    def __init__(self, url: str, prefix: str):
        super().__init__()
        import redis
        self.prefix = prefix
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._relay, name="telephony-bus", daemon=True)
        self._thread.start()
        self._ready.wait(3)

    def publish(self, topic: str, message: dict) -> None:
        self.redis.publish(self.prefix + topic, json.dumps(message, ensure_ascii=False, default=str))

    def _relay(self) -> None:
        backoff = Backoff(RELAY_BACKOFF_CEILING)
        while not self._stop.is_set():
            try:
                ps = self.redis.pubsub(ignore_subscribe_messages=True)
                ps.psubscribe(self.prefix + "*")
                self._ready.set()
                backoff.reset()
                while not self._stop.is_set():
                    msg = ps.get_message(timeout=0.5)
                    if msg and msg.get("type") == "pmessage":
                        topic = msg["channel"].decode()[len(self.prefix):]
                        self.deliver(topic, json.loads(msg["data"]))
                ps.close()
            except Exception as exc:  # noqa: BLE001 — Redis restarting: reconnect with backoff
                log.warning("telephony bus: Redis unavailable (%s); retrying in %.1fs", type(exc).__name__, backoff.delay)
                backoff.wait(self._stop)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)


_lock = threading.Lock()


def get_bus(app):
    bus = app.extensions.get("telephony_bus")
    if bus is None:
        with _lock:
            bus = app.extensions.get("telephony_bus")
            if bus is None:
                url = app.config.get("REDIS_URL")
                bus = RedisBus(url, app.config["TELEPHONY_CHANNEL_PREFIX"]) if url else LocalBus()
                app.extensions["telephony_bus"] = bus
    return bus


def now() -> float:
    return time.time()
