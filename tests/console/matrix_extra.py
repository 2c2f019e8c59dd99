"""Role-matrix entries for console pages that other packages add under /console (issue 5: the hotline
console in app/analytics/console.py). Keep one entry per route and method here (or move them next
to the owning package's tests and import them): test_role_matrix fails on any /console or
/api/v1/staff route without an entry."""
from __future__ import annotations

import datetime as dt
import io
import itertools

from app.common.timeutil import LOCAL_TZ

_seq = itertools.count(1)


def _local(minutes):
    return (dt.datetime.now(LOCAL_TZ) + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _csv():
    n = next(_seq)
    text = ("呼叫ID,主叫号码,振铃时间,应答时间,结束时间,坐席工号\n"
            f"matrix-{n}-{dt.datetime.now().timestamp():.0f},13800138{n % 1000:03d},2026-01-05 09:00:00,"
            "2026-01-05 09:00:02,2026-01-05 09:05:00,S000\n")
    return io.BytesIO(text.encode("utf-8"))


def console_cases(Case, builder, staff):  # noqa: N803, ARG001
    try:
        from app.analytics.console import IMPORTERS, LOGGERS, VIEWERS
    except ImportError:  # the hotline console is not there: nothing to add
        return []

    def new_import(b):
        from app.consultations import cdr
        from app.extensions import db
        from tests.console.support import user
        b.dirty = True
        with b.app.app_context():
            imp = cdr.create_import("m.csv", b"x", user(b.app, "admin1"))
            db.session.commit()
            return imp.id

    c = "/console"
    return [
        Case("hotline_console.dashboard", "GET", set(VIEWERS), lambda b: f"{c}/dashboard", fresh=False),
        Case("hotline_console.dashboard_data", "GET", set(VIEWERS), lambda b: f"{c}/dashboard/data/topics", fresh=False),
        Case("hotline_console.dashboard_export", "GET", set(VIEWERS), lambda b: f"{c}/dashboard/export?format=csv",
             fresh=False),
        Case("hotline_console.calls_page", "GET", set(LOGGERS), lambda b: f"{c}/calls", fresh=False),
        Case("hotline_console.calls_page", "POST", set(LOGGERS), lambda b: f"{c}/calls",
             lambda b: {"caller": f"139{next(_seq):08d}", "ring_at": _local(-10), "answered": "1", "wait_seconds": "2",
                        "duration_minutes": "3", "topic": "劳动争议", "outcome": "answered", "summary": "咨询"}),
        Case("hotline_console.import_page", "GET", set(IMPORTERS), lambda b: f"{c}/calls/import", fresh=False),
        Case("hotline_console.import_page", "POST", set(IMPORTERS), lambda b: f"{c}/calls/import",
             lambda b: {"file": (_csv(), "cdr.csv")}),
        Case("hotline_console.import_status", "GET", set(IMPORTERS), lambda b: f"{c}/calls/import/{new_import(b)}.json",
             fresh=False),
    ]
