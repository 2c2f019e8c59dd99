"""The citizen's rights over their own data (个人信息保护法 Arts. 44–47): a copy of it, and deleting the
account. What the law makes the centre keep stays: the case file of every application that was submitted
(法律援助法 and the archives rules: the application, its documents, timeline, letters and objections).
Everything else is deleted or anonymised:

- drafts never submitted, with their photos (rows and stored objects), events and messages;
- the phone binding, the WeChat identifiers (openid, unionid) and the session key: the account row stays
  only as an anonymous anchor for the kept case files, so no later login can reach them;
- the ratings' identity (the stars stay for the service statistics, no longer linked to the person);
- every token (all sessions end), stored idempotent answers (they may hold personal data), messages;
- hotline calls, callbacks and alerts keep their own records but lose the link to the account;
- consents are marked withdrawn and kept as the record of what was agreed and when.
"""
from __future__ import annotations

import logging
import secrets

import sqlalchemy as sa

from app import errors
from app.alerts.models import Alert
from app.applications.models import Application
from app.applications.schemas import ApplicationOut
from app.audit import record as audit
from app.auth.consents import KINDS, CitizenConsent
from app.auth.models import AuthToken, Citizen
from app.callbacks.models import CallbackTask
from app.common.idempotency import IdempotencyRecord
from app.common.timeutil import utcnow
from app.consultations.models import Consultation
from app.documents.models import Document
from app.extensions import db
from app.common.permissions import CITIZEN
from app.notifications.models import Notification
from app.procedure.models import Objection
from app.ratings.models import Rating
from app.storage_bridge import get_storage

log = logging.getLogger(__name__)


def _iso(v):
    return v.isoformat() if v is not None else None


def data_copy(citizen: Citizen) -> dict:
    """Everything the platform holds about the calling citizen, in one JSON document (their own data in full)."""
    apps = db.session.scalars(sa.select(Application).where(Application.citizen_id == citizen.id)
                              .order_by(Application.id)).all()
    app_ids = [a.id for a in apps]
    docs = db.session.scalars(sa.select(Document).where(Document.application_id.in_(app_ids))
                              .order_by(Document.id)).all() if app_ids else []
    ratings = db.session.scalars(sa.select(Rating).where(Rating.citizen_id == citizen.id).order_by(Rating.id)).all()
    objections = db.session.scalars(sa.select(Objection).where(Objection.citizen_id == citizen.id)
                                    .order_by(Objection.id)).all()
    consents = db.session.scalars(sa.select(CitizenConsent).where(CitizenConsent.citizen_id == citizen.id)
                                  .order_by(CitizenConsent.id)).all()
    out = {
        "exported_at": _iso(utcnow()),
        "account": {"id": citizen.id, "phone": citizen.phone, "phone_bound_at": _iso(citizen.phone_bound_at),
                    "created_at": _iso(citizen.created_at), "last_login_at": _iso(citizen.last_login_at),
                    "wechat_unionid_kept": bool(citizen.unionid)},
        "consents": [{"kind": c.kind, "title": KINDS[c.kind].title if c.kind in KINDS else c.kind,
                      "version": c.version, "granted_at": _iso(c.granted_at), "withdrawn_at": _iso(c.withdrawn_at)}
                     for c in consents],
        "applications": ApplicationOut(many=True).dump(apps),
        "documents": [{"id": d.id, "application_id": d.application_id, "kind": d.kind, "status": d.status,
                       "sha256": d.sha256, "created_at": _iso(d.created_at)} for d in docs],
        "ratings": [{"id": r.id, "subject_type": r.subject_type, "subject_id": r.subject_id, "stars": r.stars,
                     "comment": r.comment, "created_at": _iso(r.created_at)} for r in ratings],
        "objections": [{"id": o.id, "application_id": o.application_id, "reasons": o.reasons, "status": o.status,
                        "received_at": _iso(o.received_at)} for o in objections],
    }
    audit("citizen.data_export", actor=citizen, object_type=CITIZEN.value, object_id=citizen.id,
          details={"applications": len(apps), "documents": len(docs)})
    db.session.commit()
    return out


def _dependents(table: sa.Table) -> list[tuple[sa.Table, sa.Column]]:
    """Every (table, column) whose foreign key points at `table` (read from the models' metadata)."""
    out = []
    for t in db.metadata.sorted_tables:
        for fk in t.foreign_keys:
            if fk.column.table is table and t is not table:
                out.append((t, fk.parent))
    return out


def _delete_rows(table: sa.Table, ids: list[int]) -> int:
    """Delete rows of `table` by id, and first whatever points at them (depth first)."""
    if not ids:
        return 0
    for dep, col in _dependents(table):
        dep_ids = db.session.scalars(sa.select(dep.c.id).where(col.in_(ids))).all() if "id" in dep.c else None
        if dep_ids is None:
            db.session.execute(sa.delete(dep).where(col.in_(ids)))
        elif col.nullable and dep.name not in ("documents", "application_events", "notifications"):
            db.session.execute(sa.update(dep).where(col.in_(ids)).values({col.name: None}))
        else:
            _delete_rows(dep, list(dep_ids))
    return db.session.execute(sa.delete(table).where(table.c.id.in_(ids))).rowcount or 0


def delete_account(citizen: Citizen) -> dict:
    """Delete or anonymise what the law does not require the centre to keep (see the module docstring)."""
    if getattr(citizen, "deleted_at", None) is not None:
        raise errors.NotFound("账号已注销")
    now = utcnow()
    cid = citizen.id
    drafts = db.session.scalars(sa.select(Application.id).where(
        Application.citizen_id == cid, Application.submitted_at.is_(None))).all()
    kept = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.citizen_id == cid, Application.submitted_at.is_not(None)))
    keys = db.session.scalars(sa.select(Document.storage_key).where(Document.application_id.in_(drafts))).all() \
        if drafts else []
    n_docs = len(keys)
    _delete_rows(Application.__table__, list(drafts))
    db.session.execute(sa.delete(Notification).where(Notification.citizen_id == cid))
    db.session.execute(sa.update(Rating).where(Rating.citizen_id == cid).values(citizen_id=None))
    for model in (Consultation, CallbackTask, Alert):
        db.session.execute(sa.update(model).where(model.citizen_id == cid).values(citizen_id=None))
    db.session.execute(sa.update(Document).where(Document.citizen_id == cid, Document.application_id.is_(None))
                       .values(citizen_id=None))
    db.session.execute(sa.delete(AuthToken).where(AuthToken.subject_type == CITIZEN.value, AuthToken.subject_id == cid))
    db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.owner == f"citizen:{cid}"))
    db.session.execute(sa.update(CitizenConsent).where(CitizenConsent.citizen_id == cid,
                                                       CitizenConsent.withdrawn_at.is_(None)).values(withdrawn_at=now))
    citizen.openid = f"deleted:{cid}:{secrets.token_hex(8)}"
    citizen.unionid = None
    citizen.session_key_enc = None
    citizen.phone = citizen.phone_country_code = citizen.phone_bound_at = None
    citizen.nickname = None
    citizen.deleted_at = now
    summary = {"drafts_deleted": len(drafts), "photos_deleted": n_docs, "case_files_kept": kept}
    audit("citizen.delete", actor=citizen, object_type=CITIZEN.value, object_id=cid, details=summary)
    db.session.commit()
    storage = get_storage()
    for key in keys:  # after the commit: a failed delete leaves an orphan for `flask storage reconcile`
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 — the reconciler removes what is left
            log.warning("could not delete a deleted draft's photo now; the reconciler will")
    return summary
