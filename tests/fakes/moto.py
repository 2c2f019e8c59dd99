"""moto S3 server on loopback for the MinIO backend (real minio client, real S3 protocol).

``start_moto_server`` and the ``moto_s3`` fixture are self-contained so they can
be moved to a top-level ``tests/conftest.py`` and reused by other test packages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

MOTO_ACCESS_KEY = "testing"
MOTO_SECRET_KEY = "testing12345"


def start_moto_server():
    """Start moto's S3 server on a free loopback port.

    Returns ``(server, url)`` where ``url`` is ``http://127.0.0.1:<port>``;
    call ``server.stop()`` when done. Any credentials are accepted by moto.
    """
    from moto.server import ThreadedMotoServer

    # Port 0: the OS picks a free port at bind time (no probe-then-bind race).
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@dataclass(frozen=True)
class MotoS3:
    url: str  # http://127.0.0.1:<port>
    endpoint: str  # 127.0.0.1:<port>
    access_key: str = MOTO_ACCESS_KEY
    secret_key: str = MOTO_SECRET_KEY

    def storage_url(self, bucket: str | None = None) -> str:
        """A ``minio://`` STORAGE_URL for a (by default fresh, unique) bucket."""
        bucket = bucket or f"test-{secrets.token_hex(6)}"
        return f"minio://{self.access_key}:{self.secret_key}@{self.endpoint}/{bucket}?secure=false"


@pytest.fixture(scope="session")
def moto_s3():
    """A moto S3 server shared by the whole session (use a fresh bucket per test)."""
    server, url = start_moto_server()
    try:
        yield MotoS3(url=url, endpoint=url.split("://", 1)[1])
    finally:
        server.stop()
