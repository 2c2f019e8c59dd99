"""Inputs of the home-visit steps (the staff API and the console pages load the same schemas)."""
import marshmallow as ma
from marshmallow import fields, validate

from app.common.timeutil import UTC


class HomeVisitRequestInput(ma.Schema):
    address = fields.String(required=True, validate=validate.Length(min=1, max=255))
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


class HomeVisitScheduleInput(ma.Schema):
    lawyer_id = fields.Integer(required=True)
    scheduled_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    note = fields.String(validate=validate.Length(max=500), load_default=None)


class HomeVisitCompleteInput(ma.Schema):
    result_note = fields.String(required=True, validate=validate.Length(min=1, max=1000))
