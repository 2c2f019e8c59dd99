"""The staff web console's plumbing (server-rendered, Chinese UI): sessions and CSRF (`auth`), the one
`console` blueprint with its layout, navigation and error pages (`views`). Pages live in their
domain's package (`app/<domain>/console.py`) and use only the names exported here."""
from __future__ import annotations

from app.console.auth import console_required, current_staff
from app.console.views import (PAGE_SIZE, add_nav, back, bp, form_args, form_input, format_local, keep_form_state,
                               local_datetime, me, page_no)

__all__ = ["PAGE_SIZE", "add_nav", "back", "bp", "console_required", "current_staff", "form_args", "form_input", "format_local",
           "init_app", "keep_form_state", "local_datetime", "me", "page_no"]


def init_app(app) -> None:
    """Register the console blueprint (after the domains' page modules have declared their routes)."""
    app.register_blueprint(bp)
    # browsers ask for /favicon.ico on every page: answer with the console's icon instead of a 404
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon():
    from flask import redirect, url_for
    return redirect(url_for("console.static", filename="favicon.svg"), 301)
