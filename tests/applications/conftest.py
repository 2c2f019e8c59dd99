import pytest
import sqlalchemy as sa

from tests.console.support import fast_argon2, staff  # noqa: F401


def _no_fsync(dbapi_conn, record):  # noqa: ARG001
    import sqlite3
    cur = dbapi_conn.cursor()
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur.execute("PRAGMA synchronous=OFF")
    else:  # PostgreSQL
        cur.execute("SET synchronous_commit TO OFF")
        dbapi_conn.commit()
    cur.close()


@pytest.fixture(autouse=True)
def _fast_commits():
    """These tests commit a lot: skip the wait for the disk per commit (durability is not under test)."""
    sa.event.listen(sa.engine.Engine, "connect", _no_fsync)
    yield
    sa.event.remove(sa.engine.Engine, "connect", _no_fsync)
