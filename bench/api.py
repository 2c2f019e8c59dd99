"""Throughput of the citizen's authenticated reads against a bare Flask JSON endpoint.

`GET /api/v1/applications/<id>` (the detail the mini-program polls) and `GET /api/v1/applications`
(the list, a citizen with three applications) are each compared with a bare Flask endpoint that
answers a similar payload without database or auth. All are served by the same gunicorn
configuration in the same run and loaded by the same client (processes with keep-alive
connections), in alternating rounds so that a noisy machine affects them alike. Each round of ours
is divided by the baseline round just before it; the median of these ratios is the figure (with
its range over the rounds and the median req/s of each side).

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


def bench_database(url: str, suffix: str = "api_bench", admin_database: str | None = None):
    """(URL of a new database <name>_<suffix> on the same server, a function that drops it WITH (FORCE)).
    CREATE / DROP DATABASE run connected to `admin_database` (default: <name> itself, which must exist;
    "postgres" lets <name> be only a prefix)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url)
    name = f"{base.database}_{suffix}"
    admin = sa.create_engine(base.set(database=admin_database) if admin_database else base,
                             isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), drop


def serve(module: str, env: dict, port: int, cwd: Path = ROOT, *, args: tuple | list = GUNICORN,
          start_seconds: float = 30, quiet: bool = False) -> subprocess.Popen:
    """gunicorn serving `module` on 127.0.0.1:port with `args`, once it accepts connections."""
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *args, "--bind", f"127.0.0.1:{port}", module],
                            cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=out)
    deadline = time.time() + start_seconds
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


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids) -> float:
    """utime + stime of these processes (Linux /proc); a process that is gone counts 0."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / _TICK


def server_pids(proc: subprocess.Popen, database_url: str | None) -> list[int]:
    """The gunicorn master and workers, and the database server's backends for this database."""
    pids = [proc.pid]
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    if database_url and database_url.startswith("postgresql"):
        import sqlalchemy as sa
        eng = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        with eng.connect() as conn:
            pids += list(conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                              "AND pid <> pg_backend_pid()")).scalars())
        eng.dispose()
    return pids


def load(port: int, path: str, headers: dict, seconds: float, clients: int,
         pids_of=lambda: []) -> tuple[float, int, float]:
    """(requests/s, errors, server CPU microseconds per request: app and database processes)."""
    _client(port, path, headers, 0.5, mp.Queue())  # warm-up (imports, first queries, pooled connections)
    pids = pids_of()
    q = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, path, headers, seconds, q)) for _ in range(clients)]
    cpu0 = _cpu_seconds(pids)
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    elapsed = time.perf_counter() - t0
    cpu = _cpu_seconds(pids) - cpu0
    for p in procs:
        p.join()
    n = sum(r[0] for r in results)
    return n / elapsed, sum(r[1] for r in results), cpu / max(n, 1) * 1e6


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def measure(modules: dict, targets: dict, env: dict, rounds: int, seconds: float, clients: int
            ) -> tuple[dict[str, list], dict[str, bytes]]:
    """Serve each of `modules` ({key: (wsgi module, folder)}) with gunicorn, check the first answer of each
    of `targets` ({name: (server key, path, headers, check(status, body) -> bool)}), then load every
    target in `rounds` alternating rounds (a noisy machine affects them alike) and stop the servers.
    Returns ({target: [load() of each round]}, {target: its first answer's body})."""
    db_url = env["DATABASE_URL"] if env["DATABASE_URL"].startswith("postgresql") else None
    servers, results, first = {}, {name: [] for name in targets}, {}
    try:
        for key, (module, cwd) in modules.items():
            port = free_port()
            servers[key] = (serve(module, env, port, cwd), port)
        for name, (key, path, headers, check) in targets.items():
            conn = http.client.HTTPConnection("127.0.0.1", servers[key][1])
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            first[name] = resp.read()
            assert check(resp.status, first[name]), (name, resp.status, first[name][:300])
        pids_of = {key: (lambda key=key: server_pids(servers[key][0], None if key == "bare" else db_url))
                   for key in servers}
        for _ in range(rounds):
            for name, (key, path, headers, _check) in targets.items():
                results[name].append(load(servers[key][1], path, headers, seconds, clients, pids_of[key]))
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(10)
    return results, first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3, help="length of one round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--compare-with", type=Path, default=None, metavar="DIR",
                    help="also serve DIR's wsgi:app (e.g. `git archive` of an older commit) in the same rounds")
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
    def ok(check):
        return lambda status, body: status == 200 and check(json.loads(body))

    # name: (server, path, headers, check of the first answer)
    targets = {
        "bare Flask detail": ("bare", detail, {}, ok(lambda b: b["id"] == app_id)),
        "GET application": ("app", detail, auth, ok(lambda b: b["id"] == app_id and len(b["timeline"]) == 2)),
        "bare Flask list": ("bare", listing, {}, ok(lambda b: len(b["items"]) == 3)),
        "GET applications": ("app", listing, auth, ok(lambda b: b["total"] == 3 and b["items"][0]["id"] == app_id)),
    }
    modules = {"bare": ("bench.bare_app:app", ROOT), "app": ("wsgi:app", ROOT)}
    if args.compare_with:
        modules["before"] = ("wsgi:app", args.compare_with.resolve())
        targets = {**dict(list(targets.items())[:2]), "before: GET application": ("before", *targets["GET application"][1:]),
                   **dict(list(targets.items())[2:]), "before: GET applications": ("before", *targets["GET applications"][1:])}
    rounds, _first = measure(modules, targets, env, args.rounds, args.seconds, args.clients)
    db_kind = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(f"gunicorn {' '.join(GUNICORN)}; {args.clients} keep-alive clients; "
          f"{args.rounds} alternating rounds of {args.seconds:g} s; database {db_kind}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    pairs = [("bare Flask detail", "GET application", "GET /api/v1/applications/<id>"),
             ("bare Flask list", "GET applications", "GET /api/v1/applications")]
    if args.compare_with:
        pairs += [("bare Flask detail", "before: GET application", f"  {args.compare_with.name}: detail"),
                  ("bare Flask list", "before: GET applications", f"  {args.compare_with.name}: list")]
    for base, ours, label in pairs:
        # each round of ours is paired with the baseline round just before it (the machine's load
        # drifts between rounds); the ratio reported is the median of the paired ratios
        ratios = [o[0] / b[0] for o, b in zip(rounds[ours], rounds[base])]
        errors = sum(r[1] for r in rounds[ours] + rounds[base])
        print(f"{label:<31}: {median([r[0] for r in rounds[ours]]):6.0f} req/s vs bare "
              f"{median([r[0] for r in rounds[base]]):6.0f} req/s (medians; errors {errors}); "
              f"ratio {median(ratios):.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}; goal >= 0.5)")
        print(f"{'':<31}  rounds ours {', '.join(f'{r[0]:.0f}' for r in rounds[ours])}; "
              f"bare {', '.join(f'{r[0]:.0f}' for r in rounds[base])}")
        cpu_o, cpu_b = median([r[2] for r in rounds[ours]]), median([r[2] for r in rounds[base]])
        print(f"{'':<31}  server CPU per request (app + database processes): {cpu_o:.0f} us vs bare {cpu_b:.0f} us "
              f"= {cpu_b / cpu_o:.2f} (the throughput ratio a machine of our own would show, clients aside)")
    breakdown(env, app_id, auth, detail, listing)


def breakdown(env: dict, app_id: int, auth: dict, detail: str, listing: str, n: int = 2000) -> None:
    """Where a request's server CPU goes, measured in this process after the rounds: the WSGI call of
    ours and of the bare app (no HTTP server, no client), and on PostgreSQL the detail's one statement
    alone, run n times on one pooled connection: the driver's CPU here and the backend's (its /proc)."""
    os.environ.update(env)
    from werkzeug.test import EnvironBuilder

    from app import create_app
    from bench.bare_app import app as bare
    app = create_app()

    def wsgi_cpu(wsgi, path, headers) -> float:
        environ = EnvironBuilder(path=path, headers=headers).get_environ()

        def call():
            for _ in wsgi(dict(environ), lambda *a: None):
                pass
        for _ in range(200):
            call()
        t0 = time.process_time()
        for _ in range(n):
            call()
        return (time.process_time() - t0) / n * 1e6

    for label, path in (("detail", detail), ("list", listing)):
        print(f"in-process WSGI call, {label:<6}: ours {wsgi_cpu(app, path, auth):5.0f} us CPU, "
              f"bare {wsgi_cpu(bare, path, {}):5.0f} us CPU")
    if "postgres" not in env["DATABASE_URL"]:
        return
    from app.applications import read
    from app.common import crypto, readonly
    from app.common.timeutil import utcnow
    with app.test_request_context():
        eng = readonly.engine()
        stmt = read._detail_stmt()
        params = {"id": app_id, "_token_hash": crypto.token_hash(auth["Authorization"][7:]), "_now": utcnow()}
        with eng.connect() as conn:  # the pool's one connection, reused by every run below
            backend = [conn.connection.dbapi_connection.info.backend_pid]

        def run_statement():
            assert len(readonly.rows(stmt, params)) == 2
        for _ in range(20):
            run_statement()
        b0, c0, t0 = _cpu_seconds(backend), time.process_time(), time.perf_counter()
        for _ in range(n):
            run_statement()
        wall, here, there = time.perf_counter() - t0, time.process_time() - c0, _cpu_seconds(backend) - b0
        eng.dispose()
    print(f"the detail's statement alone ({n} runs): {wall / n * 1e6:.0f} us wall; driver {here / n * 1e6:.0f} us CPU "
          f"here, PostgreSQL backend {there / n * 1e6:.0f} us CPU")


if __name__ == "__main__":
    main()
