"""Legacy mini-program encrypted payloads (wx.getPhoneNumber encryptedData/iv)."""
from __future__ import annotations

import base64
import binascii
import time

from wechatpy.crypto import WeChatWxaCrypto

from .errors import INVALID_PAYLOAD, WeChatError

# A watermark may be slightly ahead of our clock; allow this much skew.
FUTURE_SKEW_SECONDS = 60


def _b64_16(value: str, what: str) -> None:
    """Check that ``value`` is base64 of exactly 16 bytes (AES-128 key / IV)."""
    if not isinstance(value, str) or not value:
        raise WeChatError(INVALID_PAYLOAD, None, f"{what} missing")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise WeChatError(INVALID_PAYLOAD, None, f"{what} is not valid base64") from None
    if len(raw) != 16:
        raise WeChatError(INVALID_PAYLOAD, None, f"{what} has wrong length")


def decrypt_payload(
    session_key: str,
    encrypted_data: str,
    iv: str,
    appid: str,
    max_age: int = 600,
    now: float | None = None,
) -> dict:
    """Decrypt and verify a legacy payload; returns the whole decoded JSON object.

    Raises WeChatError(kind="invalid_payload") on any decoding failure, foreign
    watermark appid, or a watermark timestamp older than ``max_age`` seconds (or
    more than 60 s in the future). Error messages never include key material.
    """
    _b64_16(session_key, "session key")
    _b64_16(iv, "iv")
    if not isinstance(encrypted_data, str) or not encrypted_data:
        raise WeChatError(INVALID_PAYLOAD, None, "encrypted data missing")
    try:
        raw = base64.b64decode(encrypted_data, validate=True)
    except (binascii.Error, ValueError):
        raise WeChatError(INVALID_PAYLOAD, None, "encrypted data is not valid base64") from None
    if not raw or len(raw) % 16:
        raise WeChatError(INVALID_PAYLOAD, None, "encrypted data has wrong length")

    try:
        data = WeChatWxaCrypto(session_key, iv, appid).decrypt_message(encrypted_data)
    except Exception as exc:  # bad padding, garbage plaintext, foreign appid, ...
        # Deliberately no chaining: the original exception may reference key material.
        reason = "foreign appid" if type(exc).__name__ == "InvalidAppIdException" else "cannot decrypt"
        raise WeChatError(INVALID_PAYLOAD, None, f"payload rejected: {reason}") from None

    if not isinstance(data, dict):
        raise WeChatError(INVALID_PAYLOAD, None, "payload is not an object")
    watermark = data.get("watermark")
    if not isinstance(watermark, dict) or watermark.get("appid") != appid:
        raise WeChatError(INVALID_PAYLOAD, None, "payload rejected: foreign appid")
    ts = watermark.get("timestamp")
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise WeChatError(INVALID_PAYLOAD, None, "payload watermark has no timestamp")
    current = time.time() if now is None else now
    if ts < current - max_age:
        raise WeChatError(INVALID_PAYLOAD, None, "payload watermark is stale")
    if ts > current + FUTURE_SKEW_SECONDS:
        raise WeChatError(INVALID_PAYLOAD, None, "payload watermark is in the future")
    return data


def phone_from_payload(info: dict) -> dict:
    """Normalise WeChat's phone info object (legacy payload or phone_info)."""
    try:
        phone = info["phoneNumber"]
        pure = info["purePhoneNumber"]
        country = info["countryCode"]
    except (KeyError, TypeError):
        raise WeChatError(INVALID_PAYLOAD, None, "phone info incomplete") from None
    if not phone or not pure or country in (None, ""):
        raise WeChatError(INVALID_PAYLOAD, None, "phone info incomplete")
    return {
        "phone_number": str(phone),
        "pure_phone_number": str(pure),
        "country_code": str(country),
    }
