"""Alibaba Cloud SMS (dysmsapi, version 2017-05-25, action SendSms) over its RPC protocol, signed
with signature version 1.0 as Alibaba Cloud documents it:

    StringToSign = "POST" + "&" + percent("/") + "&" + percent(canonicalized query)
    Signature    = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))

where the canonicalized query is the parameters sorted by name, each name and value percent-encoded
(RFC 3986: space → %20, * → %2A, ~ kept). The answer is JSON: {"Code": "OK", "BizId", "RequestId",
"Message"}; any other Code is a refusal (isv.BUSINESS_LIMIT_CONTROL and Throttling.* may be retried).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid

import requests

from sms import Receipt, SmsError, mainland_mobile

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
RETRYABLE = ("isv.BUSINESS_LIMIT_CONTROL", "Throttling", "ServiceUnavailable", "InternalError")


def percent(value: str) -> str:
    return urllib.parse.quote(str(value), safe="~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent(k)}={percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    provider = "aliyun"

    def __init__(self, access_key_id: str, access_key_secret: str, sign_name: str, *, url: str | None = None,
                 timeout: float = 10.0, session: requests.Session | None = None):
        self.access_key_id, self.access_key_secret, self.sign_name = access_key_id, access_key_secret, sign_name
        self.url = url or ENDPOINT
        self.timeout = timeout
        self.session = session or requests.Session()

    def request_params(self, phone: str, template: str, params: dict[str, str], *,
                       now: dt.datetime | None = None, nonce: str | None = None) -> dict[str, str]:
        now = now or dt.datetime.now(dt.timezone.utc)
        out = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": phone, "RegionId": "cn-hangzhou", "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0", "TemplateCode": template,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
        }
        out["Signature"] = sign(out, self.access_key_secret)
        return out

    def send(self, phone: str, template: str, params: dict[str, str]) -> Receipt:
        number = mainland_mobile(phone)
        body = self.request_params(number, template, params)
        try:
            r = self.session.post(self.url, data=body, timeout=self.timeout)
        except requests.RequestException as e:
            raise SmsError(f"阿里云短信服务无法连接：{e}", code="Network", retryable=True) from e
        try:
            answer = r.json()
        except ValueError as e:
            raise SmsError(f"阿里云短信服务返回了无法解析的应答（HTTP {r.status_code}）", code=f"HTTP{r.status_code}",
                           retryable=r.status_code >= 500) from e
        code = answer.get("Code")
        if code != "OK":
            raise SmsError(f"阿里云短信服务拒绝发送：{code} {answer.get('Message') or ''}".strip(), code=code,
                           retryable=any(str(code or "").startswith(p) for p in RETRYABLE))
        return Receipt(self.provider, str(answer.get("BizId") or answer.get("RequestId")), number)
