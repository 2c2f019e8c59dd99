"""A fake WeChat server API (the subset the backend uses), on loopback.

Answers like https://api.weixin.qq.com for:

* GET  /cgi-bin/token                         (client_credential)
* GET  /sns/jscode2session                    (code2Session)
* POST /wxa/business/getuserphonenumber        (new getPhoneNumber)
* POST /cgi-bin/message/subscribe/send         (subscribe messages)
* POST /wxa/msg_sec_check                      (text check, version 2)

Login and phone codes are single-use like the real ones (a reused code answers
40163) unless ``single_use_codes`` is set to False.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

DEFAULT_APPID = "wxfake0123456789ab"
DEFAULT_SECRET = "fake-secret-0123456789abcdef"

ERR_SYSTEM_BUSY = -1
ERR_INVALID_CREDENTIAL = 40001
ERR_INVALID_APPID = 40013
ERR_INVALID_CODE = 40029
ERR_INVALID_SECRET = 40125
ERR_CODE_USED = 40163
ERR_ACCESS_TOKEN_MISSING = 41001
ERR_RATE_LIMITED = 45011
ERR_ARGUMENT_INVALID = 47001
ERR_USER_REFUSED = 43101


@dataclass
class RecordedRequest:
    method: str
    path: str
    args: dict[str, str]
    json: Any
    time: float = field(default_factory=time.time)


class FakeWeChat:
    """Stateful fake of the WeChat server API.

    ``FakeWeChat(server)`` installs handlers on a running pytest-httpserver
    ``HTTPServer``; ``FakeWeChat()`` starts its own on 127.0.0.1 (call ``close()``).
    """

    def __init__(
        self,
        server: HTTPServer | None = None,
        appid: str = DEFAULT_APPID,
        secret: str = DEFAULT_SECRET,
        token_expires_in: int = 7200,
    ):
        self._own_server = server is None
        if server is None:
            server = HTTPServer(host="127.0.0.1", port=0)
            server.start()
        self.server = server
        self.appid = appid
        self.secret = secret
        self.token_expires_in = token_expires_in
        self.single_use_codes = True

        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.sent: list[dict] = []
        self.issued_tokens: list[str] = []
        self._valid_tokens: set[str] = set()
        self._token_seq = itertools.count(1)
        self._logins: dict[str, dict] = {}
        self._login_errors: dict[str, int] = {}
        self._phones: dict[str, dict] = {}
        self._used_codes: set[str] = set()
        self._send_failures: list[int] = []
        self._risky_words: list[str] = []

        routes = [
            ("/cgi-bin/token", "GET", self._token),
            ("/sns/jscode2session", "GET", self._jscode2session),
            ("/wxa/business/getuserphonenumber", "POST", self._getuserphonenumber),
            ("/cgi-bin/message/subscribe/send", "POST", self._subscribe_send),
            ("/wxa/msg_sec_check", "POST", self._msg_sec_check),
        ]
        for path, method, handler in routes:
            server.expect_request(path, method=method).respond_with_handler(self._wrap(handler))
        # Anything else: recorded, answered like an unknown WeChat URL.
        server.expect_request(re.compile(".*")).respond_with_handler(self._wrap(self._unknown))

    # -- configuration ----------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to use as WECHAT_API_BASE_URL (no trailing slash)."""
        return self.server.url_for("/").rstrip("/")

    def add_login(self, code: str, openid: str, session_key: str, unionid: str | None = None) -> None:
        entry = {"openid": openid, "session_key": session_key}
        if unionid:
            entry["unionid"] = unionid
        self._logins[code] = entry

    def add_login_error(self, code: str, errcode: int) -> None:
        """jscode2session with ``code`` answers ``errcode`` (every time)."""
        self._login_errors[code] = errcode

    def add_rate_limited_code(self, code: str) -> None:
        self.add_login_error(code, ERR_RATE_LIMITED)

    def add_busy_code(self, code: str) -> None:
        self.add_login_error(code, ERR_SYSTEM_BUSY)

    def add_phone_code(self, code: str, phone: str, country_code: str = "86") -> None:
        self._phones[code] = {
            "phoneNumber": phone if country_code == "86" else f"+{country_code}{phone}",
            "purePhoneNumber": phone,
            "countryCode": country_code,
        }

    def fail_next_sends(self, n: int, errcode: int = ERR_USER_REFUSED) -> None:
        """The next ``n`` subscribe sends answer ``errcode`` (e.g. 43101 or -1)."""
        self._send_failures.extend([errcode] * n)

    def add_risky_word(self, word: str) -> None:
        self._risky_words.append(word)

    def expire_tokens(self) -> None:
        """Invalidate every issued access token (next API call gets 40001)."""
        with self._lock:
            self._valid_tokens.clear()

    def close(self) -> None:
        if self._own_server and self.server.is_running():
            self.server.clear()
            self.server.stop()

    # -- inspection -------------------------------------------------------------

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    @property
    def token_requests(self) -> int:
        return len(self.requests_to("/cgi-bin/token"))

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        known = {
            "/cgi-bin/token", "/sns/jscode2session", "/wxa/business/getuserphonenumber",
            "/cgi-bin/message/subscribe/send", "/wxa/msg_sec_check",
        }
        return [r for r in self.requests if r.path not in known]

    # -- handlers ---------------------------------------------------------------

    def _wrap(self, handler):
        def respond(request: Request) -> Response:
            body: Any = None
            raw = request.get_data()
            if raw:
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    body = None
            with self._lock:
                self.requests.append(
                    RecordedRequest(request.method, request.path, dict(request.args.items()), body)
                )
                status, payload = handler(request, body)
            return Response(
                json.dumps(payload, ensure_ascii=False),
                status=status,
                content_type="application/json; encoding=utf-8",
            )

        return respond

    @staticmethod
    def _err(errcode: int, errmsg: str) -> tuple[int, dict]:
        return 200, {"errcode": errcode, "errmsg": f"{errmsg} rid: {uuid.uuid4().hex[:24]}"}

    def _check_token(self, request: Request) -> tuple[int, dict] | None:
        token = request.args.get("access_token")
        if not token:
            return self._err(ERR_ACCESS_TOKEN_MISSING, "access_token missing")
        if token not in self._valid_tokens:
            return self._err(ERR_INVALID_CREDENTIAL, "invalid credential, access_token is invalid or not latest")
        return None

    def _use_code(self, code: str) -> bool:
        """Mark a code used; False if it was already used."""
        if not self.single_use_codes:
            return True
        if code in self._used_codes:
            return False
        self._used_codes.add(code)
        return True

    def _token(self, request: Request, body: Any):
        args = request.args
        if args.get("grant_type") != "client_credential":
            return self._err(40002, "invalid grant_type")
        if args.get("appid") != self.appid:
            return self._err(ERR_INVALID_APPID, "invalid appid")
        if args.get("secret") != self.secret:
            return self._err(ERR_INVALID_SECRET, "invalid appsecret")
        token = f"FAKE_ACCESS_TOKEN_{next(self._token_seq)}_{uuid.uuid4().hex[:8]}"
        self.issued_tokens.append(token)
        self._valid_tokens.add(token)
        return 200, {"access_token": token, "expires_in": self.token_expires_in}

    def _jscode2session(self, request: Request, body: Any):
        args = request.args
        if args.get("grant_type") != "authorization_code":
            return self._err(40002, "invalid grant_type")
        if args.get("appid") != self.appid:
            return self._err(ERR_INVALID_APPID, "invalid appid")
        if args.get("secret") != self.secret:
            return self._err(ERR_INVALID_SECRET, "invalid appsecret")
        code = args.get("js_code", "")
        if code in self._login_errors:
            return self._err(self._login_errors[code], "login error")
        login = self._logins.get(code)
        if login is None:
            return self._err(ERR_INVALID_CODE, "invalid code")
        if not self._use_code("login:" + code):
            return self._err(ERR_CODE_USED, "code been used")
        return 200, dict(login)

    def _getuserphonenumber(self, request: Request, body: Any):
        denied = self._check_token(request)
        if denied:
            return denied
        code = body.get("code") if isinstance(body, dict) else None
        if not code:
            return self._err(ERR_ARGUMENT_INVALID, "data format error")
        phone = self._phones.get(code)
        if phone is None:
            return self._err(ERR_INVALID_CODE, "invalid code")
        if not self._use_code("phone:" + code):
            return self._err(ERR_CODE_USED, "code been used")
        info = dict(phone, watermark={"timestamp": int(time.time()), "appid": self.appid})
        return 200, {"errcode": 0, "errmsg": "ok", "phone_info": info}

    def _subscribe_send(self, request: Request, body: Any):
        denied = self._check_token(request)
        if denied:
            return denied
        if not isinstance(body, dict) or not body.get("touser") or not body.get("template_id") \
                or not isinstance(body.get("data"), dict):
            return self._err(ERR_ARGUMENT_INVALID, "argument invalid")
        if self._send_failures:
            return self._err(self._send_failures.pop(0), "send failed")
        self.sent.append({
            "touser": body["touser"],
            "template_id": body["template_id"],
            "page": body.get("page"),
            "data": body["data"],
        })
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(self.sent)}

    def _msg_sec_check(self, request: Request, body: Any):
        denied = self._check_token(request)
        if denied:
            return denied
        if not isinstance(body, dict) or body.get("version") != 2 or not body.get("openid") \
                or body.get("scene") not in (1, 2, 3, 4) or not isinstance(body.get("content"), str):
            return self._err(ERR_ARGUMENT_INVALID, "argument invalid")
        hit = next((w for w in self._risky_words if w in body["content"]), None)
        suggest, label = ("risky", 20006) if hit else ("pass", 100)
        detail = [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}]
        if hit:
            detail.append({"strategy": "keyword", "errcode": 0, "suggest": "risky", "label": label,
                           "level": 20, "keyword": hit})
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": label},
            "detail": detail,
            "trace_id": uuid.uuid4().hex,
        }

    def _unknown(self, request: Request, body: Any):
        return 404, {"errcode": 40066, "errmsg": "invalid url"}
