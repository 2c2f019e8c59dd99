"""Issue 9 item 7: Flask-Limiter limits (Redis storage when REDIS_URL is set, memory otherwise):
WeChat login, phone binding, uploads per citizen, staff login per account and per IP, the public
eligibility screen. A breach is 429 in the error shape with Retry-After."""
from __future__ import annotations

import io
import os
import secrets

import pytest

from tests.support import PASSWORD, csrf_from
from tests.factories import full_application, jpeg_bytes, login


@pytest.fixture
def limited(make_app):
    def factory(**limits):
        cfg = dict(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"t{secrets.token_hex(6)}")
        cfg.update(limits)
        if os.environ.get("REDIS_URL"):
            cfg["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
        return make_app(**cfg)
    return factory


def _is_429(r):
    assert r.status_code == 429, (r.status_code, r.data[:200])
    body = r.get_json()
    assert body["code"] == "rate_limited" and "频繁" in body["message"] and body["details"] == {}
    assert 0 < int(r.headers["Retry-After"]) <= 61
    return True


def test_storage_follows_redis_url(limited):
    from app.extensions import limiter
    limited()
    kind = type(limiter.storage).__name__
    assert kind == ("RedisStorage" if os.environ.get("REDIS_URL") else "MemoryStorage")


def test_wechat_login_per_ip(limited, fake_wechat):
    app = limited(RATE_LIMIT_WECHAT_LOGIN="3 per minute")
    c = app.test_client()
    for _ in range(3):
        login(c, fake_wechat)
    fake_wechat.add_login("code-x", "openid-x", session_key="a2V5a2V5a2V5a2V5a2V5aw==")
    assert _is_429(c.post("/api/v1/auth/wechat/login", json={"code": "code-x"}))
    other_ip = c.post("/api/v1/auth/wechat/login", json={"code": "code-x"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 200


def test_staff_login_per_account_and_per_ip(limited, fast_argon2):
    app = limited(RATE_LIMIT_STAFF_LOGIN_ACCOUNT="3 per minute", RATE_LIMIT_STAFF_LOGIN_IP="5 per minute")
    from app.auth.service import create_staff
    with app.app_context():
        for name in ("duty1", "duty2", "duty3"):
            create_staff(name, PASSWORD, "duty_lawyer")
    c = app.test_client()
    for _ in range(3):
        assert c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": "wrong-wrong-1"}).status_code == 401
    assert _is_429(c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": PASSWORD}))
    # the account limit is the account's: another account from the same address still logs in
    assert c.post("/api/v1/auth/staff/login", json={"username": "duty2", "password": PASSWORD}).status_code == 200
    # per IP: the 6th attempt from this address is refused whatever the account
    assert _is_429(c.post("/api/v1/auth/staff/login", json={"username": "duty3", "password": PASSWORD}))
    # the console form is limited the same way, and answers with a Chinese page, not JSON
    page = c.get("/console/login")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    for _ in range(3):
        r = c.post("/console/login", data={"username": "duty3", "password": "wrong-wrong-2", "csrf_token": token})
        assert r.status_code == 401
    r = c.post("/console/login", data={"username": "duty3", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and r.mimetype == "text/html" and "操作过于频繁" in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0
    other = app.test_client()
    r = other.post("/api/v1/auth/staff/login", json={"username": "duty3", "password": PASSWORD},
                   environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert r.status_code == 200


def test_phone_binding_and_uploads_per_citizen(limited, fake_wechat):
    app = limited(RATE_LIMIT_PHONE_BINDING="2 per minute", RATE_LIMIT_UPLOADS="2 per minute")
    c = app.test_client()
    a, b = login(c, fake_wechat), login(c, fake_wechat)
    for i in range(2):
        fake_wechat.add_phone_code(f"p{i}", f"1391234567{i}")
        assert c.post("/api/v1/me/phone", json={"code": f"p{i}"}, headers=a["headers"]).status_code == 200
    fake_wechat.add_phone_code("p9", "13912345679")
    assert _is_429(c.post("/api/v1/me/phone", json={"code": "p9"}, headers=a["headers"]))
    assert c.post("/api/v1/me/phone", json={"code": "p9"}, headers=b["headers"]).status_code == 200
    aid = c.post("/api/v1/applications", json=full_application(), headers=a["headers"]).get_json()["id"]

    def up(s):
        return c.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                      data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "other", "application_id": str(aid)})
    assert up(a).status_code == 201 and up(a).status_code == 201
    assert _is_429(up(a))
    assert up(b).status_code == 404  # b is not limited (and may not see a's application)


def test_eligibility_decorator_and_setting(limited):
    from app.common import limits
    app = limited(RATE_LIMIT_ELIGIBILITY="2 per minute")

    @app.post("/api/v1/_test_eligibility")
    @limits.eligibility
    def _screen():
        return {"ok": True}
    c = app.test_client()
    assert c.post("/api/v1/_test_eligibility").status_code == 200
    assert c.post("/api/v1/_test_eligibility").status_code == 200
    assert _is_429(c.post("/api/v1/_test_eligibility"))


def test_limits_off_when_disabled(make_app, fake_wechat):
    app = make_app(RATELIMIT_ENABLED=False, RATE_LIMIT_WECHAT_LOGIN="1 per minute")
    c = app.test_client()
    login(c, fake_wechat)
    login(c, fake_wechat)
