"""The alerts inbox's API schemas."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate


class AlertOut(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    severity = fields.String()
    application_id = fields.Integer(allow_none=True)
    citizen_id = fields.Integer(allow_none=True)
    message = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)


class AlertArgs(ma.Schema):
    status = fields.String(load_default="active", validate=validate.OneOf(["active", "open", "acknowledged", "resolved", ""]))
    kind = fields.String(load_default=None)
