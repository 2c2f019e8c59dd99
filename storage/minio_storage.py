"""Storage backend on MinIO / any S3-compatible server, via the official ``minio`` client."""

from __future__ import annotations

import io
import os
import threading
from datetime import timedelta

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import check_bucket_name

from .base import (
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    _as_bytes,
    validate_expires,
    validate_key,
)

__all__ = ["MinioStorage", "make_http_client"]

# Fail fast: a dead server must not hang a request (or /readyz) for minutes.
DEFAULT_TIMEOUT = urllib3.Timeout(connect=3, read=10)
DEFAULT_RETRIES = urllib3.Retry(
    total=2,
    backoff_factor=0.2,
    status_forcelist=[500, 502, 503, 504],
    # A server answering "Retry-After: 3600" must not make us sleep for an hour.
    respect_retry_after_header=False,
)

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchObject"})
_BUCKET_EXISTS_CODES = frozenset({"BucketAlreadyOwnedByYou"})

# Exceptions that mean "the backend failed" (anything else is a programming error).
_BACKEND_ERRORS = (MinioException, urllib3.exceptions.HTTPError, OSError)


def make_http_client(
    timeout: urllib3.Timeout | None = None,
    retries: urllib3.Retry | None = None,
    *,
    cert_check: bool = True,
) -> urllib3.PoolManager:
    """Return the urllib3 pool used by the minio client (short timeouts, few retries)."""
    return urllib3.PoolManager(
        timeout=timeout or DEFAULT_TIMEOUT,
        retries=retries or DEFAULT_RETRIES,
        maxsize=10,
        cert_reqs="CERT_REQUIRED" if cert_check else "CERT_NONE",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
    )


class MinioStorage(Storage):
    """Objects live in one private bucket, created on first use if missing.

    Construction makes no network call. Objects are never made public: signed
    URLs (``presigned_get_object``) are the only way to hand them out.
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str | None = None,
        timeout: urllib3.Timeout | None = None,
        retries: urllib3.Retry | None = None,
        http_client: urllib3.PoolManager | None = None,
    ) -> None:
        if not endpoint:
            raise ValueError("MinIO endpoint (host:port) is required")
        if not bucket:
            raise ValueError("MinIO bucket name is required")
        check_bucket_name(bucket, strict=True)  # raises ValueError
        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure
        self.region = region or None
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=self.region,
            http_client=http_client or make_http_client(timeout, retries),
        )
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    def __repr__(self) -> str:  # never show credentials
        scheme = "https" if self.secure else "http"
        return f"MinioStorage({scheme}://{self.endpoint}/{self.bucket})"

    # -- helpers -----------------------------------------------------------

    def _fail(self, action: str, key: str | None, exc: BaseException) -> StorageError:
        """Wrap a client/transport exception (never includes credentials)."""
        if isinstance(exc, S3Error):
            if exc.code == "NoSuchBucket":
                self._bucket_ready = False  # deleted behind our back: re-create next time
            detail = f"{exc.code}: {exc.message}"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        target = f"{self.bucket}/{key}" if key is not None else self.bucket
        return StorageError(f"object storage {action} failed for {target} at {self.endpoint}: {detail}")

    def _create_bucket_if_missing(self) -> None:
        # Caller handles exceptions.
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:
                # BucketAlreadyOwnedByYou: another process won the creation race.
                if exc.code not in _BUCKET_EXISTS_CODES:
                    raise
        self._bucket_ready = True

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._bucket_lock:
            if self._bucket_ready:
                return
            try:
                self._create_bucket_if_missing()
            except _BACKEND_ERRORS as exc:
                raise self._fail("bucket check", None, exc) from exc

    # -- Storage API -------------------------------------------------------

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        validate_key(key)
        data = _as_bytes(data)
        self._ensure_bucket()
        try:
            self.client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type or "application/octet-stream",
            )
        except _BACKEND_ERRORS as exc:
            raise self._fail("put", key, exc) from exc

    def get(self, key: str) -> bytes:
        validate_key(key)
        self._ensure_bucket()
        response = None
        try:
            response = self.client.get_object(self.bucket, key)
            return response.read()
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                raise ObjectNotFound(key) from exc
            raise self._fail("get", key, exc) from exc
        except _BACKEND_ERRORS as exc:
            raise self._fail("get", key, exc) from exc
        finally:
            if response is not None:
                response.close()
                response.release_conn()

    def delete(self, key: str) -> None:
        validate_key(key)
        self._ensure_bucket()
        try:
            self.client.remove_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                return
            raise self._fail("delete", key, exc) from exc
        except _BACKEND_ERRORS as exc:
            raise self._fail("delete", key, exc) from exc

    def exists(self, key: str) -> bool:
        validate_key(key)
        self._ensure_bucket()
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES:
                return False
            raise self._fail("stat", key, exc) from exc
        except _BACKEND_ERRORS as exc:
            raise self._fail("stat", key, exc) from exc
        return True

    def signed_url(self, key: str, expires: int = 300) -> str:
        validate_key(key)
        validate_expires(expires)
        try:
            # Pure computation when the region is known; otherwise one
            # GetBucketLocation call (cached by the client).
            return self.client.presigned_get_object(
                self.bucket, key, expires=timedelta(seconds=expires)
            )
        except _BACKEND_ERRORS as exc:
            raise self._fail("presign", key, exc) from exc

    def ping(self) -> None:
        # Always goes to the network (unlike _ensure_bucket, which is cached).
        try:
            self._create_bucket_if_missing()
        except _BACKEND_ERRORS as exc:
            raise self._fail("ping", None, exc) from exc

    def list_objects(self, prefix: str = ""):
        self._ensure_bucket()
        try:
            for obj in self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
                if obj.is_dir:
                    continue
                yield ObjectInfo(obj.object_name, obj.last_modified)
        except _BACKEND_ERRORS as exc:
            raise self._fail("list", prefix, exc) from exc
