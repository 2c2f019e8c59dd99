from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upsert_insert(table: sa.Table):
    """An INSERT for the session's database that takes `.on_conflict_do_nothing()` /
    `.on_conflict_do_update()` (PostgreSQL's and SQLite's ON CONFLICT share that API)."""
    name = db.session.get_bind().dialect.name
    if name not in _UPSERT_INSERTS:
        raise RuntimeError(f"INSERT … ON CONFLICT needs PostgreSQL or SQLite, not {name}")
    return _UPSERT_INSERTS[name](table)


_UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


_BUILT: dict[tuple, sa.Executable] = {}


def built_once(key: tuple, build):
    """A statement built once per process and kind of database (`build()` the first time), for hot paths:
    statements are immutable and SQLAlchemy caches their compiled SQL, but building the object itself costs."""
    full = (*key, db.session.get_bind().dialect.name)
    stmt = _BUILT.get(full)
    if stmt is None:
        stmt = _BUILT[full] = build()
    return stmt
