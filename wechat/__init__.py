"""Framework-free WeChat mini-program integration (imports nothing from ``app``).

All network calls go through wechatpy; the API host is configurable so tests can
point it at a fake server (see ``tests/fakes/wechat_server.py``).
"""
from __future__ import annotations

from .client import DEFAULT_API_BASE_URL, MiniProgramClient
from .dev import DEV_APPID, DevMiniProgramClient, dev_openid
from .errors import WeChatError

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DEV_APPID",
    "DevMiniProgramClient",
    "MiniProgramClient",
    "WeChatError",
    "dev_openid",
    "make_client",
]


def make_client(
    appid: str | None,
    secret: str | None,
    api_base_url: str | None,
    app_env: str,
    *,
    timeout: float = 5.0,
    session=None,
) -> MiniProgramClient | DevMiniProgramClient:
    """Build the client from configuration.

    * appid and secret set -> MiniProgramClient (``api_base_url`` or the real API);
    * both empty -> DevMiniProgramClient, except in production (RuntimeError);
    * only one of them set -> RuntimeError.
    ``session`` is a wechatpy SessionStorage for the access-token cache (e.g.
    ``wechatpy.session.redisstorage.RedisStorage``); memory by default.
    """
    appid = (appid or "").strip()
    secret = (secret or "").strip()
    if appid and secret:
        return MiniProgramClient(
            appid, secret, api_base_url or DEFAULT_API_BASE_URL, timeout=timeout, session=session
        )
    if appid or secret:
        raise RuntimeError("WECHAT_APPID and WECHAT_SECRET must be set together")
    if (app_env or "").strip().lower() == "production":
        raise RuntimeError("WeChat credentials required in production")
    return DevMiniProgramClient()
