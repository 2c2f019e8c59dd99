"""Free text from a form or a request body (a note, a reason, an address), checked the same way everywhere."""
from __future__ import annotations

from app import errors


def text(value, field: str, message: str, required: bool = True, limit: int = 500, minimum: int = 1) -> str | None:
    """The stripped text, or None when empty and not required; `message` when required and shorter than
    `minimum` characters; a length error past `limit`."""
    value = (value or "").strip() if isinstance(value, str) else value
    value = value or None
    if required and (not value or len(value) < minimum):
        raise errors.ValidationFailed(message, details={"fields": {field: [message]}})
    if value and len(value) > limit:
        raise errors.ValidationFailed(f"内容过长（最多 {limit} 字）", details={"fields": {field: [f"最多 {limit} 字"]}})
    return value
