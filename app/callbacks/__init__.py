"""Callback tasks (回访): opened by bad ratings and repeat-caller warnings, worked by the hotline."""
from __future__ import annotations

from typing import Callable


def init_app(app, *, describers: dict[str, Callable[[int], dict | None]], on_close=()) -> None:
    """Given by the app factory (the domains that own the subjects sit above callbacks): how a task's
    subject is described on its page, by subject type; what else ends with a task (fn(task, actor))."""
    app.extensions["callbacks"] = {"describers": dict(describers), "on_close": tuple(on_close)}
