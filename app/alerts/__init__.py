"""Alerts (预警): SLA breaches, overdue backfills, close legal deadlines, repeat callers."""
from __future__ import annotations

from typing import Callable, Iterable


def init_app(app, *, scanners: Iterable[Callable]) -> None:
    """The checks of the domains above alerts that the periodic scan runs after its own, given by the app
    factory: each `fn(now, raise_alert) -> {kind: count, ...}` (app.procedure.scan.scan)."""
    app.extensions["alerts"] = {"scanners": tuple(scanners)}
