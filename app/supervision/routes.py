import marshmallow as ma
import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint
from marshmallow import fields

from app import errors
from app.auth.guards import staff_required
from app.common.permissions import P
from app.common import openapi
from app.consultations.schemas import ConsultationOut
from app.consultations.service import recording_url
from app.extensions import db
from app.supervision import service
from app.supervision.models import Review, SampleBatch
from app.supervision.schemas import SampleInput, ScorecardArgs, ScoreInput

blp = Blueprint("supervision", __name__, url_prefix="/api/v1/supervision", description="质量监管")


class ReviewOut(ma.Schema):
    id = fields.Integer()
    sample_id = fields.Integer()
    consultation_id = fields.Integer()
    lawyer_id = fields.Integer()
    period_day = fields.Date()
    status = fields.String()
    attitude = fields.Integer(allow_none=True)
    professionalism = fields.Integer(allow_none=True)
    language = fields.Integer(allow_none=True)
    accuracy = fields.Integer(allow_none=True)
    total = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    reviewer_id = fields.Integer(allow_none=True)
    scored_at = fields.DateTime(allow_none=True)


class ReviewDetailOut(ReviewOut):
    consultation = fields.Nested(ConsultationOut)
    recording_url = fields.String(allow_none=True)


class SampleOut(ma.Schema):
    id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    rate = fields.Float()
    min_per_lawyer = fields.Integer()
    seed = fields.String()
    created_at = fields.DateTime()
    reviews = fields.Method("get_reviews")

    def get_reviews(self, obj):
        rows = db.session.scalars(sa.select(Review).where(Review.sample_id == obj.id)
                                  .order_by(Review.lawyer_id, Review.consultation_id)).all()
        return ReviewOut(many=True).dump(rows)


class SampleSummaryOut(SampleOut):
    class Meta:
        exclude = ("reviews",)


@blp.route("/samples", methods=["POST"])
@staff_required(P.score_calls)
@blp.arguments(SampleInput)
@blp.response(201, SampleOut)
def create_sample(data):
    """按值班律师分层随机抽检（固定种子可复现；同参数重复提交返回同一批次）"""
    batch, created = service.create_sample(g.staff, data["period_start"], data["period_end"], data.get("rate"),
                                           data.get("min_per_lawyer"), data.get("seed"))
    return batch, 201 if created else 200


@blp.route("/samples")
@staff_required(P.view_supervision)
@blp.response(200, SampleSummaryOut(many=True))
def list_samples():
    """抽检批次"""
    return db.session.scalars(sa.select(SampleBatch).order_by(SampleBatch.id.desc()).limit(100)).all()


@blp.route("/samples/<int:sample_id>")
@staff_required(P.view_supervision)
@blp.response(200, SampleOut)
def get_sample(sample_id):
    """抽检批次及其来电"""
    batch = db.session.get(SampleBatch, sample_id)
    if batch is None:
        raise errors.NotFound("未找到该抽检批次")
    return batch


@blp.route("/reviews/<int:review_id>")
@staff_required(P.view_supervision)
@blp.response(200, ReviewDetailOut)
def get_review(review_id):
    """评分表：来电信息与录音（临时签名链接，访问记入审计）"""
    r = service.get_review(g.staff, review_id)
    r.recording_url = recording_url(g.staff, r.consultation)  # transient attribute, audited view
    db.session.commit()
    return r


@blp.route("/reviews/<int:review_id>/score", methods=["POST"])
@staff_required(P.score_calls)
@blp.arguments(ScoreInput)
@blp.response(200, ReviewOut)
def score_review(data, review_id):
    """评分：服务态度、专业水平、规范用语、解答准确（各 25 分）"""
    return service.score(g.staff, review_id, data)


@blp.route("/scorecards")
@staff_required(P.view_scorecards)
@blp.arguments(ScorecardArgs, location="query")
@blp.doc(**openapi.json_object("评分卡"))
def get_scorecards(args):
    """律师评分卡（按周期，含环比趋势；值班律师仅见本人）"""
    return service.scorecards(g.staff, args["period"], args.get("date_from"), args.get("date_to"), args.get("lawyer_id"))
