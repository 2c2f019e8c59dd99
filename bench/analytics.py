"""Dashboard benchmark on PostgreSQL: p50 of every /api/v1/analytics endpoint against one
`SELECT count(*) FROM consultations`, in the same run (warm cache for both).

    python bench/analytics.py --server postgresql://postgres@127.0.0.1:5432/postgres [--generate 1000000]
        # creates <name>_analytics_bench on that server, loads the calls, measures, drops the database
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench python bench/analytics.py --generate 1000000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench python bench/analytics.py          # data already there

Goal: the whole dashboard (all endpoints, one after the other) costs no more than the one count(*)
scan; each run times one count(*) and then the dashboard, and the median of the runs' ratios is
reported (a busy machine slows both alike).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402


def p50(fn, runs: int) -> float:
    fn()
    fn()  # warm up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generate", type=int, default=0, help="first load N demo calls (COPY)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--server", default=None, metavar="URL",
                    help="a PostgreSQL server: the benchmark creates its own database there and drops it after "
                         "(with --generate 1000000 unless given)")
    args = ap.parse_args()
    if args.server:
        from bench.api import bench_database
        url, drop = bench_database(args.server, suffix="analytics_bench")
        args.generate = args.generate or 1_000_000
        try:
            run(args, url)
        finally:
            drop()  # WITH (FORCE): the app's pooled connections end with it
    else:
        run(args, os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"))


def run(args, url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": url if "+psycopg" in url else url.replace("postgresql://", "postgresql+psycopg://"),
                      "TASKS_MODE": "sync", "APP_ENV": "test", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret")})
    with app.app_context():
        upgrade()
        if db.engine.dialect.name != "postgresql":
            sys.exit("bench/analytics.py runs on PostgreSQL (DATABASE_URL=postgresql://...)")
        if args.generate:
            from app.analytics.generator import generate
            generate(args.generate, days=args.days)
        from app.consultations.rollup_models import ROLLUPS
        from app.auth.models import StaffUser
        from app.auth.service import issue_tokens
        from app.common.timeutil import utcnow
        n_calls = db.session.scalar(sa.text("SELECT count(*) FROM consultations"))
        if not n_calls:
            sys.exit("no calls: run with --generate 1000000")
        first, last = db.session.execute(sa.select(sa.func.min(ROLLUPS["day"].c.day), sa.func.max(ROLLUPS["day"].c.day))).one()
        mgr = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "bench-manager"))
        if mgr is None:
            mgr = StaffUser(username="bench-manager", password_hash="!", role="manager", full_name="压测",
                            created_at=utcnow(), updated_at=utcnow())
            db.session.add(mgr)
            db.session.commit()
        headers = {"Authorization": "Bearer " + issue_tokens("staff", mgr.id)["access_token"]}
        db.session.commit()
        sizes = {g: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for g, t in ROLLUPS.items()}

        def count_scan():
            with db.engine.connect() as conn:
                conn.execute(sa.text("SELECT count(*) FROM consultations")).scalar()
        scan = p50(count_scan, args.runs)

    client = app.test_client()
    from app.analytics.queries import CHARTS
    scenarios = {
        f"full range {first}..{last}": {"date_from": str(first), "date_to": str(last)},
        "default (last 30 days)": {"date_to": str(last)},
        "full range, region=湖北省武汉市, topic=劳动争议": {"date_from": str(first), "date_to": str(last),
                                                       "region": "湖北省武汉市", "topic": "劳动争议"},
    }
    print(f"calls: {n_calls:,}; rollup rows: {sizes}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"SELECT count(*) FROM consultations   p50 {scan:8.1f} ms (alone, before the scenarios)")
    for title, params in scenarios.items():
        print(f"\n== {title}")
        calls = {}
        for name in CHARTS:
            def call(name=name):
                r = client.get(f"/api/v1/analytics/{name}", query_string=params, headers=headers)
                assert r.status_code == 200, r.get_json()
            calls[name] = call
            call()  # warm up
        # Interleaved: each run times one count(*) and then the whole dashboard, so load from anything
        # else on the machine falls on both alike; the ratio is the median of the runs' ratios
        runs = []
        for _ in range(args.runs):
            with app.app_context():
                t0 = time.perf_counter()
                count_scan()
                scan_ms = (time.perf_counter() - t0) * 1000
            each = {}
            for name, call in calls.items():
                t0 = time.perf_counter()
                call()
                each[name] = (time.perf_counter() - t0) * 1000
            runs.append((scan_ms, each))
        for name in CHARTS:
            print(f"  /api/v1/analytics/{name:<15} p50 {statistics.median(r[1][name] for r in runs):8.1f} ms")
        totals = [sum(r[1].values()) for r in runs]
        ratios = sorted(sum(r[1].values()) / r[0] for r in runs)
        print(f"  whole dashboard ({len(CHARTS)} endpoints)   p50 {statistics.median(totals):8.1f} ms; count(*) in the "
              f"same runs p50 {statistics.median(r[0] for r in runs):.1f} ms; ratio p50 {statistics.median(ratios):.2f} "
              f"x count(*) (runs {ratios[0]:.2f}-{ratios[-1]:.2f}; goal <= 1)")


if __name__ == "__main__":
    main()
