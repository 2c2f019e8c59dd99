"""What the procedure adds to the domains below it, registered explicitly on the app (`init_app`, called by
the app factory; CTFd's plugin `load(app)` is the model). Nothing here runs at import.

- an application's detail carries the deadlines and the letters: the citizen's read path joins the
  procedure state (`detail.join`), adds the columns of `detail.columns` to its one statement and fills
  them with `detail.fill`
  (app.applications.read), the staff's ApplicationOut asks `clocks.deadlines` and `detail.letters_of`;
- an uploaded photo ticks off the open one-time notice's item of its kind (app.documents.service.upload);
- 送达: the alert scan deems announced letters delivered and raises `letter_undelivered` (`delivery.scan`,
  given to the alerts by the app factory beside `scan.scan`);
- each open case's stored due dates (applications.next_due, urgent_due, clock_due) recomputed after every
  flush that changes a clock (`due.init_app`), for the queues and the scan.
"""
from __future__ import annotations

from flask import Flask

from app.procedure import clocks, detail, due, notices


def init_app(app: Flask) -> None:
    app.extensions.setdefault("applications.detail", []).append((detail.join, detail.columns, detail.fill))
    app.extensions["applications.detail_hooks"] = {"deadlines": clocks.deadlines, "letters": detail.letters_of}
    app.extensions.setdefault("documents.after_upload", []).append(notices.tick_for_upload)
    due.init_app(app)
