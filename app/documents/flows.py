"""Flows that end in the documents domain, each one function read top to bottom (they call the
services in order, in one transaction; the caller or the flow commits, as each says)."""
from __future__ import annotations

from app.applications import service as applications
from app.documents import service, tasks
from app.documents.models import Document
from app.extensions import db


def phone_bound(citizen) -> None:
    """phone bound → link the phone intakes of that number → hand their documents over to the citizen.
    Runs in the binding's transaction (app.auth.service.bind_phone commits); wired by the app factory
    through app.auth.init_app."""
    for app_ in applications.link_phone_intakes(citizen):
        service.hand_over_to_citizen(app_, citizen)


def photo_uploaded(actor, application_id: int, kind: str, raw: bytes, filename: str | None) -> Document:
    """photo uploaded → stored → OCR → prefill:
    1. the photo is sanitised and stored, the live one of its kind superseded, the timeline written, the
       open one-time notice's item of its kind ticked off (`documents.after_upload`, given by
       app.procedure.plugin), committed (service.upload);
    2. a photo of a kind OCR reads (ID card, hukou pages) is queued for recognition: the background
       task (tasks.ocr_document) takes a lease on the row, recognises it, records the fields
       (`ocr_done`), or retries with backoff up to `ocr_failed`;
    3. the recognised fields wait as suggestions for the application form (prefill.prefill), which
       the citizen confirms field by field; nothing is copied into the form on its own."""
    doc = service.upload(actor, application_id, kind, raw, filename)
    if doc.status == "ocr_pending":
        tasks.queue_ocr(doc.id)
        db.session.expire(doc)  # OCR may already have finished (inline mode): answer with the row as it is now
    return doc
