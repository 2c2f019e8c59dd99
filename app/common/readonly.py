"""Pure reads without a transaction: one precompiled statement on an autocommit connection.

A request that only reads (the mini-program polling an application, the list of a citizen's
applications) needs no BEGIN / ROLLBACK around its one statement; on PostgreSQL each is a round
trip. On a database server these reads use a second small pool whose connections are in
autocommit mode for good (`DB_READ_POOL_SIZE` per process, beside the ORM's pool), so the ORM
session's transactions are unaffected; on SQLite they share the one engine (Python's sqlite3
begins a transaction only before a write, so a SELECT is already outside one).

A `Read` is a Core select compiled once per dialect and run straight on the pooled DBAPI
connection (SQLite: its cursor; PostgreSQL: prepared once per connection and run at the libpq level,
`_pg_rows`), with the column types' own bind and result processors applied: the same values
`Connection.execute` would give, without its per-call compilation lookup and result machinery.
Rows come back as dicts keyed by the select's column names (`RowDict`). SQLAlchemy engine events do
not see these statements.

The pool does not ping connections before use (see `Config.SQLALCHEMY_ENGINE_OPTIONS`). A
connection the server has dropped (restart, failover, `pg_terminate_backend`) fails on its first
statement: the pool is then renewed and the read retried once on a fresh connection; if that
fails too the database is down and the request gets 503. Any other OperationalError or InterfaceError
the driver raises on a read (shutdown, recovery, lock timeout) is 503 as well, never a 500. Elsewhere, the error handler answers
the one request that met a dead connection 503 (SQLAlchemy renews the ORM pool itself).
"""
from __future__ import annotations

import logging
import weakref

import sqlalchemy as sa
from flask import current_app

from app.common import outage
from app.extensions import db

try:
    import psycopg as _psycopg
    from psycopg import pq as _pq
    from psycopg.adapt import PyFormat, Transformer as _Transformer
    _AUTO = PyFormat.AUTO
except ImportError:  # SQLite only
    _psycopg = None

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


def _raw_dialect(dialect):
    """psycopg 3: the statement compiled with $1, $2… placeholders, as PostgreSQL takes them (psycopg's
    cursors parse every query for %s placeholders and cache that only up to 4,096 bytes; the application
    detail is longer)."""
    if dialect.driver != "psycopg":
        return dialect
    raw = type(dialect)(paramstyle="numeric_dollar")
    raw.server_version_info = dialect.server_version_info
    return raw


# psycopg connection → {statement: its server-side prepared name}; a new connection prepares again
_prepared: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _pg_rows(conn, sql: bytes, parameters) -> list[tuple]:
    """One statement on a psycopg 3 connection at the libpq level (documented `psycopg.pq` and
    `psycopg.adapt.Transformer`): prepared on the server once per connection, then each run is one
    Bind/Execute with the rows in binary. The same values a cursor would give, for about a third less of
    the driver's CPU (a cursor runs its generators, its prepared-statement bookkeeping and a wait loop in
    Python around the same libpq calls). libpq releases the GIL while it waits."""
    tx = _Transformer(conn)
    values = tx.dump_sequence(parameters, [_AUTO] * len(parameters))
    names = _prepared.get(conn)
    if names is None:
        names = _prepared[conn] = {}
    # the parameters' types are part of the key, as in psycopg's own cache: an int is sent as int2, int4
    # or int8 by its size, and a statement prepared for one is not run with another
    key = (sql, tuple(tx.types))
    name = names.get(key)
    pgconn = conn.pgconn
    if name is None:
        name = f"legalaid_read_{len(names) + 1}".encode()
        _pg_check(conn, pgconn.prepare(name, sql, tx.types), _pq.ExecStatus.COMMAND_OK)
        names[key] = name
    result = pgconn.exec_prepared(name, values, tx.formats, result_format=_pq.Format.BINARY)
    _pg_check(conn, result, _pq.ExecStatus.TUPLES_OK)
    tx.set_pgresult(result)
    return tx.load_rows(0, result.ntuples, tuple)


def _pg_check(conn, result, expected) -> None:
    if result.status != expected:
        raise _psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


def _fetch(dbapi_conn, compiled: "_Compiled", parameters) -> list:
    if _psycopg is not None and isinstance(dbapi_conn, _psycopg.Connection):
        return _pg_rows(dbapi_conn, compiled.sql_bytes, parameters)
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(compiled.sql, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


class _Compiled:
    def __init__(self, stmt: sa.Select, dialect):
        compiled = stmt.compile(dialect=_raw_dialect(dialect))
        assert not compiled.literal_execute_params and not compiled.post_compile_params, "no expanding IN here"
        self.sql = str(compiled)
        self.sql_bytes = self.sql.encode()
        self.order = compiled.positiontup if compiled.positional else None
        self.defaults = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        self.bind_processors = {}
        for name, bind in compiled.binds.items():
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self.bind_processors[name] = proc
        self.keys = [c.key for c in stmt.selected_columns]
        assert len(set(self.keys)) == len(self.keys), "column names must be unique"
        self.result_processors = []
        for i, column in enumerate(stmt.selected_columns):
            proc = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if proc is not None:
                self.result_processors.append((i, proc))

    def parameters(self, params: dict):
        values = {**self.defaults, **params}
        for name, proc in self.bind_processors.items():
            values[name] = proc(values[name])
        return values if self.order is None else tuple(values[name] for name in self.order)

    def row(self, raw) -> dict:
        values = list(raw)
        for i, proc in self.result_processors:
            values[i] = proc(values[i])
        return RowDict(zip(self.keys, values))


class Read:
    """A select run by `rows`; build it once (module level or functools.cache), with bind parameters."""

    def __init__(self, stmt: sa.Select):
        self.stmt = stmt
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect) -> _Compiled:
        c = self._compiled.get(dialect.name)
        if c is None:
            c = self._compiled[dialect.name] = _Compiled(self.stmt, dialect)
        return c


def rows(read: Read, params: dict) -> list[RowDict]:
    """All rows of one read; retried once on a fresh connection if its pooled one turned out dead."""
    eng = engine()
    compiled = read.compiled(eng.dialect)
    parameters = compiled.parameters(params)
    for attempt in (1, 2):
        try:
            # a pool checkout, without an SQLAlchemy Connection around it; a new connection that cannot be
            # made raises the driver's own error here (SQLAlchemy wraps it only on Engine.connect)
            pooled = eng.raw_connection()
        except eng.dialect.loaded_dbapi.Error as exc:
            log.warning("database unavailable on connect: %s", type(exc).__name__)
            raise outage.database_unavailable() from exc
        dbapi_conn = pooled.dbapi_connection
        try:
            raw = _fetch(dbapi_conn, compiled, parameters)
        except eng.dialect.loaded_dbapi.Error as exc:
            dbapi = eng.dialect.loaded_dbapi
            if not eng.dialect.is_disconnect(exc, dbapi_conn, None):
                if isinstance(exc, (dbapi.OperationalError, dbapi.InterfaceError)):
                    # the driver's own error, not SQLAlchemy's (the server shutting down or starting up,
                    # busy, out of connections): the database cannot answer now → 503, never a 500
                    log.warning("database unavailable on a read: %s", type(exc).__name__)
                    raise outage.database_unavailable() from exc
                raise
            log.warning("database connection lost (attempt %d): %s", attempt, type(exc).__name__)
            pooled.invalidate()
            eng.dispose()  # the other pooled connections went with it (server restart, failover)
            if attempt == 2:
                raise outage.database_unavailable(retry_after=1) from exc
            continue
        finally:
            pooled.close()  # back to the pool (an invalidated one is discarded)
        return [compiled.row(r) for r in raw]
    raise AssertionError("unreachable")
