import marshmallow as ma
from marshmallow import fields, validate

from app.common.permissions import CITIZEN, STAFF_ROLES
from app.common.taxonomy import CATEGORIES
from app.common.phone import mask


class WeChatLoginInput(ma.Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128),
                         metadata={"description": "wx.login 返回的 code"})


class TokenOut(ma.Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    expires_at = fields.DateTime()


class CitizenOut(ma.Schema):
    id = fields.Integer()
    role = fields.Constant(CITIZEN.value)
    phone_masked = fields.Function(lambda c: mask(c.phone) if c.phone else None)
    phone_bound = fields.Function(lambda c: bool(c.phone))
    has_unionid = fields.Function(lambda c: bool(c.unionid))
    created_at = fields.DateTime()


class LoginOut(TokenOut):
    user = fields.Nested(CitizenOut)
    is_new = fields.Boolean()


class RefreshInput(ma.Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class PhoneInput(ma.Schema):
    code = fields.String(validate=validate.Length(min=1, max=128), metadata={"description": "getPhoneNumber 返回的 code"})
    encrypted_data = fields.String(validate=validate.Length(min=1, max=4096))
    iv = fields.String(validate=validate.Length(min=1, max=64))

    @ma.validates_schema
    def one_of(self, data, **kwargs):
        if not data.get("code") and not (data.get("encrypted_data") and data.get("iv")):
            raise ma.ValidationError("请提供 code，或 encrypted_data 与 iv", "_schema")


class StaffLoginInput(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class StaffOut(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    role = fields.String()
    full_name = fields.String()


class StaffLoginOut(TokenOut):
    user = fields.Nested(StaffOut)


class StaffCreateInput(ma.Schema):
    """The administrator's new staff account (the console's staff page loads its form with this)."""
    username = fields.String(required=True, validate=validate.Length(max=64))
    password = fields.String(required=True, load_only=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in STAFF_ROLES],
                                                               labels=[r.label for r in STAFF_ROLES]))
    full_name = fields.String(load_default="", validate=validate.Length(max=64))
    staff_no = fields.String(load_default=None, validate=validate.Length(max=32))
    region = fields.String(load_default=None, validate=validate.Length(max=64))  # aid lawyers
    specialties = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)), load_default=list)  # aid lawyers
    centre = fields.String(load_default=None, validate=validate.Length(max=32))  # the account's centre (code)


class StaffActiveInput(ma.Schema):
    """The administrator switches an account on or off (the staff page's button)."""
    active = fields.Boolean(required=True, error_messages={"required": "请选择启用或停用"})
