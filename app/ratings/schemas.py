import marshmallow as ma
from marshmallow import fields, validate

from app.ratings.models import BAD_RATING_MAX

_score = dict(allow_none=True, validate=validate.Range(min=1, max=5))


class RatingInput(ma.Schema):
    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5), metadata={"description": "1–5 星"})
    attitude = fields.Integer(**_score, metadata={"description": "服务态度"})
    professionalism = fields.Integer(**_score, metadata={"description": "专业水平"})
    timeliness = fields.Integer(**_score, metadata={"description": "办理及时"})
    comment = fields.String(allow_none=True, validate=validate.Length(max=1000))


class RatingOut(RatingInput):
    id = fields.Integer()
    subject_type = fields.String()
    subject_id = fields.Integer()
    round = fields.Integer()
    created_at = fields.DateTime()
    callback_opened = fields.Method("get_callback_opened")

    def get_callback_opened(self, obj):
        return obj.round == 0 and obj.stars <= BAD_RATING_MAX
