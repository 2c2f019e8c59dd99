"""Who is calling: citizens (WeChat login, phone binding), staff accounts, bearer tokens."""
from __future__ import annotations

from typing import Callable


def init_app(app, *, on_phone_bound: Callable) -> None:
    """What auth needs from the domains above it, given by the app factory (they import auth, not
    the other way): `on_phone_bound(citizen)` runs in the binding's transaction once a citizen's
    phone number is verified (app.documents.flows.phone_bound)."""
    app.extensions["auth"] = {"on_phone_bound": on_phone_bound}
