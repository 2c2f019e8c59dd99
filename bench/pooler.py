"""The citizen's read path behind PgBouncer in transaction mode: which executor (issue 21).

Times the in-process WSGI call of `GET /api/v1/applications/<id>` (the detail the mini-program polls)
and its one statement alone, in interleaved rounds, for each way of running the read:

- `bespoke, named, direct`: the libpq-level executor that prepared each statement once per connection
  (what the read path did before issue 21; a copy is kept below), connected straight to PostgreSQL;
- `bespoke, unnamed, pooler`: the same executor without server-side preparation (PQexecParams), which is
  what it must do behind PgBouncer < 1.21 in transaction mode;
- `core, pooler`: SQLAlchemy Core `Connection.execute` with psycopg's own handling, prepare_threshold=None;
- `core, prepared, direct`: the same with psycopg preparing (threshold 5), straight to PostgreSQL.

It then shows what named statements do behind the pooler: two threads, one connection each.

    python bench/pooler.py --server postgresql://postgres@127.0.0.1:5432/h_scale \
        --pooler postgresql://postgres@127.0.0.1:6432/h_scale [--rounds 7] [-n 400]

Creates `<name>_pool` on the server and drops it at the end.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import bench_database, seed  # noqa: E402


# --- the executor as it was before issue 21 (app/common/readonly.py at 4b6f1cc), kept here to compare ---

_compiled: dict = {}
_prepared: dict = {}


def _bespoke_compiled(read, dialect):
    import sqlalchemy as sa  # noqa: F401
    c = _compiled.get(id(read))
    if c is None:
        raw = type(dialect)(paramstyle="numeric_dollar")
        raw.server_version_info = dialect.server_version_info
        comp = read.stmt.compile(dialect=raw)
        binds = comp.binds
        procs = {n: b.type.dialect_impl(dialect).bind_processor(dialect) for n, b in binds.items()}
        defaults = {n: b.effective_value for n, b in binds.items() if not b.required}
        results = [(i, col.type.dialect_impl(dialect).result_processor(dialect, None))
                   for i, col in enumerate(read.stmt.selected_columns)]
        c = _compiled[id(read)] = (str(comp).encode(), comp.positiontup, procs, defaults,
                                   [(i, p) for i, p in results if p is not None])
    return c


def bespoke_rows(read, params, named: bool):
    """One statement at the libpq level, rows in binary through psycopg's Transformer; named: prepared
    once per connection (breaks behind PgBouncer < 1.21 in transaction mode), else PQexecParams."""
    from psycopg import errors, pq
    from psycopg.adapt import PyFormat, Transformer

    from app.common import readonly
    eng = readonly.engine()
    sql, order, procs, defaults, results = _bespoke_compiled(read, eng.dialect)
    values = {**defaults, **params}
    for n, p in procs.items():
        if p is not None:
            values[n] = p(values[n])
    parameters = tuple(values[n] for n in order)
    pooled = eng.raw_connection()
    try:
        conn = pooled.dbapi_connection
        tx = Transformer(conn)
        dumped = tx.dump_sequence(parameters, [PyFormat.AUTO] * len(parameters))
        pg = conn.pgconn
        if named:
            names = _prepared.setdefault(id(conn), {})
            key = (sql, tuple(tx.types))
            name = names.get(key)
            if name is None:
                name = f"legalaid_read_{len(names) + 1}".encode()
                r = pg.prepare(name, sql, tx.types)
                if r.status != pq.ExecStatus.COMMAND_OK:
                    raise errors.error_from_result(r, encoding=conn.info.encoding)
                names[key] = name
            result = pg.exec_prepared(name, dumped, tx.formats, result_format=pq.Format.BINARY)
        else:
            result = pg.exec_params(sql, dumped, tx.types, tx.formats, result_format=pq.Format.BINARY)
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise errors.error_from_result(result, encoding=conn.info.encoding)
        tx.set_pgresult(result)
        raw = tx.load_rows(0, result.ntuples, tuple)
    finally:
        pooled.close()
    out = []
    for r in raw:
        v = list(r)
        for i, p in results:
            v[i] = p(v[i])
        out.append(readonly.RowDict(zip(read.keys, v)))
    return out


def loadavg() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/h_scale")
    ap.add_argument("--pooler", default="postgresql://postgres@127.0.0.1:6432/h_scale")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("-n", type=int, default=400)
    args = ap.parse_args()
    url, drop = bench_database(args.server, "pool")
    pooled_url = url.replace(":5432/", ":6432/") if ":6432" in args.pooler else url
    try:
        run(url, pooled_url, args)
    finally:
        drop_after = time.time()
        drop()  # WITH (FORCE): PgBouncer's server connections to it go too
        print(f"dropped the database ({time.time() - drop_after:.1f} s)")


def run(direct: str, pooled: str, args) -> None:
    app_id, token = seed({"DATABASE_URL": direct, "TASKS_MODE": "sync"})
    from werkzeug.test import EnvironBuilder

    from app import create_app
    from app.applications import read
    from app.common import crypto, readonly
    from app.common.timeutil import utcnow

    configs = [
        ("bespoke, named, direct", direct, "bespoke", False, None),
        ("bespoke, unnamed, pooler", pooled, "bespoke", True, None),
        ("core, pooler", pooled, "core", False, None),
        ("core, prepared, direct", direct, "core", False, 5),
    ]
    apps = {label: create_app({"SQLALCHEMY_DATABASE_URI": u.replace("postgresql://", "postgresql+psycopg://", 1)
                               if u.startswith("postgresql://") else u, "DB_PREPARE_THRESHOLD": thr,
                               "TASKS_MODE": "sync"})
            for label, u, _, _, thr in configs}
    headers = {"Authorization": f"Bearer {token}"}
    environ = EnvironBuilder(path=f"/api/v1/applications/{app_id}", headers=headers).get_environ()
    bodies = {}

    def wsgi_call(app):
        out = []
        status = []
        for chunk in app(dict(environ), lambda s, h, *a: status.append(s)):
            out.append(chunk)
        assert status[0].startswith("200"), status
        return b"".join(out)

    def statement(app):
        with app.test_request_context():
            eng = readonly.engine()
            stmt = read._detail_stmt()
            params = {"id": app_id, "_token_hash": crypto.token_hash(token), "_now": utcnow()}
            t0 = time.process_time()
            w0 = time.perf_counter()
            for _ in range(args.n):
                assert len(readonly.rows(stmt, params)) == 2
            return (time.perf_counter() - w0) / args.n * 1e6, (time.process_time() - t0) / args.n * 1e6

    core_rows = readonly.rows

    def set_mode(mode, unnamed):
        if mode == "core":
            readonly.rows = core_rows
        else:
            readonly.rows = lambda read, params: bespoke_rows(read, params, named=not unnamed)

    for label, _, mode, unnamed, _ in configs:  # warm up; the answer must be the same bytes
        set_mode(mode, unnamed)
        for _ in range(50):
            body = wsgi_call(apps[label])
        bodies[label] = body
    ref = bodies[configs[0][0]]
    for label, body in bodies.items():
        import json
        a, b = json.loads(body), json.loads(ref)
        assert a == b, f"{label}: a different answer"
    print(f"the same JSON from all four ({len(ref)} bytes); load average before {loadavg()}")
    results = {label: {"wsgi_wall": [], "wsgi_cpu": [], "stmt_wall": [], "stmt_cpu": []} for label, *_ in configs}
    for r in range(args.rounds):
        for label, _, mode, unnamed, _ in configs:
            set_mode(mode, unnamed)
            app = apps[label]
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(args.n):
                wsgi_call(app)
            results[label]["wsgi_wall"].append((time.perf_counter() - w0) / args.n * 1e6)
            results[label]["wsgi_cpu"].append((time.process_time() - c0) / args.n * 1e6)
            sw, sc = statement(app)
            results[label]["stmt_wall"].append(sw)
            results[label]["stmt_cpu"].append(sc)
    print(f"{args.rounds} interleaved rounds of {args.n} calls; load average after {loadavg()}")
    base = median(results["core, pooler"]["wsgi_wall"])
    print(f"{'executor':<26} {'WSGI call wall':>15} {'(CPU)':>8} {'vs core/pooler':>15} {'statement wall':>15} {'(CPU)':>8}")
    for label, *_ in configs:
        m = {k: median(v) for k, v in results[label].items()}
        print(f"{label:<26} {m['wsgi_wall']:12.0f} us {m['wsgi_cpu']:6.0f} us {m['wsgi_wall'] / base:14.2f}x "
              f"{m['stmt_wall']:12.0f} us {m['stmt_cpu']:6.0f} us")
    # named statements behind the pooler: two client connections, each prepares its statement, and
    # transactions land on whichever server connection is free
    set_mode("bespoke", False)
    app = apps["bespoke, unnamed, pooler"]
    errors, ok = [], [0]

    def hammer():
        for _ in range(200):
            try:
                wsgi_call(app)
                ok[0] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(type(exc).__name__ + ": " + str(exc).splitlines()[0][:90])
    threads = [threading.Thread(target=hammer) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(f"named prepared statements behind PgBouncer 1.18 (transaction mode), 4 threads x 200 requests: "
          f"{ok[0]} answered 200, {len(errors)} failed" + (f", e.g. {errors[0]}" if errors else ""))
    for a in apps.values():
        with a.app_context():
            from app.extensions import db
            db.engine.dispose()
            readonly.engine().dispose()


if __name__ == "__main__":
    main()
