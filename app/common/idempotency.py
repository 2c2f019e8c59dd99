"""Idempotency-Key for creating POSTs: a retry with the same key gets the first answer back.

A placeholder row is committed before the view runs (unique on owner + key), so two concurrent
retries cannot both create; the finished response is stored on it. Errors drop the placeholder,
so a failed attempt can be retried with the same key.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib

import sqlalchemy as sa
from flask import Response, g, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app import errors
from app.common.permissions import CITIZEN
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

KEY_TTL = dt.timedelta(hours=24)
HEADER = "Idempotency-Key"


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(128))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None] = mapped_column()
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("owner", "key", name="uq_idempotency_owner_key"),)


def _fingerprint() -> str:
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(request.path.encode())
    if request.mimetype == "multipart/form-data":
        # The boundary changes between retries; hash the fields and file contents instead
        for k in sorted(request.form):
            h.update(f"{k}={request.form.getlist(k)}".encode())
        for name in sorted(request.files):
            for f in request.files.getlist(name):
                pos = f.stream.tell()
                h.update(name.encode())
                h.update(hashlib.sha256(f.stream.read()).digest())
                f.stream.seek(pos)
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def idempotent(view):
    """Wrap a creating view; must sit below the auth decorator (needs g.actor)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return view(*args, **kwargs)
        key = key.strip()
        if not (1 <= len(key) <= 128) or not key.isprintable():
            raise errors.BadRequest("Idempotency-Key 格式无效（1–128 个可见字符）", code="invalid_idempotency_key")
        actor = g.actor
        owner = f"{CITIZEN.value if actor.role == CITIZEN else 'staff'}:{actor.id}"
        fp = _fingerprint()
        existing = db.session.scalar(sa.select(IdempotencyRecord).where(
            IdempotencyRecord.owner == owner, IdempotencyRecord.key == key))
        if existing is not None and existing.created_at < utcnow() - KEY_TTL:
            db.session.delete(existing)
            db.session.commit()
            existing = None
        if existing is not None:
            return _replay(existing, fp)
        record = IdempotencyRecord(owner=owner, key=key, fingerprint=fp)
        db.session.add(record)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            existing = db.session.scalar(sa.select(IdempotencyRecord).where(
                IdempotencyRecord.owner == owner, IdempotencyRecord.key == key))
            if existing is None:
                raise errors.Conflict("请求冲突，请重试", code="idempotency_conflict")
            return _replay(existing, fp)
        record_id = record.id
        try:
            rv = view(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
            db.session.commit()
            raise
        response = rv if isinstance(rv, Response) else _to_response(rv)
        if response.status_code < 300:
            db.session.execute(sa.update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(
                status_code=response.status_code, response_body=response.get_data(as_text=True)))
        else:
            db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
        db.session.commit()
        return response

    return wrapper


def _to_response(rv) -> Response:
    from flask import make_response
    return make_response(rv)


def _replay(record: IdempotencyRecord, fp: str) -> Response:
    if record.fingerprint != fp:
        raise errors.ValidationFailed("该 Idempotency-Key 已用于另一请求，请使用新的 Key", code="idempotency_key_reused")
    if record.status_code is None:
        raise errors.Conflict("相同的请求正在处理中，请稍后重试", code="request_in_progress")
    resp = Response(record.response_body, status=record.status_code, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp
