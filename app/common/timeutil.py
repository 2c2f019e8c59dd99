"""Time helpers. The database stores naive UTC; the API speaks ISO 8601 with offsets."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

UTC = dt.timezone.utc
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def end_of_local_day(day: dt.date) -> dt.datetime:
    """The last second of `day` in Asia/Shanghai, as aware UTC (legal deadlines end at midnight)."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), LOCAL_TZ).astimezone(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
