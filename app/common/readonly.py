"""Pure reads without a transaction: one statement on an autocommit connection.

A request that only reads (the mini-program polling an application, a list page) needs no
BEGIN / ROLLBACK around its one statement; on PostgreSQL each is a round trip. The connection
comes from the app's one pool (the engine below shares it) in autocommit mode and goes back to
autocommit-off when returned, so the ORM session's transactions are unaffected.

The pool does not ping connections before use (see `Config.SQLALCHEMY_ENGINE_OPTIONS`). A
connection the server has dropped (restart, failover, `pg_terminate_backend`) fails on its first
statement: SQLAlchemy then invalidates it and every older pooled connection, and a read here is
retried once on a fresh connection. Elsewhere the error handler answers that one request 503.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.extensions import db


def engine() -> sa.Engine:
    ext = current_app.extensions
    eng = ext.get("readonly_engine")
    if eng is None:
        eng = db.engine
        # Python's sqlite3 begins a transaction only before a write, so a SELECT is already outside
        # one; switching its isolation_level per checkout would cost more (measured) than it saves
        if eng.dialect.name != "sqlite":
            eng = eng.execution_options(isolation_level="AUTOCOMMIT")
        ext["readonly_engine"] = eng
    return eng


def rows(stmt, params: dict) -> list[sa.Row]:
    """All rows of one read statement; retried once if its pooled connection turned out dead."""
    eng = engine()
    try:
        with eng.connect() as conn:
            return conn.execute(stmt, params).all()
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with eng.connect() as conn:
        return conn.execute(stmt, params).all()
