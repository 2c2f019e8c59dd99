"""Role-matrix entries for the live hotline's console pages, picked up by tests/platform/test_role_matrix.py:
the wallboard (page and JSON) and the event stream (screen pops for those who take calls, the wallboard
for those who may see it). The allowed roles are read from the permission table."""
from __future__ import annotations

from app.common.permissions import P
from tests.platform.test_role_matrix import R


def console_cases(Case, builder, staff):
    c = "/console"
    return [
        Case("console.wallboard_page", "GET", R(P.view_wallboard), lambda b: f"{c}/wallboard", fresh=False),
        Case("console.wallboard_json", "GET", R(P.view_wallboard), lambda b: f"{c}/wallboard.json", fresh=False),
        # the stream is long-lived: the matrix reads its status and headers only (the body is never consumed)
        Case("console.telephony_stream", "GET", R(P.log_calls, P.view_wallboard),
             lambda b: f"{c}/telephony/stream", fresh=False),
    ]
