"""The app's handle on the framework-free SMS package (`sms/`): the gateway the settings name, or None."""
from __future__ import annotations

from flask import current_app

import sms

_NONE = object()


def get_sms() -> sms.Gateway | None:
    gw = current_app.extensions.get("sms", _NONE)
    if gw is _NONE:
        cfg = current_app.config
        gw = sms.from_settings(cfg["SMS_PROVIDER"], url=cfg["SMS_URL"], access_key_id=cfg["SMS_ACCESS_KEY_ID"],
                               access_key_secret=cfg["SMS_ACCESS_KEY_SECRET"], sign_name=cfg["SMS_SIGN_NAME"],
                               sdk_app_id=cfg["SMS_SDK_APP_ID"], region=cfg["SMS_REGION"], timeout=cfg["SMS_TIMEOUT"])
        current_app.extensions["sms"] = gw
    return gw
