"""The SMS adapters against the fake provider that speaks Alibaba Cloud's and Tencent Cloud's HTTP
protocols and checks their signatures: a message gets through, a wrong secret is refused as the
provider refuses it, a provider's refusal is an SmsError with its code."""
from __future__ import annotations

import pytest

import sms
from sms.aliyun import AliyunSms
from tests.fakes.sms_server import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SDK_APP_ID, SIGN_NAME


def _gateway(provider, fake, secret=ACCESS_KEY_SECRET):
    return sms.from_settings(provider, url=fake.url, access_key_id=ACCESS_KEY_ID, access_key_secret=secret,
                             sign_name=SIGN_NAME, sdk_app_id=SDK_APP_ID, region="ap-guangzhou", timeout=5)


PARAMS = {"number": "武法援补字〔2026〕第0001号", "what": "补充材料通知", "link": "https://h5.example/l/Ab3dE9"}


def test_aliyun_sends_a_signed_request(fake_sms):
    receipt = _gateway("aliyun", fake_sms).send("+86 138-0013-8000", "SMS_123456", PARAMS)
    assert receipt.provider == "aliyun" and receipt.phone == "13800138000" and receipt.message_id
    [msg] = fake_sms.sent
    assert msg["phone"] == "13800138000" and msg["template"] == "SMS_123456" and msg["sign"] == SIGN_NAME
    assert msg["params"] == PARAMS and msg["id"] == receipt.message_id


def test_tencent_sends_through_the_official_sdk(fake_sms):
    receipt = _gateway("tencent", fake_sms).send("13800138000", "1234567", PARAMS)
    assert receipt.provider == "tencent" and receipt.message_id.startswith("2433:")
    [msg] = fake_sms.sent
    assert msg["phone"] == "+8613800138000" and msg["template"] == "1234567" and msg["app"] == SDK_APP_ID
    assert msg["params"] == list(PARAMS.values())


@pytest.mark.parametrize("provider, code", [("aliyun", "SignatureDoesNotMatch"),
                                            ("tencent", "AuthFailure.SignatureFailure")])
def test_a_wrong_secret_is_refused(fake_sms, provider, code):
    with pytest.raises(sms.SmsError) as err:
        _gateway(provider, fake_sms, secret="not-the-secret").send("13800138000", "T1", PARAMS)
    assert err.value.code == code
    assert fake_sms.sent == []


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_refusal_carries_the_providers_code(fake_sms, provider):
    fake_sms.fail_next("LimitExceeded.PhoneNumberDailyLimit" if provider == "tencent" else "isv.BUSINESS_LIMIT_CONTROL")
    with pytest.raises(sms.SmsError) as err:
        _gateway(provider, fake_sms).send("13800138000", "T1", PARAMS)
    assert err.value.retryable and err.value.code
    assert fake_sms.sent == []


def test_unreachable_provider_is_retryable():
    gw = AliyunSms(ACCESS_KEY_ID, ACCESS_KEY_SECRET, SIGN_NAME, url="http://127.0.0.1:9/", timeout=1)
    with pytest.raises(sms.SmsError) as err:
        gw.send("13800138000", "T1", PARAMS)
    assert err.value.retryable and err.value.code == "Network"


def test_phone_numbers_and_settings():
    assert sms.mainland_mobile("+8613912345678") == "13912345678"
    for bad in ("12345", "010-12345678", "+1 415 555 0100", ""):
        with pytest.raises(sms.SmsError):
            sms.mainland_mobile(bad)
    assert sms.from_settings(None) is None and sms.from_settings("") is None
    mem = sms.from_settings("memory")
    mem.send("13800138000", "T", {"a": "1"})
    assert mem.sent[0]["phone"] == "13800138000"
    with pytest.raises(ValueError):
        sms.from_settings("carrier-pigeon", access_key_id="a", access_key_secret="b", sign_name="c")
    with pytest.raises(ValueError):
        sms.from_settings("aliyun", access_key_id="a")
    with pytest.raises(ValueError):
        sms.from_settings("tencent", access_key_id="a", access_key_secret="b", sign_name="c")
