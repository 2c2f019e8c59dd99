"""Throughput of the console's queue pages against a bare Flask page, as bench/api.py measures the API.

A manager's home (`/console/`: the work queues, the SLA summary, the alert count) and the
application list (`/console/applications`, 50 a page) over 300 applications in assorted states,
each compared with a bare Flask endpoint (no database, no session) rendering a template-free HTML
page of about the same size. Same gunicorn configuration, alternating rounds, paired ratios and
server CPU per request (app and database processes).

    python bench/console.py [--seconds 3] [--rounds 5] [--clients 4] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import GUNICORN, bench_database, measure, median  # noqa: E402

N_APPLICATIONS = 300


def seed(env: dict) -> str:
    """300 phone-intake applications in assorted states and a manager's console session; the cookie."""
    os.environ.update(env)
    import datetime as dt

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.applications import service
    from app.applications.models import Application
    from app.auth.models import StaffUser
    from app.common import crypto
    from app.common.timeutil import utcnow
    from app.console.models import ConsoleSession
    from app.extensions import db
    from tests.factories import full_application

    app = create_app({"TASKS_MODE": "sync"})
    with app.app_context(), app.test_request_context():
        upgrade()
        now = utcnow()
        duty = StaffUser(username="bench-duty", password_hash="!", role="duty_lawyer", full_name="值班",
                         created_at=now, updated_at=now)
        mgr = StaffUser(username="bench-manager", password_hash="!", role="manager", full_name="主任",
                        created_at=now, updated_at=now)
        db.session.add_all([duty, mgr])
        db.session.commit()
        states = ["submitted", "under_review", "approved", "expedite_requested", "assigned", "in_progress", "closed"]
        for i in range(N_APPLICATIONS):
            data = full_application(applicant_name=f"来电人{i}")
            data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
            if i % 10 == 0:
                data["legal_deadline"] = (now + dt.timedelta(days=2)).date()
            a = service.create_draft(duty, data, citizen=None)
            service.transition(duty, a, "submit")
            a.status = states[i % len(states)]
            a.first_contact_at = now - dt.timedelta(minutes=30 + i)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == N_APPLICATIONS
        token = crypto.new_token()
        db.session.add(ConsoleSession(token_hash=crypto.token_hash(token), staff_id=mgr.id, csrf_token="bench",
                                      created_at=now, last_seen_at=now, expires_at=now + dt.timedelta(hours=8)))
        db.session.commit()
        db.engine.dispose()
    return f"console_session={token}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--database-url", default=None, help="PostgreSQL server (as bench/api.py); default SQLite")
    ap.add_argument("--compare-with", type=Path, default=None, metavar="DIR",
                    help="also serve another tree's app (e.g. `git archive <commit>` unpacked) in the same rounds")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-console-"))
    drop = None
    if args.database_url:
        url, drop = bench_database(args.database_url)
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    # the session's idle timeout must outlast the run; CONSOLE_COOKIE_SECURE off: plain http here
    env = {"APP_ENV": "bench", "SECRET_KEY": "bench-secret", "INSTANCE_DIR": str(tmp), "DATABASE_URL": url,
           "STORAGE_URL": f"file://{tmp / 'storage'}", "TASKS_MODE": "sync", "CONSOLE_IDLE_MINUTES": "600"}
    try:
        run(args, env)
    finally:
        if drop:
            drop()


def run(args, env: dict) -> None:
    cookie = seed(env)
    auth = {"Cookie": cookie}
    def page(status, body):
        return status == 200 and b"<html" in body.lower()

    targets = {
        "bare home": ("bare", "/console/", {}, page),
        "manager home": ("app", "/console/", auth, page),
        "bare list": ("bare", "/console/applications", {}, page),
        "application list": ("app", "/console/applications", auth, page),
    }
    modules = {"bare": ("bench.bare_app:app", ROOT), "app": ("wsgi:app", ROOT)}
    if args.compare_with:
        modules["before"] = ("wsgi:app", args.compare_with.resolve())
        targets["before: manager home"] = ("before", "/console/", auth, page)
        targets["before: application list"] = ("before", "/console/applications", auth, page)
    rounds, first = measure(modules, targets, env, args.rounds, args.seconds, args.clients)
    sizes = {name: len(body) for name, body in first.items()}
    db_kind = "PostgreSQL" if env["DATABASE_URL"].startswith("postgresql") else "SQLite"
    print(f"gunicorn {' '.join(GUNICORN)}; {args.clients} keep-alive clients; {args.rounds} alternating rounds "
          f"of {args.seconds:g} s; database {db_kind}; {N_APPLICATIONS} applications; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    pairs = [("bare home", "manager home", "GET /console/ (manager)"),
             ("bare list", "application list", "GET /console/applications")]
    if args.compare_with:
        pairs += [("bare home", "before: manager home", f"  {args.compare_with.name}: home"),
                  ("bare list", "before: application list", f"  {args.compare_with.name}: list")]
    for base, ours, label in pairs:
        ratios = [o[0] / b[0] for o, b in zip(rounds[ours], rounds[base])]
        errors = sum(r[1] for r in rounds[ours] + rounds[base])
        cpu_o, cpu_b = median([r[2] for r in rounds[ours]]), median([r[2] for r in rounds[base]])
        print(f"{label:<27}: {median([r[0] for r in rounds[ours]]):6.0f} req/s vs bare "
              f"{median([r[0] for r in rounds[base]]):6.0f} req/s (errors {errors}; page {sizes[ours]} B, "
              f"bare {sizes[base]} B); ratio {median(ratios):.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}); "
              f"server CPU {cpu_o:.0f} us/req vs bare {cpu_b:.0f} us/req")


if __name__ == "__main__":
    main()
