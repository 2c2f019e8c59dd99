"""pytest fixture ``fake_wechat``: a fresh FakeWeChat per test.

Import it into a conftest: ``from tests.fakes.wechat_fixture import fake_wechat  # noqa: F401``
It builds on pytest-httpserver's ``httpserver`` fixture (one loopback server per
session, handlers and logs cleared for every test).
"""
from __future__ import annotations

import pytest

from tests.fakes.wechat_server import FakeWeChat


@pytest.fixture
def fake_wechat(httpserver):
    fake = FakeWeChat(httpserver)
    yield fake
    # Surface bugs in the fake's own handlers.
    httpserver.check_handler_errors()
    httpserver.clear()
