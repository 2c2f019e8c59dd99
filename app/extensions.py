"""Extension singletons, bound to the app in create_app."""
from flask import jsonify
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


class Api(_Api):
    def handle_http_exception(self, error):
        """Werkzeug/webargs errors in the API's one shape: {"code", "message", "details"}."""
        payload, status, headers = http_error_payload(error)
        return jsonify(payload), status, headers


db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate(render_as_batch=True, compare_type=True)
# The smorest Api is made per app in create_app (it holds the app's OpenAPI spec)
