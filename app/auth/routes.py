from flask import g
from flask_smorest import Blueprint

from app.auth import schemas, service
from app.auth.guards import any_authenticated, bearer_token, citizen_required
from app.common import limits, openapi
from app.common.idempotency import idempotent
from app.audit import record
from app.extensions import db

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与个人信息")


@blp.route("/auth/wechat/login", methods=["POST"])
@limits.wechat_login
@blp.arguments(schemas.WeChatLoginInput)
@blp.response(200, schemas.LoginOut)
def wechat_login(data):
    """小程序登录：用 wx.login 的 code 换取访问令牌（session_key 仅保存在服务端）"""
    citizen, tokens, created = service.wechat_login(data["code"])
    return {**tokens, "user": citizen, "is_new": created}


@blp.route("/auth/staff/login", methods=["POST"])
@limits.staff_login
@blp.arguments(schemas.StaffLoginInput)
@blp.response(200, schemas.StaffLoginOut)
def staff_login(data):
    """工作人员用户名密码登录，获取 API 令牌"""
    user = service.authenticate_staff(data["username"], data["password"])
    tokens = service.issue_tokens("staff", user.id)
    record("auth.login", actor=user, object_type="staff_user", object_id=user.id, details={"channel": "api"})
    db.session.commit()
    return {**tokens, "user": user}


@blp.route("/auth/refresh", methods=["POST"])
@blp.arguments(schemas.RefreshInput)
@blp.response(200, schemas.TokenOut)
def refresh(data):
    """用刷新令牌换取新令牌（旧令牌随即失效）"""
    return service.refresh_tokens(data["refresh_token"])


@blp.route("/auth/logout", methods=["POST"])
@any_authenticated
@blp.response(204)
def logout():
    """退出登录：访问令牌与刷新令牌一并失效"""
    service.revoke(bearer_token())


@blp.route("/me")
@citizen_required
@blp.response(200, schemas.CitizenOut)
def me():
    """当前用户（手机号脱敏）"""
    return g.citizen


@blp.route("/me/phone", methods=["POST"])
@citizen_required
@limits.phone_binding
@idempotent
@blp.arguments(schemas.PhoneInput)
@blp.response(200, schemas.CitizenOut)
def bind_phone(data):
    """绑定手机号：新版 getPhoneNumber 的 code，或旧版 encrypted_data + iv"""
    return service.bind_phone(g.citizen, code=data.get("code"), encrypted_data=data.get("encrypted_data"),
                              iv=data.get("iv"))


@openapi.spec_fixup
def _phone_input_one_of(app, spec):  # noqa: ARG001
    """POST /me/phone takes `code`, or `encrypted_data` with `iv` (PhoneInput.one_of)."""
    schema = spec.components.schemas.get("PhoneInput")
    if schema is not None:
        schema["oneOf"] = [{"required": ["code"]}, {"required": ["encrypted_data", "iv"]}]
