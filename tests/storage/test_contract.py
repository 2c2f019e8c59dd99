"""Contract tests shared by every Storage backend, plus backend-specific checks."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import stat
import threading
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
import urllib3

import storage as storage_pkg
from storage import (
    LocalStorage,
    MinioStorage,
    ObjectNotFound,
    Storage,
    StorageError,
    from_url,
    new_key,
)

SECRET = "test-secret-key"
BINARY = bytes(range(256)) * 4 + b"\x00\r\n\xff\xfe" + "证件".encode("utf-8")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(params=["local", "minio"])
def store(request, tmp_path) -> Storage:
    if request.param == "local":
        return from_url(f"file://{tmp_path / 'files'}", secret=SECRET)
    moto_s3 = request.getfixturevalue("moto_s3")
    return from_url(moto_s3.storage_url(), secret=SECRET)


@pytest.fixture
def local(tmp_path) -> LocalStorage:
    return LocalStorage(str(tmp_path / "files"), secret=SECRET, url_prefix="/files")


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- contract


def test_put_get_roundtrip_binary(store):
    store.put("documents/id_front/a.jpg", BINARY, "image/jpeg")
    assert store.get("documents/id_front/a.jpg") == BINARY


def test_large_object_roundtrip(store):
    # Phone photos can exceed 5 MiB, where the minio client switches to multipart.
    data = os.urandom(6 * 1024 * 1024 + 123)
    store.put("big/photo.jpg", data, "image/jpeg")
    assert store.get("big/photo.jpg") == data


def test_empty_object(store):
    store.put("empty", b"")
    assert store.exists("empty")
    assert store.get("empty") == b""


def test_bytes_like_data_accepted(store):
    store.put("ba", bytearray(b"abc"))
    store.put("mv", memoryview(b"def"))
    assert store.get("ba") == b"abc"
    assert store.get("mv") == b"def"
    with pytest.raises(TypeError):
        store.put("str", "not bytes")  # type: ignore[arg-type]


def test_overwrite(store):
    store.put("k/overwrite.bin", b"first version, longer")
    store.put("k/overwrite.bin", b"second")
    assert store.get("k/overwrite.bin") == b"second"


def test_exists(store):
    assert store.exists("x/y/z.png") is False
    store.put("x/y/z.png", b"png")
    assert store.exists("x/y/z.png") is True
    # A key prefix is not an object.
    assert store.exists("x/y") is False


def test_delete_is_idempotent(store):
    store.put("del/me", b"bye")
    store.delete("del/me")
    assert store.exists("del/me") is False
    store.delete("del/me")  # again: no error
    store.delete("never/existed")
    with pytest.raises(ObjectNotFound):
        store.get("del/me")


def test_get_missing_raises_object_not_found(store):
    with pytest.raises(ObjectNotFound) as excinfo:
        store.get("no/such/key")
    assert isinstance(excinfo.value, StorageError)


BAD_KEYS = [
    "",
    "/leading-slash",
    "trailing-slash/",
    "double//slash",
    "..",
    "a/../b",
    "a/..",
    "a..b",
    "./a",
    "a/./b",
    ".hidden",
    "a/.tmp-x",
    "with space",
    "back\\slash",
    "new\nline",
    "trailing-newline\n",
    "证件.jpg",
    "q?x=1",
    "hash#x",
    "pct%2F",
    "x" * (storage_pkg.MAX_KEY_LENGTH + 1),
    "/".join(["x" * 100] * 6)[: storage_pkg.MAX_KEY_LENGTH] + "x",  # too long overall
    "a/" + "x" * (storage_pkg.MAX_SEGMENT_LENGTH + 1),  # segment too long
    None,
    b"bytes-key",
]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_raise_value_error(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.delete(key)
    with pytest.raises(ValueError):
        store.exists(key)
    with pytest.raises(ValueError):
        store.signed_url(key)


def test_longest_key_ok(store):
    assert (storage_pkg.MAX_KEY_LENGTH, storage_pkg.MAX_SEGMENT_LENGTH) == (512, 255)
    key = "a" * 255 + "/" + "b" * 254 + "/c"
    assert len(key) == storage_pkg.MAX_KEY_LENGTH
    store.put(key, b"long")
    assert store.get(key) == b"long"


@pytest.mark.parametrize("expires", [0, -1, 7 * 24 * 3600 + 1, 1.5, "300", True])
def test_signed_url_rejects_bad_expiry(store, expires):
    with pytest.raises(ValueError):
        store.signed_url("some/key", expires=expires)


def test_signed_url_downloads_bytes(store):
    key = new_key("documents")
    store.put(key, BINARY, "image/jpeg")
    url = store.signed_url(key, expires=60)
    if isinstance(store, MinioStorage):
        with urllib.request.urlopen(url, timeout=5) as resp:
            assert resp.status == 200
            assert resp.read() == BINARY
            assert resp.headers["Content-Type"] == "image/jpeg"
    else:
        parts = urlsplit(url)
        assert parts.path == f"/files/{key}"
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert set(params) == {"expires", "signature"}
        assert store.verify(key, params["expires"], params["signature"]) is True
        # What the app serves after verify() succeeds:
        assert store.get(key) == BINARY


def test_new_key_unique_and_well_formed(store):
    keys = {new_key("documents/id_front") for _ in range(2000)}
    assert len(keys) == 2000
    pattern = re.compile(r"documents/id_front/\d{4}/\d{2}/[0-9a-f]{32}")
    assert all(pattern.fullmatch(k) for k in keys)
    key = next(iter(keys))
    store.put(key, b"ok")
    assert store.get(key) == b"ok"


@pytest.mark.parametrize("prefix", ["", "/", "a/../b", "with space"])
def test_new_key_bad_prefix(prefix):
    with pytest.raises(ValueError):
        new_key(prefix)


def test_ping_ok(store):
    store.ping()
    store.ping()


# ---------------------------------------------------------------- local backend


def _params(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    prefix = "/files/"
    assert parts.path.startswith(prefix)
    return parts.path[len(prefix):], params["expires"], params["signature"]


def test_local_verify_rejects_tampering(local):
    key, expires, signature = _params(local.signed_url("documents/a", expires=300))
    assert key == "documents/a"
    assert local.verify(key, expires, signature)
    assert local.verify(key, int(expires), signature)  # ints accepted too

    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert not local.verify(key, expires, flipped)
    assert not local.verify(key, expires, signature[:-1])
    assert not local.verify(key, expires, "")
    assert not local.verify(key, expires, None)
    assert not local.verify(key, expires, "证" * 64)
    assert not local.verify("documents/b", expires, signature)  # other key
    assert not local.verify(key, str(int(expires) + 1000), signature)  # extended expiry
    assert not local.verify(key, "soon", signature)
    assert not local.verify("../etc/passwd", expires, signature)
    # A different secret cannot verify (nor forge) the URL.
    other = LocalStorage(local.root, secret="another-secret")
    assert not other.verify(key, expires, signature)


def test_local_verify_rejects_expired(local):
    with time_machine.travel(dt.datetime(2026, 9, 25, 8, 0, tzinfo=dt.timezone.utc), tick=False) as clock:
        key, expires, signature = _params(local.signed_url("documents/a", expires=60))
        assert int(expires) == 1790323260  # 2026-09-25 08:01:00 UTC
        assert local.verify(key, expires, signature)
        clock.shift(60)
        assert local.verify(key, expires, signature)  # the last second still opens it
        clock.shift(1)
        assert not local.verify(key, expires, signature)
        # A URL signed (validly) for a moment in the past is refused as well.
        assert not local.verify(key, 1790323200, local._sign(key, 1790323200))


def test_local_url_prefix(tmp_path):
    st = from_url(str(tmp_path), secret=SECRET, local_url_prefix="/api/v1/files/")
    assert st.signed_url("a/b").startswith("/api/v1/files/a/b?expires=")


def test_local_requires_secret(tmp_path):
    with pytest.raises(ValueError):
        LocalStorage(str(tmp_path), secret="")


def test_local_file_layout_and_permissions(local):
    local.put("documents/2026/11/abc", b"secret scan")
    path = os.path.join(local.root, "documents", "2026", "11", "abc")
    with open(path, "rb") as fh:
        assert fh.read() == b"secret scan"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # Atomic write leaves no temp files behind.
    assert os.listdir(os.path.dirname(path)) == ["abc"]


def test_local_failed_write_keeps_old_content(local, monkeypatch):
    local.put("doc", b"old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_pkg.local.os, "replace", boom)
    with pytest.raises(StorageError):
        local.put("doc", b"new")
    monkeypatch.undo()
    assert local.get("doc") == b"old"
    assert os.listdir(local.root) == ["doc"]


def test_local_concurrent_writes_are_atomic(local):
    payloads = [bytes([i]) * 200_000 for i in range(8)]
    threads = [threading.Thread(target=local.put, args=("race", p)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert local.get("race") in payloads
    assert os.listdir(local.root) == ["race"]


def test_local_root_created_lazily(tmp_path):
    st = LocalStorage(str(tmp_path / "not" / "yet"), secret=SECRET)
    assert not (tmp_path / "not").exists()
    assert st.exists("a") is False
    with pytest.raises(ObjectNotFound):
        st.get("a")
    st.delete("a")
    st.ping()
    assert (tmp_path / "not" / "yet").is_dir()


def test_local_root_is_a_file(tmp_path):
    root = tmp_path / "iam-a-file"
    root.write_bytes(b"")
    st = LocalStorage(str(root), secret=SECRET)
    with pytest.raises(StorageError):
        st.put("a/b", b"x")
    with pytest.raises(StorageError):
        st.ping()
    for call in (lambda: st.get("a"), lambda: st.exists("a"), lambda: st.delete("a")):
        with pytest.raises(StorageError) as excinfo:
            call()
        assert not isinstance(excinfo.value, ObjectNotFound)


def test_local_root_below_a_file(tmp_path):
    (tmp_path / "f").write_bytes(b"")
    st = LocalStorage(str(tmp_path / "f" / "sub"), secret=SECRET)
    with pytest.raises(StorageError):
        st.put("a", b"x")
    with pytest.raises(StorageError):
        st.ping()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_local_root_unwritable(tmp_path):
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    try:
        st = LocalStorage(str(root), secret=SECRET)
        with pytest.raises(StorageError):
            st.put("a", b"x")
        with pytest.raises(StorageError):
            st.ping()
    finally:
        root.chmod(0o700)


def test_local_permission_denied_is_storage_error(tmp_path, monkeypatch):
    # Portable stand-in for an unwritable root (the test above is skipped as root).
    st = LocalStorage(str(tmp_path / "files"), secret=SECRET)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(storage_pkg.local.tempfile, "mkstemp", denied)
    with pytest.raises(StorageError):
        st.put("a", b"x")
    with pytest.raises(StorageError):
        st.ping()


def test_local_key_path_conflict_is_storage_error(local):
    local.put("a/b", b"file")
    with pytest.raises(StorageError):
        local.put("a/b/c", b"below a file")
    with pytest.raises(ObjectNotFound):
        local.get("a/b/c")
    assert local.exists("a/b/c") is False
    with pytest.raises(ObjectNotFound):
        local.get("a")  # a directory, not an object


# ---------------------------------------------------------------- minio backend


def test_minio_creates_private_bucket_on_first_use(moto_s3):
    from minio.error import S3Error

    st = from_url(moto_s3.storage_url(), secret=SECRET)
    assert not st.client.bucket_exists(st.bucket)  # nothing at construction
    st.put("a", b"x")
    assert st.client.bucket_exists(st.bucket)
    with pytest.raises(S3Error) as excinfo:
        st.client.get_bucket_policy(st.bucket)  # no public-read policy
    assert excinfo.value.code == "NoSuchBucketPolicy"


def test_minio_bucket_deleted_behind_our_back(moto_s3):
    st = from_url(moto_s3.storage_url(), secret=SECRET)
    st.put("a", b"x")
    st.delete("a")
    st.client.remove_bucket(st.bucket)
    with pytest.raises(StorageError) as excinfo:
        st.put("a", b"y")
    assert not isinstance(excinfo.value, ObjectNotFound)
    st.put("a", b"y")  # bucket re-created on the next use
    assert st.get("a") == b"y"


def test_minio_repr_hides_credentials(moto_s3):
    st = from_url(moto_s3.storage_url("bucket-x"), secret=SECRET)
    assert moto_s3.secret_key not in repr(st)
    assert repr(st) == f"MinioStorage(http://{moto_s3.endpoint}/bucket-x)"


def test_minio_dead_server_fails_fast():
    st = from_url(f"minio://testing:testing12345@127.0.0.1:{_closed_port()}/docs", secret=SECRET)
    for call in (
        lambda: st.put("a", b"x"),
        st.ping,
        lambda: st.get("a"),
        lambda: st.exists("a"),
        lambda: st.delete("a"),
    ):
        started = time.monotonic()
        with pytest.raises(StorageError) as excinfo:
            call()
        assert time.monotonic() - started < 10
        assert not isinstance(excinfo.value, ObjectNotFound)
        assert "testing12345" not in str(excinfo.value)


def test_minio_unresponsive_server_times_out():
    # Accepts TCP connections (kernel backlog) but never answers.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        port = sock.getsockname()[1]
        st = MinioStorage(
            f"127.0.0.1:{port}",
            "testing",
            "testing12345",
            "docs",
            region="us-east-1",
            timeout=urllib3.Timeout(connect=0.5, read=0.3),
        )
        started = time.monotonic()
        with pytest.raises(StorageError):
            st.ping()
        assert time.monotonic() - started < 5


def test_minio_server_error_is_storage_error(moto_s3):
    from minio.error import S3Error

    st = from_url(moto_s3.storage_url(), secret=SECRET)

    class FailingClient:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise S3Error(None, "InternalError", "boom", "/r", "rid", "hid")

            return fail

    st.client = FailingClient()
    for call in (
        lambda: st.put("a", b"x"),
        lambda: st.get("a"),
        lambda: st.exists("a"),
        lambda: st.delete("a"),
        lambda: st.signed_url("a"),
        st.ping,
    ):
        with pytest.raises(StorageError) as excinfo:
            call()
        assert not isinstance(excinfo.value, ObjectNotFound)


# ---------------------------------------------------------------- from_url


def test_from_url_local_variants(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    abs_store = from_url(f"file://{tmp_path}/abs", secret=SECRET)
    assert isinstance(abs_store, LocalStorage) and abs_store.root == f"{tmp_path}/abs"
    rel_store = from_url("file://relative/path", secret=SECRET)
    assert rel_store.root == f"{tmp_path}/relative/path"
    bare_store = from_url("instance/uploads", secret=SECRET)
    assert bare_store.root == f"{tmp_path}/instance/uploads"
    bare_abs = from_url(f"{tmp_path}/bare", secret=SECRET)
    assert bare_abs.root == f"{tmp_path}/bare"
    # Resolved at construction: a later chdir does not move the storage.
    monkeypatch.chdir("/")
    assert rel_store.root == f"{tmp_path}/relative/path"


@pytest.mark.parametrize(
    "url, secure, region",
    [
        ("minio://ak:sk@minio:9000/docs", False, "us-east-1"),
        ("minio://ak:sk@minio:9000/docs?secure=true&region=cn-north-1", True, "cn-north-1"),
        ("s3://ak:sk@s3.example.com/docs", True, None),
        ("s3://ak:sk@s3.example.com:9000/docs/?secure=false", False, None),
        ("S3://ak:sk@s3.example.com/docs?region=eu-west-1", True, "eu-west-1"),
    ],
)
def test_from_url_minio_variants(url, secure, region):
    st = from_url(url, secret=SECRET)
    assert isinstance(st, MinioStorage)
    assert st.bucket == "docs"
    assert st.secure is secure
    assert st.region == region


def test_from_url_percent_encoded_credentials():
    st = from_url("minio://ak:s%2Fk%40x@127.0.0.1:9000/docs", secret=SECRET)
    assert st.client._provider.retrieve().secret_key == "s/k@x"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "ftp://host/path",
        "file://",
        "minio://host:9000/docs",  # no credentials
        "minio://ak@host:9000/docs",  # no secret
        "minio://ak:sk@host:9000/",  # no bucket
        "minio://ak:sk@host:9000/docs/sub",  # not a bucket name
        "minio://ak:sk@host:9000/Bad_Bucket",
        "minio://ak:sk@host:notaport/docs",
        "minio://ak:sk@host:9000/docs?secure=maybe",
        "minio://ak:sk@host:9000/docs?secur=false",  # typo
    ],
)
def test_from_url_rejects_bad_urls(url):
    with pytest.raises(ValueError):
        from_url(url, secret=SECRET)


def test_package_imports_nothing_from_app():
    import sys

    import storage.base
    import storage.local
    import storage.minio_storage

    for module in (storage_pkg, storage.base, storage.local, storage.minio_storage):
        source = open(module.__file__, encoding="utf-8").read()
        assert not re.search(r"^\s*(from|import)\s+app\b", source, re.M), module.__name__
    assert all(
        not name.startswith("app.") for name in sys.modules if name.startswith("storage")
    )
