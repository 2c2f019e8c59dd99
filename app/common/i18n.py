"""Chinese default messages for marshmallow validation errors (applied once at import)."""
from marshmallow import fields, validate

_FIELD_MESSAGES = {
    fields.Field: {"required": "此项为必填项。", "null": "此项不能为空。",
                   "validator_failed": "取值无效。"},
    fields.String: {"invalid": "应为文本。", "invalid_utf8": "文本编码无效。"},
    fields.Integer: {"invalid": "应为整数。", "too_large": "数值过大。"},
    fields.Number: {"invalid": "应为数字。", "too_large": "数值过大。"},
    fields.Boolean: {"invalid": "应为是或否（true/false）。"},
    fields.Date: {"invalid": "日期格式应为 YYYY-MM-DD。", "format": "日期格式无效。"},
    fields.DateTime: {"invalid": "时间格式无效，应为 ISO 8601。", "format": "时间格式无效。"},
    fields.List: {"invalid": "应为列表。"},
    fields.Dict: {"invalid": "应为对象。"},
    fields.Nested: {"type": "应为对象。"},
}


def install():
    for cls, messages in _FIELD_MESSAGES.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    validate.Length.message_min = "长度不能少于 {min} 个字符。"
    validate.Length.message_max = "长度不能超过 {max} 个字符。"
    validate.Length.message_all = "长度应在 {min} 到 {max} 个字符之间。"
    validate.Length.message_equal = "长度应为 {equal} 个字符。"
    validate.Range.message_min = "应{min_op} {{min}}。"
    validate.Range.message_max = "应{max_op} {{max}}。"
    validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}。"
    validate.Range.message_gte = "大于或等于"
    validate.Range.message_gt = "大于"
    validate.Range.message_lte = "小于或等于"
    validate.Range.message_lt = "小于"
    validate.OneOf.default_message = "取值必须是以下之一：{choices}。"
    validate.Regexp.default_message = "格式不正确。"
    validate.Email.default_message = "邮箱格式不正确。"


install()

# Unknown fields: marshmallow's message
from marshmallow import schema as _schema  # noqa: E402

_schema.Schema._default_error_messages = {  # type: ignore[attr-defined]
    **getattr(_schema.Schema, "_default_error_messages", {}),
    "unknown": "不支持的字段。",
    "type": "请求体应为 JSON 对象。",
}
