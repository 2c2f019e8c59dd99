"""Tencent Cloud SMS (API 2021-01-11, action SendSms) through the official SDK
(tencentcloud-sdk-python-sms), which signs every request with TC3-HMAC-SHA256. `url` points the SDK
at another endpoint (a test's fake: http://127.0.0.1:PORT). Template parameters are positional in
Tencent's templates ({1}, {2}, …): they are sent in the order of `params`."""
from __future__ import annotations

import urllib.parse

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from sms import Receipt, SmsError, mainland_mobile

RETRYABLE = ("LimitExceeded", "InternalError", "RequestLimitExceeded", "ClientNetworkError", "ServerNetworkError")


class TencentSms:
    provider = "tencent"

    def __init__(self, secret_id: str, secret_key: str, sign_name: str, sdk_app_id: str, *,
                 region: str = "ap-guangzhou", url: str | None = None, timeout: float = 10.0):
        http = HttpProfile(reqTimeout=int(max(1, timeout)))
        if url:
            parsed = urllib.parse.urlsplit(url)
            http.scheme = parsed.scheme or "https"
            http.endpoint = parsed.netloc
        else:
            http.endpoint = "sms.tencentcloudapi.com"
        self.client = sms_client.SmsClient(credential.Credential(secret_id, secret_key), region,
                                           ClientProfile(httpProfile=http))
        self.sign_name, self.sdk_app_id = sign_name, sdk_app_id

    def send(self, phone: str, template: str, params: dict[str, str]) -> Receipt:
        number = mainland_mobile(phone)
        req = models.SendSmsRequest()
        req.PhoneNumberSet = [f"+86{number}"]
        req.SmsSdkAppId = self.sdk_app_id
        req.SignName = self.sign_name
        req.TemplateId = template
        req.TemplateParamSet = [str(v) for v in params.values()]
        try:
            resp = self.client.SendSms(req)
        except TencentCloudSDKException as e:
            code = e.get_code()
            raise SmsError(f"腾讯云短信服务拒绝发送：{code} {e.get_message()}", code=code,
                           retryable=any(str(code or "").startswith(p) for p in RETRYABLE)) from e
        status = (resp.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            code = getattr(status, "Code", None)
            raise SmsError(f"腾讯云短信服务拒绝发送：{code} {getattr(status, 'Message', '')}", code=code,
                           retryable=any(str(code or "").startswith(p) for p in RETRYABLE))
        return Receipt(self.provider, status.SerialNo, number)
