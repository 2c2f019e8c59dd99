import sqlalchemy as sa
from flask import Response, abort, current_app, g, request
from flask_smorest import Blueprint

import storage
from app import errors
from app.auth.guards import any_authenticated, citizen_required
from app.common import limits, openapi
from app.common.idempotency import idempotent
from app.documents import flows, prefill, schemas, service
from app.documents.models import Document
from app.extensions import db
from app.storage_bridge import get_storage
from app.common.media import sniff
from app.common.taxonomy import DOCUMENT_KINDS

blp = Blueprint("documents", __name__, url_prefix="/api/v1", description="申请材料（照片）")


@blp.route("/documents", methods=["POST"])
@any_authenticated
@limits.uploads
@idempotent
@blp.arguments(schemas.UploadForm, location="form")
@blp.arguments(schemas.UploadFiles, location="files")
@blp.response(201, schemas.DocumentDetailOut)
def upload(form, files):
    """上传材料照片（wx.uploadFile：multipart/form-data，字段 file，附 kind 与 application_id）"""
    f = request.files["file"]
    raw = f.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    return flows.photo_uploaded(g.actor, form["application_id"], form["kind"], raw, f.filename)


@blp.route("/applications/<int:application_id>/documents")
@any_authenticated
@blp.arguments(schemas.ListArgs, location="query")
@blp.response(200, schemas.DocumentOut(many=True))
def list_documents(args, application_id):
    """某申请的材料列表"""
    return service.list_for_application(g.actor, application_id, args["include_superseded"])


@blp.route("/documents/<int:document_id>")
@any_authenticated
@blp.response(200, schemas.DocumentDetailOut)
def get_document(document_id):
    """材料详情（含识别结果与质量提示）"""
    return service.get_document(g.actor, document_id)


@blp.route("/documents/<int:document_id>/url")
@any_authenticated
@blp.response(200, schemas.SignedUrlOut)
def document_url(document_id):
    """查看照片：返回短时有效的签名地址（工作人员查看计入审计日志）"""
    return service.signed_view(g.actor, document_id)


def serve_local_file(key):
    """Serve a local-storage object behind a valid signature (the local backend's 'signed URL')."""
    st = get_storage()
    if not hasattr(st, "verify"):
        abort(404)
    if not st.verify(key, request.args.get("expires", ""), request.args.get("signature", "")):
        raise errors.Forbidden("链接无效或已过期", code="invalid_signature")
    try:
        data = st.get(key)
    except storage.ObjectNotFound:
        raise errors.NotFound("文件不存在") from None
    except storage.StorageError:
        raise errors.ServiceUnavailable("文件存储暂时不可用") from None
    ctype = db.session.scalar(sa.select(Document.content_type).where(Document.storage_key == key))
    if not ctype:  # call recordings (and other objects the documents table does not describe)
        ctype = sniff(data[:16], key)
    resp = Response([data], mimetype=ctype)
    # <audio> seeks with Range requests: answer 206 with the asked bytes (416 when out of range)
    resp.make_conditional(request, accept_ranges=True, complete_length=len(data))
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'"
    return resp


@blp.route("/applications/<int:application_id>/prefill")
@citizen_required
@blp.response(200)
def get_prefill(application_id):
    """照片识别的建议填写内容（含置信度、来源材料、材料间不一致之处；不会覆盖已填写或已确认的内容）"""
    return prefill.prefill(g.citizen, application_id)


@blp.route("/applications/<int:application_id>/prefill/confirm", methods=["POST"])
@citizen_required
@blp.arguments(schemas.PrefillConfirmInput)
@blp.response(200)
def confirm_prefill(data, application_id):
    """确认采用识别结果：写入草稿并记录"""
    return prefill.confirm(g.citizen, application_id, data["fields"])


@openapi.spec_fixup
def _upload_body(app, spec):  # noqa: ARG001
    """The upload's multipart body: the file and the two form fields (parsed from two locations)."""
    op = openapi.operation(spec, "/api/v1/documents", "post")
    if op is None:
        return
    op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file", "kind", "application_id"], "additionalProperties": False,
        "properties": {"file": {"type": "string", "format": "binary", "description": "照片（JPEG、PNG、WebP）"},
                       "kind": {"type": "string", "enum": list(DOCUMENT_KINDS), "description": "材料类型"},
                       "application_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                                          "description": "所属申请"}}}}}}
