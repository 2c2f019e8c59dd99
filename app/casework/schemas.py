"""Inputs of casework's own steps (the staff API and the console pages load the same schemas)."""
import marshmallow as ma
from marshmallow import fields, validate

from app.applications.models import CATEGORIES, SERVICE_TYPES
from app.common.timeutil import UTC


class IntakeInput(ma.Schema):
    """A caller's application taken on the phone (duty lawyer)."""

    applicant_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    service_type = fields.String(validate=validate.OneOf(list(SERVICE_TYPES)))
    id_number = fields.String(validate=validate.Length(max=32))
    current_address = fields.String(validate=validate.Length(max=255))
    legal_deadline = fields.Date()
    urgency_reason = fields.String(validate=validate.Length(max=500))
    home_visit_requested = fields.Boolean()
    home_visit_address = fields.String(validate=validate.Length(max=255))
    home_visit_reason = fields.String(validate=validate.Length(max=500))
    first_contact_at = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "来电时间（SLA 计时起点）"})


class AvailabilityInput(ma.Schema):
    available = fields.Boolean(required=True)


class TransferInput(ma.Schema):
    centre = fields.String(required=True, metadata={"description": "接收的法律援助机构编码（GET /api/v1/centres）"})
    reason = fields.String(required=True, validate=validate.Length(max=500), metadata={"description": "移送理由"})
