"""Storage backend on a local folder (development, tests, single-host setups)."""

from __future__ import annotations

import os
import stat
import tempfile
import time

from datetime import datetime, timezone

from .base import (
    ObjectInfo,
    ObjectNotFound,
    Storage,
    StorageError,
    _as_bytes,
    validate_expires,
    validate_key,
)
from .signing import ExpiringSigner

__all__ = ["LocalStorage"]

_FILE_MODE = 0o600
_DIR_MODE = 0o700
_TMP_PREFIX = ".tmp-"


class LocalStorage(Storage):
    """Objects are files under ``root``; ``a/b/c`` is stored at ``root/a/b/c``.

    A folder cannot serve URLs, so ``signed_url`` returns an app-relative URL
    ``{url_prefix}/{key}?expires=<unix ts>&signature=<HMAC-SHA256, itsdangerous>`` that the
    web app serves after checking it with :meth:`verify`.
    """

    def __init__(self, root: str, *, secret: str, url_prefix: str = "/files") -> None:
        if not root:
            raise ValueError("LocalStorage root must not be empty")
        if not secret:
            raise ValueError("LocalStorage needs a non-empty secret to sign URLs")
        # Resolve now so that a later chdir does not move the storage.
        self.root = os.path.abspath(os.path.expanduser(root))
        self.url_prefix = url_prefix.rstrip("/")
        self._signer = ExpiringSigner(secret, salt="storage.local.url")

    def __repr__(self) -> str:
        return f"LocalStorage(root={self.root!r})"

    # -- helpers -----------------------------------------------------------

    def _path(self, key: str) -> str:
        validate_key(key)
        return os.path.join(self.root, *key.split("/"))

    def _root_broken(self) -> StorageError | None:
        """Return an error if the root exists but is not a usable directory."""
        if os.path.exists(self.root) and not os.path.isdir(self.root):
            return StorageError(f"storage root is not a directory: {self.root}")
        return None

    def _sign(self, key: str, expires_at: int) -> str:
        return self._signer.signature(key, expires_at)

    # -- Storage API -------------------------------------------------------

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        # content_type is not kept: the folder backend has no metadata store.
        path = self._path(key)
        data = _as_bytes(data)
        broken = self._root_broken()
        if broken:
            raise broken
        parent = os.path.dirname(path)
        tmp_path = None
        try:
            os.makedirs(parent, mode=_DIR_MODE, exist_ok=True)
            fd, tmp_path = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=parent)
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), _FILE_MODE)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_path, path)
            tmp_path = None
        except OSError as exc:
            raise StorageError(f"cannot write {key!r} under {self.root}: {exc}") from exc
        finally:
            if tmp_path is not None:
                try:
                    os.unlink(tmp_path)
                except OSError:
                    pass

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            broken = self._root_broken()
            if broken:
                raise broken from exc
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} under {self.root}: {exc}") from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):
            broken = self._root_broken()
            if broken:
                raise broken
        except IsADirectoryError:
            pass  # a "directory" of other keys, not an object
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r} under {self.root}: {exc}") from exc

    def exists(self, key: str) -> bool:
        path = self._path(key)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            broken = self._root_broken()
            if broken:
                raise broken
            return False
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r} under {self.root}: {exc}") from exc
        return stat.S_ISREG(st.st_mode)

    def signed_url(self, key: str, expires: int = 300) -> str:
        validate_key(key)
        validate_expires(expires)
        expires_at = int(time.time()) + expires
        signature = self._sign(key, expires_at)
        return f"{self.url_prefix}/{key}?expires={expires_at}&signature={signature}"

    def verify(self, key: str, expires, signature) -> bool:
        """Check a signed URL's parameters (as strings from the query or ints).

        True only if the key is valid, the signature matches key and expiry,
        and the expiry has not passed. Never raises on malformed input.
        """
        try:
            validate_key(key)
        except (ValueError, TypeError):
            return False
        return self._signer.check(key, expires, signature)

    def ping(self) -> None:
        broken = self._root_broken()
        if broken:
            raise broken
        try:
            os.makedirs(self.root, mode=_DIR_MODE, exist_ok=True)
            # Really write: os.access() lies for root and on some mounts.
            fd, probe = tempfile.mkstemp(prefix=_TMP_PREFIX + "ping-", dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise StorageError(f"storage root not writable: {self.root}: {exc}") from exc

    def list_objects(self, prefix: str = ""):
        broken = self._root_broken()
        if broken:
            raise broken
        try:
            for dirpath, dirnames, filenames in os.walk(self.root):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    if name.startswith("."):
                        continue  # temp files of writes in progress
                    full = os.path.join(dirpath, name)
                    key = os.path.relpath(full, self.root).replace(os.sep, "/")
                    if key.startswith(prefix):
                        mtime = os.stat(full).st_mtime
                        yield ObjectInfo(key, datetime.fromtimestamp(mtime, tz=timezone.utc))
        except OSError as exc:
            raise StorageError(f"cannot list {self.root}: {exc}") from exc
