"""The app's handle on the framework-free wechat package: one client per app, errors mapped to API errors."""
from __future__ import annotations

from flask import current_app

import wechat
from app import errors

_STATUS = {
    "invalid_code": errors.Unauthorized("微信登录凭证无效或已过期，请重新进入小程序", code="wechat_invalid_code"),
    "rate_limited": errors.TooManyRequests("微信接口调用过于频繁，请稍后再试", code="wechat_rate_limited"),
    "unavailable": errors.ServiceUnavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable"),
    "invalid_payload": errors.BadRequest("手机号授权数据无效或已过期，请重新授权", code="wechat_invalid_payload"),
}


def get_wechat():
    client = current_app.extensions.get("wechat")
    if client is None:
        cfg = current_app.config
        client = wechat.make_client(cfg.get("WECHAT_APPID"), cfg.get("WECHAT_SECRET"),
                                    cfg.get("WECHAT_API_BASE_URL"), cfg.get("APP_ENV", "development"))
        current_app.extensions["wechat"] = client
    return client


def call_wechat(fn):
    """Run fn(client); translate WeChatError into the API's error with a Chinese message."""
    try:
        return fn(get_wechat())
    except wechat.WeChatError as exc:
        template = _STATUS.get(exc.kind)
        if template is None:
            raise errors.ServiceUnavailable("微信服务返回错误，请稍后再试", code="wechat_error",
                                            details={"errcode": exc.errcode}) from None
        raise type(template)(template.message, code=template.code, details={"errcode": exc.errcode}) from None
