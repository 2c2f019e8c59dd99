import marshmallow as ma
from marshmallow import fields


class CentreOut(ma.Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    districts = fields.List(fields.String())
    is_city = fields.Boolean()


class _District(ma.Schema):
    district = fields.String(metadata={"description": "区县代码（GB/T 2260）"})
    centre_code = fields.String()
    centre_name = fields.String()


class _Basis(ma.Schema):
    key = fields.String()
    label = fields.String()


class DistrictsOut(ma.Schema):
    districts = fields.List(fields.Nested(_District))
    suggested = fields.String(allow_none=True, metadata={"description": "按身份证号建议的区县（无法判断时为 null）"})
    bases = fields.List(fields.Nested(_Basis), metadata={"description": "第三十八条的两种地点依据"})
