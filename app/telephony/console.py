"""Console pages of the live hotline: the wallboard (large screen; its figures also on the manager's home)
and the one server-sent-events stream every console page of a duty lawyer or manager listens to — the
screen pop for that lawyer only, and for wallboard viewers the figures every 2 s."""
from __future__ import annotations

import json
import time

from flask import Response, current_app, g, render_template, request

from app.console import add_nav, bp, console_required, me
from app.common.permissions import P
from app.telephony import wallboard
from app.telephony.bus import get_bus
from app.telephony.models import AGENT_STATE_LABELS

POP, WALLBOARD = P.log_calls, P.view_wallboard  # the screen pop (who takes calls), the wallboard
WALLBOARD_EVERY = 2.0  # seconds between two pushes of the figures (the spec: at least every 2 s)
HEARTBEAT_EVERY = 15.0
STREAM_LIFETIME = 600.0  # then the page's EventSource reconnects (frees the worker thread now and then)

add_nav(95, "console.wallboard_page", "话务大屏", WALLBOARD)


@bp.app_context_processor
def _telephony_context():
    def telephony_stream() -> str | None:
        """The stream URL for this user's pages (None: this role has none)."""
        user = me() if _has_user() else None
        if user is None or not (POP.allows(user) or WALLBOARD.allows(user)):
            return None
        return "/console/telephony/stream" + ("?wallboard=1" if WALLBOARD.allows(user) else "")

    def wallboard_figures() -> dict | None:
        user = me() if _has_user() else None
        return wallboard.placeholder() if user is not None and WALLBOARD.allows(user) else None

    return {"telephony_stream": telephony_stream, "wallboard_figures": wallboard_figures,
            "AGENT_STATE_LABELS": AGENT_STATE_LABELS}


def _has_user() -> bool:
    return g.get("console_staff") is not None


@bp.route("/wallboard")
@console_required(WALLBOARD)
def wallboard_page():
    return render_template("telephony/wallboard.html", f=wallboard.snapshot(),
                           large=request.args.get("screen") == "1")


@bp.route("/wallboard.json")
@console_required(WALLBOARD)
def wallboard_json():
    return wallboard.snapshot()


@bp.route("/telephony/stream")
@console_required(POP, WALLBOARD)
def telephony_stream():
    """text/event-stream: `pop` events for this user (duty lawyer, manager), `wallboard` every 2 s for
    wallboard viewers who ask for it (?wallboard=1)."""
    user = me()
    app = current_app._get_current_object()
    topics = (f"pop:{user.id}",) if POP.allows(user) else ()
    want_board = WALLBOARD.allows(user) and request.args.get("wallboard") == "1"
    sub = get_bus(app).subscribe(*topics)

    def stream():
        started = last_board = last_beat = time.monotonic()
        try:
            yield "retry: 1000\n\n"
            if want_board:
                yield _board(app)
            while time.monotonic() - started < STREAM_LIFETIME:
                wait = 0.25 if want_board else 1.0
                msg = sub.get(timeout=wait)
                now = time.monotonic()
                if msg is not None:
                    _, payload = msg
                    yield f"event: pop\ndata: {json.dumps(payload, ensure_ascii=False, default=str)}\n\n"
                if want_board and now - last_board >= WALLBOARD_EVERY - 0.3:
                    last_board = now
                    yield _board(app)
                elif now - last_beat >= HEARTBEAT_EVERY:
                    last_beat = now
                    yield ": keep-alive\n\n"
        finally:
            sub.close()

    resp = Response(stream(), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return resp


def _board(app) -> str:
    with app.app_context():
        data = wallboard.snapshot()
    return f"event: wallboard\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
