"""OCR of uploaded photos as background work. The row's status is the truth; the sweeper re-queues
work left pending by a crash, and failures are retried with backoff before `ocr_failed`."""
from __future__ import annotations

import datetime as dt
import logging
import threading

import sqlalchemy as sa
from flask import current_app

import ocr  # light: the models load in load_ocr_engine or on the first photo
from app.common.timeutil import utcnow
from app.documents.models import Document
from app.extensions import db
from app.observability.metrics import OCR_LATENCY
from app.notifications.service import sweep_due
from app.storage_bridge import get_storage
from app.tasks import enqueue, on_worker_start, retry_delay, task

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (10, 60, 300)


CLAIM_TOLERANCE = dt.timedelta(seconds=2)  # a retry delivered a moment before its time still runs


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["OCR_LEASE_SECONDS"])


@on_worker_start
def load_ocr_engine(app) -> None:
    """Load the OCR models when a worker process starts, so the first photo does not wait for them."""
    if app.config["OCR_ENABLED"]:
        ocr.warm_up()
        log.info("OCR engine loaded")


def queue_ocr(document_id: int) -> None:
    """Recognise a stored photo in the background (after its row is committed)."""
    enqueue("ocr_document", document_id)


@task("ocr_document")
def ocr_document(document_id: int) -> None:
    """OCR one photo. The claim is a short lease on the row (`ocr_next_attempt_at`), taken with one
    atomic UPDATE and renewed by a heartbeat while OCR runs. A worker that dies stops renewing it:
    the lease runs out within OCR_LEASE_SECONDS and the sweep (periodic, and at every worker start)
    re-queues the row. A duplicate delivery (acks_late, reject_on_worker_lost) finds the lease held
    and steps aside."""
    now = utcnow()
    due = sa.or_(Document.ocr_next_attempt_at.is_(None), Document.ocr_next_attempt_at <= now + CLAIM_TOLERANCE)
    if current_app.config["TASKS_MODE"] == "sync":
        due = sa.true()  # inline (tests): nothing runs concurrently and a retry's countdown is not waited for
    claimed = db.session.execute(sa.update(Document).where(
        Document.id == document_id, Document.status == "ocr_pending", due)
        .values(ocr_attempts=Document.ocr_attempts + 1, ocr_next_attempt_at=now + _lease())).rowcount
    db.session.commit()
    if not claimed:
        _step_aside(document_id)
        return
    doc = db.session.get(Document, document_id)
    attempt, key, kind = doc.ocr_attempts, doc.storage_key, doc.kind
    db.session.commit()  # no transaction held open while OCR runs (the heartbeat writes the row)
    heartbeat = _Heartbeat(current_app._get_current_object(), document_id, attempt)
    heartbeat.start()
    try:
        result, error = _analyze(key, kind)
    finally:
        heartbeat.stop()
    _record(db.session.get(Document, document_id), result, error)


def _step_aside(document_id: int) -> None:
    """Another delivery holds the lease. Under Celery, look again once it would have run out, so a
    message redelivered after its worker died is not lost if the holder was that dead worker."""
    doc = db.session.get(Document, document_id)
    if doc is None or doc.status != "ocr_pending" or doc.ocr_next_attempt_at is None:
        return
    if current_app.config["TASKS_MODE"] == "celery":
        wait = max(1.0, (doc.ocr_next_attempt_at - utcnow()).total_seconds() + 1)
        enqueue("ocr_document", doc.id, countdown=wait)


class _Heartbeat:
    """Renews the lease every third of its length while OCR runs (own connection, own commits)."""

    def __init__(self, app, doc_id: int, attempt: int):
        self.app, self.doc_id, self.attempt = app, doc_id, attempt
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"ocr-lease-{doc_id}", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)

    def _run(self):
        with self.app.app_context():
            every = max(1.0, self.app.config["OCR_LEASE_SECONDS"] / 3)
            while not self.stopped.wait(every):
                try:
                    with db.engine.begin() as conn:
                        conn.execute(sa.update(Document.__table__).where(
                            Document.__table__.c.id == self.doc_id, Document.__table__.c.status == "ocr_pending",
                            Document.__table__.c.ocr_attempts == self.attempt)
                            .values(ocr_next_attempt_at=utcnow() + _lease()))
                except Exception as exc:  # noqa: BLE001 — the lease then simply runs out
                    log.warning("OCR lease renewal for document %s failed: %s", self.doc_id, type(exc).__name__)


def _analyze(key: str, kind: str):
    """(result, None) or (None, the exception)."""
    try:
        image = get_storage().get(key)
        with OCR_LATENCY.time():
            return ocr.analyze(image, expected_kind=kind), None
    except Exception as exc:  # noqa: BLE001 — recorded on the row and retried
        return None, exc


def _record(doc: Document, result, exc) -> None:
    if exc is not None:
        log.warning("OCR of document %s failed (attempt %s): %s", doc.id, doc.ocr_attempts, type(exc).__name__)
        doc.ocr_error = f"{type(exc).__name__}: {exc}"[:255]
        delay = retry_delay(doc.ocr_attempts, MAX_ATTEMPTS, steps=BACKOFF_SECONDS)
        if delay is None:
            doc.status = "ocr_failed"
            doc.ocr_next_attempt_at = None
            db.session.commit()
            return
        doc.ocr_next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        db.session.commit()
        enqueue("ocr_document", doc.id, countdown=delay)
        return
    # A document verified or rejected meanwhile keeps its status; OCR only fills in the result
    doc.ocr_result = result
    doc.ocr_error = None
    doc.ocr_next_attempt_at = None
    if doc.status == "ocr_pending":
        doc.status = "ocr_done"
    db.session.commit()


def sweep_stale_ocr(limit: int = 200) -> int:
    """Re-queue OCR work whose time has come: crashed workers leave rows `ocr_pending`."""
    ids = db.session.scalars(sa.select(Document.id).where(
        Document.status == "ocr_pending", Document.ocr_next_attempt_at <= utcnow()).limit(limit)).all()
    for doc_id in ids:
        enqueue("ocr_document", doc_id)
    return len(ids)


@task("sweep")
def sweep() -> None:
    sweep_stale_ocr()
    sweep_due()
