"""A fake SMS provider on loopback that speaks both providers' real HTTP protocols and checks their
signatures, so the real adapters in `sms/` are what the tests run:

* Alibaba Cloud dysmsapi RPC: POST / form-encoded, Action=SendSms, Version=2017-05-25, signature
  version 1.0 (HMAC-SHA1 over the canonicalized query) → {"Code": "OK", "BizId", "RequestId", "Message"}.
* Tencent Cloud API 3.0: POST / JSON, X-TC-Action: SendSms, X-TC-Version: 2021-01-11,
  Authorization: TC3-HMAC-SHA256 … → {"Response": {"SendStatusSet": [...], "RequestId"}}.

A wrong signature answers as the provider does (SignatureDoesNotMatch / AuthFailure.SignatureFailure).
Messages that got through are in `sent` ({"provider", "phone", "template", "params", "sign", "id"}).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import urllib.parse
import uuid

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

ACCESS_KEY_ID = "LTAI-fake-0123456789"
ACCESS_KEY_SECRET = "fake-sms-secret-abcdef0123456789"
SIGN_NAME = "武汉法援"
SDK_APP_ID = "1400000000"


def _percent(value: str) -> str:
    return urllib.parse.quote(str(value), safe="~")


class FakeSms:
    def __init__(self, access_key_id: str = ACCESS_KEY_ID, access_key_secret: str = ACCESS_KEY_SECRET):
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.server = HTTPServer(host="127.0.0.1", port=0)
        self.server.start()
        self.sent: list[dict] = []
        self.refused: list[dict] = []
        self._fail_next: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server.expect_request("/", method="POST").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/") + "/"

    def close(self) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    def fail_next(self, code: str) -> None:
        """The next send is refused with the provider's `code` (e.g. isv.BUSINESS_LIMIT_CONTROL)."""
        self._fail_next.append(code)

    def messages_to(self, phone: str) -> list[dict]:
        return [m for m in self.sent if m["phone"].endswith(phone)]

    # -- dispatch ---------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        if request.headers.get("X-TC-Action"):
            return self._tencent(request)
        return self._aliyun(request)

    def _json(self, body: dict, status: int = 200) -> Response:
        return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")

    # -- Alibaba Cloud ----------------------------------------------------------------------------

    def _aliyun(self, request: Request) -> Response:
        params = {k: v for k, v in request.form.items()}
        request_id = str(uuid.uuid4()).upper()
        given = params.pop("Signature", None)
        if params.get("AccessKeyId") != self.access_key_id:
            return self._json({"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.",
                               "RequestId": request_id}, 404)
        canonical = "&".join(f"{_percent(k)}={_percent(params[k])}" for k in sorted(params))
        to_sign = f"POST&{_percent('/')}&{_percent(canonical)}"
        expected = base64.b64encode(hmac.new(f"{self.access_key_secret}&".encode(), to_sign.encode(),
                                             hashlib.sha1).digest()).decode()
        if not given or not hmac.compare_digest(given, expected):
            return self._json({"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched "
                               "with our calculation.", "RequestId": request_id}, 400)
        for key in ("Action", "Version", "SignatureMethod", "SignatureVersion", "Timestamp", "SignatureNonce"):
            if not params.get(key):
                return self._json({"Code": "MissingParameter", "Message": f"{key} is mandatory", "RequestId": request_id},
                                  400)
        if (params["Action"], params["Version"]) != ("SendSms", "2017-05-25"):
            return self._json({"Code": "InvalidAction.NotFound", "Message": "Specified api is not found",
                               "RequestId": request_id}, 404)
        refused = self._take_failure()
        if refused:
            self.refused.append({"provider": "aliyun", "code": refused, "phone": params.get("PhoneNumbers")})
            return self._json({"Code": refused, "Message": "触发号码天级流控", "RequestId": request_id})
        if not (params.get("PhoneNumbers", "").isdigit() and len(params["PhoneNumbers"]) == 11):
            return self._json({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id})
        biz_id = f"{next(self._ids):06d}^0"
        self.sent.append({"provider": "aliyun", "phone": params["PhoneNumbers"], "template": params.get("TemplateCode"),
                          "params": json.loads(params.get("TemplateParam") or "{}"), "sign": params.get("SignName"),
                          "id": biz_id})
        return self._json({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id})

    # -- Tencent Cloud (API 3.0, TC3-HMAC-SHA256) --------------------------------------------------

    def _tencent(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        auth = request.headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            secret_id, date, service, _ = parts["Credential"].split("/")
            signed_headers, given = parts["SignedHeaders"], parts["Signature"]
        except (ValueError, KeyError):
            return self._tc_error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.",
                                  request_id)
        if algorithm != "TC3-HMAC-SHA256" or secret_id != self.access_key_id:
            return self._tc_error("AuthFailure.SecretIdNotFound", "The SecretId is not found.", request_id)
        payload = request.get_data()
        canonical_headers = "".join(f"{h}:{request.headers.get(h, '').strip().lower()}\n"
                                    for h in signed_headers.split(";"))
        canonical = "\n".join(("POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()))
        timestamp = request.headers.get("X-TC-Timestamp", "")
        scope = f"{date}/{service}/tc3_request"
        to_sign = "\n".join(("TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()))

        def _h(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()
        key = _h(_h(_h(("TC3" + self.access_key_secret).encode(), date), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected):
            return self._tc_error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.",
                                  request_id)
        if (request.headers.get("X-TC-Action"), request.headers.get("X-TC-Version")) != ("SendSms", "2021-01-11"):
            return self._tc_error("InvalidAction", "The action is not supported.", request_id)
        body = json.loads(payload or b"{}")
        refused = self._take_failure()
        statuses = []
        for phone in body.get("PhoneNumberSet") or ():
            if refused:
                self.refused.append({"provider": "tencent", "code": refused, "phone": phone})
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                                 "Code": refused, "Message": "refused by the fake", "IsoCode": "CN"})
                continue
            serial = f"2433:{next(self._ids):010d}"
            self.sent.append({"provider": "tencent", "phone": phone, "template": body.get("TemplateId"),
                              "params": list(body.get("TemplateParamSet") or ()), "sign": body.get("SignName"),
                              "app": body.get("SmsSdkAppId"), "id": serial})
            statuses.append({"SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
                             "Code": "Ok", "Message": "send success", "IsoCode": "CN"})
        return self._json({"Response": {"SendStatusSet": statuses, "RequestId": request_id}})

    def _tc_error(self, code: str, message: str, request_id: str) -> Response:
        return self._json({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}})

    def _take_failure(self) -> str | None:
        with self._lock:
            return self._fail_next.pop(0) if self._fail_next else None


def sms_settings(fake: FakeSms, provider: str = "aliyun") -> dict:
    """The app settings that point the SMS gateway at the fake."""
    return {"SMS_PROVIDER": provider, "SMS_URL": fake.url, "SMS_ACCESS_KEY_ID": fake.access_key_id,
            "SMS_ACCESS_KEY_SECRET": fake.access_key_secret, "SMS_SIGN_NAME": SIGN_NAME, "SMS_SDK_APP_ID": SDK_APP_ID,
            "SMS_TEMPLATE_LETTER": "SMS_LETTER_01", "SMS_TIMEOUT": 5.0, "LETTER_LINK_BASE": "https://12348.example.cn"}


try:
    import pytest

    @pytest.fixture
    def fake_sms():
        fake = FakeSms()
        yield fake
        fake.close()
except ImportError:  # pragma: no cover — the module is used outside pytest too
    pass
