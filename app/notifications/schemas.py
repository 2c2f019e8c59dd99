import marshmallow as ma
from marshmallow import fields, validate

KINDS = ["status", "document", "letter"]


class SubscribeTemplatesOut(ma.Schema):
    status = fields.String(metadata={"description": "办理进度通知的模板 ID（WECHAT_TEMPLATE_STATUS）"})
    document = fields.String(metadata={"description": "材料审核通知的模板 ID（WECHAT_TEMPLATE_DOCUMENT）"})
    letter = fields.String(metadata={"description": "法律文书送达通知的模板 ID（WECHAT_TEMPLATE_LETTER）：补充材料通知、决定书等"})


class SubscribeMomentsOut(ma.Schema):
    submit = fields.List(fields.String(validate=validate.OneOf(KINDS)), metadata={"description": "提交申请时请求授权的通知（subscribe_templates 的键）"})
    objection = fields.List(fields.String(validate=validate.OneOf(KINDS)), metadata={"description": "提出异议时请求授权的通知"})
    awaiting = fields.List(fields.String(validate=validate.OneOf(KINDS)), metadata={"description": "审查期间（可能收到补充材料通知或决定书）在进度页请求授权的通知"})


class ClientConfigOut(ma.Schema):
    subscribe_templates = fields.Nested(SubscribeTemplatesOut, required=True)
    subscribe_long_term = fields.Boolean(required=True, metadata={
        "description": "true：模板为长期订阅（帐号类目允许时，WECHAT_SUBSCRIBE_LONG_TERM），一次授权可多次发送；false：一次性订阅，每个时机都需重新请求"})
    subscribe_moments = fields.Nested(SubscribeMomentsOut, required=True)
