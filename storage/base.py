"""Storage interface, errors and key helpers shared by all backends.

This package is framework-free: it must not import anything from ``app/``.
"""

from __future__ import annotations

import abc
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = [
    "StorageError",
    "ObjectInfo",
    "ObjectNotFound",
    "Storage",
    "validate_key",
    "new_key",
    "MAX_KEY_LENGTH",
    "MAX_SEGMENT_LENGTH",
    "MAX_SIGNED_URL_EXPIRES",
]

#: Longest accepted key (S3 allows 1024 bytes; keys are ASCII-only here).
MAX_KEY_LENGTH = 512

#: Longest accepted path segment (filesystem NAME_MAX, so LocalStorage can store it).
MAX_SEGMENT_LENGTH = 255

#: Longest accepted lifetime of a signed URL, in seconds (S3 SigV4 limit: 7 days).
MAX_SIGNED_URL_EXPIRES = 7 * 24 * 3600

# One or more path segments of [A-Za-z0-9_.-], separated by single slashes.
_KEY_RE = re.compile(r"[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*")


class StorageError(Exception):
    """The storage backend is unreachable or failed (callers map this to HTTP 503)."""


class ObjectNotFound(StorageError):
    """The requested object does not exist."""


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid object key, else raise ValueError.

    Rules (identical for every backend, so keys are portable between them):
    ASCII letters, digits, ``_ . - /`` only; no leading/trailing or doubled ``/``;
    no ``..`` anywhere; no segment starting with ``.`` (reserved for temp files);
    at most MAX_KEY_LENGTH characters, MAX_SEGMENT_LENGTH per segment.
    """
    if not isinstance(key, str):
        raise ValueError(f"storage key must be a str, not {type(key).__name__}")
    if not key:
        raise ValueError("storage key must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"storage key longer than {MAX_KEY_LENGTH} characters")
    if not _KEY_RE.fullmatch(key):
        raise ValueError(f"invalid storage key: {key!r}")
    if ".." in key:
        raise ValueError(f"storage key must not contain '..': {key!r}")
    segments = key.split("/")
    if any(segment.startswith(".") for segment in segments):
        raise ValueError(f"storage key segments must not start with '.': {key!r}")
    if any(len(segment) > MAX_SEGMENT_LENGTH for segment in segments):
        raise ValueError(f"storage key segment longer than {MAX_SEGMENT_LENGTH} characters")
    return key


def validate_expires(expires: int) -> int:
    """Check a signed-URL lifetime in seconds; raise ValueError if out of range."""
    if isinstance(expires, bool) or not isinstance(expires, int):
        raise ValueError("expires must be an int number of seconds")
    if not 0 < expires <= MAX_SIGNED_URL_EXPIRES:
        raise ValueError(f"expires must be between 1 and {MAX_SIGNED_URL_EXPIRES} seconds")
    return expires


def new_key(prefix: str) -> str:
    """Return a fresh unguessable key ``<prefix>/<YYYY>/<MM>/<32 hex chars>`` (UTC date)."""
    prefix = prefix.strip("/")
    validate_key(prefix)
    now = datetime.now(timezone.utc)
    return validate_key(f"{prefix}/{now:%Y}/{now:%m}/{secrets.token_hex(16)}")


class Storage(abc.ABC):
    """Private object storage. Every method validates its key (ValueError if bad).

    Failures of the backend itself raise StorageError; a missing object raises
    ObjectNotFound (a StorageError subclass) from ``get`` only.
    """

    @abc.abstractmethod
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store ``data`` under ``key``, replacing any existing object."""

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """Return the object's bytes; raise ObjectNotFound if it does not exist."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Return whether the object exists (StorageError if that cannot be determined)."""

    @abc.abstractmethod
    def signed_url(self, key: str, expires: int = 300) -> str:
        """Return a URL that lets its bearer GET the object for ``expires`` seconds."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Check the backend is usable; raise StorageError if not (used by /readyz)."""

    @abc.abstractmethod
    def list_objects(self, prefix: str = "") -> "Iterator[ObjectInfo]":
        """Every object whose key starts with ``prefix`` (key and last-modified time, UTC)."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    modified: datetime


def _as_bytes(data: bytes) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"data must be bytes, not {type(data).__name__}")
