"""The audit log API's schemas."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.common.pagination import PageArgs, page_schema


class AuditOut(ma.Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_type = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    details = fields.Raw(allow_none=True)


class AuditArgs(PageArgs):
    actor = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=40))
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=40))
    ip = fields.String(validate=validate.Length(max=45))
    since = fields.String(metadata={"description": "YYYY-MM-DD（本地日期）"})
    until = fields.String(metadata={"description": "YYYY-MM-DD（本地日期，含当日）"})


AuditPageOut = page_schema(AuditOut, "AuditPage")
