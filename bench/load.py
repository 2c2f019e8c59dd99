"""Mixed citizen traffic against the production stack on loopback: gunicorn + PostgreSQL + Redis +
a Celery worker. 16 concurrent clients (4 processes x 4 threads, keep-alive connections) for 2 minutes
run the mini-program's calls in a realistic mix: WeChat login (dev-mode codes), create a draft
application, upload a small photo, read an application's detail, list one's applications.

    python bench/load.py [--seconds 120] [--clients 16] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                         [--redis-url redis://127.0.0.1:6379/5]

Creates its own database `<name>_load_bench` on that server (dropped at the end) and uses the given
Redis database (its Celery queue is flushed at the end). Prints requests/s, p50 and p99 latency (all
and per call), errors, the RSS of the gunicorn workers and the Celery worker at the start and at the
end, and the machine's load average (the machine is shared: note the conditions with the figures).
Goal: 0 errors, p99 <= 300 ms, worker RSS growth <= 5 %.

All clients come from 127.0.0.1, so the per-IP login limit is raised for the run (one address here is
16 citizens); every other setting is production's (APP_ENV=production apart from WeChat dev mode,
which the server is started in as APP_ENV=bench because production refuses dev mode).
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing as mp
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import bench_database, free_port  # noqa: E402

GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30",
            "--log-level", "warning"]
MIX = (("detail", 35), ("list", 30), ("create", 15), ("upload", 15), ("login", 5))


def _photo() -> bytes:
    from PIL import Image
    img = Image.new("RGB", (480, 360), (200, 190, 170))
    for x in range(0, 480, 24):
        img.paste(((x * 7) % 255, 90, 120), (x, 0, x + 6, 360))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def _multipart(fields: dict, file_bytes: bytes) -> tuple[bytes, str]:
    boundary = "----bench" + secrets.token_hex(8)
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + file_bytes + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Citizen:
    def __init__(self, port: int, name: str, photo: bytes, rnd: random.Random):
        self.port, self.name, self.photo, self.rnd = port, name, photo, rnd
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = None
        self.apps: list[int] = []
        self.samples: list[tuple[str, float, int]] = []

    def call(self, op, method, path, body=None, headers=None, record=True):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            data, status = b"", 599
        if record:
            self.samples.append((op, time.perf_counter() - t0, status))
        return status, data

    def login(self, record=True):
        status, data = self.call("login", "POST", "/api/v1/auth/wechat/login", {"code": f"dev:{self.name}"},
                                 record=record)
        if status == 200:
            self.token = json.loads(data)["access_token"]

    def create(self, record=True):
        from tests.factories import full_application
        status, data = self.call("create", "POST", "/api/v1/applications", full_application(), record=record)
        if status == 201:
            self.apps.append(json.loads(data)["id"])

    def step(self):
        op = self.rnd.choices([m[0] for m in MIX], weights=[m[1] for m in MIX])[0]
        if op == "login":
            self.login()
        elif op == "create" or not self.apps:
            self.create()
        elif op == "upload":
            body, ctype = _multipart({"kind": "other", "application_id": self.rnd.choice(self.apps)}, self.photo)
            self.call("upload", "POST", "/api/v1/documents", body, {"Content-Type": ctype})
        elif op == "detail":
            self.call("detail", "GET", f"/api/v1/applications/{self.rnd.choice(self.apps)}")
        else:
            self.call("list", "GET", "/api/v1/applications?page_size=20")


def _client_process(port, names, seconds, start_at, out):
    photo = _photo()
    citizens = [Citizen(port, n, photo, random.Random(n)) for n in names]
    for c in citizens:  # set-up, not measured: a token and one application each
        c.login(record=False)
        c.create(record=False)
    while time.time() < start_at:
        time.sleep(0.01)
    end = start_at + seconds

    def run(c):
        while time.time() < end:
            c.step()
    threads = [threading.Thread(target=run, args=(c,)) for c in citizens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put([s for c in citizens for s in c.samples])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url, drop = bench_database(args.database_url)
    env = {**os.environ, "APP_ENV": "bench", "SECRET_KEY": "bench-secret-" + secrets.token_hex(8),
           "INSTANCE_DIR": str(tmp), "DATABASE_URL": url, "STORAGE_URL": f"file://{tmp / 'storage'}",
           "REDIS_URL": args.redis_url, "TASKS_MODE": "celery", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
           "RATE_LIMIT_WECHAT_LOGIN": "100000 per minute", "RATE_LIMIT_UPLOADS": "1000 per minute",
           "PYTHONPATH": str(ROOT)}
    env.pop("WECHAT_APPID", None)
    env.pop("WECHAT_SECRET", None)
    procs = []
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi:app", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        port = free_port()
        gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}",
                                     "wsgi:app"], cwd=ROOT, env=env)
        procs.append(gunicorn)
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.celery_worker", "worker",
                                   "--pool=prefork", "--concurrency=1", "--loglevel=WARNING",
                                   "-n", f"loadbench-{os.getpid()}@%h"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(worker)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not become ready")

        names = [f"load-{i}-{secrets.token_hex(3)}" for i in range(args.clients)]
        per = [names[i::args.processes] for i in range(args.processes)]
        # warm-up: every worker process has imported, connected and served each kind of call
        warm = mp.Queue()
        warm_procs = [mp.Process(target=_client_process, args=(port, [f"warm-{i}"], 5, time.time() + 1, warm))
                      for i in range(2)]
        for p in warm_procs:
            p.start()
        for _ in warm_procs:
            warm.get()
        for p in warm_procs:
            p.join()

        workers = _children(gunicorn.pid)
        celery_pids = [worker.pid, *_children(worker.pid)]
        rss0 = {p: _rss_kb(p) for p in workers + celery_pids}
        load0 = os.getloadavg()
        q = mp.Queue()
        start_at = time.time() + 3
        clients = [mp.Process(target=_client_process, args=(port, group, args.seconds, start_at, q)) for group in per]
        for p in clients:
            p.start()
        samples = []
        for _ in clients:
            samples.extend(q.get())
        for p in clients:
            p.join()
        elapsed = args.seconds
        load1 = os.getloadavg()
        rss1 = {p: _rss_kb(p) for p in rss0}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        try:
            import redis
            redis.Redis.from_url(args.redis_url).delete("celery")
        except Exception:  # noqa: BLE001
            pass
        drop()

    errors = [s for s in samples if not 200 <= s[2] < 300]
    lat = [s[1] * 1000 for s in samples]
    print(f"gunicorn {' '.join(GUNICORN)}; Celery worker (prefork, 1 process); PostgreSQL + Redis on loopback; "
          f"{args.clients} clients for {elapsed:g} s; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"load average before {load0[0]:.2f} / after {load1[0]:.2f} (1 min), {os.cpu_count()} CPUs (shared machine)")
    print(f"requests {len(samples)}  ->  {len(samples) / elapsed:.1f} req/s;  p50 {_pct(lat, 0.5):.1f} ms  "
          f"p99 {_pct(lat, 0.99):.1f} ms  (goal <= 300 ms);  errors {len(errors)} (goal 0)")
    for op, _w in MIX:
        ol = [s[1] * 1000 for s in samples if s[0] == op]
        oe = sum(1 for s in samples if s[0] == op and not 200 <= s[2] < 300)
        print(f"  {op:<7} n={len(ol):6d}  p50 {_pct(ol, 0.5):7.1f} ms  p99 {_pct(ol, 0.99):7.1f} ms  errors {oe}")
    if errors:
        by = {}
        for op, _t, st in errors:
            by[(op, st)] = by.get((op, st), 0) + 1
        print("  errors by call and status:", ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(by.items())))
    g0 = sum(rss0[p] for p in workers)
    g1 = sum(rss1[p] for p in workers)
    c0 = sum(rss0[p] for p in celery_pids)
    c1 = sum(rss1[p] for p in celery_pids)
    print(f"gunicorn workers RSS: start {g0 / 1024:.1f} MB, end {g1 / 1024:.1f} MB, "
          f"growth {100 * (g1 - g0) / g0 if g0 else float('nan'):+.1f} % (goal <= 5 %)")
    print(f"Celery worker RSS:    start {c0 / 1024:.1f} MB, end {c1 / 1024:.1f} MB, "
          f"growth {100 * (c1 - c0) / c0 if c0 else float('nan'):+.1f} %")


if __name__ == "__main__":
    main()
