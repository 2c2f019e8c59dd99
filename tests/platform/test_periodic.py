"""Periodic work runs once per period however many beats, workers or processes send it: each run
claims (task, period) in `periodic_runs` first (app.tasks.claim_period)."""
from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from app import tasks
from app.extensions import db


def test_a_period_is_claimed_once(app):
    t0 = dt.datetime(2026, 12, 4, 12, 0, 5)
    with app.app_context():
        assert tasks.claim_period("sweep", 60, t0) == tasks.slot_of(t0, 60)
        assert tasks.claim_period("sweep", 60, t0 + dt.timedelta(seconds=50)) is None  # same minute
        assert tasks.claim_period("alerts_scan", 60, t0) is not None  # another task: its own periods
        assert tasks.claim_period("sweep", 60, t0 + dt.timedelta(seconds=55)) is not None  # 12:01:00
        rows = db.session.execute(sa.select(tasks.PeriodicRun.task, tasks.PeriodicRun.slot)
                                  .order_by(tasks.PeriodicRun.task, tasks.PeriodicRun.slot)).all()
        minute = int(dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc).timestamp() // 60)
        assert [tuple(r) for r in rows] == [("alerts_scan", minute), ("sweep", minute), ("sweep", minute + 1)]


def test_concurrent_senders_run_the_work_once(make_app, monkeypatch):
    """Four processes' worth of senders (threads, each with its own app and connections) fire the same
    period at once: the work runs once, the others skip."""
    apps = [make_app() for _ in range(4)]
    ran = []
    monkeypatch.setitem(tasks._registry, "sweep", lambda: ran.append(threading.get_ident()))
    barrier = threading.Barrier(len(apps))
    errors = []

    def sender(app):
        try:
            barrier.wait(10)
            tasks._run_periodic_in(app, "sweep", 3600.0)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
    threads = [threading.Thread(target=sender, args=(a,)) for a in apps]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert not errors and len(ran) == 1
    with apps[0].app_context():
        row = db.session.scalars(sa.select(tasks.PeriodicRun)).one()
        assert row.task == "sweep" and row.finished_at is not None and ":" in row.host


def test_beat_marks_its_sends_with_the_period(make_app):
    app = make_app(TASKS_MODE="celery", REDIS_URL="redis://127.0.0.1:1/0",
                   PERIODIC_INTERVALS={"sweep": 5, "alerts_scan": 7})
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["sweep"]["kwargs"] == {"_period": 5.0} and schedule["sweep"]["schedule"] == 5.0
    assert schedule["alerts_scan"]["kwargs"] == {"_period": 7.0}
    assert schedule["storage_reconcile"]["kwargs"] == {"_period": 3600.0}


def test_old_claims_are_pruned(app):
    with app.app_context():
        old = dt.datetime(2026, 11, 1, 0, 0)
        assert tasks.claim_period("sweep", 60, old) is not None
        slot = tasks.claim_period("sweep", 60)
        tasks.finish_period("sweep", slot)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(tasks.PeriodicRun)) == 1
