"""Writing an object and the row that refers to it, without leaving orphans.

    with stored_object(key, data, "image/jpeg"):
        ...add and commit the row that names `key`...

A put that fails may still have landed (a storage cut mid-reply): the key is deleted on a best-effort
basis and the caller gets 503 `storage_unavailable`. If the block fails (database error, validation),
the session is rolled back and the object deleted. Whatever a crash still leaves behind is found by
the reconciler (app.common.reconcile)."""
from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager

import storage
from app import errors
from app.extensions import db
from app.storage_bridge import get_storage

log = logging.getLogger(__name__)


def storage_unavailable() -> errors.ApiError:
    return errors.ServiceUnavailable("文件存储暂时不可用，请稍后重试", code="storage_unavailable",
                                     headers={"Retry-After": "30"})


def read_verified(key: str, sha256: str, what: str, code: str) -> bytes:
    """The stored bytes of something immutable (a letter, an archive), refused unless they are the ones
    recorded when it was made (SHA-256): 404 when gone, 503 when the storage is down, 500 `code` on a
    mismatch. `what` names it in the messages (文书, 归档)."""
    try:
        data = get_storage().get(key)
    except storage.ObjectNotFound:
        raise errors.NotFound(f"{what}文件不存在") from None
    except storage.StorageError:
        raise errors.ServiceUnavailable("文件存储暂时不可用", code="storage_unavailable") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise errors.ApiError(f"{what}文件校验失败（SHA-256 不符），已拒绝提供", status=500, code=code)
    return data


@contextmanager
def stored_object(key: str, data: bytes, content_type: str):
    st = get_storage()
    try:
        st.put(key, data, content_type)
    except storage.StorageError:
        log.warning("storage put failed for %s", key)
        forget(key)  # the write may have landed before the failure
        raise storage_unavailable() from None
    try:
        yield key
    except BaseException:
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            pass
        forget(key)
        raise


def forget(key: str) -> bool:
    """Best-effort delete; False (and a log line for the reconciler's report) when it fails."""
    try:
        get_storage().delete(key)
        return True
    except Exception:  # noqa: BLE001
        log.error("object %s may be orphaned: delete failed; the reconciler will remove it", key)
        return False


# --- who owns which objects (read by the reconciler, app.common.reconcile) -------------------------

OWNERS: dict[str, list[tuple[str, object]]] = {}


def owns(prefix: str, label: str, key_column) -> None:
    """Declare that rows of `label` name the objects under `prefix` in `key_column` (a domain's
    models module calls this once per column that stores object keys)."""
    entries = OWNERS.setdefault(prefix, [])
    if not any(lbl == label for lbl, _ in entries):
        entries.append((label, key_column))
