"""Explicit dev-mode client used when no WeChat credentials are configured."""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import re

from .crypto import decrypt_payload, phone_from_payload
from .errors import INVALID_CODE, WeChatError

logger = logging.getLogger("wechat")

DEV_APPID = "wxdev000000000000"
DEV_CODE_PREFIX = "dev:"
_PHONE_RE = re.compile(r"^\d{5,20}$")


def dev_openid(name: str) -> str:
    """The stable fake openid for login code ``dev:<name>``."""
    return "dev-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:24]


class DevMiniProgramClient:
    """Offline stand-in for MiniProgramClient (no network, no credentials).

    * ``code_to_session("dev:<name>")`` -> openid ``dev-`` + sha256(name)[:24],
      a fresh random session_key; any other code -> WeChatError(invalid_code).
    * ``get_phone_number("dev:13800138000")`` -> that number (country code 86).
    * ``decrypt_phone`` works like the real one, with appid ``wxdev000000000000``.
    * ``send_subscribe_message`` records into ``self.sent``.
    * ``msg_sec_check`` flags text containing a word of ``RISKY_WORDS``.
    """

    dev_mode = True
    RISKY_WORDS = ("测试违规词",)

    def __init__(self, appid: str = DEV_APPID):
        self.appid = appid
        self.api_base_url = None
        self.sent: list[dict] = []

    def __repr__(self) -> str:
        return f"DevMiniProgramClient(appid={self.appid!r})"

    @staticmethod
    def _dev_value(code: str, what: str) -> str:
        if not isinstance(code, str) or not code.startswith(DEV_CODE_PREFIX) or not code[len(DEV_CODE_PREFIX):].strip():
            raise WeChatError(INVALID_CODE, 40029, f"dev mode accepts only 'dev:<{what}>' codes")
        return code[len(DEV_CODE_PREFIX):].strip()

    def code_to_session(self, code: str) -> dict:
        name = self._dev_value(code, "name")
        return {
            "openid": dev_openid(name),
            "session_key": base64.b64encode(os.urandom(16)).decode("ascii"),
            "unionid": None,
        }

    def get_phone_number(self, code: str) -> dict:
        phone = self._dev_value(code, "phone")
        if not _PHONE_RE.match(phone):
            raise WeChatError(INVALID_CODE, 40029, "dev phone code must be 'dev:<digits>'")
        return {"phone_number": phone, "pure_phone_number": phone, "country_code": "86"}

    def decrypt_phone(self, session_key: str, encrypted_data: str, iv: str, max_age: int = 600) -> dict:
        return phone_from_payload(decrypt_payload(session_key, encrypted_data, iv, self.appid, max_age))

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None) -> None:
        self.sent.append({"touser": openid, "template_id": template_id, "page": page, "data": data})
        # Field names only: values may hold personal data.
        logger.info(
            "WeChat dev mode: subscribe message recorded (template %s, page %s, fields %s)",
            template_id, page, sorted((data or {}).keys()),
        )

    def msg_sec_check(self, openid: str, content: str, scene: int = 1) -> bool:
        return not any(word in (content or "") for word in self.RISKY_WORDS)
