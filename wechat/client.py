"""WeChat mini-program API client built on wechatpy, with a configurable API host."""
from __future__ import annotations

import logging
from typing import Any, Callable

import requests
from wechatpy import WeChatClient
from wechatpy.client.api import WeChatWxa
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException

from .crypto import decrypt_payload, phone_from_payload
from .errors import ERROR, INVALID_PAYLOAD, RISKY, TOKEN_ERRCODES, WeChatError, from_exception

logger = logging.getLogger("wechat")

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com"
_REAL_HOST_PREFIX = "https://api.weixin.qq.com/"


class _TimeoutSession(requests.Session):
    """requests.Session used by wechatpy: default timeout + host pinning.

    * wechatpy's access-token fetch passes no timeout; without a default a hung
      token endpoint would hang the caller forever.
    * Some wechatpy methods build absolute ``https://api.weixin.qq.com/...`` URLs;
      as a last line of defence those are re-rooted to the configured base.
    """

    def __init__(self, timeout: float, api_root: str):
        super().__init__()
        self.default_timeout = timeout
        self.api_root = api_root

    def request(self, method, url, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        if isinstance(url, str) and url.startswith(_REAL_HOST_PREFIX):
            url = self.api_root + "/" + url[len(_REAL_HOST_PREFIX):]
        return super().request(method, url, **kwargs)


class _WxaAPI(WeChatWxa):
    """wechatpy's WeChatWxa with a per-client base URL and the APIs it lacks."""

    @property
    def API_BASE_URL(self) -> str:  # type: ignore[override]  # shadows the hard-coded class attr
        return self._client.api_root + "/"

    def code_to_session(self, js_code):
        # Same as wechatpy's, but without attaching (and hence first fetching) an
        # access token, which jscode2session does not use. A None param is
        # dropped by requests.
        return self._get(
            "sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self.secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
                "access_token": None,
            },
        )

    def get_user_phone_number(self, code: str) -> dict:
        """POST wxa/business/getuserphonenumber (new getPhoneNumber flow)."""
        return self._post("wxa/business/getuserphonenumber", data={"code": code})

    def check_text_security_v2(self, openid: str, content: str, scene: int) -> dict:
        """POST wxa/msg_sec_check with version=2 (openid/scene based)."""
        return self._post(
            "wxa/msg_sec_check",
            data={"content": content, "version": 2, "scene": scene, "openid": openid},
        )


class _ApiClient(WeChatClient):
    """wechatpy WeChatClient whose every URL lives under a configurable root."""

    wxa = _WxaAPI()

    def __init__(self, appid, secret, api_root: str, session=None, timeout: float = 5.0):
        self.api_root = api_root
        # auto_retry=False: wechatpy's own retry on token errors recurses without
        # bound; MiniProgramClient retries once instead.
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self._http = _TimeoutSession(timeout, api_root)
        self.API_BASE_URL = api_root + "/cgi-bin/"
        # Re-root every other wechatpy API object that hard-codes the real host.
        for name in dir(self):
            if name.startswith("__"):
                continue
            api = self.__dict__.get(name)
            if not isinstance(api, BaseWeChatAPI) or isinstance(api, _WxaAPI):
                continue
            base = getattr(type(api), "API_BASE_URL", None)
            if isinstance(base, str) and base.startswith(_REAL_HOST_PREFIX):
                api.API_BASE_URL = api_root + "/" + base[len(_REAL_HOST_PREFIX):]

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.api_root + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def _errcode(exc: WeChatClientException) -> int | None:
    try:
        return int(exc.errcode)
    except (TypeError, ValueError):
        return None


def _normalize_template_data(data: dict) -> dict:
    """Accept {"thing1": "x"} as shorthand for {"thing1": {"value": "x"}}."""
    out = {}
    for key, value in data.items():
        out[key] = value if isinstance(value, dict) else {"value": "" if value is None else str(value)}
    return out


class MiniProgramClient:
    """Mini-program server API: login, phone number, subscribe messages, text check."""

    dev_mode = False

    def __init__(
        self,
        appid: str,
        secret: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        timeout: float = 5.0,
        session=None,
    ):
        if not appid or not secret:
            raise ValueError("appid and secret are required")
        base = (api_base_url or DEFAULT_API_BASE_URL).strip().rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ValueError("api_base_url must be an http(s) URL")
        self.appid = appid
        self.api_base_url = base
        self.timeout = timeout
        # The underlying wechatpy client (token cache lives in ``session``).
        self.wechatpy = _ApiClient(appid, secret, base, session=session, timeout=timeout)

    def __repr__(self) -> str:  # never show the secret
        return f"MiniProgramClient(appid={self.appid!r}, api_base_url={self.api_base_url!r})"

    # -- plumbing ---------------------------------------------------------------

    def _call(self, api: str, fn: Callable[[], Any], *, uses_token: bool = True, server_message: bool = True):
        """Run a wechatpy call, retrying once on a rejected access token, and
        translate every failure into WeChatError."""
        attempts = 2 if uses_token else 1
        for attempt in range(attempts):
            try:
                result = fn()
            except WeChatClientException as exc:
                if uses_token and attempt + 1 < attempts and _errcode(exc) in TOKEN_ERRCODES:
                    logger.info("WeChat %s: access token rejected (errcode %s), refreshing", api, exc.errcode)
                    try:
                        self.wechatpy.fetch_access_token()
                    except Exception as token_exc:
                        err = from_exception(token_exc, api="token")
                        logger.warning("WeChat token refresh failed: kind=%s errcode=%s", err.kind, err.errcode)
                        raise err from None
                    continue
                err = from_exception(exc, api=api, server_message=server_message)
                self._log_failure(api, err)
                raise err from None
            except (requests.RequestException, ValueError, KeyError) as exc:
                # Network failures, non-JSON answers, token answers without a token.
                err = from_exception(exc, api=api, server_message=server_message)
                self._log_failure(api, err)
                raise err from None
            if not isinstance(result, dict):
                err = WeChatError(ERROR, None, f"{api}: non-JSON response")
                self._log_failure(api, err)
                raise err
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _log_failure(api: str, err: WeChatError) -> None:
        level = logging.WARNING if err.kind in ("unavailable", "error", "rate_limited") else logging.INFO
        logger.log(level, "WeChat %s failed: kind=%s errcode=%s", api, err.kind, err.errcode)

    # -- public API -------------------------------------------------------------

    def code_to_session(self, code: str) -> dict:
        """jscode2session. Returns {"openid", "session_key", "unionid"} (unionid may be None)."""
        if not code or not isinstance(code, str):
            raise WeChatError("invalid_code", None, "empty login code")
        result = self._call(
            "jscode2session",
            lambda: self.wechatpy.wxa.code_to_session(code),
            uses_token=False,
            server_message=False,
        )
        openid = result.get("openid")
        session_key = result.get("session_key")
        if not openid or not session_key:
            logger.warning("WeChat jscode2session: answer without openid/session_key")
            raise WeChatError(ERROR, None, "jscode2session: incomplete answer")
        logger.debug("WeChat jscode2session ok (unionid %s)", "present" if result.get("unionid") else "absent")
        return {"openid": openid, "session_key": session_key, "unionid": result.get("unionid") or None}

    def get_phone_number(self, code: str) -> dict:
        """New getPhoneNumber flow: POST /wxa/business/getuserphonenumber.
        Returns {"phone_number", "pure_phone_number", "country_code"}."""
        if not code or not isinstance(code, str):
            raise WeChatError("invalid_code", None, "empty phone code")
        result = self._call("getuserphonenumber", lambda: self.wechatpy.wxa.get_user_phone_number(code))
        info = result.get("phone_info")
        if not isinstance(info, dict):
            raise WeChatError(ERROR, None, "getuserphonenumber: answer without phone_info")
        watermark = info.get("watermark")
        if isinstance(watermark, dict) and watermark.get("appid") not in (None, self.appid):
            raise WeChatError(INVALID_PAYLOAD, None, "getuserphonenumber: foreign appid")
        return phone_from_payload(info)

    def decrypt_phone(self, session_key: str, encrypted_data: str, iv: str, max_age: int = 600) -> dict:
        """Legacy getPhoneNumber payload (encryptedData/iv), watermark checked."""
        return phone_from_payload(decrypt_payload(session_key, encrypted_data, iv, self.appid, max_age))

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None:
        """subscribeMessage.send. Values in ``data`` may be plain strings or {"value": ...}."""
        payload = _normalize_template_data(data or {})
        self._call(
            "subscribe_send",
            lambda: self.wechatpy.wxa.send_subscribe_message(openid, template_id, payload, page=page),
        )
        logger.info("WeChat subscribe message sent (template %s)", template_id)

    def msg_sec_check(self, openid: str, content: str, scene: int = 1) -> bool:
        """msgSecCheck v2. True only if WeChat's suggestion is "pass"."""
        try:
            result = self._call(
                "msg_sec_check", lambda: self.wechatpy.wxa.check_text_security_v2(openid, content, scene)
            )
        except WeChatError as err:
            if err.kind == RISKY:  # 87014: content flagged
                return False
            raise
        res = result.get("result")
        suggest = res.get("suggest") if isinstance(res, dict) else None
        if suggest not in ("pass", "risky", "review"):
            raise WeChatError(ERROR, None, "msg_sec_check: answer without result.suggest")
        if suggest != "pass":
            logger.info("WeChat msg_sec_check: suggest=%s label=%s", suggest, res.get("label"))
        return suggest == "pass"
