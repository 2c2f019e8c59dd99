import logging

import sqlalchemy as sa

from app.auth.models import AuthToken, Citizen
from app.extensions import db
from tests.factories import login
from wechat.testing import encrypt_payload, phone_payload


def test_login_creates_citizen_and_returns_tokens_without_session_key(client, fake_wechat, app, caplog):
    caplog.set_level(logging.DEBUG)
    fake_wechat.add_login("c1", "openid-1", "c2Vzc2lvbmtleTEyMzQ1Ng==", unionid="union-1")
    r = client.post("/api/v1/auth/wechat/login", json={"code": "c1"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["access_token"] and body["refresh_token"] and body["token_type"] == "Bearer"
    assert body["is_new"] is True
    assert "c2Vzc2lvbmtleTEyMzQ1Ng==" not in r.get_data(as_text=True)
    assert "session_key" not in r.get_data(as_text=True)
    assert "c2Vzc2lvbmtleTEyMzQ1Ng==" not in caplog.text
    with app.app_context():
        c = db.session.scalar(sa.select(Citizen).where(Citizen.openid == "openid-1"))
        assert c.unionid == "union-1"
        assert c.session_key_enc and "c2Vzc2lvbmtleTEyMzQ1Ng==" not in c.session_key_enc  # encrypted at rest
        # tokens are stored hashed only
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthToken).where(
            AuthToken.token_hash == body["access_token"])) == 0
    # the request went to the fake server, not the real host
    assert fake_wechat.requests_to("/sns/jscode2session")


def test_second_login_finds_same_citizen(client, fake_wechat):
    a = login(client, fake_wechat, "same")
    b = login(client, fake_wechat, "same")
    assert a["user"]["id"] == b["user"]["id"] and b["is_new"] is False


def test_wechat_errors_mapped(client, fake_wechat):
    r = client.post("/api/v1/auth/wechat/login", json={"code": "unknown"})
    assert r.status_code == 401 and r.get_json()["code"] == "wechat_invalid_code"
    assert "微信" in r.get_json()["message"]
    fake_wechat.add_rate_limited_code("rl")
    r = client.post("/api/v1/auth/wechat/login", json={"code": "rl"})
    assert r.status_code == 429
    fake_wechat.add_busy_code("busy")
    r = client.post("/api/v1/auth/wechat/login", json={"code": "busy"})
    assert r.status_code == 503


def test_wechat_down_is_503(make_app):
    app = make_app(WECHAT_API_BASE_URL="http://127.0.0.1:9")  # nothing listens on the discard port
    r = app.test_client().post("/api/v1/auth/wechat/login", json={"code": "x"})
    assert r.status_code == 503
    assert set(r.get_json()) == {"code", "message", "details"}


def test_login_bad_input(client):
    for body in ({}, {"code": ""}, {"code": 5}, {"code": "x" * 500}):
        r = client.post("/api/v1/auth/wechat/login", json=body)
        assert r.status_code == 422, body
        j = r.get_json()
        assert j["code"] == "validation_error" and "code" in j["details"]["fields"]
    r = client.post("/api/v1/auth/wechat/login", data="not json", content_type="text/plain")
    assert r.status_code in (415, 422)


def test_no_token_and_bad_token(client):
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.get_json()["message"]


def test_logout_revokes_access_and_refresh(client, fake_wechat):
    s = login(client, fake_wechat)
    assert client.get("/api/v1/me", headers=s["headers"]).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=s["headers"]).status_code == 204
    assert client.get("/api/v1/me", headers=s["headers"]).status_code == 401
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]})
    assert r.status_code == 401


def test_refresh_rotates_and_detects_reuse(client, fake_wechat):
    s = login(client, fake_wechat)
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]})
    assert r.status_code == 200
    new = r.get_json()
    assert client.get("/api/v1/me", headers=s["headers"]).status_code == 401  # old access revoked
    h = {"Authorization": f"Bearer {new['access_token']}"}
    assert client.get("/api/v1/me", headers=h).status_code == 200
    # replaying the old refresh token ends the new family too
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]}).status_code == 401


def test_phone_by_code(client, fake_wechat):
    s = login(client, fake_wechat)
    fake_wechat.add_phone_code("p1", "13912345678")
    r = client.post("/api/v1/me/phone", json={"code": "p1"}, headers=s["headers"])
    assert r.status_code == 200
    assert r.get_json()["phone_masked"] == "139****5678"
    assert "13912345678" not in r.get_data(as_text=True)
    r = client.post("/api/v1/me/phone", json={"code": "bad"}, headers=s["headers"])
    assert r.status_code == 401


def test_phone_legacy_encrypted_payload(client, fake_wechat):
    import time
    s = login(client, fake_wechat, "legacy")
    iv = "r7BXXKkLb8qrSNn05n0qiA=="
    payload = phone_payload(fake_wechat.appid, "13700001111", int(time.time()))
    enc = encrypt_payload(s["session_key"], iv, payload)
    r = client.post("/api/v1/me/phone", json={"encrypted_data": enc, "iv": iv}, headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["phone_masked"] == "137****1111"


def test_phone_legacy_foreign_or_stale_refused(client, fake_wechat, app):
    import time
    s = login(client, fake_wechat, "legacy2")
    iv = "r7BXXKkLb8qrSNn05n0qiA=="
    foreign = encrypt_payload(s["session_key"], iv, phone_payload("wxforeign0000000", "13700002222", int(time.time())))
    r = client.post("/api/v1/me/phone", json={"encrypted_data": foreign, "iv": iv}, headers=s["headers"])
    assert r.status_code == 400 and r.get_json()["code"] == "wechat_invalid_payload"
    stale = encrypt_payload(s["session_key"], iv, phone_payload(fake_wechat.appid, "13700002222",
                                                                int(time.time()) - 86400))
    r = client.post("/api/v1/me/phone", json={"encrypted_data": stale, "iv": iv}, headers=s["headers"])
    assert r.status_code == 400
    r = client.post("/api/v1/me/phone", json={"encrypted_data": "AAAA", "iv": iv}, headers=s["headers"])
    assert r.status_code == 400
    with app.app_context():
        c = db.session.get(Citizen, s["user"]["id"])
        assert c.phone is None  # nothing changed


def test_phone_bad_input(client, fake_wechat):
    s = login(client, fake_wechat)
    r = client.post("/api/v1/me/phone", json={}, headers=s["headers"])
    assert r.status_code == 422
    r = client.post("/api/v1/me/phone", json={"encrypted_data": "x"}, headers=s["headers"])
    assert r.status_code == 422
    assert client.post("/api/v1/me/phone", json={"code": "x"}).status_code == 401


def test_dev_mode_login_stable_openid(make_app):
    app = make_app(WECHAT_APPID=None, WECHAT_SECRET=None)
    c = app.test_client()
    a = c.post("/api/v1/auth/wechat/login", json={"code": "dev:张三"}).get_json()
    b = c.post("/api/v1/auth/wechat/login", json={"code": "dev:张三"}).get_json()
    assert a["user"]["id"] == b["user"]["id"]
    assert c.post("/api/v1/auth/wechat/login", json={"code": "real-code"}).status_code == 401


def test_dev_mode_refused_in_production(make_app):
    import pytest
    with pytest.raises(RuntimeError):
        make_app(APP_ENV="production", WECHAT_APPID=None, WECHAT_SECRET=None)


def test_staff_login_and_lockout(client, app):
    from app.auth.service import create_staff
    with app.app_context():
        create_staff("mgr", "correct-horse-1", "manager", full_name="陈主任")
    r = client.post("/api/v1/auth/staff/login", json={"username": "mgr", "password": "correct-horse-1"})
    assert r.status_code == 200 and r.get_json()["user"]["role"] == "manager"
    for _ in range(5):
        r = client.post("/api/v1/auth/staff/login", json={"username": "mgr", "password": "wrong"})
        assert r.status_code == 401 and r.get_json()["message"] == "用户名或密码错误"
    r = client.post("/api/v1/auth/staff/login", json={"username": "mgr", "password": "correct-horse-1"})
    assert r.status_code == 429 and "锁定" in r.get_json()["message"]
    r = client.post("/api/v1/auth/staff/login", json={"username": "nobody", "password": "x"})
    assert r.status_code == 401


def test_staff_token_cannot_use_citizen_routes(client, app):
    from app.auth.service import create_staff
    with app.app_context():
        create_staff("duty", "correct-horse-2", "duty_lawyer")
    tok = client.post("/api/v1/auth/staff/login", json={"username": "duty", "password": "correct-horse-2"}).get_json()
    r = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {tok['access_token']}"})
    assert r.status_code == 403


def test_phone_binding_retry_with_idempotency_key(client, fake_wechat):
    """WeChat phone codes are single-use: a network retry replays the first answer instead of failing."""
    s = login(client, fake_wechat)
    fake_wechat.add_phone_code("once", "13912340000")
    h = {**s["headers"], "Idempotency-Key": "phone-1"}
    r1 = client.post("/api/v1/me/phone", json={"code": "once"}, headers=h)
    r2 = client.post("/api/v1/me/phone", json={"code": "once"}, headers=h)
    assert r1.status_code == r2.status_code == 200 and r2.headers.get("Idempotent-Replayed") == "true"
    assert len(fake_wechat.requests_to("/wxa/business/getuserphonenumber")) == 1
    assert client.post("/api/v1/me/phone", json={"code": "once"}, headers=s["headers"]).status_code == 401
