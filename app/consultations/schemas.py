import marshmallow as ma
from marshmallow import fields, validate

from app.common.pagination import PageArgs, page_schema
from app.common.timeutil import LOCAL_TZ
from app.consultations.models import OUTCOME_LABELS, OUTCOMES
from app.consultations.topics import TOPICS


# storage.base.validate_key in the document's terms (segments of letters, digits, _ . -; no "..")
RECORDING_KEY_PATTERN = "^([A-Za-z0-9_\\-](?:[A-Za-z0-9_\\-]|\\.(?!\\.)){0,254}(?:/[A-Za-z0-9_\\-](?:[A-Za-z0-9_\\-]|\\.(?!\\.)){0,254})*)?$"


def _when(**kw):
    # times without an offset are local (Asia/Shanghai)
    return fields.AwareDateTime(default_timezone=LOCAL_TZ, **kw)


class ConsultationInput(ma.Schema):
    """Logging one call: the API's body and the console's 来电登记 form (the same rules, the same field errors)."""
    caller = fields.String(required=True, validate=validate.Length(min=3, max=32), metadata={
        "format": "cn-phone", "description": "来电号码：中国大陆手机号或固定电话（可带 +86、区号、空格和连字符；号段或区号须存在）"},
        error_messages={"required": "请填写来电号码"})
    ring_at = _when(required=True, metadata={"description": "振铃时间"}, error_messages={"required": "请填写振铃时间"})
    answered_at = _when(allow_none=True, metadata={"description": "应答时间（未接为空）"})
    wait_seconds = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=3600), metadata={
        "description": "应答用时（秒）：不给应答时间时，应答时间为振铃时间加此秒数；两者都不给为未接通"})
    ended_at = _when(allow_none=True, metadata={"description": "结束时间"})
    duration_seconds = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=24 * 3600), metadata={
        "description": "通话时长（秒）：不给结束时间时，结束时间为应答时间加此秒数"})
    duty_lawyer_id = fields.Integer(allow_none=True)
    topic = fields.String(allow_none=True, validate=validate.OneOf(TOPICS, error="咨询类别无效"))
    summary = fields.String(allow_none=True, validate=validate.Length(max=4000))
    outcome = fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES, error="处理结果无效"))
    recording_key = fields.String(allow_none=True, validate=validate.Length(max=512), metadata={
        "pattern": RECORDING_KEY_PATTERN, "description": "录音在存储中的键：字母、数字、_ . - /，不含 ..，每段不以 . 开头"})
    citizen_id = fields.Integer(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    call_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))

    @ma.validates("recording_key")
    def _key(self, value, **kwargs):
        if value:
            from storage.base import validate_key
            try:
                validate_key(value)
            except ValueError:
                raise ma.ValidationError("录音文件名无效") from None


class ConsultationUpdate(ma.Schema):
    topic = fields.String(allow_none=True, validate=validate.OneOf(TOPICS))
    summary = fields.String(allow_none=True, validate=validate.Length(max=4000))
    outcome = fields.String(allow_none=True, validate=validate.OneOf(OUTCOMES))
    recording_key = fields.String(allow_none=True, validate=validate.Length(max=512), metadata={
        "pattern": RECORDING_KEY_PATTERN, "description": "录音在存储中的键：字母、数字、_ . - /，不含 ..，每段不以 . 开头"})
    citizen_id = fields.Integer(allow_none=True)
    application_id = fields.Integer(allow_none=True)


class ConsultationOut(ma.Schema):
    id = fields.Integer()
    call_id = fields.String()
    source = fields.String()
    caller_masked = fields.String()
    caller_kind = fields.String()
    region = fields.String()
    ring_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    wait_seconds = fields.Integer(allow_none=True)
    duration_seconds = fields.Integer()
    duty_lawyer_id = fields.Integer(allow_none=True)
    duty_lawyer_name = fields.Function(lambda c: c.duty_lawyer.display_name if c.duty_lawyer else None)
    agent_no = fields.String(allow_none=True)
    topic = fields.String(allow_none=True)
    topic_suggested = fields.Boolean()
    summary = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    outcome_label = fields.Function(lambda c: OUTCOME_LABELS.get(c.outcome) if c.outcome else None)
    has_recording = fields.Function(lambda c: bool(c.recording_key))
    citizen_id = fields.Integer(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


ConsultationPageOut = page_schema(ConsultationOut, "ConsultationPage")


class ConsultationListArgs(PageArgs):
    date_from = fields.Date()
    date_to = fields.Date()
    topic = fields.String(validate=validate.OneOf(TOPICS))
    region = fields.String(validate=validate.Length(max=32))
    duty_lawyer_id = fields.Integer()
    citizen_id = fields.Integer()
    caller = fields.String(validate=validate.Length(max=32))


class SuggestInput(ma.Schema):
    summary = fields.String(required=True, validate=validate.Length(max=4000))


class ImportFiles(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportOut(ma.Schema):
    id = fields.Integer()
    filename = fields.String(allow_none=True)
    status = fields.String()
    encoding = fields.String(allow_none=True)
    total_rows = fields.Integer()
    processed_rows = fields.Integer()
    progress = fields.Function(lambda i: 1.0 if i.status in ("done", "failed") else
                               (round(i.processed_rows / i.total_rows, 4) if i.total_rows else 0.0))
    inserted = fields.Integer()
    duplicates = fields.Integer()
    error_count = fields.Integer()
    errors = fields.List(fields.Dict())
    message = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class ImportSummaryOut(ImportOut):
    class Meta:
        exclude = ("errors",)


class CallerNumberOut(ma.Schema):
    """The full caller number (an audited reveal, for calling back)."""

    id = fields.Integer(required=True)
    caller = fields.String(required=True, metadata={"description": "完整来电号码"})
    caller_masked = fields.String(required=True, allow_none=True, metadata={"description": "脱敏号码"})
