"""Documents: upload (sanitised image into private storage), supersede, signed views, verification."""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app

import storage
from app import errors
from app.auth import consents
from app.applications import service as applications
from app.applications.models import FINAL_STATUSES, Application
from app.audit import record as audit
from app.auth.models import Citizen
from app.common.objects import stored_object
from app.common.taxonomy import LIVE_DOCUMENT_STATUSES
from app.common.timeutil import utcnow
from app.documents import imaging
from app.documents.models import KINDS, OCR_KINDS, REJECT_REASONS, TRANSITIONS, Document
from app.extensions import db
from app.common.permissions import CITIZEN, P, role_of
from app.storage_bridge import get_storage
from app.notifications import service as notifications

log = logging.getLogger(__name__)


LAWYER_KINDS = ("judgment", "other")  # what an aid lawyer uploads to their case: copies of the legal documents
LIVE = LIVE_DOCUMENT_STATUSES


def application_for_upload(actor, application_id: int) -> Application:
    if isinstance(actor, Citizen):
        return applications.get_for_citizen(actor, application_id)
    app_ = db.session.get(Application, application_id)
    if app_ is None or not can_staff_see(actor, app_):
        raise errors.NotFound("未找到该申请")
    if not (P.verify_documents.allows(actor) or P.upload_case_documents.allows(actor)):  # a lawyer: own case (above)
        raise errors.Forbidden("当前角色无权上传材料")
    return app_


can_staff_see = applications.can_staff_see


def get_for_staff(staff, document_id: int) -> Document:
    """A document for a staff page or action: the document and its application must both be visible."""
    doc = get_document(staff, document_id)
    applications.get_for_staff(staff, doc.application_id)
    return doc


def upload(actor, application_id: int, kind: str, raw: bytes, filename: str | None) -> Document:
    """Store a photo (sanitised, in private storage), supersede the live one of its kind, write the
    timeline, commit. Its OCR is queued by app.documents.flows.photo_uploaded."""
    if kind not in KINDS:
        raise errors.ValidationFailed("材料类型无效", details={"fields": {"kind": [f"应为：{'、'.join(KINDS)}"]}})
    app_ = application_for_upload(actor, application_id)
    if role_of(actor) == CITIZEN:
        consents.require_for_document(actor, kind)  # ID and household photos, income proof: separate consent
    if P.upload_case_documents.allows(actor) and kind not in LAWYER_KINDS:
        raise errors.Forbidden("援助律师只能上传法律文书副本（判决书或其他法律文书）")
    # after a refusal or termination the citizen may still add photos (kind other) to an objection (Art. 49)
    if app_.status in FINAL_STATUSES and not (kind == "other" and app_.status in ("rejected", "terminated")):
        raise errors.InvalidTransition(f"申请已「{app_.status_label}」，不能再上传材料")
    if len(raw) > current_app.config["MAX_UPLOAD_BYTES"]:
        raise errors.ApiError("文件超过 10 MB，请压缩后重新上传", status=413, code="payload_too_large")
    clean = imaging.sanitize(raw, max_pixels=current_app.config["MAX_IMAGE_PIXELS"])

    key = storage.new_key(f"documents/{app_.id}")
    with stored_object(key, clean.data, clean.content_type):  # no orphan object if the row is not written
        doc = Document(
            application_id=app_.id, citizen_id=app_.citizen_id,
            uploaded_by_type=CITIZEN.value if isinstance(actor, Citizen) else "staff", uploaded_by_id=actor.id,
            kind=kind, status="ocr_pending" if _ocr_on(kind) else "uploaded", storage_key=key,
            content_type=clean.content_type, byte_size=len(clean.data), width=clean.width, height=clean.height,
            sha256=clean.sha256, original_filename=(filename or "")[:255] or None,
            ocr_next_attempt_at=utcnow() if _ocr_on(kind) else None)
        db.session.add(doc)
        db.session.flush()
        # A new upload of the same kind replaces the live one (hukou_member may have several pages: one each)
        older = db.session.scalars(sa.select(Document).where(
            Document.application_id == app_.id, Document.kind == kind, Document.id != doc.id,
            Document.status.in_(LIVE + ("rejected",)))).all()
        if kind not in ("hukou_member", "hardship_proof", "other", "judgment"):
            for old in older:
                old.status = "superseded"
                old.superseded_by_id = doc.id
        applications.record_event(app_, actor, "document_uploaded", KINDS[kind])
        for step in current_app.extensions.get("documents.after_upload", ()):
            step(app_, doc, actor)  # in this transaction; registered by init_app (app/procedure: the notice's items)
        db.session.commit()
    return doc


def _ocr_on(kind: str) -> bool:
    return kind in OCR_KINDS and current_app.config["OCR_ENABLED"]


def get_document(actor, document_id: int) -> Document:
    doc = db.session.get(Document, document_id)
    if doc is None:
        raise errors.NotFound("未找到该材料")
    if isinstance(actor, Citizen):
        app_ = db.session.get(Application, doc.application_id)
        if app_ is None or app_.citizen_id != actor.id:
            raise errors.NotFound("未找到该材料")
    else:
        app_ = db.session.get(Application, doc.application_id)
        if not can_staff_see(actor, app_):  # P.view_case, and an aid lawyer only their cases
            raise errors.NotFound("未找到该材料")
    return doc


def list_for_application(actor, application_id: int, include_superseded: bool = False) -> list[Document]:
    if isinstance(actor, Citizen):
        applications.get_for_citizen(actor, application_id)
    else:
        app_ = db.session.get(Application, application_id)
        if app_ is None or not can_staff_see(actor, app_):
            raise errors.NotFound("未找到该申请")
    stmt = sa.select(Document).where(Document.application_id == application_id)
    if not include_superseded:
        stmt = stmt.where(Document.status != "superseded")
    return db.session.scalars(stmt.order_by(Document.id)).all()


def signed_view(actor, document_id: int) -> dict:
    """A short-lived URL to the photo. Every staff view is audited."""
    doc = get_document(actor, document_id)
    ttl = current_app.config["SIGNED_URL_TTL"]
    try:
        url = get_storage().signed_url(doc.storage_key, expires=ttl)
    except storage.StorageError:
        raise errors.ServiceUnavailable("文件存储暂时不可用", code="storage_unavailable") from None
    if not isinstance(actor, Citizen):
        audit("document.view", actor=actor, object_type="document", object_id=doc.id,
              details={"application_id": doc.application_id, "kind": doc.kind})
        db.session.commit()
    return {"url": url, "expires_at": utcnow() + dt.timedelta(seconds=ttl), "content_type": doc.content_type}


def allowed_actions(staff, doc: Document) -> list[str]:
    """The decisions this staff member may take on this document now (the page shows only these)."""
    return [name for name, t in TRANSITIONS.items() if t["permission"].allows(staff) and doc.status in t["sources"]]


def can_review(staff) -> bool:
    return P.verify_documents.allows(staff)


def can_upload(staff, app_: Application) -> bool:
    return P.verify_documents.allows(staff) and app_.status not in FINAL_STATUSES


def _check(staff, doc: Document, action: str) -> None:
    t = TRANSITIONS[action]
    if not t["permission"].allows(staff):
        raise errors.Forbidden("当前角色无权审核材料")
    if doc.status not in t["sources"]:
        raise errors.InvalidTransition(f"材料当前状态为「{doc.status_label}」，不能{t['label']}")


def verify(staff, doc: Document) -> Document:
    _check(staff, doc, "verify")
    doc.status = "verified"
    doc.verified_by_id = staff.id
    doc.verified_at = utcnow()
    doc.reject_reason = doc.reject_note = None
    app_ = db.session.get(Application, doc.application_id)
    applications.record_event(app_, staff, "document_verified", doc.kind_label)
    audit("document.verify", actor=staff, object_type="document", object_id=doc.id)
    db.session.commit()
    return doc


def reject(staff, doc: Document, reason: str, note: str | None = None) -> Document:
    if not TRANSITIONS["reject"]["permission"].allows(staff):
        raise errors.Forbidden("当前角色无权审核材料")
    if reason not in REJECT_REASONS:
        raise errors.ValidationFailed("退回原因无效", details={"fields": {"reason": [f"应为：{'、'.join(REJECT_REASONS)}"]}})
    _check(staff, doc, "reject")
    doc.status = "rejected"
    doc.reject_reason = reason
    doc.reject_note = note
    doc.verified_by_id = staff.id
    doc.verified_at = utcnow()
    app_ = db.session.get(Application, doc.application_id)
    applications.record_event(app_, staff, "document_rejected", f"{doc.kind_label}：{doc.reject_message}")
    audit("document.reject", actor=staff, object_type="document", object_id=doc.id, details={"reason": reason})
    n = notifications.document_rejected(app_, doc)
    db.session.commit()
    notifications.dispatch([n])
    return doc


backfill_status = applications.backfill_status



def hand_over_to_citizen(app_: Application, citizen) -> None:
    """A phone-intake application now belongs to a citizen: so do its documents."""
    db.session.execute(sa.update(Document).where(Document.application_id == app_.id).values(citizen_id=citizen.id))
