"""wechat package: wechatpy runs for real against the fake WeChat server."""
from __future__ import annotations

import base64
import json
import logging
import os
import socket
import time

import pytest
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.session.memorystorage import MemoryStorage

import wechat
from tests.fakes.wechat_server import DEFAULT_APPID, DEFAULT_SECRET
from wechat import DevMiniProgramClient, MiniProgramClient, WeChatError, make_client
from wechat.testing import encrypt_payload, phone_payload

SESSION_KEY = base64.b64encode(b"0123456789abcdef").decode()
IV = base64.b64encode(b"fedcba9876543210").decode()


def b64_16() -> str:
    return base64.b64encode(os.urandom(16)).decode()


@pytest.fixture
def client(fake_wechat):
    return MiniProgramClient(DEFAULT_APPID, DEFAULT_SECRET, api_base_url=fake_wechat.url, timeout=2)


def assert_all_on_fake(fake):
    assert fake.requests, "expected requests on the fake server"
    assert fake.unknown_requests == []


# -- code2Session ------------------------------------------------------------


def test_login_with_unionid(client, fake_wechat):
    fake_wechat.add_login("c1", "openid-1", SESSION_KEY, unionid="union-1")
    assert client.code_to_session("c1") == {"openid": "openid-1", "session_key": SESSION_KEY, "unionid": "union-1"}
    req = fake_wechat.requests_to("/sns/jscode2session")[0]
    assert req.args["appid"] == DEFAULT_APPID
    assert req.args["js_code"] == "c1"
    assert req.args["grant_type"] == "authorization_code"
    # jscode2session needs no access token: none fetched, none sent.
    assert "access_token" not in req.args
    assert fake_wechat.token_requests == 0
    assert_all_on_fake(fake_wechat)


def test_login_without_unionid(client, fake_wechat):
    fake_wechat.add_login("c2", "openid-2", SESSION_KEY)
    info = client.code_to_session("c2")
    assert info["openid"] == "openid-2"
    assert info["session_key"] == SESSION_KEY
    assert info["unionid"] is None


def test_unknown_code_is_invalid_code(client, fake_wechat):
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("nope")
    assert ei.value.kind == "invalid_code"
    assert ei.value.errcode == 40029


def test_reused_code_is_invalid_code(client, fake_wechat):
    fake_wechat.add_login("once", "openid-3", SESSION_KEY)
    client.code_to_session("once")
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("once")
    assert (ei.value.kind, ei.value.errcode) == ("invalid_code", 40163)


def test_high_risk_user_is_invalid_code(client, fake_wechat):
    fake_wechat.add_login_error("risky-user", 40226)
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("risky-user")
    assert (ei.value.kind, ei.value.errcode) == ("invalid_code", 40226)


def test_empty_code_rejected_without_request(client, fake_wechat):
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("")
    assert ei.value.kind == "invalid_code"
    assert fake_wechat.requests == []


def test_rate_limited(client, fake_wechat):
    fake_wechat.add_rate_limited_code("hot")
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("hot")
    assert (ei.value.kind, ei.value.errcode) == ("rate_limited", 45011)


def test_system_busy_is_unavailable(client, fake_wechat):
    fake_wechat.add_busy_code("busy")
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("busy")
    assert (ei.value.kind, ei.value.errcode) == ("unavailable", -1)


def test_http_5xx_is_unavailable(client, fake_wechat, httpserver):
    httpserver.expect_oneshot_request("/sns/jscode2session").respond_with_data("bad gateway", status=502)
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("x")
    assert ei.value.kind == "unavailable"
    assert ei.value.errcode is None


def test_non_json_answer_is_error(client, fake_wechat, httpserver):
    httpserver.expect_oneshot_request("/sns/jscode2session").respond_with_data("<html>hi</html>", status=200)
    with pytest.raises(WeChatError) as ei:
        client.code_to_session("x")
    assert ei.value.kind == "error"


def test_wrong_secret_is_error(fake_wechat):
    c = MiniProgramClient(DEFAULT_APPID, "wrong-secret", api_base_url=fake_wechat.url)
    fake_wechat.add_login("c", "o", SESSION_KEY)
    with pytest.raises(WeChatError) as ei:
        c.code_to_session("c")
    assert (ei.value.kind, ei.value.errcode) == ("error", 40125)
    # Token-based calls fail the same way (the token fetch is refused).
    with pytest.raises(WeChatError) as ei:
        c.send_subscribe_message("o", "tpl", {"thing1": "x"})
    assert (ei.value.kind, ei.value.errcode) == ("error", 40125)
    assert "wrong-secret" not in str(ei.value)


def _closed_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_server_down_is_unavailable_and_fast():
    c = MiniProgramClient("wxa", "sec", api_base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2)
    started = time.monotonic()
    with pytest.raises(WeChatError) as ei:
        c.code_to_session("x")
    assert ei.value.kind == "unavailable"
    with pytest.raises(WeChatError) as ei:  # token fetch path too
        c.get_phone_number("x")
    assert ei.value.kind == "unavailable"
    assert time.monotonic() - started < 2


def test_timeout_is_unavailable():
    # A socket that accepts connections (kernel backlog) but never answers.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    try:
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        c = MiniProgramClient("wxa", "sec", api_base_url=url, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(WeChatError) as ei:
            c.code_to_session("x")
        assert ei.value.kind == "unavailable"
        # The access-token fetch (no timeout in wechatpy itself) must time out too.
        with pytest.raises(WeChatError) as ei:
            c.send_subscribe_message("o", "tpl", {"a": "b"})
        assert ei.value.kind == "unavailable"
        assert time.monotonic() - started < 3
    finally:
        s.close()


# -- phone number ------------------------------------------------------------


def test_phone_by_code(client, fake_wechat):
    fake_wechat.add_phone_code("p1", "13800138000")
    assert client.get_phone_number("p1") == {
        "phone_number": "13800138000",
        "pure_phone_number": "13800138000",
        "country_code": "86",
    }
    req = fake_wechat.requests_to("/wxa/business/getuserphonenumber")[0]
    assert req.method == "POST"
    assert req.json == {"code": "p1"}
    assert req.args["access_token"] == fake_wechat.issued_tokens[0]
    assert_all_on_fake(fake_wechat)


def test_phone_by_unknown_code(client, fake_wechat):
    with pytest.raises(WeChatError) as ei:
        client.get_phone_number("nope")
    assert (ei.value.kind, ei.value.errcode) == ("invalid_code", 40029)


def test_phone_by_code_foreign_watermark(client, fake_wechat, httpserver):
    httpserver.expect_oneshot_request("/wxa/business/getuserphonenumber").respond_with_json({
        "errcode": 0, "errmsg": "ok",
        "phone_info": {"phoneNumber": "1", "purePhoneNumber": "1", "countryCode": "86",
                       "watermark": {"appid": "wxother", "timestamp": int(time.time())}},
    })
    with pytest.raises(WeChatError) as ei:
        client.get_phone_number("p")
    assert ei.value.kind == "invalid_payload"


def _legacy(appid=DEFAULT_APPID, ts=None, key=SESSION_KEY, iv=IV, phone="13900139000"):
    payload = phone_payload(appid, phone, int(time.time()) if ts is None else ts)
    return encrypt_payload(key, iv, payload)


def test_encrypt_payload_is_inverse_of_wechatpy():
    payload = {"phoneNumber": "1", "watermark": {"appid": "wxa", "timestamp": 1}}
    enc = encrypt_payload(SESSION_KEY, IV, payload)
    assert WeChatWxaCrypto(SESSION_KEY, IV, "wxa").decrypt_message(enc) == payload


def test_legacy_decrypt_ok(client):
    assert client.decrypt_phone(SESSION_KEY, _legacy(), IV) == {
        "phone_number": "13900139000",
        "pure_phone_number": "13900139000",
        "country_code": "86",
    }


def test_legacy_foreign_appid_refused(client):
    with pytest.raises(WeChatError) as ei:
        client.decrypt_phone(SESSION_KEY, _legacy(appid="wxsomeoneelse"), IV)
    assert ei.value.kind == "invalid_payload"


def test_legacy_stale_watermark_refused(client):
    with pytest.raises(WeChatError) as ei:
        client.decrypt_phone(SESSION_KEY, _legacy(ts=int(time.time()) - 601), IV)
    assert ei.value.kind == "invalid_payload"
    # A custom max_age accepts it.
    assert client.decrypt_phone(SESSION_KEY, _legacy(ts=int(time.time()) - 601), IV, max_age=3600)


def test_legacy_future_watermark_refused(client):
    with pytest.raises(WeChatError) as ei:
        client.decrypt_phone(SESSION_KEY, _legacy(ts=int(time.time()) + 300), IV)
    assert ei.value.kind == "invalid_payload"
    # Small clock skew is tolerated.
    assert client.decrypt_phone(SESSION_KEY, _legacy(ts=int(time.time()) + 30), IV)


@pytest.mark.parametrize("where", ["first_block", "last_block", "iv"])
def test_legacy_tampered_refused(client, where):
    raw = bytearray(base64.b64decode(_legacy()))
    iv = bytearray(base64.b64decode(IV))
    if where == "first_block":
        raw[3] ^= 0x40
    elif where == "last_block":
        raw[-1] ^= 0x01
    else:
        iv[0] ^= 0x01  # '{' becomes 'z'
    with pytest.raises(WeChatError) as ei:
        client.decrypt_phone(SESSION_KEY, base64.b64encode(bytes(raw)).decode(), base64.b64encode(bytes(iv)).decode())
    assert ei.value.kind == "invalid_payload"


@pytest.mark.parametrize(
    "key,data,iv",
    [
        pytest.param(b64_16(), None, IV, id="wrong-session-key"),  # a random key
        (SESSION_KEY, "not base64!!", IV),
        (SESSION_KEY, base64.b64encode(b"short").decode(), IV),
        (SESSION_KEY, None, ""),  # missing iv (wechatpy would fall back to key[:16])
        (SESSION_KEY, None, base64.b64encode(b"x" * 8).decode()),
        ("", None, IV),
        (base64.b64encode(b"k" * 32).decode(), None, IV),  # not AES-128
    ],
)
def test_legacy_garbage_refused(client, key, data, iv):
    with pytest.raises(WeChatError) as ei:
        client.decrypt_phone(key, data if data is not None else _legacy(), iv)
    assert ei.value.kind == "invalid_payload"
    assert SESSION_KEY not in str(ei.value)
    assert ei.value.__cause__ is None


# -- subscribe messages ------------------------------------------------------


def test_subscribe_send_ok(client, fake_wechat):
    client.send_subscribe_message(
        "openid-1", "tpl-1", {"thing1": "您的申请已受理", "time2": {"value": "2024-01-01 10:00"}}, page="pages/a/a?id=1"
    )
    assert fake_wechat.sent == [{
        "touser": "openid-1",
        "template_id": "tpl-1",
        "page": "pages/a/a?id=1",
        "data": {"thing1": {"value": "您的申请已受理"}, "time2": {"value": "2024-01-01 10:00"}},
    }]
    req = fake_wechat.requests_to("/cgi-bin/message/subscribe/send")[0]
    assert req.method == "POST"
    assert "page" in req.json
    client.send_subscribe_message("openid-1", "tpl-1", {"thing1": "x"})
    assert "page" not in fake_wechat.requests_to("/cgi-bin/message/subscribe/send")[1].json
    assert_all_on_fake(fake_wechat)


def test_subscribe_send_refused(client, fake_wechat):
    fake_wechat.fail_next_sends(1, 43101)
    with pytest.raises(WeChatError) as ei:
        client.send_subscribe_message("openid-1", "tpl", {"thing1": "x"})
    assert (ei.value.kind, ei.value.errcode) == ("error", 43101)
    assert fake_wechat.sent == []
    client.send_subscribe_message("openid-1", "tpl", {"thing1": "x"})  # next one goes through
    assert len(fake_wechat.sent) == 1


def test_subscribe_send_busy_is_unavailable(client, fake_wechat):
    fake_wechat.fail_next_sends(2, -1)
    for _ in range(2):
        with pytest.raises(WeChatError) as ei:
            client.send_subscribe_message("openid-1", "tpl", {"thing1": "x"})
        assert (ei.value.kind, ei.value.errcode) == ("unavailable", -1)


# -- msgSecCheck v2 ----------------------------------------------------------


def test_msg_sec_check_pass_and_risky(client, fake_wechat):
    fake_wechat.add_risky_word("违禁")
    assert client.msg_sec_check("openid-1", "我想咨询劳动合同纠纷") is True
    assert client.msg_sec_check("openid-1", "这里有违禁内容", scene=2) is False
    reqs = fake_wechat.requests_to("/wxa/msg_sec_check")
    assert reqs[0].json == {"content": "我想咨询劳动合同纠纷", "version": 2, "scene": 1, "openid": "openid-1"}
    assert reqs[1].json["scene"] == 2


def test_msg_sec_check_review_is_not_pass(client, fake_wechat, httpserver):
    httpserver.expect_oneshot_request("/wxa/msg_sec_check").respond_with_json(
        {"errcode": 0, "errmsg": "ok", "result": {"suggest": "review", "label": 21000}}
    )
    assert client.msg_sec_check("openid-1", "text") is False


def test_msg_sec_check_87014_is_not_pass(client, fake_wechat, httpserver):
    httpserver.expect_oneshot_request("/wxa/msg_sec_check").respond_with_json(
        {"errcode": 87014, "errmsg": "risky content"}
    )
    assert client.msg_sec_check("openid-1", "text") is False


def test_msg_sec_check_errors_raise(client, fake_wechat, httpserver):
    httpserver.expect_oneshot_request("/wxa/msg_sec_check").respond_with_json({"errcode": -1, "errmsg": "busy"})
    with pytest.raises(WeChatError) as ei:
        client.msg_sec_check("openid-1", "text")
    assert ei.value.kind == "unavailable"


# -- access token handling ---------------------------------------------------


def test_access_token_fetched_once_and_reused(client, fake_wechat):
    fake_wechat.add_login("c", "o", SESSION_KEY)
    fake_wechat.add_phone_code("p", "13800138000")
    client.code_to_session("c")
    client.get_phone_number("p")
    client.send_subscribe_message("o", "tpl", {"thing1": "x"})
    client.msg_sec_check("o", "hello")
    client.msg_sec_check("o", "hello again")
    assert fake_wechat.token_requests == 1
    token = fake_wechat.issued_tokens[0]
    for req in fake_wechat.requests:
        if req.path != "/cgi-bin/token" and req.path != "/sns/jscode2session":
            assert req.args["access_token"] == token
    tok = fake_wechat.requests_to("/cgi-bin/token")[0]
    assert tok.method == "GET"
    assert tok.args == {"grant_type": "client_credential", "appid": DEFAULT_APPID, "secret": DEFAULT_SECRET}
    assert_all_on_fake(fake_wechat)


def test_rejected_token_refreshed_once(client, fake_wechat):
    client.msg_sec_check("o", "hello")
    fake_wechat.expire_tokens()
    assert client.msg_sec_check("o", "hello") is True
    assert fake_wechat.token_requests == 2
    assert fake_wechat.requests_to("/wxa/msg_sec_check")[-1].args["access_token"] == fake_wechat.issued_tokens[1]


def test_persistently_rejected_token_does_not_loop(client, fake_wechat, httpserver):
    bad = {"errcode": 40001, "errmsg": "invalid credential"}
    httpserver.expect_oneshot_request("/cgi-bin/message/subscribe/send").respond_with_json(bad)
    httpserver.expect_oneshot_request("/cgi-bin/message/subscribe/send").respond_with_json(bad)
    with pytest.raises(WeChatError) as ei:
        client.send_subscribe_message("o", "tpl", {"thing1": "x"})
    assert ei.value.errcode == 40001
    assert fake_wechat.token_requests == 2


def test_shared_token_storage(fake_wechat):
    storage = MemoryStorage()
    a = MiniProgramClient(DEFAULT_APPID, DEFAULT_SECRET, api_base_url=fake_wechat.url, session=storage)
    b = MiniProgramClient(DEFAULT_APPID, DEFAULT_SECRET, api_base_url=fake_wechat.url, session=storage)
    a.msg_sec_check("o", "x")
    b.msg_sec_check("o", "y")
    assert fake_wechat.token_requests == 1


# -- host routing ------------------------------------------------------------


def test_every_wechatpy_endpoint_is_rerooted(fake_wechat):
    c = MiniProgramClient(DEFAULT_APPID, DEFAULT_SECRET, api_base_url=fake_wechat.url + "/")
    w = c.wechatpy
    assert c.api_base_url == fake_wechat.url
    assert w.API_BASE_URL == fake_wechat.url + "/cgi-bin/"
    assert w.wxa.API_BASE_URL == fake_wechat.url + "/"
    for name, api in vars(w).items():
        base = getattr(api, "API_BASE_URL", None)
        if isinstance(base, str) and name != "API_BASE_URL":
            assert base.startswith(fake_wechat.url + "/"), (name, base)
    # Even absolute real-host URLs built inside wechatpy are pinned to the base.
    w.get("https://api.weixin.qq.com/cgi-bin/token",
          params={"grant_type": "client_credential", "appid": DEFAULT_APPID, "secret": DEFAULT_SECRET,
                  "access_token": None})
    assert fake_wechat.requests[-1].path == "/cgi-bin/token"


def test_default_base_is_real_api():
    c = MiniProgramClient("wxa", "sec")
    assert c.api_base_url == "https://api.weixin.qq.com"
    assert c.wechatpy.wxa.API_BASE_URL == "https://api.weixin.qq.com/"
    assert "sec" not in repr(c)


def test_bad_constructor_args():
    with pytest.raises(ValueError):
        MiniProgramClient("", "sec")
    with pytest.raises(ValueError):
        MiniProgramClient("wxa", "sec", api_base_url="ftp://x")


# -- make_client -------------------------------------------------------------


def test_make_client_rules(fake_wechat):
    real = make_client("wxa", "sec", fake_wechat.url, "production")
    assert isinstance(real, MiniProgramClient) and real.dev_mode is False
    assert real.api_base_url == fake_wechat.url
    assert make_client("wxa", "sec", None, "development").api_base_url == "https://api.weixin.qq.com"
    assert make_client("wxa", "sec", "", "development").api_base_url == "https://api.weixin.qq.com"

    dev = make_client(None, None, None, "development")
    assert isinstance(dev, DevMiniProgramClient) and dev.dev_mode is True
    assert isinstance(make_client("", "", fake_wechat.url, "test"), DevMiniProgramClient)

    with pytest.raises(RuntimeError, match="WeChat credentials required in production"):
        make_client(None, None, None, "production")
    with pytest.raises(RuntimeError, match="WeChat credentials required in production"):
        make_client("", "  ", None, "Production")
    with pytest.raises(RuntimeError):
        make_client("wxa", None, None, "development")
    with pytest.raises(RuntimeError):
        make_client(None, "sec", None, "development")


# -- dev mode ----------------------------------------------------------------


def test_dev_client_login():
    dev = DevMiniProgramClient()
    a1 = dev.code_to_session("dev:alice")
    a2 = DevMiniProgramClient().code_to_session("dev:alice")
    b = dev.code_to_session("dev:bob")
    assert a1["openid"] == a2["openid"] == wechat.dev_openid("alice")
    assert a1["openid"].startswith("dev-") and len(a1["openid"]) == 4 + 24
    assert b["openid"] != a1["openid"]
    assert a1["session_key"] != a2["session_key"]
    assert len(base64.b64decode(a1["session_key"])) == 16
    assert a1["unionid"] is None
    for bad in ("alice", "dev:", "", "wx:alice"):
        with pytest.raises(WeChatError) as ei:
            dev.code_to_session(bad)
        assert ei.value.kind == "invalid_code"


def test_dev_client_phone_and_decrypt():
    dev = DevMiniProgramClient()
    assert dev.get_phone_number("dev:13800138000") == {
        "phone_number": "13800138000", "pure_phone_number": "13800138000", "country_code": "86",
    }
    with pytest.raises(WeChatError) as ei:
        dev.get_phone_number("13800138000")
    assert ei.value.kind == "invalid_code"
    with pytest.raises(WeChatError):
        dev.get_phone_number("dev:abc")

    key = dev.code_to_session("dev:alice")["session_key"]
    iv = b64_16()
    enc = encrypt_payload(key, iv, phone_payload(wechat.DEV_APPID, "13700137000", int(time.time())))
    assert dev.decrypt_phone(key, enc, iv)["pure_phone_number"] == "13700137000"
    foreign = encrypt_payload(key, iv, phone_payload(DEFAULT_APPID, "13700137000", int(time.time())))
    with pytest.raises(WeChatError) as ei:
        dev.decrypt_phone(key, foreign, iv)
    assert ei.value.kind == "invalid_payload"


def test_dev_client_messages_and_check(caplog):
    caplog.set_level(logging.INFO)
    dev = DevMiniProgramClient()
    dev.send_subscribe_message("dev-x", "tpl", {"thing1": {"value": "张三的私人信息"}}, page="pages/i")
    assert dev.sent == [{"touser": "dev-x", "template_id": "tpl", "page": "pages/i",
                         "data": {"thing1": {"value": "张三的私人信息"}}}]
    assert "tpl" in caplog.text
    assert "张三的私人信息" not in caplog.text
    assert dev.msg_sec_check("dev-x", "正常咨询") is True
    assert dev.msg_sec_check("dev-x", "含有测试违规词的文本") is False


# -- secrets never logged ----------------------------------------------------


def test_session_key_and_secret_not_logged(caplog, fake_wechat, httpserver):
    # DEBUG for every logger (ours, wechatpy, urllib3) is stricter than required.
    caplog.set_level(logging.DEBUG)
    fake_wechat.add_login("c", "o", SESSION_KEY, unionid="u")
    fake_wechat.add_phone_code("p", "13800138000")
    c = MiniProgramClient(DEFAULT_APPID, DEFAULT_SECRET, api_base_url=fake_wechat.url)
    c.code_to_session("c")
    errors = []
    # An error answer that (abusively) echoes a session_key in errmsg.
    httpserver.expect_oneshot_request("/sns/jscode2session").respond_with_json(
        {"errcode": 40029, "errmsg": f"invalid code session_key={SESSION_KEY}"}
    )
    httpserver.expect_oneshot_request("/sns/jscode2session").respond_with_data(
        json.dumps({"session_key": SESSION_KEY}), status=500
    )
    httpserver.expect_oneshot_request("/sns/jscode2session").respond_with_data(
        f"not json {SESSION_KEY}", status=200
    )
    for _ in range(3):
        with pytest.raises(WeChatError) as ei:
            c.code_to_session("c")
        errors.append(ei.value)
    assert [e.kind for e in errors] == ["invalid_code", "unavailable", "error"]
    c.get_phone_number("p")
    c.decrypt_phone(SESSION_KEY, _legacy(), IV)
    with pytest.raises(WeChatError) as ei:
        c.decrypt_phone(SESSION_KEY, _legacy(appid="wxother"), IV)
    errors.append(ei.value)

    for err in errors:
        assert SESSION_KEY not in str(err) and SESSION_KEY not in repr(err)
        assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    assert caplog.records, "expected some log output"
    assert SESSION_KEY not in caplog.text
    for rec in caplog.records:
        assert SESSION_KEY not in rec.getMessage()
        # werkzeug logs the fake server's side (WeChat's API takes the secret in
        # the query string); urllib3 does too, but only at DEBUG.
        if rec.levelno >= logging.INFO and not rec.name.startswith("werkzeug"):
            assert DEFAULT_SECRET not in rec.getMessage()
    assert any(r.name == "wechat" for r in caplog.records)
