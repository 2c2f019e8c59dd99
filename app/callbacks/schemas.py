"""API schemas of callback tasks: one listing, one task shape."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.callbacks.models import REASON_LABELS, RESULTS, STATUS_LABELS
from app.common.pagination import PageArgs
from app.common.timeutil import LOCAL_TZ, utcnow


class AttemptInput(ma.Schema):
    """One attempt (API and console page alike; the time rule is the service's)."""
    result = fields.String(required=True, validate=validate.OneOf(tuple(RESULTS), error="请选择回访结果"),
                           error_messages={"required": "请选择回访结果", "null": "请选择回访结果"})
    note = fields.String(allow_none=True, validate=validate.Length(max=1000, error="备注不能超过 1000 字"))
    at = fields.AwareDateTime(default_timezone=LOCAL_TZ, allow_none=True, metadata={"description": "回访时间（默认现在）"})


class AttemptOut(ma.Schema):
    id = fields.Integer()
    at = fields.DateTime()
    result = fields.String()
    result_label = fields.Function(lambda a: RESULTS.get(a.result, a.result))
    note = fields.String(allow_none=True)
    staff_id = fields.Integer()


class CloseInput(ma.Schema):
    """Satisfied or escalated (manager; API and console page alike)."""
    note = fields.String(allow_none=True, validate=validate.Length(max=300, error="说明不能超过 300 字"))


class TaskOut(ma.Schema):
    id = fields.Integer()
    reason = fields.String()
    reason_label = fields.Function(lambda t: REASON_LABELS.get(t.reason, t.reason))
    status = fields.String()
    status_label = fields.Function(lambda t: STATUS_LABELS.get(t.status, t.status))
    citizen_id = fields.Integer(allow_none=True)
    rating_id = fields.Integer(allow_none=True)
    subject_type = fields.String(allow_none=True)
    subject_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    due_at = fields.DateTime()
    overdue = fields.Function(lambda t: t.status == "open" and t.due_at < utcnow())
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class TaskDetailOut(TaskOut):
    attempts = fields.List(fields.Nested(AttemptOut))


class TaskListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(tuple(STATUS_LABELS)))
    reason = fields.String(validate=validate.OneOf(tuple(REASON_LABELS)))
    overdue = fields.Boolean(load_default=False)

