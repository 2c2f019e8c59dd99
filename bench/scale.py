"""A province on one platform (issue 21): generate applications and calls at scale into a database of
its own, then time what people and the periodic work do there.

    python bench/scale.py --server postgresql://postgres@127.0.0.1:5432/h_scale \
        --applications 100000,1000000 --calls 1000000,10000000 [--centres 1] [--open-share 0.05]

For each size (pairs of --applications and --calls) it creates `<name>_scale` on the server, builds
the province and measures, then drops the database; at the end it prints how each figure grew from
the first size to the last.

Generation (minutes, not hours): a few dozen template cases are made through the services (each state
of the procedure, with its timeline, letters and the rest), then replicated in SQL with
generate_series — every copy shifted back in time (open cases by up to 30 days, closed ones by up to
two years), with its own reference, its events, its letters (numbered on in their series, the
counters moved on) and two document rows. Calls: a block made by the analytics generator, replicated
with generate_series under new call ids; indexes are rebuilt after the load and the rollups rebuilt.
Centres: `--centres N` (N > 1) creates the city centre and N - 1 district centres (real rows, through
app.centres.service, as bench/centres.py lays them out) before the build; the generated calls are spread
over them by the analytics generator and the replicated applications by id (`centre_ids[new_id % N]`).
With 1 (the default) every copy keeps its template's centre (the city centre).

Measured in-process (Flask's test client, one client, as the goals are stated), each as p50/p95/p99
with the load average beside it (the machine is shared): the citizen's status (GET
/api/v1/applications/<id>) against a bare Flask endpoint in the same run; a manager's home, each of
its queue pages and the application list with a status filter; the dashboard (every analytics
endpoint, full range) against one count(*) of the calls; the periodic scan (alerts, with the
procedure's clocks); a 100,000-row CDR import; issuing 1,000 letters.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

OPEN_TEMPLATES = ("submitted", "under_review", "expedite_requested", "approved", "assigned", "in_progress")
TEMPLATES_PER_OPEN_STATE = 3
CLOSED_TEMPLATES = 12
CALL_BLOCK = 200_000


def load() -> str:
    return "load %.1f/%.1f/%.1f" % os.getloadavg()


def pct(values: list[float]) -> dict:
    v = sorted(values)

    def q(p):
        return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
    return {"p50": q(50), "p95": q(95), "p99": q(99), "n": len(v)}


def fmt(p: dict) -> str:
    return f"p50 {p['p50']:7.1f}  p95 {p['p95']:7.1f}  p99 {p['p99']:7.1f} ms (n={p['n']})"


def timed(fn, n: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


# --- generation --------------------------------------------------------------------------------------

def make_templates(app) -> dict:
    """Template cases through the services; returns {"open": [ids], "closed": [ids], "citizen_app": id,
    "citizen_token": str, "manager": id}."""
    from app.auth.service import issue_tokens
    from app.extensions import db
    from tests.factories import make_staff
    from tests.support import make_case
    staff = make_staff(app)
    out = {"open": [], "closed": []}
    for status in OPEN_TEMPLATES:
        for _ in range(TEMPLATES_PER_OPEN_STATE):
            out["open"].append(make_case(app, status, by_phone=True))
    for _ in range(CLOSED_TEMPLATES):
        out["closed"].append(make_case(app, "closed", by_phone=True))
    # the citizen whose status is polled: a case of their own, not replicated
    cid_app = make_case(app, "under_review")
    with app.app_context():
        from app.applications.models import Application
        citizen_id = db.session.get(Application, cid_app).citizen_id
        out["citizen_token"] = issue_tokens("citizen", citizen_id)["access_token"]
        db.session.commit()
    out["citizen_app"] = cid_app
    out["manager"] = staff.role("manager")["id"]
    out["staff"] = staff
    return out


def replicate_applications(conn, templates: dict, n: int, open_share: float, centre_ids: list[int] | None,
                            echo) -> None:
    """Copy the templates to n applications; `centre_ids`: the centres to spread them over (by id,
    `centre_ids[new_id % len]`), or None to keep each template's centre."""
    t0 = time.perf_counter()
    cols = [r[0] for r in conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name='applications' ORDER BY ordinal_position"))]
    types = dict(conn.execute(sa.text(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name='applications'")).all())
    if centre_ids and "centre_id" not in cols:
        sys.exit("--centres > 1 needs applications.centre_id (centres are not in the schema yet)")
    n_open = int(n * open_share)
    reps = {}
    for ids, total in ((templates["open"], n_open), (templates["closed"], n - n_open)):
        for i, tid in enumerate(ids):
            reps[tid] = total // len(ids) + (1 if i < total % len(ids) else 0)
    conn.execute(sa.text("DROP TABLE IF EXISTS scale_map"))
    conn.execute(sa.text("CREATE TEMP TABLE tmpl (tid int, reps int, open bool)"))
    conn.execute(sa.text("INSERT INTO tmpl VALUES " + ",".join(
        f"({tid}, {r}, {'true' if tid in templates['open'] else 'false'})" for tid, r in reps.items())))
    base = conn.execute(sa.text("SELECT coalesce(max(id), 0) + 1000 FROM applications")).scalar()
    # new ids in random order of template, so states interleave by id and by date; each copy's offset in time
    conn.execute(sa.text(f"""
        CREATE TABLE scale_map AS
        SELECT {base} + row_number() OVER (ORDER BY random()) AS new_id, t.tid, t.open
        FROM tmpl t, generate_series(1, t.reps) g"""))
    for stmt in ("ALTER TABLE scale_map ADD COLUMN off interval",
                 "UPDATE scale_map SET off = (CASE WHEN open THEN (new_id * 7919) % 30 ELSE 30 + (new_id * 7919) % 700 END)"
                 "::int * interval '1 day' + ((new_id * 104729) % 86400)::int * interval '1 second'",
                 "CREATE UNIQUE INDEX ON scale_map (tid, new_id)", "ANALYZE scale_map"):
        conn.execute(sa.text(stmt))
    sel = []
    for c in cols:
        ty = types[c]
        if c == "id":
            sel.append("m.new_id")
        elif c == "reference":
            sel.append("'S' || lpad(m.new_id::text, 12, '0')")
        elif c == "centre_id" and centre_ids:
            ids = ", ".join(str(int(i)) for i in centre_ids)
            sel.append(f"(ARRAY[{ids}]::int[])[1 + (m.new_id % {len(centre_ids)})]")
        elif ty.startswith("timestamp"):
            sel.append(f"a.{c} - m.off")
        elif ty == "date":
            sel.append(f"(a.{c} - m.off)::date")
        else:
            sel.append(f"a.{c}")
    conn.execute(sa.text(f"INSERT INTO applications ({', '.join(cols)}) SELECT {', '.join(sel)} "
                         f"FROM scale_map m JOIN applications a ON a.id = m.tid"))
    conn.execute(sa.text("SELECT setval('applications_id_seq', (SELECT max(id) FROM applications))"))
    echo(f"  applications: {n:,} in {time.perf_counter() - t0:.0f} s ({load()})")

    # the procedure's state (review / assignment clocks, decision), shifted in time like its case
    t0 = time.perf_counter()
    ptypes = dict(conn.execute(sa.text(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name='application_procedure'")).all())
    pcols = list(ptypes)
    psel = ["m.new_id" if c == "application_id" else f"p.{c} - m.off" if ptypes[c].startswith("timestamp")
            else f"(p.{c} - m.off)::date" if ptypes[c] == "date" else f"p.{c}" for c in pcols]
    conn.execute(sa.text(f"INSERT INTO application_procedure ({', '.join(pcols)}) SELECT {', '.join(psel)} "
                         f"FROM scale_map m JOIN application_procedure p ON p.application_id = m.tid"))
    echo(f"  procedure states in {time.perf_counter() - t0:.0f} s ({load()})")

    t0 = time.perf_counter()
    ecols = [r[0] for r in conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name='application_events' AND column_name <> 'id' "
        "ORDER BY ordinal_position"))]
    esel = ["m.new_id" if c == "application_id" else ("e.created_at - m.off" if c == "created_at" else f"e.{c}") for c in ecols]
    conn.execute(sa.text(f"INSERT INTO application_events ({', '.join(ecols)}) SELECT {', '.join(esel)} "
                         f"FROM scale_map m JOIN application_events e ON e.application_id = m.tid"))
    n_events = conn.execute(sa.text("SELECT count(*) FROM application_events")).scalar()
    echo(f"  events: {n_events:,} in {time.perf_counter() - t0:.0f} s ({load()})")

    t0 = time.perf_counter()
    lcols = [r[0] for r in conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name='letters' AND column_name <> 'id' "
        "ORDER BY ordinal_position"))]
    special = {
        "application_id": "m.new_id",
        "seq": "x.seq0 + row_number() OVER (PARTITION BY l.series, l.year ORDER BY m.new_id, l.id)",
        "number": "l.series || '〔' || l.year || '〕第' || lpad((x.seq0 + row_number() OVER "
                  "(PARTITION BY l.series, l.year ORDER BY m.new_id, l.id))::text, 7, '0') || '号'",
        "storage_key": "l.storage_key || '.' || m.new_id",
        "issued_at": "l.issued_at - m.off",
    }
    lsel = [special.get(c, f"l.{c}") for c in lcols]
    conn.execute(sa.text(f"""
        INSERT INTO letters ({', '.join(lcols)}) SELECT {', '.join(lsel)}
        FROM scale_map m JOIN letters l ON l.application_id = m.tid
        JOIN (SELECT series, year, max(seq) AS seq0 FROM letters GROUP BY series, year) x
          ON x.series = l.series AND x.year = l.year"""))
    conn.execute(sa.text("""UPDATE letter_counters c SET last_seq = x.m FROM
        (SELECT series, year, max(seq) AS m FROM letters GROUP BY series, year) x
        WHERE c.series = x.series AND c.year = x.year"""))
    conn.execute(sa.text("SELECT setval('letters_id_seq', (SELECT max(id) FROM letters))"))
    n_letters = conn.execute(sa.text("SELECT count(*) FROM letters")).scalar()
    echo(f"  letters: {n_letters:,} in {time.perf_counter() - t0:.0f} s ({load()})")

    t0 = time.perf_counter()
    conn.execute(sa.text("""
        INSERT INTO documents (application_id, citizen_id, uploaded_by_type, kind, status, storage_key, content_type,
                               byte_size, width, height, sha256, ocr_attempts, created_at, updated_at)
        SELECT m.new_id, NULL, 'staff', k.kind,
               CASE WHEN a.status IN ('submitted', 'under_review') THEN 'ocr_done' ELSE 'verified' END,
               'scale/' || m.new_id || '/' || k.kind, 'image/jpeg',
               183000, 1280, 960, md5(m.new_id || k.kind) || md5(k.kind || m.new_id), 1, a.created_at, a.created_at
        FROM scale_map m JOIN applications a ON a.id = m.new_id
        CROSS JOIN (VALUES ('id_front'), ('id_back')) k(kind)"""))
    n_docs = conn.execute(sa.text("SELECT count(*) FROM documents")).scalar()
    echo(f"  documents: {n_docs:,} in {time.perf_counter() - t0:.0f} s ({load()})")


CALL_INDEXES = None


def replicate_calls(conn, n_calls: int, echo) -> None:
    have = conn.execute(sa.text("SELECT count(*) FROM consultations")).scalar()
    reps = max(0, -(-n_calls // have) - 1)
    if not reps:
        return
    t0 = time.perf_counter()
    idx = conn.execute(sa.text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename='consultations' AND indexname NOT LIKE 'pk_%' "
        "AND indexname NOT LIKE 'uq_%'")).all()
    for name, _ in idx:
        conn.execute(sa.text(f'DROP INDEX "{name}"'))
    cols = [r[0] for r in conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name='consultations' AND column_name <> 'id' "
        "ORDER BY ordinal_position"))]
    sel = ["c.call_id || '.' || g" if col == "call_id" else f"c.{col}" for col in cols]
    conn.execute(sa.text(f"INSERT INTO consultations ({', '.join(cols)}) SELECT {', '.join(sel)} "
                         f"FROM consultations c CROSS JOIN generate_series(1, {reps}) g "
                         f"WHERE c.id <= (SELECT min(id) FROM consultations) + {have} - 1"))
    echo(f"  calls: {have:,} x {reps + 1} in {time.perf_counter() - t0:.0f} s ({load()})")
    t0 = time.perf_counter()
    conn.execute(sa.text("SET maintenance_work_mem = '256MB'"))
    for _, ddl in idx:
        conn.execute(sa.text(ddl))
    echo(f"  call indexes rebuilt in {time.perf_counter() - t0:.0f} s ({load()})")


def build(app, n_apps: int, n_calls: int, open_share: float, centre_ids: list[int] | None = None,
          echo=print) -> dict:
    """Generate the province. The centres must exist before (the generator spreads the calls over
    every centre there is); `centre_ids`: see replicate_applications."""
    from app.extensions import db
    t_all = time.perf_counter()
    templates = make_templates(app)
    echo(f"  templates: {len(templates['open'])} open, {len(templates['closed'])} closed ({load()})")
    with app.app_context():
        from app.analytics.generator import generate
        if n_calls:
            generate(min(n_calls, CALL_BLOCK), echo=lambda s: None)
        with db.engine.connect() as conn:
            conn.execute(sa.text("SET synchronous_commit = off"))
            replicate_applications(conn, templates, n_apps, open_share, centre_ids, echo)
            conn.commit()
            if n_calls:
                replicate_calls(conn, n_calls, echo)
                conn.commit()
        try:  # the stored due dates of the open cases (migration 0017), computed as a transition would
            from app.procedure import due
        except ImportError:  # code before 0017 (measuring the "before")
            due = None
        if due is not None:
            t0 = time.perf_counter()
            n_due = due.recompute(db.session)
            db.session.commit()
            echo(f"  due dates of {n_due:,} open cases in {time.perf_counter() - t0:.0f} s ({load()})")
        t0 = time.perf_counter()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        echo(f"  VACUUM ANALYZE in {time.perf_counter() - t0:.0f} s")
        if n_calls:
            from app.consultations import rollups
            t0 = time.perf_counter()
            rollups.rebuild()
            echo(f"  rollups rebuilt in {time.perf_counter() - t0:.0f} s ({load()})")
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in
                  ("applications", "application_events", "letters", "documents", "consultations")}
        counts["open"] = db.session.scalar(sa.text(
            "SELECT count(*) FROM applications WHERE status NOT IN ('closed','denied','withdrawn','terminated','deemed_withdrawn')"))
        size = db.session.scalar(sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        db.session.remove()
    echo(f"  built in {time.perf_counter() - t_all:.0f} s: {counts}, database {size} ({load()})")
    templates["counts"] = counts
    return templates


# --- measurements -----------------------------------------------------------------------------------------

def measure(app, t: dict, args, echo=print) -> dict:
    from app.common import crypto
    from app.common.timeutil import utcnow
    from app.console.models import ConsoleSession
    from app.extensions import db
    from bench.bare_app import app as bare
    res = {}
    client = app.test_client()
    bare_client = bare.test_client()
    auth = {"Authorization": f"Bearer {t['citizen_token']}"}
    detail = f"/api/v1/applications/{t['citizen_app']}"

    def status():
        r = client.get(detail, headers=auth)
        assert r.status_code == 200, r.get_json()

    def bare_status():
        assert bare_client.get(detail).status_code == 200
    ours = timed(status, args.n)
    base = timed(bare_status, args.n)
    res["citizen status"] = (pct(ours), pct(base), load())
    echo(f"citizen status            {fmt(pct(ours))}; bare Flask p50 {pct(base)['p50']:.2f} ms ({load()})")

    with app.app_context():
        token = crypto.new_token()
        now = utcnow()
        db.session.add(ConsoleSession(token_hash=crypto.token_hash(token), staff_id=t["manager"], csrf_token="bench",
                                      created_at=now, last_seen_at=now, expires_at=now + dt.timedelta(hours=8)))
        db.session.commit()
    console = app.test_client()
    console.set_cookie("console_session", token, path="/console")

    def page(path):
        def get():
            r = console.get(path)
            assert r.status_code == 200, (path, r.status_code, r.data[:300])
            return r
        return get
    home = page("/console/")()
    keys = sorted(set(re.findall(r'/console/queues/([a-z_]+)', home.get_data(as_text=True))))
    pages = [("manager home /console/", "/console/")] + [(f"queue {k}", f"/console/queues/{k}") for k in keys] + [
        ("list ?status=under_review", "/console/applications?status=under_review"),
        ("list ?status=closed p.100", "/console/applications?status=closed&page=100"),
    ]
    for label, path in pages:
        v = timed(page(path), args.pages)
        res[label] = (pct(v), None, load())
        echo(f"{label:<26}{fmt(pct(v))} ({load()})")

    if t["counts"]["consultations"]:
        from app.analytics.queries import CHARTS
        from app.auth.service import issue_tokens
        with app.app_context():
            headers = {"Authorization": "Bearer " + issue_tokens("staff", t["manager"])["access_token"]}
            db.session.commit()
            first, last = db.session.execute(sa.text("SELECT min(local_date), max(local_date) FROM consultations")).one()

        def dashboard():
            for name in CHARTS:
                r = client.get(f"/api/v1/analytics/{name}", query_string={"date_from": str(first), "date_to": str(last)},
                               headers=headers)
                assert r.status_code == 200, (name, r.get_json())

        def count():
            with app.app_context():
                with db.engine.connect() as conn:
                    conn.execute(sa.text("SELECT count(*) FROM consultations")).scalar()
        d = timed(dashboard, args.dash, warm=1)
        c = timed(count, args.dash, warm=1)
        res["dashboard (full range)"] = (pct(d), pct(c), load())
        echo(f"dashboard, {len(CHARTS)} endpoints   {fmt(pct(d))}; count(*) p50 {pct(c)['p50']:.0f} ms ({load()})")

    from app.alerts import service as alerts
    with app.app_context():
        runs = []
        for i in range(3):
            t0 = time.perf_counter()
            out = alerts.scan()
            runs.append((time.perf_counter() - t0) * 1000)
            db.session.remove()
            if i == 0:
                first_out = out
        live = db.session.scalar(sa.text("SELECT count(*) FROM alerts WHERE resolved_at IS NULL"))
        db.session.remove()
    res["periodic scan"] = (pct(runs), None, load())
    echo(f"periodic scan (alerts + clocks): first {runs[0]:.0f} ms, then {fmt(pct(runs[1:]))}; raised {first_out}, "
         f"open alerts {live} ({load()})")

    if not args.cdr:
        return res
    # a 100,000-row CDR import (the CSV a switch exports), through the import service
    from app.consultations import cdr
    rows = ["呼叫ID,主叫号码,振铃时间,应答时间,结束时间,坐席工号"]
    start = dt.datetime(2026, 11, 1, 8, 0, 0)
    for i in range(args.cdr):
        ring = start + dt.timedelta(seconds=i * 7)
        rows.append(f"scale-cdr-{i},139{i % 100_000_000:08d},{ring:%Y-%m-%d %H:%M:%S},"
                    f"{ring + dt.timedelta(seconds=4):%Y-%m-%d %H:%M:%S},{ring + dt.timedelta(seconds=300):%Y-%m-%d %H:%M:%S},S000")
    raw = ("\n".join(rows) + "\n").encode()
    with app.app_context():
        t0 = time.perf_counter()
        imp = cdr.import_file(raw, "scale.csv")
        took = time.perf_counter() - t0
        summary = imp.message
        db.session.remove()
    res["CDR import"] = ({"rows_per_s": args.cdr / took, "s": took}, None, load())
    echo(f"CDR import {args.cdr:,} rows: {took:.1f} s = {args.cdr / took:,.0f} rows/s; {summary} ({load()})")

    # issuing 1,000 letters, one transaction each (what a desk does), on open cases of the generated province
    from app.applications.models import Application
    from app.procedure import letters
    with app.app_context():
        ids = db.session.scalars(sa.select(Application.id).where(Application.status == "under_review")
                                 .order_by(Application.id.desc()).limit(args.letters)).all()
        per = []
        with app.test_request_context():
            for i in range(args.letters):
                a = db.session.get(Application, ids[i % len(ids)])
                t0 = time.perf_counter()
                letters.issue(a, "supplement_notice", {"recipient": a.applicant_name or "申请人", "paragraphs": ["请补充材料。"]})
                db.session.commit()
                per.append((time.perf_counter() - t0) * 1000)
        db.session.remove()
    res["issue a letter"] = (pct(per), None, load())
    echo(f"issue {args.letters} letters: {sum(per) / 1000:.1f} s; per letter {fmt(pct(per))} ({load()})")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/h_scale")
    ap.add_argument("--applications", default="100000,1000000")
    ap.add_argument("--calls", default="1000000,10000000")
    ap.add_argument("--centres", type=int, default=1)
    ap.add_argument("--open-share", type=float, default=0.05)
    ap.add_argument("-n", type=int, default=500, help="citizen status requests")
    ap.add_argument("--pages", type=int, default=40, help="requests per console page")
    ap.add_argument("--dash", type=int, default=7)
    ap.add_argument("--cdr", type=int, default=100_000, help="0: neither the CDR import nor the letters")
    ap.add_argument("--letters", type=int, default=1000)
    args = ap.parse_args()
    sizes = list(zip([int(x) for x in args.applications.split(",")], [int(x) for x in args.calls.split(",")]))
    from bench.api import bench_database
    results = []
    for n_apps, n_calls in sizes:
        print(f"\n== {n_apps:,} applications, {n_calls:,} calls, {args.centres} centre(s); "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {load()}", flush=True)
        url, drop = bench_database(args.server, f"scale_{n_apps // 1000}k")
        try:
            os.environ["DATABASE_URL"] = url
            from app import create_app
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TASKS_MODE": "sync", "APP_ENV": "test",
                              "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": False, "OCR_ENABLED": False,
                              "STORAGE_URL": f"file:///tmp/{Path(url).name}-storage",
                              "INSTANCE_DIR": Path(f"/tmp/{Path(url).name}-instance")})
            with app.app_context():
                from flask_migrate import upgrade
                upgrade()
                centre_ids = None
                if args.centres > 1:
                    from bench.centres import make_centres
                    centre_ids = make_centres(args.centres)
            t = build(app, n_apps, n_calls, args.open_share, centre_ids, echo=lambda s: print(s, flush=True))
            results.append(((n_apps, n_calls), measure(app, t, args, echo=lambda s: print(s, flush=True))))
            with app.app_context():
                from app.common import readonly
                from app.extensions import db
                db.engine.dispose()
                readonly.engine().dispose()
        finally:
            drop()
            print(f"dropped {Path(url).name}", flush=True)
    if len(results) > 1:
        (a, first), (b, last) = results[0], results[-1]
        print(f"\n== growth from {a[0]:,} to {b[0]:,} applications ({a[1]:,} to {b[1]:,} calls)")
        for key, (p, _, _) in last.items():
            q = first.get(key)
            if q is None:
                continue
            if "p50" in p:
                print(f"{key:<28} p50 {q[0]['p50']:8.1f} -> {p['p50']:8.1f} ms ({p['p50'] / q[0]['p50']:.2f}x); "
                      f"p95 {q[0]['p95']:8.1f} -> {p['p95']:8.1f} ms ({p['p95'] / q[0]['p95']:.2f}x)")
            else:
                print(f"{key:<28} {q[0]['rows_per_s']:,.0f} -> {p['rows_per_s']:,.0f} rows/s")


if __name__ == "__main__":
    main()
