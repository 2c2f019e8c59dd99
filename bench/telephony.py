"""The live hotline under load: event → screen pop latency with 37 duty lawyers' pages connected and
50 calls a minute, and call events ingested per second through the signed webhook.

The app runs in its own process (werkzeug's threaded server, as the embedded default serves it; the
stream needs a threaded server in production too: gunicorn --worker-class gthread). The bench process
holds 37 lawyers' console sessions open on /console/telephony/stream (real SSE over HTTP), posts each call's
events through the webhook at the pace of 50 calls a minute, and times each `agent_ringing` POST to the
moment that lawyer's stream delivers the pop. Then it posts events as fast as 4 clients can, in lists of
20 and one by one.

Baselines in the same run: the webhook's own round trip for an event already stored (signature check,
dedupe, no pop) beside the pop's latency; and a bare INSERT of the same rows into call_events (one
transaction each, no consultation, no state) beside the ingest rate.

    python bench/telephony.py [--seconds 60] [--lawyers 37] [--calls-per-minute 50] [--database-url URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(db_url: str, tmp: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": db_url, "TASKS_MODE": "sync", "APP_ENV": "test", "INSTANCE_DIR": tmp,
            "STORAGE_URL": f"file://{tmp}/storage", "TELEPHONY_WEBHOOK_SECRET": SECRET, "RATELIMIT_ENABLED": False,
            "PERIODIC_TASKS": False, "SECRET_KEY": "bench"}


def seed(cfg: dict, lawyers: int) -> list[tuple[str, str, str]]:
    """Migrated database, `lawyers` duty lawyers with a console session each: [(staff_no, cookie, id)]."""
    import datetime as dt

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.models import StaffUser
    from app.common import crypto
    from app.common.timeutil import utcnow
    from app.console.models import ConsoleSession
    from app.extensions import db

    app = create_app(cfg)
    out = []
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        now = utcnow()
        for i in range(lawyers):
            u = StaffUser(username=f"bench-duty{i}", password_hash="!", role="duty_lawyer", full_name=f"值班{i}",
                          staff_no=f"L{i:03d}", created_at=now, updated_at=now)
            db.session.add(u)
            db.session.flush()
            token = crypto.new_token()
            db.session.add(ConsoleSession(token_hash=crypto.token_hash(token), staff_id=u.id,
                                          csrf_token=secrets.token_urlsafe(16), created_at=now, last_seen_at=now,
                                          expires_at=now + dt.timedelta(hours=8)))
            out.append((u.staff_no, token, u.id))
        db.session.commit()
    return out


def wsgi_app():
    """gunicorn's entry (`--workers N`): the same app and settings as `serve`, from the environment."""
    from app import create_app
    cfg = json.loads(os.environ["BENCH_TELEPHONY_CFG"])
    cfg["CONSOLE_IDLE_MINUTES"] = 600
    return create_app(cfg)


def serve(cfg_json: str, port: int) -> None:
    from werkzeug.serving import make_server

    from app import create_app
    cfg = json.loads(cfg_json)
    cfg["CONSOLE_IDLE_MINUTES"] = 600
    server = make_server("127.0.0.1", port, create_app(cfg), threaded=True)
    server.serve_forever()


class Stream(threading.Thread):
    """One lawyer's page: the SSE stream, pops timed on arrival."""

    def __init__(self, port: int, token: str, arrivals: dict, ready: threading.Event):
        super().__init__(daemon=True)
        self.port, self.token, self.arrivals, self.ready = port, token, arrivals, ready
        self.connected = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request("GET", "/console/telephony/stream", headers={"Cookie": f"console_session={self.token}"})
        resp = conn.getresponse()
        assert resp.status == 200, resp.status
        self.connected.set()
        event = None
        while True:
            line = resp.fp.readline()
            if not line:
                return
            line = line.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "pop":
                self.arrivals[json.loads(line[6:])["call_id"]] = time.time()


def post(conn: http.client.HTTPConnection, events, allow_busy: bool = False) -> dict:
    body = json.dumps(events).encode()
    ts = str(int(time.time()))
    conn.request("POST", "/api/v1/telephony/events", body=body, headers={
        "Content-Type": "application/json", "X-Telephony-Timestamp": ts,
        "X-Telephony-Signature": _sign(body, ts)})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status == 503 and allow_busy:  # SQLite: "database is locked" past its timeout, under 4 writers
        return {"stored": 0, "duplicates": 0, "busy": 1}
    assert resp.status == 200, (resp.status, data[:200])
    return json.loads(data)


def _sign(body: bytes, ts: str) -> str:
    import hashlib
    import hmac
    return hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children alive now (gunicorn's workers), to tell the app's
    own cost from the machine's load (bench.api reads /proc)."""
    from bench.api import _cpu_seconds

    def tree(p: int) -> list[int]:
        try:
            children = [int(c) for t in Path(f"/proc/{p}/task").iterdir() for c in (t / "children").read_text().split()]
        except OSError:
            children = []
        return [p, *(q for c in children for q in tree(c))]
    return _cpu_seconds(tree(pid))


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def pop_phase(port, staff, seconds, per_minute) -> dict:
    arrivals, sent = {}, {}
    ready = threading.Event()
    streams = [Stream(port, token, arrivals, ready) for _, token, _ in staff]
    for s in streams:
        s.start()
    for s in streams:
        assert s.connected.wait(30), "a lawyer's stream did not open"
    time.sleep(1.0)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n_calls = max(1, int(seconds * per_minute / 60))
    gap = 60.0 / per_minute
    pending = []  # (due, events, call_id or None)
    t0 = time.time()
    rnd = random.Random(12348)
    for i in range(n_calls):
        start = t0 + i * gap
        cid = f"bench-{secrets.token_hex(4)}-{i}"
        caller = f"1390710{rnd.randint(0, 9999):04d}"
        agent = staff[i % len(staff)][0]
        pending += [(start, [{"call_id": cid, "event": "ringing", "at": start, "caller": caller}], None),
                    (start + 0.5, [{"call_id": cid, "event": "queued", "at": start + 0.5, "caller": caller,
                                    "queue": "12348"}], None),
                    (start + 1.0, [{"call_id": cid, "event": "agent_ringing", "at": start + 1.0, "caller": caller,
                                    "agent": agent}], cid),
                    (start + 3.0, [{"call_id": cid, "event": "answered", "at": start + 3.0, "agent": agent}], None),
                    (start + 3.0 + min(30.0, gap * 20), [{"call_id": cid, "event": "ended",
                                                          "at": start + 3.0 + min(30.0, gap * 20)}], None)]
    pending.sort(key=lambda x: x[0])
    dup_rtts = []
    for due, events, cid in pending:
        if due - time.time() > 0:
            time.sleep(due - time.time())
        if cid:
            sent[cid] = time.time()
        post(conn, events)
        if cid:  # the baseline: the same event again (stored already: no pop), its round trip
            t = time.time()
            res = post(conn, [dict(e, id=f"resend-{cid}") for e in events])  # another body: not a replay
            dup_rtts.append(time.time() - t)
            assert res["duplicates"] == 1
    time.sleep(2.0)
    lat = [arrivals[c] - sent[c] for c in sent if c in arrivals]
    return {"calls": n_calls, "pops_sent": len(sent), "pops_received": len(lat), "lawyers": len(streams),
            "pop_p50": p(lat, 0.5), "pop_p99": p(lat, 0.99), "pop_max": max(lat) if lat else float("nan"),
            "dup_p50": p(dup_rtts, 0.5), "dup_p99": p(dup_rtts, 0.99)}


def ingest_phase(port, staff, seconds, batch, clients=4) -> dict:
    counts = [0] * clients
    busy = [0] * clients
    stop = time.time() + seconds

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while time.time() < stop:
            events = []
            for _ in range(batch):
                i += 1
                events.append({"call_id": f"ing-{k}-{i // 5}", "event": ("ringing", "queued", "agent_ringing", "answered", "ended")[i % 5],
                               "at": time.time(), "caller": f"1387120{(i // 5) % 10000:04d}", "agent": staff[(i // 5) % len(staff)][0]})
            res = post(conn, events, allow_busy=True)
            counts[k] += res["stored"]
            busy[k] += res.get("busy", 0)

    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"events": sum(counts), "per_second": sum(counts) / (time.time() - t0), "busy": sum(busy)}


def raw_insert_baseline(cfg, n=2000) -> float:
    """The floor: the same number of call_events rows inserted one transaction each, nothing else."""
    import datetime as dt

    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.telephony.models import CallEvent
    app = create_app(cfg)
    with app.app_context():
        t0 = time.time()
        now = dt.datetime.now(dt.timezone.utc)
        for i in range(n):
            db.session.execute(sa.insert(CallEvent).values(call_id=f"raw-{i}", event="ringing", at=now, source="bench",
                                                           received_at=now))
            db.session.commit()
        return n / (time.time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--ingest-seconds", type=float, default=15)
    ap.add_argument("--lawyers", type=int, default=37)
    ap.add_argument("--calls-per-minute", type=float, default=50)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    ap.add_argument("--workers", type=int, default=0,
                    help="N > 0: serve with gunicorn, N gthread workers (as production), the pops between them over "
                         "Redis (--redis-url); 0: one threaded werkzeug process")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    ap.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    tmp = tempfile.mkdtemp(prefix="bench-telephony-")
    from app.config import _normalise_db_url
    db_url = _normalise_db_url(args.database_url or f"sqlite:///{tmp}/bench.sqlite3")
    cfg = config(db_url, tmp)
    staff = seed(cfg, args.lawyers)
    port = free_port()
    if args.workers:
        from bench.api import serve as gunicorn
        cfg["REDIS_URL"] = args.redis_url  # the pops cross workers through Redis pub/sub, as in production
        proc = gunicorn("bench.telephony:wsgi_app()", {"BENCH_TELEPHONY_CFG": json.dumps(cfg)}, port, start_seconds=120,
                        args=("-w", str(args.workers), "-k", "gthread", "--threads", str(args.lawyers + 13),
                              "--keep-alive", "30"), quiet=True)
    else:
        proc = subprocess.Popen([sys.executable, __file__, "--serve", json.dumps(cfg), str(port)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120  # the app's import takes a while on a busy machine
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("the app did not start")
                time.sleep(0.2)
        db_name = db_url.split(":", 1)[0]
        server = f"gunicorn, {args.workers} gthread workers" if args.workers else "one threaded werkzeug process"
        print(f"database: {db_name}; {server}; {args.lawyers} lawyers' pages connected; {args.calls_per_minute:g} calls/min "
              f"for {args.seconds:g} s; cpus: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
        pops = pop_phase(port, staff, args.seconds, args.calls_per_minute)
        print(f"screen pop: {pops['pops_received']}/{pops['pops_sent']} pops delivered; event → pop p50 "
              f"{pops['pop_p50'] * 1000:.0f} ms, p99 {pops['pop_p99'] * 1000:.0f} ms, max {pops['pop_max'] * 1000:.0f} ms "
              f"(goal p99 ≤ 1000 ms)")
        print(f"  baseline: the webhook's round trip for a duplicate event p50 {pops['dup_p50'] * 1000:.0f} ms, "
              f"p99 {pops['dup_p99'] * 1000:.0f} ms; pop p99 / baseline p99 = {pops['pop_p99'] / pops['dup_p99']:.2f}")
        for batch in (20, 1):
            cpu0 = cpu_seconds(proc.pid)
            ing = ingest_phase(port, staff, args.ingest_seconds, batch)
            cpu = cpu_seconds(proc.pid) - cpu0
            print(f"ingest, lists of {batch:>2}: {ing['events']} events in {args.ingest_seconds:g} s = "
                  f"{ing['per_second']:.0f} events/s (goal ≥ 200/s); app process CPU {cpu * 1000 / max(ing['events'], 1):.1f} ms "
                  f"an event = {ing['events'] / cpu if cpu else float('nan'):.0f} events per CPU-second"
                  + (f"; {ing['busy']} requests refused 503 (database locked)" if ing["busy"] else ""))
        raw = raw_insert_baseline(cfg)
        print(f"  baseline: bare INSERT into call_events, one transaction each: {raw:.0f} rows/s "
              f"(ingest of single events / baseline = {ing['per_second'] / raw:.2f})")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # gunicorn waits for the open streams: stop it
            proc.kill()
            proc.wait(10)


if __name__ == "__main__":
    main()
