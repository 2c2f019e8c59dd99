from app.common.pagination import PageArgs, page_schema
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


class MyCallOut(ma.Schema):
    """A call the citizen made, as they may see it: no number, no summary written by staff."""
    id = fields.Integer(required=True)
    ring_at = fields.DateTime(required=True)
    answered = fields.Method("get_answered", metadata={"description": "是否接通（未接通的来电不能评价）"})
    duration_seconds = fields.Integer()
    topic = fields.String(allow_none=True)
    rated = fields.Boolean(metadata={"description": "是否已评价"})
    can_rate = fields.Boolean(metadata={"description": "现在能否评价（已接通；未评价，或回访中可重新评价）"})

    def get_answered(self, obj):
        return obj.answered_at is not None


MyCallPageOut = page_schema(MyCallOut, "MyCallPage")
