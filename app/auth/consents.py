"""Separate consent for sensitive personal information (个人信息保护法 Art. 29: 处理敏感个人信息应当取得个人的
单独同意; Art. 28 names 身份、金融账户 among them). The mini-program asks for each kind right before it
collects it; each consent is recorded with the version of the text the citizen read and the time, and may
be withdrawn. The server refuses a sensitive field or photo without the matching consent (403
`consent_required`, the field named in details), so a client that skips the question cannot collect it.

The texts are versioned here: a new text gets a new version, and earlier consents no longer count.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import errors
from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db


@dataclass(frozen=True)
class SensitiveKind:
    key: str
    title: str
    version: str
    text: str
    fields: tuple[str, ...] = ()          # application fields (PATCH/POST /applications)
    screen_fields: tuple[str, ...] = ()   # eligibility answers kept with the draft (PUT …/eligibility)
    document_kinds: tuple[str, ...] = ()  # photo kinds (POST /documents)


_COMMON = ("仅用于审查和办理您的法律援助申请，由法律援助机构依法保密；提交的申请材料按档案管理规定保存，"
           "未提交的草稿可随时删除。您可以不同意，但法律援助机构可能需要您到现场核验后才能受理。")

KINDS: dict[str, SensitiveKind] = {k.key: k for k in (
    SensitiveKind("id_number", "公民身份号码", "2026-12",
                  "公民身份号码属于敏感个人信息。我们收集您的公民身份号码，用于核实申请人身份、核对出生日期与性别。" + _COMMON,
                  fields=("id_number",)),
    SensitiveKind("id_photos", "身份证照片", "2026-12",
                  "身份证照片属于敏感个人信息。我们收集身份证人像面和国徽面的照片，用于核实身份并自动识别填写申请书"
                  "（照片的位置等元数据在保存前全部删除）。" + _COMMON,
                  document_kinds=("id_front", "id_back")),
    SensitiveKind("household_photos", "户口簿照片", "2026-12",
                  "户口簿照片含有您和家庭成员的身份信息，属于敏感个人信息。我们收集户口簿首页和本人页的照片，用于核实户籍"
                  "和家庭人口。" + _COMMON,
                  document_kinds=("hukou_home", "hukou_member")),
    SensitiveKind("income", "家庭收入与经济状况", "2026-12",
                  "家庭收入和经济困难证明属于敏感个人信息（财产信息）。我们收集家庭月收入、经济困难情况说明和证明材料，"
                  "用于依照法律援助法第三十四条、第四十一条审查经济困难状况。" + _COMMON,
                  fields=("hardship_statement",), screen_fields=("monthly_income",),
                  document_kinds=("hardship_proof",)),
)}
FIELD_KIND = {f: k.key for k in KINDS.values() for f in k.fields}
SCREEN_FIELD_KIND = {f: k.key for k in KINDS.values() for f in k.screen_fields}
DOCUMENT_KIND = {d: k.key for k in KINDS.values() for d in k.document_kinds}


class CitizenConsent(db.Model):
    """One consent given (and perhaps withdrawn later): which kind, which version of the text, when."""

    __tablename__ = "citizen_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[str] = mapped_column(sa.String(16))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def _live(citizen_id: int) -> dict[str, CitizenConsent]:
    rows = db.session.scalars(sa.select(CitizenConsent).where(
        CitizenConsent.citizen_id == citizen_id, CitizenConsent.withdrawn_at.is_(None))
        .order_by(CitizenConsent.id)).all()
    return {r.kind: r for r in rows if r.kind in KINDS and r.version == KINDS[r.kind].version}


def status(citizen) -> list[dict]:
    live = _live(citizen.id)
    out = []
    for k in KINDS.values():
        c = live.get(k.key)
        out.append({"kind": k.key, "title": k.title, "version": k.version, "text": k.text,
                    "granted": c is not None, "granted_at": c.granted_at if c else None})
    return out


def _kind(kind: str) -> SensitiveKind:
    k = KINDS.get(kind)
    if k is None:
        raise errors.NotFound("未知的同意事项")
    return k


def grant(citizen, kind: str, version: str) -> dict:
    k = _kind(kind)
    if version != k.version:
        raise errors.ApiError(f"《{k.title}》的说明已更新，请阅读最新内容后再同意", status=409, code="consent_text_changed",
                              details={"kind": kind, "current_version": k.version})
    if kind not in _live(citizen.id):
        db.session.add(CitizenConsent(citizen_id=citizen.id, kind=kind, version=version, granted_at=utcnow()))
        db.session.commit()
    return next(x for x in status(citizen) if x["kind"] == kind)


def withdraw(citizen, kind: str) -> dict:
    _kind(kind)
    now = utcnow()
    for c in db.session.scalars(sa.select(CitizenConsent).where(
            CitizenConsent.citizen_id == citizen.id, CitizenConsent.kind == kind, CitizenConsent.withdrawn_at.is_(None))):
        c.withdrawn_at = now
    db.session.commit()
    return next(x for x in status(citizen) if x["kind"] == kind)


def _refuse(kind: str, field: str):
    k = KINDS[kind]
    message = f"收集{k.title}属于敏感个人信息，须先阅读并单独同意《{k.title}》的处理说明"
    raise errors.Forbidden(message, code="consent_required",
                           details={"consent": kind, "version": k.version, "fields": {field: [message]}})


def require_for_fields(citizen, data: dict, mapping: dict | None = None) -> None:
    """403 consent_required if `data` gives a sensitive value (not empty) without the consent for it."""
    mapping = FIELD_KIND if mapping is None else mapping
    needed = {mapping[f]: f for f, v in data.items() if f in mapping and v not in (None, "")}
    if not needed:
        return
    live = _live(citizen.id)
    for kind, field in needed.items():
        if kind not in live:
            _refuse(kind, field)


def require_for_screen(citizen, data: dict) -> None:
    require_for_fields(citizen, data, SCREEN_FIELD_KIND)


def require_for_document(citizen, document_kind: str) -> None:
    kind = DOCUMENT_KIND.get(document_kind)
    if kind is not None and kind not in _live(citizen.id):
        _refuse(kind, "file")
