"""What the procedure adds to the domains below it, registered explicitly on the app (`init_app`, called by
the app factory; CTFd's plugin `load(app)` is the model). Nothing here runs at import.

- the alert scan runs the procedure's scan (视为撤回 and the clocks' alerts, app.procedure.scan);
- an application's detail carries the deadlines and the letters: the citizen's read path joins the
  procedure state (`detail.join`), adds the columns of `detail.columns` to its one statement and fills
  them with `detail.fill`
  (app.applications.read), the staff's ApplicationOut asks `clocks.deadlines` and `detail.letters_of`;
- an uploaded photo ticks off the open one-time notice's item of its kind (app.documents.service.upload);
- 送达: the alert scan deems announced letters delivered and raises `letter_undelivered`; a delivery starts
  the periods that run from it (`clocks.on_delivered`).
"""
from __future__ import annotations

from flask import Flask

from app.alerts import service as alerts
from app.procedure import clocks, delivery, detail, notices
from app.procedure.scan import scan


def init_app(app: Flask) -> None:
    alerts.register_scanner(scan)
    alerts.register_scanner(delivery.scan)
    delivery.on_delivered(clocks.on_delivered)
    app.extensions.setdefault("applications.detail", []).append((detail.join, detail.columns, detail.fill))
    app.extensions["applications.detail_hooks"] = {"deadlines": clocks.deadlines, "letters": detail.letters_of}
    app.extensions.setdefault("documents.after_upload", []).append(notices.tick_for_upload)
