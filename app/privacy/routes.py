from flask import g
from flask_smorest import Blueprint

from app.audit import record as audit
from app.common.permissions import CITIZEN
from app.auth import consents
from app.auth.guards import citizen_required
from app.extensions import db
from app.privacy import schemas, service

blp = Blueprint("privacy", __name__, url_prefix="/api/v1/me", description="个人信息：敏感信息单独同意、数据副本、注销账号")


@blp.route("/consents")
@citizen_required
@blp.response(200, schemas.ConsentsOut)
def list_consents():
    """敏感个人信息的处理说明与本人的单独同意（公民身份号码、身份证照片、户口簿照片、家庭收入）"""
    return {"items": consents.status(g.citizen)}


@blp.route("/consents", methods=["POST"])
@citizen_required
@blp.arguments(schemas.ConsentInput)
@blp.response(200, schemas.ConsentOut)
def grant_consent(data):
    """单独同意处理一类敏感个人信息（记录所阅读说明的版本和时间）"""
    out = consents.grant(g.citizen, data["kind"], data["version"])
    audit("citizen.consent_grant", actor=g.citizen, object_type=CITIZEN.value, object_id=g.citizen.id,
          details={"kind": data["kind"], "version": data["version"]})
    db.session.commit()
    return out


@blp.route("/consents/<string:kind>", methods=["DELETE"])
@citizen_required
@blp.response(200, schemas.ConsentOut)
def withdraw_consent(kind):
    """撤回同意：此后不再收集该类信息（已提交的申请材料依法保存）"""
    out = consents.withdraw(g.citizen, kind)
    audit("citizen.consent_withdraw", actor=g.citizen, object_type=CITIZEN.value, object_id=g.citizen.id,
          details={"kind": kind})
    db.session.commit()
    return out


@blp.route("/data")
@citizen_required
@blp.response(200, schemas.DataCopyOut)
def data_copy():
    """本人数据副本（个人信息保护法第四十五条）：账号、同意记录、申请、材料清单、评价、异议"""
    return service.data_copy(g.citizen)


@blp.route("/deletion", methods=["POST"])
@citizen_required
@blp.arguments(schemas.DeletionInput)
@blp.response(200, schemas.DeletionOut)
def delete_account(data):
    """注销账号（不可恢复）：删除草稿及其照片、手机号绑定、微信标识、评价的身份关联和全部登录令牌；已提交申请的案卷依法保存"""
    return service.delete_account(g.citizen)
