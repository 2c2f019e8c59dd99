"""What the after-assignment package adds to the domains below it, registered on the app by `init_app`
(called by the app factory; nothing here runs at import): the procedure's assign flow asks `on_assign`
for the lawyer replaced after a change of lawyer (the 指派通知书 names them; the change records the new
lawyer)."""
from __future__ import annotations

from flask import Flask

from app.handling import service


def init_app(app: Flask) -> None:
    hooks = app.extensions.setdefault("procedure.on_assign", [])
    if service.on_assign not in hooks:
        hooks.append(service.on_assign)
