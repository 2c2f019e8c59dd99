"""Celery app for the crash test: the test suite's configuration, pointed at the test's database
(DATABASE_URL), storage (TEST_STORAGE_URL) and Redis (REDIS_URL)."""
import os

from app import create_app
from tests.conftest import base_config

flask_app = create_app(base_config(
    TASKS_MODE="celery", REDIS_URL=os.environ["REDIS_URL"], STORAGE_URL=os.environ["TEST_STORAGE_URL"],
    OCR_ENABLED=True, OCR_LEASE_SECONDS=int(os.environ.get("OCR_LEASE_SECONDS", "9")), PERIODIC_TASKS=False))
celery = flask_app.extensions["celery"]
