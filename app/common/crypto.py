"""Field encryption at rest (session_key) and token hashing."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    key = hashlib.sha256(("field-encryption:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """Tokens are stored only as SHA-256 so a database dump yields no usable bearer."""
    return hashlib.sha256(token.encode()).hexdigest()


def phone_hash(phone: str) -> str:
    """Keyed hash for matching phone numbers without storing them in clear where not needed."""
    key = ("phone-match:" + current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()
