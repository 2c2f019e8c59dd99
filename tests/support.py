"""Shared test helpers: staff accounts per role, logins, cases in any state, hotline calls."""
from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.common.timeutil import LOCAL_TZ

from tests.factories import PASSWORD, ROLE_USER, STAFF  # noqa: F401  (the one staff table)

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf token in page"
    return m.group(1)


def console_login(client, username: str, password: str = PASSWORD) -> str:
    """Log in through the console form; returns the session's CSRF token."""
    client.delete_cookie("console_session", path="/console")
    page = client.get("/console/login")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    home = client.get("/console/")
    assert home.status_code == 200
    return csrf_from(home.get_data(as_text=True))


def api_login(client, username: str, password: str = PASSWORD) -> dict:
    r = client.post("/api/v1/auth/staff/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def city_centre_id() -> int:
    """The city centre (inside an app context), where the fixture's staff work: a row a test makes itself,
    outside the services that give a new row its centre, names its centre with this."""
    from app.centres.service import default_centre
    return default_centre().id


def user(app, username):
    from app.auth.models import StaffUser
    from app.extensions import db
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.username == username))


PATH = {
    "submitted": [],
    "under_review": [("duty1", "start_review", {})],
    "expedite_requested": [("duty1", "request_expedite", {"reason": "明天上诉期届满", "ground": "other"})],
    "expedite_approved": [("duty1", "request_expedite", {"reason": "明天上诉期届满", "ground": "other"}),
                          ("manager1", "approve_expedite", {"backfill_kinds": ["hukou_home"], "backfill_due_at": None})],
    "approved": [("duty1", "start_review", {}), ("manager1", "approve", {})],
    "assigned": [("duty1", "start_review", {}), ("manager1", "approve", {}), ("manager1", "assign", {"lawyer": "aid1"})],
    "in_progress": [("duty1", "start_review", {}), ("manager1", "approve", {}),
                    ("manager1", "assign", {"lawyer": "aid1"}), ("aid1", "start_work", {})],
    "closing_review": [("duty1", "start_review", {}), ("manager1", "approve", {}), ("manager1", "assign", {"lawyer": "aid1"}),
                       ("aid1", "closing", {})],
    "closed": [("duty1", "start_review", {}), ("manager1", "approve", {}), ("manager1", "assign", {"lawyer": "aid1"}),
               ("aid1", "closing", {}), ("manager1", "accept", {})],
}
SCORES = {"timeliness": 18, "communication": 18, "legal_work": 27, "outcome": 18, "file": 9}


def _after_assignment(app, username: str, step: str, app_) -> None:
    """The closing file (a copy of the mediation agreement uploaded by the lawyer) and its acceptance."""
    from app.documents import service as documents
    from app.handling import service as handling
    from app.common.timeutil import local_today
    from tests.factories import jpeg_bytes
    actor = user(app, username)
    if step == "closing":
        doc = documents.upload(actor, app_.id, "other", jpeg_bytes(), "调解书.jpg")
        handling.submit_closing(actor, app_, {
            "outcome": "mediation", "outcome_detail": "已调解结案", "matter_ended_on": local_today(),
            "document_ids": [doc.id], "stage": "non_litigation",
            "report": "经承办律师组织调解，双方自愿达成调解协议，被申请人当场履行。"})
    else:
        handling.review_closing(actor, app_, "accept", SCORES)


def make_case(app, status: str = "submitted", *, citizen_id: int | None = None, by_phone: bool = False,
              **fields) -> int:
    """An application in `status`, built through the services (timeline, audit and all). Returns its id.
    `by_phone`: opened by the duty lawyer for a caller (no citizen account, so no WeChat messages)."""
    from app.applications import service as applications
    from app.auth.models import Citizen
    from app.casework import cases
    from app.procedure import flows
    from app.common.timeutil import utcnow
    from app.extensions import db
    from tests.factories import full_application

    with app.app_context():
        data = full_application()
        data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
        data.update(fields)
        if by_phone:
            duty = user(app, "duty1")
            app_ = applications.create_draft(duty, data, citizen=None)
            if status != "draft":
                flows.submit(duty, app_)
        else:
            citizen = db.session.get(Citizen, citizen_id) if citizen_id else None
            if citizen is None:
                citizen = Citizen(openid=f"openid-case-{utcnow().timestamp()}-{id(data)}")
                db.session.add(citizen)
                db.session.commit()
            from app.auth import consents  # the citizen gave the separate consents (tests/privacy checks without)
            for kind in consents.KINDS:
                consents.grant(citizen, kind, consents.KINDS[kind].version)
            app_ = applications.create_draft(citizen, data)
            if status != "draft":
                flows.submit(citizen, app_)
        for username, action, args in PATH.get(status, []):
            if action in ("closing", "accept"):
                _after_assignment(app, username, action, app_)
                continue
            args = dict(args)
            if "lawyer" in args:
                args["lawyer_id"] = user(app, args.pop("lawyer")).id
            if action == "approve_expedite" and args.get("backfill_kinds"):
                args["backfill_due_at"] = utcnow() + dt.timedelta(days=2)
            cases.act(user(app, username), app_, action, args)
        assert app_.status == status
        return app_.id


def citizen_case(client, fake_wechat, *, kinds=("id_front",), **fields) -> tuple[dict, int, list[int]]:
    """A citizen applies through the mini-program API: draft, photos, submit. Returns (session, id, doc ids)."""
    import io

    from tests.factories import full_application, jpeg_bytes, login
    s = login(client, fake_wechat)
    r = client.post("/api/v1/applications", json=full_application(**fields), headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    app_id = r.get_json()["id"]
    docs = []
    for kind in kinds:
        r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "p.jpg"), "kind": kind, "application_id": str(app_id)})
        assert r.status_code == 201, r.get_json()
        docs.append(r.get_json()["id"])
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    return s, app_id, docs


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


# --- hotline (calls, callbacks, supervision, analytics) ---------------------------------------

def local(y, m, d, hh=10, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=LOCAL_TZ)


def recent(days_ago: float = 0, hour: int | None = None) -> dt.datetime:
    """A local time `days_ago` days before now (optionally at a given local hour)."""
    t = dt.datetime.now(LOCAL_TZ) - dt.timedelta(days=days_ago)
    if hour is not None:
        t = t.replace(hour=hour, minute=0, second=0, microsecond=0)
    return t.replace(microsecond=0)


def log_call(client, headers, caller="13907141234", ring=None, answer_after=2, talk=300, **extra):
    ring = ring or recent(0.01)
    body = {"caller": caller, "ring_at": ring.isoformat()}
    if answer_after is not None:
        body["answered_at"] = (ring + dt.timedelta(seconds=answer_after)).isoformat()
        body["ended_at"] = (ring + dt.timedelta(seconds=answer_after + talk)).isoformat()
    body.update(extra)
    r = client.post("/api/v1/consultations", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@contextlib.contextmanager
def embedded_celery_worker(celery, **kwargs):
    """celery.contrib.testing's start_worker (a real worker thread in this process) without Celery's
    logging set-up. Left to itself that set-up empties the root logger's handlers, adds a stderr handler
    and sets the root level to the test worker's ERROR, for the rest of the process: every later test in
    the same pytest worker that reads WARNING records (caplog, a handler of its own) then sees none. A
    receiver on `setup_logging` is Celery's documented way to keep the process's own logging."""
    import logging

    from celery.contrib.testing.worker import start_worker
    from celery.signals import setup_logging

    def _keep_the_process_logging(**_kw):
        return None

    setup_logging.connect(_keep_the_process_logging, weak=False)
    try:
        with start_worker(celery, **kwargs) as worker:
            yield worker
    finally:
        setup_logging.disconnect(_keep_the_process_logging)
        logging.captureWarnings(False)  # start_worker turns it on (warnings as log records)
