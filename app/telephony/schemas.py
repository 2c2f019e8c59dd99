"""Inputs and outputs of the live hotline's staff actions (the API and the console's form load the same)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate


class DoNotCallInput(ma.Schema):
    do_not_call = fields.Boolean(load_default=True, metadata={"description": "true：标记勿回拨；false：取消"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                         metadata={"description": "原因（如：本人要求不再回拨），弹屏中显示"})


class DoNotCallOut(ma.Schema):
    consultation_id = fields.Integer()
    caller_masked = fields.String()
    do_not_call = fields.Boolean()
