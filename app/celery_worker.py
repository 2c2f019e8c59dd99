"""Celery entry point for production background work (needs REDIS_URL):

    celery -A app.celery_worker worker --loglevel INFO      # OCR, notifications
    celery -A app.celery_worker beat                         # the periodic sweep
"""
from app import create_app

flask_app = create_app()
if "celery" not in flask_app.extensions:
    raise RuntimeError("set REDIS_URL (and leave TASKS_MODE unset or 'celery') to run a Celery worker")
celery = flask_app.extensions["celery"]
