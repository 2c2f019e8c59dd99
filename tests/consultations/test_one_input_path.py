"""One input path per action, calls (来电登记): the API and the console's form load ConsultationInput and
the service holds the rules (the number, the times), so both refuse the same input with the same Chinese
field errors and nothing is stored; what both accept is the same call (frozen clock)."""
from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
import time_machine

from app.consultations.models import Consultation
from app.extensions import db
from tests.support import api_login, console_login

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def _form_state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>', html, re.S).group(1))


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Consultation))


@time_machine.travel(NOW, tick=False)
def test_call_refused_alike_by_api_and_page(app, client, staff):
    h = api_login(client, "duty1")
    page = app.test_client()
    csrf = console_login(page, "duty1")
    ok = {"caller": "13907141234", "wait_seconds": 2, "duration_seconds": 240}
    cases = [  # (what is sent besides ring_at, the API's ring_at, the page's, the field errors both give)
        ({**ok, "topic": "天气"}, "2026-09-25T09:30:00+08:00", "2026-09-25T09:30", {"topic": ["咨询类别无效"]}),
        ({**ok, "outcome": "whatever"}, "2026-09-25T09:30:00+08:00", "2026-09-25T09:30", {"outcome": ["处理结果无效"]}),
        ({**ok, "wait_seconds": -1}, "2026-09-25T09:30:00+08:00", "2026-09-25T09:30",
         {"wait_seconds": ["应大于或等于 0 且小于或等于 3600。"]}),
        ({k: v for k, v in ok.items() if k != "caller"}, "2026-09-25T09:30:00+08:00", "2026-09-25T09:30",
         {"caller": ["请填写来电号码"]}),
        ({**ok, "caller": "12345"}, "2026-09-25T09:30:00+08:00", "2026-09-25T09:30", {"caller": ["号码位数不正确"]}),
        (ok, None, None, {"ring_at": ["请填写振铃时间"]}),
        # the service's rule: the phone rang no later than now (10:00 Beijing) + 5 minutes
        (ok, "2026-09-25T10:30:00+08:00", "2026-09-25T10:30", {"ring_at": ["振铃时间不能晚于当前时间"]}),
    ]
    for extra, api_ring, page_ring, fields in cases:
        body = {**extra, **({"ring_at": api_ring} if api_ring else {})}
        api = client.post("/api/v1/consultations", json=body, headers=h)
        form = {**{k: str(v) for k, v in extra.items()}, **({"ring_at": page_ring} if page_ring else {})}
        r = page.post("/console/calls", data={**form, "csrf_token": csrf}, headers={"Referer": "http://localhost/console/calls"})
        assert api.status_code == r.status_code == 422, (body, api.get_json())
        state = _form_state(r.get_data(as_text=True))
        assert api.get_json()["details"]["fields"] == state["errors"] == fields
        assert state["values"].get("caller") == ([form["caller"]] if "caller" in form else None)  # kept for correction
        assert _count(app) == 0


@time_machine.travel(NOW, tick=False)
def test_the_page_and_the_api_log_the_same_call(app, client, staff):
    """Rang 09:30 Beijing, answered after 2 s, 4 minutes' talk; a missed call leaves wait and duration out."""
    h = api_login(client, "duty1")
    r = client.post("/api/v1/consultations", headers=h, json={
        "caller": "13907141234", "ring_at": "2026-09-25T01:30:00Z", "wait_seconds": 2, "duration_seconds": 240,
        "summary": "单位拖欠加班费"})
    assert r.status_code == 201, r.get_json()
    page = app.test_client()
    csrf = console_login(page, "duty1")
    r = page.post("/console/calls", data={"csrf_token": csrf, "caller": "13907141235", "ring_at": "2026-09-25T09:30",
                                          "wait_seconds": "2", "duration_seconds": "240", "summary": "单位拖欠加班费"})
    assert r.status_code == 302
    r = page.post("/console/calls", data={"csrf_token": csrf, "caller": "13907141236", "ring_at": "2026-09-25T09:40"})
    assert r.status_code == 302
    ring = dt.datetime(2026, 9, 25, 1, 30, tzinfo=dt.timezone.utc)
    with app.app_context():
        rows = db.session.scalars(sa.select(Consultation).order_by(Consultation.id)).all()
        got = [(c.ring_at, c.answered_at, c.ended_at, c.wait_seconds, c.duration_seconds, c.source, c.topic)
               for c in rows]
    answered = (ring, ring + dt.timedelta(seconds=2), ring + dt.timedelta(seconds=242), 2, 240, "console", "劳动争议")
    assert got == [answered, answered,
                   (ring + dt.timedelta(minutes=10), None, None, None, 0, "console", None)]
    # answered_at and wait_seconds together say the same thing twice: refused, on the field
    r = client.post("/api/v1/consultations", headers=h, json={
        "caller": "13907141237", "ring_at": "2026-09-25T01:30:00Z", "answered_at": "2026-09-25T01:30:05Z",
        "wait_seconds": 2})
    assert r.status_code == 422 and r.get_json()["details"]["fields"] == {"wait_seconds": ["已填应答时间时不填应答用时"]}
    assert _count(app) == 3
