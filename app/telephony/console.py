"""Console pages of the live hotline: the wallboard (large screen; its figures also on the manager's home)
and the one server-sent-events stream every console page of a duty lawyer or manager listens to — the
screen pop for that lawyer only, and for wallboard viewers the figures every 2 s."""
from __future__ import annotations

import json
import time

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from app.console import add_nav, bp, console_required, form_input, me
from app.common.permissions import P
from app.telephony import service, wallboard
from app.telephony.bus import get_bus
from app.telephony.models import AGENT_STATE_LABELS
from app.telephony.schemas import DoNotCallInput

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

    def do_not_call_card(c) -> Markup:
        """The call page's 勿回拨 card (those who take calls); the consultations page knows nothing of it."""
        user = me() if _has_user() else None
        if user is None or not POP.allows(user):
            return Markup("")
        return Markup(render_template("telephony/_do_not_call.html", c=c, flag=service.caller_flag(c)))

    return {"telephony_stream": telephony_stream, "wallboard_figures": wallboard_figures,
            "AGENT_STATE_LABELS": AGENT_STATE_LABELS, "do_not_call_card": do_not_call_card}


def _has_user() -> bool:
    return g.get("console_staff") is not None


@bp.route("/calls/<int:consultation_id>/do-not-call", methods=["POST"])
@console_required(POP)
def call_do_not_call(consultation_id):
    """勿回拨 from the call's page: the API's input (DoNotCallInput), the same service and audit."""
    data = form_input(DoNotCallInput)
    out = service.set_do_not_call(me(), consultation_id, data["do_not_call"], data.get("note"))
    flash(f"已{'标记' if out['do_not_call'] else '取消'}「勿回拨」：{out['caller_masked']}", "ok")
    return redirect(url_for("console.call_detail", consultation_id=consultation_id))


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
