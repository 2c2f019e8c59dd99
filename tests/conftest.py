"""Shared fixtures. The database is built by running the Alembic migrations (never create_all),
once per session, on SQLite by default or on DATABASE_URL (PostgreSQL in CI); every test then
starts from empty tables."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fakes.browser import browser, live_server  # noqa: F401
from tests.fakes.moto import moto_s3  # noqa: F401
from tests.fakes.sms_server import fake_sms  # noqa: F401
from tests.fakes.wechat_fixture import fake_wechat  # noqa: F401

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="legalaid-test-"))


def _own_services_per_worker() -> None:
    """Under pytest-xdist (`-n 2`, scripts/test.sh) each worker process gets its own PostgreSQL database
    (`<name>_gw0`, created here if missing) and its own Redis database number (REDIS_URL's number + 1 + n),
    so two workers never share a table, a Celery queue or a rate-limit counter. Set in the environment, so
    the apps, the Celery workers and the subprocesses the tests start all see the worker's own. SQLite needs
    nothing: _SESSION_DIR is per process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    from urllib.parse import urlsplit
    n = int(worker.removeprefix("gw"))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        parts = urlsplit(url)
        own = parts.path.lstrip('/')
        own = own if own.endswith(f"_{worker}") else f"{own}_{worker}"  # a subprocess inherits the rewritten URL
        import psycopg
        with psycopg.connect(parts._replace(scheme="postgresql").geturl(), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{own}"')
        os.environ["DATABASE_URL"] = parts._replace(path=f"/{own}").geturl()
    if os.environ.get("REDIS_URL") and os.environ.get("_TEST_REDIS_BASE") is None:
        # the worker's number is counted from the base URL's (redis://host/8: gw0 -> 9, gw1 -> 10), so two
        # runs with different bases never share one; a subprocess inherits the rewritten URL and the base
        parts = urlsplit(os.environ["REDIS_URL"])
        base = int(parts.path.lstrip("/") or 0)
        os.environ["_TEST_REDIS_BASE"] = str(base)
        os.environ["REDIS_URL"] = parts._replace(path=f"/{base + 1 + n}").geturl()


_own_services_per_worker()


def _own_channel_prefix() -> None:
    """Redis pub/sub channels belong to the server, not to a database number: the telephony bus's screen
    pops of the other xdist worker, or of another test run on the same Redis, would reach this one's
    subscribers. Each run gets a prefix of its own, each worker a part of it (`<prefix>gw0:`); set in the
    environment (app.config reads TELEPHONY_CHANNEL_PREFIX), so subprocesses inherit it unchanged."""
    import secrets
    prefix = os.environ.get("TELEPHONY_CHANNEL_PREFIX") or f"legalaid-test-{secrets.token_hex(4)}:"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and not prefix.endswith(f":{worker}:"):
        prefix += f"{worker}:"
    os.environ["TELEPHONY_CHANNEL_PREFIX"] = prefix


_own_channel_prefix()


def _database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{_SESSION_DIR / 'test.sqlite3'}"


def base_config(**overrides) -> dict:
    cfg = dict(
        APP_ENV="test",
        SECRET_KEY="test-secret-key-not-for-production",
        SQLALCHEMY_DATABASE_URI=_normalise(_database_url()),
        STORAGE_URL=f"file://{_SESSION_DIR / 'storage'}",
        INSTANCE_DIR=_SESSION_DIR,
        TASKS_MODE="sync",
        OCR_ENABLED=False,
        WECHAT_APPID=None,
        WECHAT_SECRET=None,
        NOTIFY_RETRY_BASE_SECONDS=0,
        RATELIMIT_ENABLED=False,  # tests/harden/test_rate_limits.py turns the limits on
    )
    cfg.update(overrides)
    return cfg


def _normalise(url: str) -> str:
    from app.config import _normalise_db_url
    return _normalise_db_url(url)


@pytest.fixture(scope="session")
def migrated_db():
    """Run the migrations once (dropping whatever a previous run left in the test database)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(base_config())
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield
    with app.app_context():
        db.engine.dispose()


def _truncate(db) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(sa.text(f'DELETE FROM "{t}"'))
            conn.execute(sa.text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence(conn) else None


def _has_sqlite_sequence(conn) -> bool:
    return conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() is not None


@pytest.fixture(autouse=True)
def _root_logger_left_as_found():
    """A test that leaves the root logger changed for the rest of its process (another level, a handler
    of its own, as Celery's embedded worker does when left to configure logging) silences records for
    every later test of that pytest worker: under xdist those are whichever files the scheduler happens to
    give it next. Such a test fails here, and the root logger is put back. pytest's own capture handlers
    (one set per phase) are not compared."""
    import logging
    root = logging.getLogger()

    def own():
        return [h for h in root.handlers if type(h).__module__ != "_pytest.logging"]

    def state():  # a handler replaced by a like one (the migration tests rerun alembic.ini's) is no change
        return logging.getLevelName(root.level), [(type(h).__name__, logging.getLevelName(h.level)) for h in own()]

    before, handlers = state(), own()
    yield
    after = state()
    if after != before:
        root.setLevel(before[0])
        root.handlers = [h for h in root.handlers if h not in own()] + handlers
        pytest.fail(f"the test left the root logger changed: {before} -> {after}", pytrace=False)


@pytest.fixture
def make_app(migrated_db, fake_wechat):
    """Factory: make_app(**config_overrides). WeChat points at the fake server by default."""
    from app import create_app
    from app.extensions import db

    apps = []

    def factory(**overrides):
        cfg = base_config(WECHAT_APPID=fake_wechat.appid, WECHAT_SECRET=fake_wechat.secret,
                          WECHAT_API_BASE_URL=fake_wechat.url)
        cfg.update(overrides)
        app = create_app(cfg)
        apps.append(app)
        return app

    yield factory
    from app.tasks import stop_thread_pool
    for app in apps:  # a test's background work (thread mode's periodic loop) ends with the test
        stop_thread_pool(app)
    if apps:
        with apps[0].app_context():
            db.session.remove()
            _truncate(db)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def fast_argon2(monkeypatch):
    """Cheap argon2 parameters for tests (still argon2, still verified)."""
    from argon2 import PasswordHasher

    from app.auth import service
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def staff(app, fast_argon2):
    """The one staff fixture: every account of tests.factories.STAFF (one per role, incl. bureau_reviewer,
    plus duty2 and aid2), password tests.factories.PASSWORD. `staff["aid1"]["id"]`,
    `staff.role("manager")["headers"]`."""
    from tests.factories import make_staff
    return make_staff(app)
