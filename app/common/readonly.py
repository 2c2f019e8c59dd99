"""Pure reads without a transaction: one statement on an autocommit connection.

A request that only reads (the mini-program polling an application, the list of a citizen's
applications) needs no BEGIN / ROLLBACK around its one statement; on PostgreSQL each is a round
trip. On a database server these reads use a second small pool whose connections are in
autocommit mode for good (`DB_READ_POOL_SIZE` per process, beside the ORM's pool), so the ORM
session's transactions are unaffected; on SQLite they share the one engine (Python's sqlite3
begins a transaction only before a write, so a SELECT is already outside one).

A `Read` is a Core select built once with bind parameters and run by SQLAlchemy Core
(`Connection.execute`: compiled once and cached by SQLAlchemy, psycopg's own prepared-statement
handling, `DB_PREPARE_THRESHOLD`). Rows come back as dicts keyed by the select's column names
(`RowDict`). Until issue 21 the PostgreSQL reads ran on a bespoke libpq-level executor with named
prepared statements; those break behind PgBouncer < 1.21 in transaction mode, and behind the pooler
its unprepared form saved too little to keep (bench/pooler.py, docs/scale.md).

The pool does not ping connections before use (see `Config.SQLALCHEMY_ENGINE_OPTIONS`). A
connection the server has dropped (restart, failover, `pg_terminate_backend`) fails on its first
statement: the pool is then renewed and the read retried once on a fresh connection; if that
fails too the database is down and the request gets 503. Any other OperationalError or InterfaceError
the driver raises on a read (no connection, shutdown, recovery, lock timeout) is 503 as well, never a
500. Elsewhere, the error handler answers
the one request that met a dead connection 503 (SQLAlchemy renews the ORM pool itself).
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from app.common import outage
from app.extensions import db

log = logging.getLogger(__name__)


def engine() -> sa.Engine:
    ext = current_app.extensions
    eng = ext.get("readonly_engine")
    if eng is None:
        eng = db.engine
        if eng.dialect.name != "sqlite":
            options = {k: v for k, v in current_app.config["SQLALCHEMY_ENGINE_OPTIONS"].items()
                       if k in ("pool_pre_ping", "pool_recycle", "pool_timeout", "connect_args")}
            eng = sa.create_engine(eng.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None,
                                   pool_size=current_app.config["DB_READ_POOL_SIZE"], max_overflow=10, **options)
        ext["readonly_engine"] = eng
    return eng


class RowDict(dict):
    """A row: a dict keyed by column name that also answers `row.name` (as SQLAlchemy rows do), so
    helpers written for either work unchanged."""
    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Read:
    """A select run by `rows`; build it once (module level or functools.cache), with bind parameters."""

    def __init__(self, stmt: sa.Select):
        keys = [c.key for c in stmt.selected_columns]
        assert len(set(keys)) == len(keys), "column names must be unique"
        self.stmt = stmt
        self.keys = keys


def _execute(conn: sa.Connection, stmt: sa.Select, params: dict):
    return conn.execute(stmt, params)


def rows(read: Read, params: dict) -> list[RowDict]:
    """All rows of one read; retried once on a fresh connection if its pooled one turned out dead."""
    eng = engine()
    keys = read.keys
    for attempt in (1, 2):
        try:
            with eng.connect() as conn:
                return [RowDict(zip(keys, r)) for r in _execute(conn, read.stmt, params)]
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
                    # no connection to be had, or the server shutting down or starting up, busy, out of
                    # connections: the database cannot answer now → 503, never a 500
                    log.warning("database unavailable on a read: %s", type(exc.orig).__name__)
                    raise outage.database_unavailable() from exc
                raise
            log.warning("database connection lost (attempt %d): %s", attempt, type(exc.orig).__name__)
            eng.dispose()  # the other pooled connections went with it (server restart, failover)
            if attempt == 2:
                raise outage.database_unavailable(retry_after=1) from exc
    raise AssertionError("unreachable")
