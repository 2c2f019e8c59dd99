import marshmallow as ma
from marshmallow import fields, validate

from app.auth.consents import KINDS


class ConsentOut(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)),
                         metadata={"description": "敏感个人信息类别：" + "、".join(f"{k}（{v.title}）" for k, v in KINDS.items())})
    title = fields.String(required=True)
    version = fields.String(required=True, metadata={"description": "当前说明文本的版本"})
    text = fields.String(required=True, metadata={"description": "处理说明（收集什么、为什么、保存多久）"})
    granted = fields.Boolean(required=True, metadata={"description": "是否已就当前版本单独同意"})
    granted_at = fields.DateTime(allow_none=True, required=True)


class ConsentsOut(ma.Schema):
    items = fields.List(fields.Nested(ConsentOut), required=True)


class ConsentInput(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    version = fields.String(required=True, validate=validate.Length(min=1, max=16),
                            metadata={"description": "所阅读说明的版本（须为当前版本）"})


class DeletionInput(ma.Schema):
    confirm = fields.Boolean(required=True, validate=validate.Equal(True),
                             metadata={"description": "须为 true：确认注销（不可恢复）"})


class DeletionOut(ma.Schema):
    drafts_deleted = fields.Integer(required=True, metadata={"description": "删除的未提交草稿数"})
    photos_deleted = fields.Integer(required=True, metadata={"description": "删除的草稿照片数"})
    case_files_kept = fields.Integer(required=True, metadata={"description": "依法保存的已提交申请（案卷）数"})


class DataCopyOut(ma.Schema):
    exported_at = fields.String(required=True)
    account = fields.Dict(required=True)
    consents = fields.List(fields.Dict(), required=True)
    applications = fields.List(fields.Dict(), required=True)
    documents = fields.List(fields.Dict(), required=True)
    ratings = fields.List(fields.Dict(), required=True)
    objections = fields.List(fields.Dict(), required=True)
