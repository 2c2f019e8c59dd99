"""Throughput of an authenticated GET /api/v1/applications/<id> against a bare Flask JSON endpoint.

Both are served by the same gunicorn configuration in the same run and loaded by the same client
(processes with keep-alive connections), in alternating rounds so that a noisy machine affects
both alike; the median round of each is reported, with the ratio.

    python bench/api.py [--seconds 3] [--rounds 5] [--clients 4] [--database-url URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30",
            "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(env: dict) -> tuple[int, str]:
    """Migrate a fresh database and create one citizen with a submitted application; return (id, token)."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from app.applications import service
    from app.auth.models import Citizen
    from app.auth.service import issue_tokens
    from app.extensions import db
    from tests.helpers import full_application

    app = create_app({"TASKS_MODE": "sync"})
    with app.app_context():
        upgrade()
        c = Citizen(openid="bench-citizen")
        db.session.add(c)
        db.session.commit()
        data = full_application()
        import datetime as dt
        data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
        a = service.create_draft(c, data)
        service.transition(c, a, "submit")
        tokens = issue_tokens("citizen", c.id)
        db.session.commit()
        return a.id, tokens["access_token"]


def serve(module: str, env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}", module],
                            cwd=ROOT, env={**os.environ, **env})
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"gunicorn {module} did not start")


def _client(port, path, headers, seconds, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = errors = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                n += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    out.put((n, errors))


def load(port: int, path: str, headers: dict, seconds: float, clients: int) -> tuple[float, int]:
    _client(port, path, headers, 0.5, mp.Queue())  # warm-up (imports, first queries)
    q = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, path, headers, seconds, q)) for _ in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3, help="length of one round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    env = {"APP_ENV": "bench", "SECRET_KEY": "bench-secret", "INSTANCE_DIR": str(tmp),
           "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
           "STORAGE_URL": f"file://{tmp / 'storage'}", "TASKS_MODE": "sync"}
    app_id, token = seed(env)
    path = f"/api/v1/applications/{app_id}"

    targets = {"bare Flask": ("bench.bare_app:app", {}),
               "GET application": ("wsgi:app", {"Authorization": f"Bearer {token}"})}
    servers, rounds = {}, {name: [] for name in targets}
    try:
        for name, (module, headers) in targets.items():
            port = free_port()
            servers[name] = (serve(module, env, port), port)
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = json.loads(resp.read())
            assert resp.status == 200 and body["id"] == app_id, body
        for _ in range(args.rounds):
            for name, (_module, headers) in targets.items():
                rounds[name].append(load(servers[name][1], path, headers, args.seconds, args.clients))
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(10)

    def median(name):
        runs = sorted(rounds[name])
        return runs[len(runs) // 2][0], sum(r[1] for r in runs)

    bare, errs_b = median("bare Flask")
    ours, errs_o = median("GET application")
    db_kind = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(f"gunicorn {' '.join(GUNICORN)}; {args.clients} keep-alive clients; "
          f"{args.rounds} alternating rounds of {args.seconds:g} s; database {db_kind}")
    print(f"bare Flask JSON endpoint      : {bare:8.0f} req/s  (errors {errs_b})")
    print(f"GET /api/v1/applications/<id> : {ours:8.0f} req/s  (errors {errs_o})")
    print(f"ratio (ours / bare)           : {ours / bare:8.2f}  (goal >= 0.5)")


if __name__ == "__main__":
    main()
