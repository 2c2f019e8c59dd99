"""Application factory."""
from __future__ import annotations

import logging

from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from app.config import Config
from app.extensions import Api, db, migrate


def create_app(config: Config | dict | None = None) -> Flask:
    from app.common import i18n  # noqa: F401  (Chinese validation messages)

    if isinstance(config, dict) or config is None:
        config = Config(**(config or {}))
    app = _Flask(__name__, static_folder="static", static_url_path="/static")
    from app.common import bounds
    app.url_map.converters["int"] = bounds.BoundedIntConverter  # before any route: ids 1 … 2^31-1
    app.config.from_mapping(config.as_dict())
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)  # the SQLite file and local storage live here
    if app.config["APP_ENV"] == "production" and not (app.config["WECHAT_APPID"] and app.config["WECHAT_SECRET"]):
        raise RuntimeError("WeChat dev mode is refused when APP_ENV=production: set WECHAT_APPID and WECHAT_SECRET")
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.session_interface = _NoCookieSessionForApi()
    _logging(app)
    from app import observability
    observability.init_app(app)  # request ids, JSON logs, /metrics, Sentry

    from app import models  # noqa: F401  (every table registered on the metadata)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    bounds.init_app(app, api)
    from app.common import limits
    limits.init_app(app)

    from app import errors
    errors.register_error_handlers(app)
    from app.common import outage
    outage.init_app(app)  # 503 for outages, 422 for values out of range, Chinese pages in browsers
    _register_blueprints(app, api)
    _wire_domains(app)
    _configured_enums(app, api)
    from app.common import openapi
    openapi.apply_fixups(app, api.spec)  # what marshmallow cannot express (app/common/openapi.py)
    _register_health(app)

    from app import tasks
    tasks.init_app(app)
    from app import cli
    cli.init_app(app)
    if app.config.get("TELEPHONY_DEMO_REPLAY"):
        _demo_switch(app)

    return app


def _configured_enums(app: Flask, api: Api) -> None:
    """Enumerations that follow the configuration (the province's added matters, situations, groups)
    written into the OpenAPI document's schemas."""
    from app.procedure.schemas import openapi_enums
    schemas = api.spec.components.schemas
    for name, props in openapi_enums(app.config).items():
        schema = schemas.get(name)
        if schema is None:
            continue
        for prop, values in props.items():
            p = schema.get("properties", {}).get(prop)
            if p is None:
                continue
            (p["items"] if p.get("type") == "array" else p)["enum"] = list(values)


class _Flask(Flask):
    """Flask asks `inspect.iscoroutinefunction` of every hook and view on every request (eleven times for
    the application detail); the answer for a registered function does not change, so it is kept."""

    def ensure_sync(self, func):
        cache = self.__dict__.setdefault("_sync_cache", {})
        try:
            return cache[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        if len(cache) < 4096:  # hooks, views and error handlers: a bounded set
            cache[func] = wrapped
        return wrapped


class _NoCookieSessionForApi(SecureCookieSessionInterface):
    """The JSON API is cookie-less (bearer tokens): skip the cookie session on its paths."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def _migrations_dir() -> str:
    from pathlib import Path
    return str(Path(__file__).resolve().parent.parent / "migrations")


def _register_blueprints(app: Flask, api: Api) -> None:
    """Every domain's API blueprint, then its console pages (declared on the console's one blueprint)."""
    from app.alerts.routes import blp as alerts_blp
    from app.analytics.routes import blp as analytics_blp
    from app.applications.routes import blp as applications_blp
    from app.auditlog.routes import blp as auditlog_blp
    from app.auth.routes import blp as auth_blp
    from app.callbacks.routes import blp as callbacks_blp
    from app.centres.routes import blp as centres_blp
    from app.consultations.routes import blp as consultations_blp
    from app.documents.routes import blp as documents_blp, serve_local_file
    from app.notifications.routes import blp as client_config_blp
    from app.privacy.routes import blp as privacy_blp
    from app.procedure import delivery_routes, routes as procedure_routes
    from app.handling import routes as handling_routes
    from app.ratings.routes import blp as ratings_blp
    from app.staff.routes import blp as staff_blp
    from app.supervision.routes import blp as supervision_blp
    from app.telephony.routes import blp as telephony_blp

    for blp in (auth_blp, applications_blp, documents_blp, ratings_blp, consultations_blp, callbacks_blp, centres_blp,
                supervision_blp, analytics_blp, staff_blp, alerts_blp, auditlog_blp, client_config_blp,
                procedure_routes.public, procedure_routes.citizen, procedure_routes.staff, privacy_blp,
                handling_routes.citizen, handling_routes.staff, telephony_blp, delivery_routes.citizen,
                delivery_routes.staff):
        api.register_blueprint(blp)
    app.register_blueprint(delivery_routes.short)
    app.add_url_rule("/files/<path:key>", "local_file", serve_local_file)

    from app import console
    from app.alerts import console as _alerts_pages  # noqa: F401
    from app.analytics import console as _analytics_pages  # noqa: F401
    from app.auditlog import console as _audit_pages  # noqa: F401
    from app.auth import console as _auth_pages  # noqa: F401
    from app.callbacks import console as _callbacks_pages  # noqa: F401
    from app.console import centres as _centres_pages  # noqa: F401
    from app.casework import console as _casework_pages  # noqa: F401
    from app.consultations import console as _consultations_pages  # noqa: F401
    from app.documents import console as _documents_pages  # noqa: F401
    from app.procedure import console as _procedure_pages  # noqa: F401
    from app.handling import console as _handling_pages  # noqa: F401
    from app.supervision import console as _supervision_pages  # noqa: F401
    from app.telephony import console as _telephony_pages  # noqa: F401
    console.init_app(app)


def _wire_domains(app: Flask) -> None:
    """What a lower domain calls in a higher one is given here, explicitly (CTFd's `load(app)`), and
    kept on `app.extensions`; no domain fills another's registry when it is imported."""
    from app import alerts, auth, callbacks
    from app.casework import console as casework_pages
    from app.consultations import service as consultations
    from app.documents import flows as document_flows
    from app.procedure import plugin as procedure_plugin, scan as procedure_scan
    auth.init_app(app, on_phone_bound=document_flows.phone_bound)
    from app.consultations import warnings as repeat_callers
    callbacks.init_app(app, describers={"consultation": consultations.describe_call,
                                        "application": casework_pages.describe_application},
                       on_close=[repeat_callers.resolve_episode_alert])
    from app.procedure import delivery as procedure_delivery
    alerts.init_app(app, scanners=[procedure_scan.scan, procedure_delivery.scan])
    from app.telephony import wallboard
    app.extensions["metrics.state_providers"] = [wallboard.metric_families]  # the hotline's gauges on /metrics
    procedure_plugin.init_app(app)  # what the procedure adds to the domains below it
    from app.handling import plugin as handling_plugin
    handling_plugin.init_app(app)  # after assignment: the assign flow asks it for the lawyer replaced


def _demo_switch(app: Flask) -> None:
    """The embedded default's demo switch (scripts/dev.sh): replays a recorded morning of call events
    from the first request on (never in CLI commands such as migrations)."""
    import threading
    from app.telephony import demo
    started = threading.Event()

    @app.before_request
    def _start_demo_switch():
        if not started.is_set():
            started.set()
            demo.start_in_background(app)


def _register_health(app: Flask) -> None:
    import sqlalchemy as sa

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        from app.storage_bridge import get_storage
        checks = {}
        try:
            db.session.execute(sa.text("select 1"))
            checks["database"] = "ok"
        except Exception:  # noqa: BLE001
            db.session.rollback()
            checks["database"] = "unavailable"
        try:
            get_storage().ping()
            checks["storage"] = "ok"
        except Exception:  # noqa: BLE001
            checks["storage"] = "unavailable"
        ok = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ok else "unavailable", "checks": checks}
        if not ok:
            body.update(code="not_ready", message="服务未就绪")
        return body, 200 if ok else 503


def _logging(app: Flask) -> None:
    # root handlers and their format (JSON lines or text, with the request id): app.observability.logs
    # wechatpy logs full request/response bodies at DEBUG (session_key!): keep it quiet
    logging.getLogger("wechatpy").setLevel(logging.WARNING)
    # urllib3 logs request URLs at DEBUG, and WeChat takes the app secret in the query string
    logging.getLogger("urllib3").setLevel(logging.INFO)
