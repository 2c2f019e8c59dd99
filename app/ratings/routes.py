from flask import g
from flask_smorest import Blueprint

from app.applications import service as applications
from app.auth.guards import citizen_required
from app.common.idempotency import idempotent
from app.common.pagination import PageArgs
from app.ratings import schemas, service

blp = Blueprint("ratings", __name__, url_prefix="/api/v1", description="服务评价")


@blp.route("/applications/<int:application_id>/rating", methods=["POST"])
@citizen_required
@idempotent
@blp.arguments(schemas.RatingInput)
@blp.response(201, schemas.RatingOut)
def rate_application(data, application_id):
    """评价本次法律援助服务（律师指派后；两星及以下将安排回访）"""
    return service.rate_application(g.citizen, application_id, data)


@blp.route("/applications/<int:application_id>/rating")
@citizen_required
@blp.response(200, schemas.RatingOut(many=True))
def get_ratings(application_id):
    """我对该申请的评价"""
    applications.get_for_citizen(g.citizen, application_id)
    return service.ratings_for(g.citizen, "application", application_id)


@blp.route("/consultations/<int:consultation_id>/rating", methods=["POST"])
@citizen_required
@idempotent
@blp.arguments(schemas.RatingInput)
@blp.response(201, schemas.RatingOut)
def rate_consultation(data, consultation_id):
    """评价一次热线咨询（须为本人的来电；两星及以下将安排回访）"""
    return service.rate_consultation(g.citizen, consultation_id, data)


@blp.route("/consultations/<int:consultation_id>/rating")
@citizen_required
@blp.response(200, schemas.RatingOut(many=True))
def get_consultation_ratings(consultation_id):
    """我对该次咨询的评价"""
    return service.ratings_for(g.citizen, "consultation", consultation_id)


@blp.route("/consultations/mine")
@citizen_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, schemas.MyCallPageOut)
def my_consultations(args):
    """我的热线来电（按绑定的手机号匹配；可对已接通的来电评价）"""
    return service.my_calls(g.citizen, args["page"], args["page_size"])
