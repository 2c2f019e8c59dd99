"""Extension singletons, bound to the app in create_app."""
import marshmallow as ma
from flask import jsonify
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api as _Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from app.errors import http_error_payload

# Stable constraint names so Alembic migrations are reproducible on SQLite and PostgreSQL
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ErrorSchema(ma.Schema):
    """The one error body of the whole API (documented for every error response)."""

    code = ma.fields.String(required=True, metadata={"description": "机器可读的错误码，如 validation_error、not_found、rate_limited、database_unavailable"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明，可直接展示给用户"})
    details = ma.fields.Dict(required=True, metadata={"description": "补充信息；字段校验错误在 details.fields 中（字段名 → 错误列表）"})


class Api(_Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        """Werkzeug/webargs errors in the API's one shape: {"code", "message", "details"}."""
        payload, status, headers = http_error_payload(error)
        return jsonify(payload), status, headers


db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate(render_as_batch=True, compare_type=True)
# The smorest Api is made per app in create_app (it holds the app's OpenAPI spec)

# One rate limiter for the whole app; routes decorate with app.common.limits (settings in app.config)
limiter = Limiter(key_func=lambda: "global", default_limits=[], key_prefix="legalaid")
