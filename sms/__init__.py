"""A pluggable SMS gateway (framework-free: imports nothing of `app`).

One interface, `Gateway.send(phone, template, params) -> Receipt`, and its adapters:

- `aliyun.AliyunSms` — Alibaba Cloud SMS (短信服务, dysmsapi 2017-05-25 `SendSms`), spoken over its
  documented RPC protocol with signature version 1.0 (HMAC-SHA1). The official SDK
  (alibabacloud_dysmsapi20170525) pulls aiohttp, APScheduler, websocket-client and a dozen more
  packages into every worker for one HTTP call, so the adapter signs the request itself
  (see docs/delivery.md).
- `tencent.TencentSms` — Tencent Cloud SMS (`SendSms`, API 2021-01-11) through the official SDK
  (tencentcloud-sdk-python-sms, which needs only `requests`), TC3-HMAC-SHA256 signed by the SDK.
- `memory.MemorySms` — keeps the messages in a list (development without a provider).

`from_settings(...)` builds the one a deployment names. Tests run the real adapters against
tests/fakes/sms_server.py, which speaks both providers' HTTP protocols and checks their signatures.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Protocol

PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class SmsError(Exception):
    """The provider refused the message or could not be reached. `code` is the provider's."""

    def __init__(self, message: str, code: str | None = None, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclasses.dataclass(frozen=True)
class Receipt:
    provider: str
    message_id: str  # the provider's id of the message (BizId / SerialNo)
    phone: str


class Gateway(Protocol):
    provider: str

    def send(self, phone: str, template: str, params: dict[str, str]) -> Receipt:
        """Send the template `template` with its parameters (in the template's order) to a mainland
        mobile number. Raises SmsError."""


def mainland_mobile(phone: str) -> str:
    """'+86 138-0013-8000' → '13800138000'; anything else → SmsError."""
    digits = re.sub(r"[\s-]", "", phone or "")
    m = PHONE.match(digits)
    if not m:
        raise SmsError(f"不是有效的中国大陆手机号：{phone}", code="InvalidPhone")
    return m.group(1)


def from_settings(provider: str | None, *, url: str | None = None, access_key_id: str | None = None,
                  access_key_secret: str | None = None, sign_name: str | None = None,
                  sdk_app_id: str | None = None, region: str | None = None, timeout: float = 10.0) -> Gateway | None:
    """The gateway a deployment configured: provider `aliyun` | `tencent` | `memory`, or None (no SMS)."""
    if not provider:
        return None
    if provider == "memory":
        from sms.memory import MemorySms  # optional adapters load only when chosen
        return MemorySms()
    if not (access_key_id and access_key_secret and sign_name):
        raise ValueError(f"SMS provider {provider}: access key id, secret and sign name are required")
    if provider == "aliyun":
        from sms.aliyun import AliyunSms  # optional adapters load only when chosen
        return AliyunSms(access_key_id, access_key_secret, sign_name, url=url, timeout=timeout)
    if provider == "tencent":
        if not sdk_app_id:
            raise ValueError("SMS provider tencent: the SDK app id (SmsSdkAppId) is required")
        from sms.tencent import TencentSms  # optional adapters load only when chosen (the SDK is big)
        return TencentSms(access_key_id, access_key_secret, sign_name, sdk_app_id,
                          region=region or "ap-guangzhou", url=url, timeout=timeout)
    raise ValueError(f"unknown SMS provider {provider!r} (aliyun | tencent | memory)")
