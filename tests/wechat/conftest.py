"""Fixtures for the wechat package tests."""
from __future__ import annotations

import socket

import pytest

from tests.fakes.wechat_fixture import fake_wechat  # noqa: F401  (re-exported fixture)

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch):
    """Fail any attempt to resolve a non-loopback host (e.g. api.weixin.qq.com)."""
    attempts: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in _LOOPBACK:
            attempts.append(str(name))
            raise socket.gaierror(socket.EAI_NONAME, f"blocked non-loopback host in tests: {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield attempts
    assert attempts == [], f"tests tried to reach non-loopback hosts: {attempts}"
