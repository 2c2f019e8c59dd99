import marshmallow as ma
from marshmallow import fields, validate

from app.documents.models import KINDS, REJECT_REASONS


class KindInput(ma.Schema):
    """The form beside an uploaded photo (the console's upload form posts it; the API adds the application)."""
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)), metadata={"description": "材料类型"})


class UploadForm(KindInput):
    application_id = fields.Integer(required=True, metadata={"description": "所属申请"})


class UploadFiles(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class DocumentOut(ma.Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    status = fields.String()
    status_label = fields.String()
    content_type = fields.String()
    byte_size = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    sha256 = fields.String()
    superseded_by_id = fields.Integer(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    reject_message = fields.String(allow_none=True, metadata={"description": "需要重新拍摄的原因"})
    warnings = fields.List(fields.Raw(), metadata={"description": "照片质量提示（可立即重拍）"})
    created_at = fields.DateTime()


class DocumentDetailOut(DocumentOut):
    ocr = fields.Method("get_ocr")

    def get_ocr(self, obj):
        if not obj.ocr_result:
            return None
        r = obj.ocr_result
        return {"kind": r.get("kind"), "fields": r.get("fields"), "checks": r.get("checks")}


class SignedUrlOut(ma.Schema):
    url = fields.String()
    expires_at = fields.DateTime()
    content_type = fields.String()


class ListArgs(ma.Schema):
    include_superseded = fields.Boolean(load_default=False)


class PrefillConfirmInput(ma.Schema):
    fields = fields.List(fields.String(validate=validate.Length(max=32)), required=True,
                         validate=validate.Length(min=1, max=20), metadata={"description": "采用识别结果的字段"})


class DocumentRejectInput(ma.Schema):
    reason = fields.String(required=True, validate=validate.OneOf(list(REJECT_REASONS)))
    note = fields.String(validate=validate.Length(max=500), load_default=None)
