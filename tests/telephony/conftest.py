from __future__ import annotations

import threading

import pytest

from app.telephony.listener import Listener
from tests.fakes.switch_server import FakeAmi, FakeEsl

SECRET = "whsec-test-0123456789"


@pytest.fixture
def tapp(make_app):
    return make_app(TELEPHONY_WEBHOOK_SECRET=SECRET, TELEPHONY_RECONNECT_MAX_SECONDS=0.5)


@pytest.fixture
def ami():
    s = FakeAmi()
    yield s
    s.close()


@pytest.fixture
def esl():
    s = FakeEsl()
    yield s
    s.close()


@pytest.fixture
def listen():
    """listen(app, url) starts a listener thread; all are stopped at the end."""
    running = []

    def start(app, url):
        stop = threading.Event()
        lst = Listener(app, url, stop=stop, max_backoff=0.5)
        t = threading.Thread(target=lst.run, daemon=True)
        t.start()
        running.append((stop, t))
        return lst

    yield start
    for stop, t in running:
        stop.set()
    for _, t in running:
        t.join(5)
