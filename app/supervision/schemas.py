"""Input schemas of supervision (质量监管): one per action, loaded by the API and the console page alike."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.supervision.models import DIMENSION_MAX

_dim = dict(required=True, validate=validate.Range(min=0, max=DIMENSION_MAX))


class SampleInput(ma.Schema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    rate = fields.Float(allow_none=True, validate=validate.Range(min=0.001, max=1))
    min_per_lawyer = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1000))
    seed = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))


class ScoreInput(ma.Schema):
    attitude = fields.Integer(**_dim, metadata={"description": "服务态度（0–25）"})
    professionalism = fields.Integer(**_dim, metadata={"description": "专业水平（0–25）"})
    language = fields.Integer(**_dim, metadata={"description": "规范用语（0–25）"})
    accuracy = fields.Integer(**_dim, metadata={"description": "解答准确（0–25）"})
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ScorecardArgs(ma.Schema):
    period = fields.String(load_default="month", validate=validate.OneOf(("week", "month", "quarter")))
    date_from = fields.Date()
    date_to = fields.Date()
    lawyer_id = fields.Integer()
