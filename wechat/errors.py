"""Error type and error-code mapping for the WeChat mini-program client."""
from __future__ import annotations

import requests
from wechatpy.exceptions import WeChatClientException

# Error kinds (stable strings the web layer maps to HTTP responses).
INVALID_CODE = "invalid_code"
RATE_LIMITED = "rate_limited"
UNAVAILABLE = "unavailable"
RISKY = "risky"
INVALID_PAYLOAD = "invalid_payload"
ERROR = "error"

KINDS = frozenset({INVALID_CODE, RATE_LIMITED, UNAVAILABLE, RISKY, INVALID_PAYLOAD, ERROR})

# errcode -> kind. Anything not listed maps to ERROR.
_ERRCODE_KINDS: dict[int, str] = {
    40029: INVALID_CODE,  # invalid code
    40163: INVALID_CODE,  # code already used
    40226: INVALID_CODE,  # high-risk user, login refused
    45011: RATE_LIMITED,  # API minute quota reached
    45009: RATE_LIMITED,  # API daily quota reached
    -1: UNAVAILABLE,  # system busy
    87014: RISKY,  # content flagged as risky
}

# errcodes meaning "your access token is no longer valid".
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


class WeChatError(Exception):
    """A failed WeChat call.

    ``kind`` is one of ``invalid_code``, ``rate_limited``, ``unavailable``,
    ``risky``, ``invalid_payload``, ``error``. ``errcode`` is WeChat's errcode when
    the API answered with one, else ``None``. ``errmsg`` is a short description;
    it never contains response bodies, session keys or secrets.
    """

    def __init__(self, kind: str, errcode: int | None = None, errmsg: str = ""):
        if kind not in KINDS:
            raise ValueError(f"unknown WeChatError kind: {kind!r}")
        self.kind = kind
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(kind, errcode, errmsg)

    def __str__(self) -> str:
        code = "" if self.errcode is None else f" errcode={self.errcode}"
        return f"WeChat {self.kind}{code}: {self.errmsg}"

    def __repr__(self) -> str:
        return f"WeChatError(kind={self.kind!r}, errcode={self.errcode!r}, errmsg={self.errmsg!r})"


def kind_for_errcode(errcode: int | None) -> str:
    if errcode is None:
        return ERROR
    return _ERRCODE_KINDS.get(errcode, ERROR)


def _short(text: object, limit: int = 120) -> str:
    s = text if isinstance(text, str) else ""
    s = s.replace("\n", " ").strip()
    return s[:limit]


def from_exception(exc: BaseException, *, api: str, server_message: bool = True) -> WeChatError:
    """Translate an exception raised by wechatpy/requests into a WeChatError.

    ``server_message=False`` drops WeChat's own errmsg (used for jscode2session,
    whose responses carry the session_key).
    """
    if isinstance(exc, WeChatError):
        return exc
    if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
        return WeChatError(UNAVAILABLE, None, f"{api}: WeChat API unreachable ({type(exc).__name__})")
    if isinstance(exc, WeChatClientException):
        errcode = exc.errcode
        if errcode is None:
            # HTTP-level failure (raise_for_status); no body is ever included.
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status is None or status >= 500:
                return WeChatError(UNAVAILABLE, None, f"{api}: HTTP {status}")
            return WeChatError(ERROR, None, f"{api}: HTTP {status}")
        try:
            errcode = int(errcode)
        except (TypeError, ValueError):
            return WeChatError(ERROR, None, f"{api}: malformed errcode")
        msg = f"{api} failed"
        if server_message and _short(exc.errmsg):
            msg = f"{api}: {_short(exc.errmsg)}"
        return WeChatError(kind_for_errcode(errcode), errcode, msg)
    if isinstance(exc, requests.RequestException):
        return WeChatError(UNAVAILABLE, None, f"{api}: {type(exc).__name__}")
    if isinstance(exc, (ValueError, KeyError, TypeError)):
        # Non-JSON or malformed answer.
        return WeChatError(ERROR, None, f"{api}: malformed response ({type(exc).__name__})")
    return WeChatError(ERROR, None, f"{api}: {type(exc).__name__}")
