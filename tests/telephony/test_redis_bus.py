"""Between processes the screen pop goes through Redis pub/sub: the process that takes the event (here a
listener's app) publishes, every web process relays to its own open pages. Needs the Redis of the test
machine (REDIS_URL, default redis://127.0.0.1:6379/6); channels carry this run's own prefix."""
from __future__ import annotations

import os
import secrets

import pytest

from app.telephony.bus import RedisBus
from app.telephony.events import Event
from app.common.timeutil import utcnow

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


@pytest.fixture
def redis_prefix():
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL} (start redis-server for this test)", pytrace=False)
    return f"wt-phone-test-{secrets.token_hex(4)}:"


def test_pop_crosses_processes_through_redis(make_app, staff, redis_prefix):
    web = make_app(REDIS_URL=REDIS_URL, TASKS_MODE="sync", TELEPHONY_CHANNEL_PREFIX=redis_prefix)
    listener = make_app(REDIS_URL=REDIS_URL, TASKS_MODE="sync", TELEPHONY_CHANNEL_PREFIX=redis_prefix)
    from app.telephony.bus import get_bus
    from app.telephony import service
    web_bus = get_bus(web)
    assert isinstance(web_bus, RedisBus)
    page = web_bus.subscribe(f"pop:{staff['duty1']['id']}")
    other = web_bus.subscribe(f"pop:{staff['duty2']['id']}")
    now = utcnow()
    with listener.app_context():
        service.ingest([Event("r-1", "ringing", now, "ami", caller="13907101234"),
                        Event("r-1", "agent_ringing", now, "ami", caller="13907101234", agent=staff["duty1"]["staff_no"])])
    msg = page.get(timeout=5)
    assert msg is not None and msg[1]["call_id"] == "r-1" and msg[1]["caller_masked"] == "139****1234"
    # how fast is bench/telephony.py's business (event → pop p99), not a timed test's
    assert other.get(timeout=0.3) is None
    for app in (web, listener):
        app.extensions["telephony_bus"].close()
