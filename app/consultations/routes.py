import secrets

from flask import current_app, g, request
from flask_smorest import Blueprint

from app import errors
from app.config import REQUEST_MARGIN
from app.common import openapi
from app.common.objects import stored_object
from app.auth.guards import staff_required
from app.common.idempotency import idempotent
from app.common.pagination import paginate
from app.common.timeutil import utcnow
from app.consultations import cdr, schemas, service, topics
from app.consultations.models import CallImport
from app.extensions import db
from app.common.permissions import P
from app.tasks import enqueue
from app.storage_bridge import get_storage

blp = Blueprint("consultations", __name__, url_prefix="/api/v1/consultations", description="热线咨询（来电）")



@blp.route("", methods=["POST"])
@staff_required(P.log_calls)
@idempotent
@blp.arguments(schemas.ConsultationInput)
@blp.response(201, schemas.ConsultationOut)
def create_consultation(data):
    """登记一次来电（值班律师；未填类别时按摘要自动建议）"""
    return service.record_call(g.staff, data)


@blp.route("")
@staff_required(P.view_calls)
@blp.arguments(schemas.ConsultationListArgs, location="query")
@blp.response(200, schemas.ConsultationPageOut)
def list_consultations(args):
    """来电列表（值班律师仅见本人接听的来电）"""
    return paginate(service.list_stmt(g.staff, args), args["page"], args["page_size"])


@blp.route("/<int:consultation_id>")
@staff_required(P.view_calls)
@blp.response(200, schemas.ConsultationOut)
def get_consultation(consultation_id):
    """来电详情"""
    return service.get_for_staff(g.staff, consultation_id)


@blp.route("/<int:consultation_id>", methods=["PATCH"])
@staff_required(P.log_calls)
@blp.arguments(schemas.ConsultationUpdate)
@blp.response(200, schemas.ConsultationOut)
def update_consultation(data, consultation_id):
    """补充类别、摘要、处理结果、关联群众或申请"""
    return service.update_call(g.staff, consultation_id, data)


@blp.route("/<int:consultation_id>/caller-number")
@staff_required(P.log_calls)
@blp.response(200, schemas.CallerNumberOut)
def reveal_number(consultation_id):
    """查看完整来电号码（用于回访，记入审计日志）"""
    return service.reveal_number(g.staff, consultation_id)


@blp.route("/topics")
@staff_required(P.view_calls)
@blp.doc(**openapi.json_object("咨询类别 {\"topics\": [...]}"))
def list_topics():
    """咨询类别"""
    return {"topics": list(topics.TOPICS)}


@blp.route("/suggest-topic", methods=["POST"])
@staff_required(P.log_calls)
@blp.arguments(schemas.SuggestInput)
@blp.doc(**openapi.json_object("建议的类别与关键词"))
def suggest_topic(data):
    """按通话摘要建议咨询类别"""
    return topics.suggest(data["summary"])


CDR_UPLOAD_ENDPOINTS = ("consultations.upload_cdr", "console.import_page")


@blp.before_app_request
def _cdr_request_limit():
    """The call-detail upload (API and console page) may be larger than a photo: raise the request
    limit for those requests only (every other request keeps MAX_UPLOAD_BYTES + margin)."""
    if request.endpoint in CDR_UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = current_app.config["MAX_CDR_BYTES"] + REQUEST_MARGIN


@blp.route("/imports", methods=["POST"])
@staff_required(P.import_calls)
@blp.arguments(schemas.ImportFiles, location="files")
@blp.response(202, schemas.ImportOut)
def upload_cdr(files):
    """上传话务系统导出的通话记录（CSV），后台导入；可轮询进度"""
    f = request.files["file"]
    limit = current_app.config["MAX_CDR_BYTES"]
    raw = f.stream.read(limit + 1)
    if len(raw) > limit:
        raise errors.ApiError("文件过大", code="payload_too_large", status=413)
    if not raw:
        raise errors.ValidationFailed("文件为空")
    key = f"imports/cdr/{utcnow():%Y%m}/{secrets.token_hex(12)}.csv"
    with stored_object(key, raw, "text/csv"):  # storage down → 503; no orphan if the row fails
        imp = cdr.create_import(f.filename, raw, g.staff, storage_key=key)
    enqueue("calls.import", imp.id)
    db.session.expire_all()
    return db.session.get(CallImport, imp.id)


@blp.route("/imports")
@staff_required(P.import_calls)
@blp.response(200, schemas.ImportSummaryOut(many=True))
def list_imports():
    """最近的导入记录"""
    import sqlalchemy as sa
    return db.session.scalars(sa.select(CallImport).order_by(CallImport.id.desc()).limit(50)).all()


@blp.route("/imports/<int:import_id>")
@staff_required(P.import_calls)
@blp.response(200, schemas.ImportOut)
def get_import(import_id):
    """导入进度与错误行"""
    imp = db.session.get(CallImport, import_id)
    if imp is None:
        raise errors.NotFound("未找到该导入记录")
    return imp
