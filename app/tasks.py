"""Background work. Celery on Redis in production; in-process threads on the embedded default;
inline ("sync") in tests. Task functions are plain functions registered by name and always run
inside an app context. The database is the truth: tasks re-read their rows and are safe to repeat.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Mapped, mapped_column


from app.extensions import db
from app.observability import logs, metrics

log = logging.getLogger(__name__)
_registry: dict[str, callable] = {}
# Run once per worker process when its pool starts (Celery: worker_process_init in each pool
# process; thread mode: when the process starts serving), e.g. loading the OCR models
_startup: list[callable] = []

# Every module that declares tasks, imported at start-up (by name: this module imports no domain).
# A test checks that Celery registers exactly the tasks these modules declare.
TASK_MODULES = (
    "app.alerts.service",          # alerts_scan (periodic)
    "app.common.reconcile",        # storage_reconcile (periodic)
    "app.consultations.tasks",     # calls.import
    "app.documents.tasks",         # ocr_document, sweep (periodic)
    "app.notifications.service",   # deliver_notification
    "app.procedure.delivery",      # send_letter_sms
)

# Periodic work (name, seconds): Celery beat in production; a daemon thread on the embedded default.
# Every run first claims its period (claim_period below), so several beats, hosts or processes run
# each period once. PERIODIC_INTERVALS overrides the seconds per task.
PERIODIC = (("sweep", 60.0), ("alerts_scan", 60.0), ("storage_reconcile", 3600.0))


def periodic(app: Flask) -> tuple[tuple[str, float], ...]:
    overrides = app.config.get("PERIODIC_INTERVALS") or {}
    return tuple((name, float(overrides.get(name, every))) for name, every in PERIODIC)


def task(name: str):
    def decorator(fn):
        _registry[name] = fn
        fn.task_name = name
        return fn
    return decorator


def retry_delay(attempts: int, max_attempts: int, *, base: float | None = None,
                steps: tuple[float, ...] = ()) -> float | None:
    """Seconds to wait before the next try of a background job that has failed `attempts` times, or
    None when it has had its `max_attempts`. The wait doubles from `base` (base, 2·base, 4·base …), or
    follows `steps` (the last one repeating)."""
    if attempts >= max_attempts:
        return None
    if steps:
        return steps[min(attempts - 1, len(steps) - 1)]
    return base * (2 ** (attempts - 1))


def on_worker_start(fn):
    """Register fn(app) to run in every worker process as its pool starts."""
    _startup.append(fn)
    return fn


def _run_startup(app: Flask) -> None:
    for fn in _startup:
        try:
            fn(app)
        except Exception:  # noqa: BLE001 — a failed warm-up leaves the work to the first task
            log.exception("worker start-up hook %s failed", getattr(fn, "__name__", fn))


@contextlib.contextmanager
def deferred():
    """Work queued inside the block is queued only once the block has finished (and not at all if it
    failed): the demo loader writes for a minute, and on SQLite, with one writer at a time, OCR started
    meanwhile would wait for the write lock and time out."""
    app = current_app._get_current_object()
    held: list = []
    app.extensions["tasks_deferred"] = held
    try:
        yield
    finally:
        app.extensions.pop("tasks_deferred", None)
    for name, args, countdown in held:
        enqueue(name, *args, countdown=countdown)


def enqueue(name: str, *args, countdown: float = 0) -> None:
    """Schedule a registered task. Call after the commit that the task depends on."""
    if name not in _registry:
        raise KeyError(name)
    app = current_app._get_current_object()
    held = app.extensions.get("tasks_deferred")
    if held is not None:
        held.append((name, args, countdown))
        return
    mode = app.config["TASKS_MODE"]
    rid = logs.current_request_id()  # the request that queued the work: on the task's log lines too
    if mode == "sync":
        _run(app, name, args, rid)
    elif mode == "thread":
        executor = app.extensions["task_executor"]
        if countdown:
            t = threading.Timer(countdown, lambda: executor.submit(_run, app, name, args, rid))
            t.daemon = True
            t.start()
        else:
            executor.submit(_run, app, name, args, rid)
    elif mode == "celery":
        app.extensions["celery"].send_task(name, args=list(args), countdown=countdown or None,
                                           headers={"request_id": rid} if rid else None)
    else:
        raise RuntimeError(f"unknown TASKS_MODE {mode}")


def _observe(name: str, fn, *args):
    """Run a task; a pooled connection the database server dropped (restart, failover — the pools do
    not ping before use) fails on its first statement, so the task runs once more on a fresh one."""
    try:
        return metrics.observe_task(name, fn, *args)
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        db.session.rollback()
        db.session.remove()
        log.warning("task %s met a dropped database connection; running it again on a fresh one", name)
        return metrics.observe_task(name, fn, *args)


def _run(app: Flask, name: str, args, request_id: str | None = None) -> None:
    tokens = logs.bind(request_id, name)
    with app.app_context():
        try:
            _observe(name, _registry[name], *args)
        except Exception:
            log.exception("task %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()
            logs.unbind(tokens)


# --- once per period: the claim -------------------------------------------------------------------
# Beat (one process) sends the periodic tasks; several hosts, a second beat started by mistake during a
# deploy, or the embedded thread mode in several processes could still send one period's task twice.
# Each run therefore first claims its period: one row per (task, slot) where slot = the period's start
# in epoch seconds divided by its length, inserted with ON CONFLICT DO NOTHING and committed before the
# work starts. Whoever inserts the row runs the work; everyone else skips it. It needs no session
# state (no advisory lock held across transactions), so it works behind PgBouncer in transaction mode,
# and it leaves a record of who ran what (`periodic_runs`, pruned after PERIODIC_KEEP_DAYS).

PERIODIC_KEEP_DAYS = 7


def _utcnow() -> dt.datetime:  # naive UTC, as UTCDateTime stores it (app.common imports this module)
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class PeriodicRun(db.Model):
    __tablename__ = "periodic_runs"

    task: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    slot: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime())
    host: Mapped[str] = mapped_column(sa.String(120))


def slot_of(now: dt.datetime, every: float) -> int:
    return int(now.replace(tzinfo=dt.timezone.utc).timestamp() // every)


def claim_period(task: str, every: float, now: dt.datetime | None = None) -> int | None:
    """Claim this period of `task` (committed at once); its slot if ours, None if already claimed."""
    now = now or _utcnow()
    slot = slot_of(now, every)
    table = PeriodicRun.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(table).values(task=task, slot=slot, started_at=now, host=f"{socket.gethostname()}:{os.getpid()}"[:120])
            .on_conflict_do_nothing(index_elements=["task", "slot"]).returning(table.c.slot))
    won = db.session.execute(stmt).first() is not None
    db.session.commit()
    return slot if won else None


def finish_period(task: str, slot: int) -> None:
    table = PeriodicRun.__table__
    db.session.execute(sa.update(table).where(table.c.task == task, table.c.slot == slot)
                       .values(finished_at=_utcnow()))
    cutoff = _utcnow() - dt.timedelta(days=PERIODIC_KEEP_DAYS)
    db.session.execute(sa.delete(table).where(table.c.task == task, table.c.started_at < cutoff))
    db.session.commit()


def _run_periodic(name: str, every: float) -> None:
    """One period's run of a periodic task (in an app context): only if this period is not claimed yet."""
    slot = claim_period(name, every)
    if slot is None:
        log.info("periodic task %s: this period already claimed elsewhere, skipped", name)
        return
    _observe(name, _registry[name])
    finish_period(name, slot)
    log.info("periodic task %s ran for period %d", name, slot)


def _run_periodic_in(app: Flask, name: str, every: float) -> None:
    tokens = logs.bind(None, name)
    with app.app_context():
        try:
            _run_periodic(name, every)
        except Exception:
            log.exception("periodic task %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()
            logs.unbind(tokens)


def init_app(app: Flask) -> None:
    for module in TASK_MODULES:
        importlib.import_module(module)  # each registers its tasks with @task

    app.extensions["task_executor"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="task")
    if app.config["TASKS_MODE"] == "celery":
        app.extensions["celery"] = make_celery(app)
    elif app.config["TASKS_MODE"] == "thread":
        # Started with the first request, so CLI commands (migrations, imports) never run it
        started = threading.Event()

        @app.before_request
        def _start_pool():
            if not started.is_set():
                started.set()
                start_thread_pool(app)


def start_thread_pool(app: Flask) -> None:
    """Thread mode: run the start-up hooks in the pool (the OCR engine loads there, before any
    photo arrives) and start the periodic loop."""
    app.extensions["task_startup"] = app.extensions["task_executor"].submit(_run_startup, app)
    if app.config["PERIODIC_TASKS"]:
        stop = app.extensions["periodic_stop"] = threading.Event()
        threading.Thread(target=_periodic_loop, args=(app, stop), name="periodic", daemon=True).start()


def stop_thread_pool(app: Flask) -> None:
    """Thread mode: end the periodic loop and wait for the work already running (queued work is
    dropped; the database keeps what is owed and the next sweep finds it). The tests call it when a
    test's app is done, so no loop of an earlier test writes into a later one's tables."""
    stop = app.extensions.get("periodic_stop")
    if stop is not None:
        stop.set()
    app.extensions["task_executor"].shutdown(wait=True, cancel_futures=True)


def _periodic_loop(app: Flask, stop: threading.Event) -> None:
    schedule = periodic(app)
    due = {name: 0.0 for name, _ in schedule}
    tick = min(5.0, min(every for _, every in schedule) / 2)
    while not stop.is_set():
        now = time.monotonic()
        for name, every in schedule:
            if name in _registry and now >= due[name]:
                due[name] = now + every
                try:
                    app.extensions["task_executor"].submit(_run_periodic_in, app, name, every)
                except RuntimeError:  # the pool was shut down (stop_thread_pool) while this loop ran
                    return
        stop.wait(tick)


def _sweep_when_worker_starts(app: Flask, celery) -> None:
    """A worker coming back after a crash re-queues what the dead one held: a sweep at once, and one
    more when any lease the dead worker held has run out (OCR_LEASE_SECONDS), without waiting for beat."""
    from celery.signals import worker_ready

    @worker_ready.connect(weak=False)
    def _on_ready(sender=None, **kwargs):  # noqa: ARG001
        if "sweep" not in _registry:
            return
        lease = float(app.config["OCR_LEASE_SECONDS"])
        for countdown in (None, lease + 2):
            try:
                celery.send_task("sweep", countdown=countdown)
            except Exception:  # noqa: BLE001 — beat's periodic sweep still comes
                log.exception("could not queue the start-up sweep")


def _keep_log_format(app: Flask) -> None:
    """Celery replaces the root logger's handlers when a worker starts: put back our format (JSON in
    production) and the request id / task name on every line."""
    from celery.signals import after_setup_logger, after_setup_task_logger

    def _again(logger=None, **kwargs):  # noqa: ARG001
        logs.configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
        if logger is not None:
            for handler in logger.handlers:
                if not any(isinstance(f, logs.ContextFilter) for f in handler.filters):
                    handler.addFilter(logs.ContextFilter())
                if app.config["LOG_FORMAT"] == "json":
                    handler.setFormatter(logs.JsonFormatter())
    after_setup_logger.connect(_again, weak=False)
    after_setup_task_logger.connect(_again, weak=False)


def make_celery(app: Flask):
    from celery import Celery

    from celery.signals import worker_process_init

    celery = Celery("legalaid", broker=app.config["REDIS_URL"], backend=None)

    @worker_process_init.connect(weak=False)
    def _warm(**_kw):
        _run_startup(app)

    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="Asia/Shanghai",
        # beat marks its sends with the period (kwargs), so the worker claims the period before running
        beat_schedule={name: {"task": name, "schedule": every, "kwargs": {"_period": every}}
                       for name, every in periodic(app) if name in _registry},
    )
    _sweep_when_worker_starts(app, celery)
    _keep_log_format(app)
    for name, fn in _registry.items():
        def make(fn=fn, name=name):
            @celery.task(name=name, ignore_result=True, bind=True)
            def _celery_task(self, *args, _period=None):
                tokens = logs.bind(getattr(self.request, "request_id", None), name)
                with app.app_context():
                    try:
                        if _period is not None:  # sent by beat: once per period across workers
                            _run_periodic(name, float(_period))
                        else:
                            _observe(name, fn, *args)
                    finally:
                        db.session.remove()
                        logs.unbind(tokens)
            return _celery_task
        make()
    return celery
