"""One input path per action, callbacks (回访): the API and the console page load the same schema
(AttemptInput, CloseInput) and the service holds the time rule, so both refuse the same input with the
same Chinese field errors and nothing is stored (frozen clock)."""
from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
import time_machine

from app.callbacks.models import CallbackAttempt, CallbackTask
from app.extensions import db
from tests.support import api_login, city_centre_id, console_login

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def _form_state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>', html, re.S).group(1))


def _task(app) -> int:
    with app.app_context():
        t = CallbackTask(reason="bad_rating", status="open", due_at=dt.datetime(2026, 9, 26, 2, 0, tzinfo=dt.timezone.utc),
                         created_at=NOW, centre_id=city_centre_id())
        db.session.add(t)
        db.session.commit()
        return t.id


def _unchanged(app, task_id):
    with app.app_context():
        t = db.session.get(CallbackTask, task_id)
        assert (t.status, t.note, t.closed_at) == ("open", None, None)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackAttempt)) == 0


def _both(app, client, username, path, body, form):
    api = client.post(f"/api/v1/callbacks/{path}", json=body, headers=api_login(client, username))
    page = app.test_client()
    csrf = console_login(page, username)
    task_id = path.split("/")[0]
    r = page.post(f"/console/callbacks/{path}", data={**form, "csrf_token": csrf},
                  headers={"Referer": f"http://localhost/console/callbacks/{task_id}"})
    return api, r


@time_machine.travel(NOW, tick=False)
def test_attempt_refused_alike_by_api_and_page(app, client, staff):
    task_id = _task(app)
    cases = [  # (API body, page form, the field errors both give)
        ({"result": "nope"}, {"result": "nope"}, {"result": ["请选择回访结果"]}),
        ({}, {}, {"result": ["请选择回访结果"]}),
        ({"result": "reached", "note": "话" * 1001}, {"result": "reached", "note": "话" * 1001},
         {"note": ["备注不能超过 1000 字"]}),
        # the service's rule: not later than now (10:00 Beijing) + 5 minutes
        ({"result": "reached", "at": "2026-09-25T10:30:00+08:00"}, {"result": "reached", "at": "2026-09-25T10:30"},
         {"at": ["回访时间不能晚于当前时间"]}),
    ]
    for body, form, fields in cases:
        api, r = _both(app, client, "duty1", f"{task_id}/attempts", body, form)
        assert api.status_code == r.status_code == 422, (body, api.get_json())
        state = _form_state(r.get_data(as_text=True))
        assert api.get_json()["details"]["fields"] == state["errors"] == fields
        assert state["values"].get("result", [None])[0] == form.get("result")  # what was typed is kept
        _unchanged(app, task_id)


@time_machine.travel(NOW, tick=False)
def test_close_refused_alike_by_api_and_page(app, client, staff):
    task_id = _task(app)
    for op in ("satisfied", "escalate"):
        api, r = _both(app, client, "manager1", f"{task_id}/{op}", {"note": "说" * 301}, {"note": "说" * 301})
        assert api.status_code == r.status_code == 422
        state = _form_state(r.get_data(as_text=True))
        assert api.get_json()["details"]["fields"] == state["errors"] == {"note": ["说明不能超过 300 字"]}
        assert state["message"] == "说明不能超过 300 字"
        _unchanged(app, task_id)


@time_machine.travel(NOW, tick=False)
def test_attempt_through_the_page_is_the_api_attempt(app, client, staff):
    """The page's Beijing time and the API's zoned time are the same instant; the note is trimmed."""
    task_id = _task(app)
    page = app.test_client()
    csrf = console_login(page, "duty1")
    r = page.post(f"/console/callbacks/{task_id}/attempts",
                  data={"csrf_token": csrf, "result": "no_answer", "at": "2026-09-25T09:40", "note": "  第一次未接  "})
    assert r.status_code == 302
    h = api_login(client, "duty1")
    r = client.post(f"/api/v1/callbacks/{task_id}/attempts", headers=h,
                    json={"result": "reached", "at": "2026-09-25T01:50:00Z", "note": "  已解释  "})
    assert r.status_code == 201
    with app.app_context():
        rows = db.session.scalars(sa.select(CallbackAttempt).order_by(CallbackAttempt.id)).all()
        assert [(a.result, a.at, a.note) for a in rows] == [
            ("no_answer", dt.datetime(2026, 9, 25, 1, 40, tzinfo=dt.timezone.utc), "第一次未接"),
            ("reached", dt.datetime(2026, 9, 25, 1, 50, tzinfo=dt.timezone.utc), "已解释")]
