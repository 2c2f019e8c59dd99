"""The app as one of several hosts runs it, for tests/platform/test_several_hosts.py: gunicorn serves
`app`, Celery workers and beat take `celery`. The test suite's configuration pointed at the test's
database (DATABASE_URL), storage (TEST_STORAGE_URL) and Redis (REDIS_URL), with short periods
(PERIODIC_INTERVALS) so that several periods pass within the test."""
import json
import os

from app import create_app
from tests.conftest import base_config

app = create_app(base_config(
    INSTANCE_DIR=os.environ["TEST_INSTANCE_DIR"],  # the letters' font cut, built once by the test
    TASKS_MODE="celery", REDIS_URL=os.environ["REDIS_URL"], STORAGE_URL=os.environ["TEST_STORAGE_URL"],
    OCR_ENABLED=True, PERIODIC_INTERVALS=json.loads(os.environ["PERIODIC_INTERVALS"])))
celery = app.extensions["celery"]
