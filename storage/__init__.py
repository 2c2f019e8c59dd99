"""Private object storage for uploaded documents.

Framework-free (imports nothing from ``app/``). Pick a backend from a URL::

    storage = from_url(os.environ["STORAGE_URL"], secret=SECRET_KEY)

Supported URLs:

* ``file:///abs/path``, ``file://relative/path`` or a bare path -> :class:`LocalStorage`
* ``minio://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1``
* ``s3://ACCESS:SECRET@host:port/bucket?secure=true``  -> :class:`MinioStorage`

For ``minio://`` ``secure`` defaults to false and ``region`` to ``us-east-1``; for
``s3://`` ``secure`` defaults to true and the region is discovered from the bucket
when not given. Access and secret keys may be percent-encoded.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from .base import (
    MAX_KEY_LENGTH,
    MAX_SEGMENT_LENGTH,
    MAX_SIGNED_URL_EXPIRES,
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    new_key,
    validate_key,
)
from .local import LocalStorage
from .minio_storage import MinioStorage

__all__ = [
    "StorageError",
    "ObjectInfo",
    "ObjectNotFound",
    "Storage",
    "LocalStorage",
    "MinioStorage",
    "from_url",
    "new_key",
    "validate_key",
    "MAX_KEY_LENGTH",
    "MAX_SEGMENT_LENGTH",
    "MAX_SIGNED_URL_EXPIRES",
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"storage URL parameter {name}={value!r} is not a boolean")


def from_url(url: str, *, secret: str, local_url_prefix: str = "/files") -> Storage:
    """Build a Storage from a ``STORAGE_URL``. Raises ValueError on a bad URL.

    ``secret`` signs LocalStorage URLs (use the app's SECRET_KEY);
    ``local_url_prefix`` is where the app serves those signed URLs.
    No network call is made here.
    """
    if not url or not url.strip():
        raise ValueError("STORAGE_URL is empty")
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()

    if scheme == "file":
        # file:///abs -> "/abs"; file://relative/path -> "relative/path"
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError(f"file storage URL has no path: {url!r}")
        return LocalStorage(path, secret=secret, url_prefix=local_url_prefix)

    if scheme in ("minio", "s3"):
        return _minio_from_parts(parts, scheme)

    if scheme == "" or "://" not in url:
        # A bare path (may contain ':' in odd places, e.g. "data:1" -> treat as a path)
        return LocalStorage(url, secret=secret, url_prefix=local_url_prefix)

    raise ValueError(f"unsupported STORAGE_URL scheme {parts.scheme!r} (use file, minio or s3)")


def _minio_from_parts(parts, scheme: str) -> MinioStorage:
    if "@" not in parts.netloc:
        raise ValueError(f"{scheme}:// URL needs credentials: {scheme}://ACCESS:SECRET@host:port/bucket")
    userinfo, _, endpoint = parts.netloc.rpartition("@")
    access_key, sep, secret_key = userinfo.partition(":")
    access_key, secret_key = unquote(access_key), unquote(secret_key)
    if not sep or not access_key or not secret_key:
        raise ValueError(f"{scheme}:// URL needs both access key and secret key")
    if not endpoint:
        raise ValueError(f"{scheme}:// URL has no host")
    try:
        parts.port  # validates the port number
    except ValueError as exc:
        raise ValueError(f"{scheme}:// URL has an invalid port") from exc

    bucket = parts.path.strip("/")
    if not bucket or "/" in bucket:
        raise ValueError(f"{scheme}:// URL must name exactly one bucket: {scheme}://.../bucket")

    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"secure", "region"}
    if unknown:
        raise ValueError(f"unknown {scheme}:// URL parameter(s): {', '.join(sorted(unknown))}")
    secure = scheme == "s3"
    if "secure" in query:
        secure = _parse_bool("secure", query["secure"][-1])
    region = query["region"][-1].strip() if "region" in query else ""
    if not region and scheme == "minio":
        region = "us-east-1"

    return MinioStorage(
        endpoint,
        access_key,
        secret_key,
        bucket,
        secure=secure,
        region=region or None,
    )
