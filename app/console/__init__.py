"""The staff web console (server-rendered, Chinese UI) and the staff JSON API wiring."""
from __future__ import annotations


def init_app(app, api) -> None:
    """Register the console pages, the staff API, the alerts CLI and their background tasks."""
    from app.alerts import service as _alerts  # noqa: F401  (registers the alerts_scan task)
    from app.alerts.cli import alerts_cli
    from app.console.views import bp as console_bp
    from app.staff.routes import blp as staff_blp

    # Flask's own session cookie only carries the console's flash messages
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config.get("APP_ENV") == "production" and app.config.get("CONSOLE_COOKIE_SECURE") is not False:
        app.config["SESSION_COOKIE_SECURE"] = True
    api.register_blueprint(staff_blp)
    app.register_blueprint(console_bp)
    app.cli.add_command(alerts_cli)
