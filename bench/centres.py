"""Many centres: does a page's cost grow with the number of centres? (issue 19)

Builds a database (SQLite file, or --database-url) with C centres and the same applications (spread over
the centres), then requests, in-process, the application list (console and API) and the console home
(queues, SLA card, alert count) and the analytics dashboard's charts as a district manager and as the city manager (all
centres, and filtered to one), counting the SQL statements each request runs and timing it (median of
--repeat). Run with 3 and with 100 centres and compare:

    python bench/centres.py [--centres 3 100] [--applications 600] [--repeat 15]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(n_centres: int, n_apps: int, url: str):
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "WECHAT_APPID": "wxbench",
                       "WECHAT_SECRET": "bench", "CONSOLE_COOKIE_SECURE": "0"})
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.applications import service as applications
    from app.applications.models import Application
    from app.auth.service import create_staff, issue_tokens
    from app.centres import service as centres
    from app.extensions import db
    from app.procedure import flows

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        city = centres.default_centre()
        ids = [city.id]
        for i in range(1, n_centres):
            c = centres.create({"code": f"d{i:03d}", "name": f"第{i}区法律援助中心", "districts": [f"42{i:04d}"],
                                "letter_prefix_decision": f"区{i}决字", "letter_prefix_notice": f"区{i}补字",
                                "letter_prefix_assignment": f"区{i}指字"})
            ids.append(c.id)
        db.session.commit()
        duty = create_staff("bench_duty", "x" * 12, "duty_lawyer", centre_id=ids[-1])
        mgr = create_staff("bench_mgr", "x" * 12, "manager", centre_id=ids[-1])
        cm = create_staff("bench_city", "x" * 12, "city_manager", centre_id=city.id)
        for k in range(n_apps):
            a = applications.create_draft(duty, {"applicant_name": f"申请人{k}", "phone": "13800000000",
                                                 "description": "来电咨询欠薪问题", "category": "劳动争议",
                                                 "service_type": "advice", "id_number": None})
            flows.submit(duty, a)
        # spread the applications over the centres (the same total for every C); the bench's district keeps 1/C
        rows = db.session.scalars(sa.select(Application.id).order_by(Application.id)).all()
        for n, app_id in enumerate(rows):
            db.session.execute(sa.update(Application.__table__).where(Application.__table__.c.id == app_id)
                               .values(centre_id=ids[n % len(ids)]))
        db.session.commit()
        tokens = {u.username: issue_tokens("staff", u.id)["access_token"] for u in (mgr, cm)}
        db.session.commit()
        return app, tokens, ids


def run(n_centres: int, n_apps: int, repeat: int) -> list[tuple]:
    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/centres.sqlite3"
    app, tokens, ids = build(n_centres, n_apps, url)
    import sqlalchemy as sa

    from app.extensions import db
    from tests.support import console_login
    counter = {"n": 0}

    def count(*_a, **_k):
        counter["n"] += 1
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    out = []
    consoles = {}
    for user in ("bench_mgr", "bench_city"):
        consoles[user] = app.test_client()
        console_login(consoles[user], user, "x" * 12)
    pages = [("bench_mgr", "console", "/console/applications"), ("bench_mgr", "console", "/console/"),
             ("bench_mgr", "api", "/api/v1/staff/applications"),
             ("bench_city", "console", "/console/applications"), ("bench_city", "console", "/console/"),
             ("bench_city", "console", "/console/applications?centre=d001" if n_centres > 1 else "/console/applications"),
             ("bench_city", "api", "/api/v1/staff/applications"),
             # the analytics dashboard (rollups per centre, issue 19): its overview and workload charts
             ("bench_mgr", "console", "/console/dashboard/data/overview"),
             ("bench_mgr", "api", "/api/v1/analytics/workload"),
             ("bench_city", "console", "/console/dashboard/data/overview"),
             ("bench_city", "console", "/console/dashboard/data/overview?centre=d001" if n_centres > 1
              else "/console/dashboard/data/overview"),
             ("bench_city", "api", "/api/v1/analytics/workload")]
    api = app.test_client()
    for user, kind, path in pages:
        times, stmts = [], []
        for _ in range(repeat):
            counter["n"] = 0
            t0 = time.perf_counter()
            if kind == "api":
                r = api.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
            else:
                r = consoles[user].get(path)
            times.append((time.perf_counter() - t0) * 1000)
            stmts.append(counter["n"])
            assert r.status_code == 200, (path, r.status_code)
        out.append((n_centres, user, path, statistics.median(stmts), statistics.median(times)))
    with app.app_context():
        db.engine.dispose()
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--centres", type=int, nargs="+", default=[3, 100])
    p.add_argument("--applications", type=int, default=600)
    p.add_argument("--repeat", type=int, default=15)
    args = p.parse_args()
    rows = []
    for n in args.centres:
        rows += run(n, args.applications, args.repeat)
    print(f"{'centres':>7}  {'who':<10}  {'page':<42}  {'statements':>10}  {'median ms':>9}")
    for n, user, path, st, ms in rows:
        print(f"{n:>7}  {user:<10}  {path:<42}  {st:>10.0f}  {ms:>9.1f}")


if __name__ == "__main__":
    main()
