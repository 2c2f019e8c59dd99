"""Throughput of the citizen's authenticated reads against a bare Flask JSON endpoint.

`GET /api/v1/applications/<id>` (the detail the mini-program polls) and `GET /api/v1/applications`
(the list, a citizen with three applications) are each compared with a bare Flask endpoint that
answers a similar payload without database or auth. All are served by the same gunicorn
configuration in the same run and loaded by the same client (processes with keep-alive
connections), in alternating rounds so that a noisy machine affects them alike; the median round
of each is reported, with the ratios.

    python bench/api.py [--seconds 3] [--rounds 5] [--clients 4] [--database-url URL]

Without --database-url the app runs on a fresh SQLite file. With a PostgreSQL URL the benchmark
creates its own database `<name>_api_bench` on that server and drops it at the end.
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
    """Migrate a fresh database and create one citizen with three applications (the last one
    submitted); return (its id, an access token)."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from app.applications import service
    from app.auth.models import Citizen
    from app.auth.service import issue_tokens
    from app.extensions import db
    from tests.factories import full_application

    app = create_app({"TASKS_MODE": "sync"})
    with app.app_context():
        upgrade()
        c = Citizen(openid="bench-citizen")
        db.session.add(c)
        db.session.commit()
        import datetime as dt
        for _ in range(3):
            data = full_application()
            data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
            a = service.create_draft(c, data)
        service.transition(c, a, "submit")
        tokens = issue_tokens("citizen", c.id)
        db.session.commit()
        db.engine.dispose()
        return a.id, tokens["access_token"]


def bench_database(url: str):
    """(URL of a new database <name>_api_bench on the same server, a function that drops it)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url)
    name = f"{base.database}_api_bench"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), drop


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
    ap.add_argument("--database-url", default=None,
                    help="PostgreSQL server (a database <name>_api_bench is created there and dropped); "
                         "default: a fresh SQLite file")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    drop = None
    if args.database_url:
        url, drop = bench_database(args.database_url)
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {"APP_ENV": "bench", "SECRET_KEY": "bench-secret", "INSTANCE_DIR": str(tmp), "DATABASE_URL": url,
           "STORAGE_URL": f"file://{tmp / 'storage'}", "TASKS_MODE": "sync"}
    try:
        run(args, env)
    finally:
        if drop:
            drop()


def run(args, env: dict) -> None:
    app_id, token = seed(env)
    auth = {"Authorization": f"Bearer {token}"}
    detail, listing = f"/api/v1/applications/{app_id}", "/api/v1/applications"
    # name: (server, path, headers, check of the first answer)
    targets = {
        "bare Flask detail": ("bare", detail, {}, lambda b: b["id"] == app_id),
        "GET application": ("app", detail, auth, lambda b: b["id"] == app_id and len(b["timeline"]) == 2),
        "bare Flask list": ("bare", listing, {}, lambda b: len(b["items"]) == 3),
        "GET applications": ("app", listing, auth, lambda b: b["total"] == 3 and b["items"][0]["id"] == app_id),
    }
    modules = {"bare": "bench.bare_app:app", "app": "wsgi:app"}
    servers, rounds = {}, {name: [] for name in targets}
    try:
        for key, module in modules.items():
            port = free_port()
            servers[key] = (serve(module, env, port), port)
        for name, (key, path, headers, check) in targets.items():
            conn = http.client.HTTPConnection("127.0.0.1", servers[key][1])
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = json.loads(resp.read())
            assert resp.status == 200 and check(body), (name, body)
        for _ in range(args.rounds):
            for name, (key, path, headers, _check) in targets.items():
                rounds[name].append(load(servers[key][1], path, headers, args.seconds, args.clients))
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(10)

    def median(name):
        runs = sorted(rounds[name])
        return runs[len(runs) // 2][0], sum(r[1] for r in runs)

    db_kind = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(f"gunicorn {' '.join(GUNICORN)}; {args.clients} keep-alive clients; "
          f"{args.rounds} alternating rounds of {args.seconds:g} s; database {db_kind}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for base, ours, label in (("bare Flask detail", "GET application", "GET /api/v1/applications/<id>"),
                              ("bare Flask list", "GET applications", "GET /api/v1/applications")):
        b, errs_b = median(base)
        o, errs_o = median(ours)
        print(f"{label:<31}: {o:7.0f} req/s (errors {errs_o}) vs bare {b:7.0f} req/s (errors {errs_b})"
              f"  ratio {o / b:5.2f}  (goal >= 0.5)")
        print(f"{'':<31}  rounds ours {', '.join(f'{r[0]:.0f}' for r in rounds[ours])}; "
              f"bare {', '.join(f'{r[0]:.0f}' for r in rounds[base])}")


if __name__ == "__main__":
    main()
