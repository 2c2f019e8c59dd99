import marshmallow as ma
from marshmallow import fields


class SubscribeTemplatesOut(ma.Schema):
    status = fields.String(metadata={"description": "办理进度通知的模板 ID（WECHAT_TEMPLATE_STATUS）"})
    document = fields.String(metadata={"description": "材料审核通知的模板 ID（WECHAT_TEMPLATE_DOCUMENT）"})


class ClientConfigOut(ma.Schema):
    subscribe_templates = fields.Nested(SubscribeTemplatesOut)
