"""OCR of uploaded photos as background work. The row's status is the truth; the sweeper re-queues
work left pending by a crash, and failures are retried with backoff before `ocr_failed`."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from app.common.timeutil import utcnow
from app.documents.models import Document
from app.extensions import db
from app.notifications.service import sweep_due
from app.storage_bridge import get_storage
from app.tasks import enqueue, task

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (10, 60, 300)
STALE_AFTER = dt.timedelta(minutes=10)


@task("ocr_document")
def ocr_document(document_id: int) -> None:
    doc = db.session.get(Document, document_id)
    if doc is None or doc.status != "ocr_pending":
        return
    doc.ocr_attempts += 1
    # Claim: push the next attempt out so the sweeper leaves a running job alone
    doc.ocr_next_attempt_at = utcnow() + STALE_AFTER
    db.session.commit()
    try:
        import ocr

        from app.observability.metrics import OCR_LATENCY
        image = get_storage().get(doc.storage_key)
        with OCR_LATENCY.time():
            result = ocr.analyze(image, expected_kind=doc.kind)
    except Exception as exc:  # noqa: BLE001 — recorded on the row and retried
        log.warning("OCR of document %s failed (attempt %s): %s", doc.id, doc.ocr_attempts, type(exc).__name__)
        doc.ocr_error = f"{type(exc).__name__}: {exc}"[:255]
        if doc.ocr_attempts >= MAX_ATTEMPTS:
            doc.status = "ocr_failed"
            doc.ocr_next_attempt_at = None
            db.session.commit()
            return
        delay = BACKOFF_SECONDS[min(doc.ocr_attempts - 1, len(BACKOFF_SECONDS) - 1)]
        doc.ocr_next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
        db.session.commit()
        enqueue("ocr_document", doc.id, countdown=delay)
        return
    # A document verified or rejected meanwhile keeps its status; OCR only fills in the result
    db.session.refresh(doc)
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
