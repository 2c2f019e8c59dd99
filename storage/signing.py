"""Links that expire: an HMAC-SHA256 signature over a subject and an expiry time, made and checked by
itsdangerous (constant-time comparison). The local storage backend signs its file URLs with it and
the app its letter links (app/procedure/letters.py). Framework-free like the rest of ``storage``."""

from __future__ import annotations

import hashlib
import time

from itsdangerous import BadSignature, Signer

__all__ = ["ExpiringSigner"]


class ExpiringSigner:
    """``signature(subject, expires_at)`` for a link's query (``?expires=…&signature=…``) and
    ``check(subject, expires, signature)``: True only for this signer's signature of the subject with
    that expiry, not yet passed. ``salt`` keeps one use's signatures from opening another's links."""

    def __init__(self, secret: str | bytes, salt: str) -> None:
        if not secret:
            raise ValueError("a signer needs a non-empty secret")
        self._signer = Signer(secret, salt=salt, digest_method=hashlib.sha256, key_derivation="hmac")

    @staticmethod
    def _message(subject: str, expires_at: int) -> bytes:
        return f"{subject}\n{int(expires_at)}".encode("utf-8")

    def signature(self, subject: str, expires_at: int) -> str:
        return self._signer.get_signature(self._message(subject, expires_at)).decode("ascii")

    def check(self, subject: str, expires, signature, *, now: float | None = None) -> bool:
        """Never raises on malformed input (expires and signature as they come from a query string)."""
        try:
            expires_at = int(expires)
        except (TypeError, ValueError):
            return False
        if not isinstance(signature, str) or not signature.isascii() or not signature:
            return False
        try:
            ok = self._signer.verify_signature(self._message(subject, expires_at), signature.encode("ascii"))
        except BadSignature:
            return False
        return ok and (time.time() if now is None else now) <= expires_at
