"""Test helpers: build legacy encrypted payloads like WeChat does."""
from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt_payload(session_key_b64: str, iv_b64: str, payload: dict) -> str:
    """AES-128-CBC + PKCS#7 + base64: the inverse of wechatpy's WeChatWxaCrypto."""
    key = base64.b64decode(session_key_b64)
    iv = base64.b64decode(iv_b64)
    plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def phone_payload(appid: str, phone: str, timestamp: int, country_code: str = "86") -> dict:
    """The plaintext WeChat encrypts for the legacy getPhoneNumber flow."""
    return {
        "phoneNumber": phone if country_code == "86" else f"+{country_code}{phone}",
        "purePhoneNumber": phone,
        "countryCode": country_code,
        "watermark": {"appid": appid, "timestamp": int(timestamp)},
    }
