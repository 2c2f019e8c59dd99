from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import JSONType, TimestampMixin
from app.common.objects import owns
from app.common.taxonomy import DOCUMENT_KINDS
from app.common.timeutil import UTCDateTime
from app.extensions import db
from app.common.permissions import P

KINDS = DOCUMENT_KINDS
OCR_KINDS = ("hukou_home", "hukou_member", "id_front", "id_back")
STATUSES = ("uploaded", "ocr_pending", "ocr_done", "ocr_failed", "verified", "rejected", "superseded")
STATUS_LABELS = {"uploaded": "已上传", "ocr_pending": "识别中", "ocr_done": "识别完成", "ocr_failed": "识别失败",
                 "verified": "审核通过", "rejected": "需重新拍摄", "superseded": "已被替换"}
TO_VERIFY = ("uploaded", "ocr_pending", "ocr_done", "ocr_failed")  # waiting for a staff decision
# Staff decisions on a document: the states each may start from, where it goes, who may take it
TRANSITIONS = {
    "verify": {"sources": TO_VERIFY + ("rejected",), "target": "verified", "permission": P.verify_documents, "label": "审核通过"},
    "reject": {"sources": TO_VERIFY + ("verified",), "target": "rejected", "permission": P.verify_documents, "label": "退回重拍"},
}
LOW_CONFIDENCE = 0.8  # OCR values below this confidence are highlighted for the reviewer
REJECT_REASONS = {
    "blurry": "照片模糊，请在光线充足处对焦后重新拍摄",
    "incomplete": "照片不完整，请将证件四角完整拍入画面",
    "wrong_type": "上传的材料类型不对，请按提示上传对应材料",
    "mismatch": "材料信息与申请人信息不一致，请核对后重新上传",
    "expired": "证件已过有效期，请上传有效证件",
    "other": "材料不符合要求，请按审核意见重新上传",
}


class Document(TimestampMixin, db.Model):
    __tablename__ = "documents"
    __centre_via__ = "application_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    uploaded_by_type: Mapped[str] = mapped_column(sa.String(12))
    uploaded_by_id: Mapped[int | None] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(16), default="uploaded", index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    byte_size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    original_filename: Mapped[str | None] = mapped_column(sa.String(255))
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    reject_reason: Mapped[str | None] = mapped_column(sa.String(16))
    reject_note: Mapped[str | None] = mapped_column(sa.String(500))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # OCR: the result object of ocr.analyze (kind, fields, warnings, checks)
    ocr_result: Mapped[dict | None] = mapped_column(JSONType)
    ocr_attempts: Mapped[int] = mapped_column(default=0)
    ocr_error: Mapped[str | None] = mapped_column(sa.String(255))
    ocr_next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_documents_app_kind", "application_id", "kind"),)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def reject_message(self) -> str | None:
        if self.status != "rejected":
            return None
        base = REJECT_REASONS.get(self.reject_reason or "other", REJECT_REASONS["other"])
        return f"{base}。{self.reject_note}" if self.reject_note else base

    @property
    def warnings(self) -> list:
        return list((self.ocr_result or {}).get("warnings") or [])


owns("documents/", "documents", Document.storage_key)  # photos: the storage reconciler's view of them
