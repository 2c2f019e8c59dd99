from flask import g
from flask_smorest import Blueprint

from app.applications import read, schemas, service
from app.auth.guards import citizen_read, citizen_required
from app.common.idempotency import idempotent

blp = Blueprint("applications", __name__, url_prefix="/api/v1/applications",
                description="法律援助申请（小程序）")


@blp.route("")
@citizen_read
@blp.arguments(schemas.ApplicationListArgs(), location="query")  # an instance: not rebuilt per request
@blp.response(200, schemas.ApplicationPageOut)
def list_applications(args):
    """我的申请列表（身份证号脱敏）"""
    return read.json_response(read.application_page(args.get("status"), args["page"], args["page_size"]))


@blp.route("", methods=["POST"])
@citizen_required
@idempotent
@blp.arguments(schemas.ApplicationInput)
@blp.response(201, schemas.ApplicationOut)
def create_application(data):
    """新建申请草稿（支持 Idempotency-Key）"""
    return service.create_draft(g.citizen, data)


@blp.route("/<int:application_id>")
@citizen_read
@blp.response(200, schemas.ApplicationOut)
def get_application(application_id):
    """申请详情与办理进度"""
    return read.json_response(read.application_detail(application_id))


@blp.route("/<int:application_id>", methods=["PATCH"])
@citizen_required
@blp.arguments(schemas.ApplicationInput)
@blp.response(200, schemas.ApplicationOut)
def update_application(data, application_id):
    """修改草稿"""
    app_ = service.get_for_citizen(g.citizen, application_id)
    return service.update_draft(g.citizen, app_, data)


# Submitting and withdrawing run the procedure's flows: their routes are in app/procedure/routes.py.
