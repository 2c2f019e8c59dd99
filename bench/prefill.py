"""Photo to prefill: time from an upload's 201 to OCR done, against the raw OCR time of the same photo.

    python bench/prefill.py [--photos 8] [--modes thread,celery] [--redis-url redis://127.0.0.1:6379/2]
                            [--database-url URL]

For each background mode the app runs as in production with a warm worker (the OCR engine loaded
when the worker started), and each round does, on the same photo in turn:
  raw     ocr.analyze() in this process on the photo as the server stores it, timed just before
          and just after the upload (their mean: load from elsewhere on the machine drifts alike);
  upload  POST /api/v1/documents through the app (the mini-program's wx.uploadFile form) -> 201,
          then the time until the row reads ocr_done. "Done" is the row's own update time, written
          by the worker as it commits the result, so the waiting loop here (it looks every 5 ms)
          adds nothing; the moment the loop saw it is printed too.
Modes: thread = the embedded default (in-process pool); celery = a real worker process
(`celery -A app.celery_worker worker`, prefork, concurrency 1) on Redis, started and stopped here.
Prints per-mode medians and the ratio (goal <= 1.3x), and the worker's start-up time.

The database is a fresh SQLite file in a temporary folder (or --database-url: a PostgreSQL
database named ..._bench that is created, migrated and dropped), storage a local folder there.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _photos(n: int) -> list[bytes]:
    from ocr.testing import synth

    kinds = synth.KINDS
    out = []
    for i in range(n):
        s = synth.make_sample(kinds[i % len(kinds)], ("clean", "moderate")[(i // len(kinds)) % 2], 4000 + i)
        out.append(s["image"])
    return out


def _epoch(ts: dt.datetime) -> float:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.timezone.utc)
    return ts.timestamp()


class _Db:
    """Reads the document row outside the app (as the mini-program's next request would)."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        from app.config import _normalise_db_url

        self.sa = sa
        self.engine = sa.create_engine(_normalise_db_url(url))

    def wait_done(self, doc_id: int, timeout: float = 120.0) -> tuple[str, float, float]:
        sa = self.sa
        end = time.time() + timeout
        from app.documents.models import Document

        t = Document.__table__
        q = sa.select(t.c.status, t.c.updated_at).where(t.c.id == doc_id)
        while time.time() < end:
            with self.engine.connect() as c:
                status, updated = c.execute(q).one()
            if status != "ocr_pending":
                return status, _epoch(updated), time.time()
            time.sleep(0.005)
        raise TimeoutError(f"document {doc_id} still ocr_pending after {timeout} s")


def _make_app(env: dict, mode: str):
    os.environ.update(env)
    from app import create_app

    cfg = {"TASKS_MODE": mode, "OCR_ENABLED": True, "PERIODIC_TASKS": False}
    if mode == "celery":
        cfg["REDIS_URL"] = env["REDIS_URL"]
    return create_app(cfg)


def _citizen(client) -> tuple[dict, int]:
    r = client.post("/api/v1/auth/wechat/login", json={"code": "dev:prefill-bench"})
    assert r.status_code == 200, r.get_json()
    headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    a = client.post("/api/v1/applications", json={}, headers=headers)
    assert a.status_code == 201, a.get_json()
    return headers, a.get_json()["id"]


def _rounds(app, client, db: _Db, photos: list[bytes]) -> list[dict]:
    import ocr
    from app.documents.models import Document
    from app.extensions import db as appdb
    from app.storage_bridge import get_storage

    from app.documents import imaging

    headers, app_id = _citizen(client)
    kinds = ("hukou_home", "hukou_member", "id_front", "id_back")
    out = []
    for i, data in enumerate(photos):
        kind = kinds[i % len(kinds)]
        clean = imaging.sanitize(data, max_pixels=app.config["MAX_IMAGE_PIXELS"]).data  # what the server stores
        t = time.perf_counter()
        ocr.analyze(clean, expected_kind=kind)
        raw_before = time.perf_counter() - t
        t0 = time.time()
        r = client.post("/api/v1/documents", headers=headers,
                        data={"file": (io.BytesIO(data), "p.jpg"), "kind": kind, "application_id": str(app_id)},
                        content_type="multipart/form-data")
        t201 = time.time()
        assert r.status_code == 201, r.get_json()
        doc_id = r.get_json()["id"]
        status, done, seen = db.wait_done(doc_id)
        assert status == "ocr_done", status
        with app.app_context():
            stored = get_storage().get(appdb.session.get(Document, doc_id).storage_key)
        assert stored == clean
        t = time.perf_counter()
        ocr.analyze(stored, expected_kind=kind)  # raw OCR of the very photo the worker read
        raw_after = time.perf_counter() - t
        # raw OCR just before and just after: the machine's load drifts alike over both
        out.append({"kind": kind, "upload": t201 - t0, "to_done": done - t201, "to_seen": seen - t201,
                    "raw": (raw_before + raw_after) / 2})
        time.sleep(0.2)
    return out


def _report(mode: str, rows: list[dict], startup: float | None) -> dict:
    med = {k: statistics.median(r[k] for r in rows) for k in ("upload", "to_done", "to_seen", "raw")}
    ratios = [r["to_done"] / r["raw"] for r in rows]
    print(f"[{mode}] {len(rows)} photos" + (f"; worker start-up incl. OCR engine load {startup:.1f} s" if startup else ""))
    for r in rows:
        print(f"   {r['kind']:13s} upload->201 {r['upload'] * 1000:6.0f} ms   201->done {r['to_done'] * 1000:6.0f} ms"
              f" (seen {r['to_seen'] * 1000:6.0f})   raw OCR {r['raw'] * 1000:6.0f} ms   ratio {r['to_done'] / r['raw']:.2f}")
    print(f"   median: 201->done {med['to_done'] * 1000:.0f} ms, raw OCR {med['raw'] * 1000:.0f} ms,"
          f" ratio of medians {med['to_done'] / med['raw']:.2f}x, median ratio {statistics.median(ratios):.2f}x"
          f" (max {max(ratios):.2f}x)   goal <= 1.3x")
    return {"mode": mode, "median": med, "ratio": statistics.median(ratios), "max_ratio": max(ratios)}


def run_thread(env: dict, photos: list[bytes]) -> dict:
    import ocr.engine

    app = _make_app(env, "thread")
    client = app.test_client()
    t = time.time()
    client.get("/healthz")  # the process starts serving: the pool starts and loads the engine
    app.extensions["task_startup"].result()  # the pool's start-up job (engine load) has finished
    assert ocr.engine.loaded()
    startup = time.time() - t
    rows = _rounds(app, client, _Db(env["DATABASE_URL"]), photos)
    app.extensions["task_executor"].shutdown(wait=True)
    return _report("thread", rows, startup)


def run_celery(env: dict, photos: list[bytes], tmp: Path) -> dict:
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # this benchmark's own Redis database
    log = tmp / "worker.log"
    wenv = dict(os.environ, **env, TASKS_MODE="celery", PYTHONPATH=str(ROOT))
    t = time.time()
    with open(log, "wb") as fh:
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app.celery_worker", "worker", "--pool", "prefork",
                                   "--concurrency", "1", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                                   "--without-heartbeat", "-n", "prefill-bench@%h"],
                                  cwd=ROOT, env=wenv, stdout=fh, stderr=subprocess.STDOUT)
    try:
        while True:
            text = log.read_text(errors="replace")
            if "OCR engine loaded" in text and " ready." in text:
                break
            if worker.poll() is not None:
                raise RuntimeError("celery worker exited:\n" + text[-3000:])
            if time.time() - t > 180:
                raise RuntimeError("celery worker not ready after 180 s:\n" + text[-3000:])
            time.sleep(0.1)
        startup = time.time() - t
        app = _make_app(env, "celery")
        import ocr

        ocr.warm_up()  # this process times the raw OCR
        rows = _rounds(app, app.test_client(), _Db(env["DATABASE_URL"]), photos)
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return _report("celery", rows, startup)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=8)
    ap.add_argument("--modes", default="thread,celery")
    ap.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2"))
    ap.add_argument("--database-url", help="postgresql://.../NAME_bench (created and dropped); default a SQLite file")
    a = ap.parse_args(argv)
    photos = _photos(a.photos)
    results = []
    with tempfile.TemporaryDirectory(prefix="prefill-bench-") as d:
        tmp = Path(d)
        for mode in a.modes.split(","):
            url = a.database_url or f"sqlite:///{tmp / (mode + '.sqlite3')}"
            env = {"DATABASE_URL": url, "STORAGE_URL": f"file://{tmp / 'storage'}", "INSTANCE_DIR": str(tmp),
                   "SECRET_KEY": "prefill-bench-secret", "REDIS_URL": a.redis_url}
            _create_db(env)
            try:
                if mode == "thread":
                    env_thread = dict(env)
                    env_thread.pop("REDIS_URL")
                    os.environ.pop("REDIS_URL", None)
                    results.append(run_thread(env_thread, photos))
                elif mode == "celery":
                    results.append(run_celery(env, photos, tmp))
                else:
                    raise SystemExit(f"unknown mode {mode}")
            finally:
                _drop_db(env)
    print("summary: " + "; ".join(f"{r['mode']} {r['ratio']:.2f}x (max {r['max_ratio']:.2f}x)" for r in results))


def _create_db(env: dict) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        import sqlalchemy as sa

        base, name = url.rsplit("/", 1)
        assert name.endswith("_bench"), "the benchmark database's name must end with _bench"
        eng = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                               isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        eng.dispose()
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"TASKS_MODE": "sync"})
    with app.app_context():
        upgrade()


def _drop_db(env: dict) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        import sqlalchemy as sa

        base, name = url.rsplit("/", 1)
        eng = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                               isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()


if __name__ == "__main__":
    main()
