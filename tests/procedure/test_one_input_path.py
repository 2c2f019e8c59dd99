"""One input path per action, the law's procedure: the review desk's decisions, notice, receipt and
screen override, the letters tab's delivery record and the bureau's objection desk load the schema the
staff API loads, so the API and the page refuse the same input with the same Chinese field errors, and
nothing changes (frozen clock)."""
from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import MultiDict

from app.applications.models import Application
from app.extensions import db
from app.procedure.delivery import LetterDelivery
from app.procedure.models import Letter, Objection, SupplementNotice
from tests.support import api_login, console_login, make_case

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def _form_state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>', html, re.S).group(1))


def _both(app, client, user, api_path, page_path, body, referer):
    """The same input to the API (JSON) and to the page (a form; a list is one field posted many times)."""
    api = client.post(api_path, json=body, headers=api_login(client, user))
    page = app.test_client()
    csrf = console_login(page, user)
    form = [(k, str(x)) for k, v in body.items() for x in (v if isinstance(v, list) else [v])]
    r = page.post(page_path, data=MultiDict([*form, ("csrf_token", csrf)]), headers={"Referer": f"http://localhost{referer}"})
    return api, r


def _assert_alike(api, r, fields):
    assert api.status_code == r.status_code == 422, (api.get_json(), r.status_code)
    assert api.get_json()["details"]["fields"] == fields
    assert _form_state(r.get_data(as_text=True))["errors"] == fields


def _snapshot(app, app_id):
    with app.app_context():
        a = db.session.get(Application, app_id)
        return (a.status, db.session.scalar(sa.select(sa.func.count()).select_from(Letter).where(Letter.application_id == app_id)),
                db.session.scalar(sa.select(sa.func.count()).select_from(SupplementNotice).where(SupplementNotice.application_id == app_id)))


@time_machine.travel(NOW, tick=False)
def test_desk_decisions_refused_alike(app, client, staff):
    app_id = make_case(app, "under_review")
    before = _snapshot(app, app_id)
    api, desk = f"/api/v1/staff/applications/{app_id}", f"/console/review/{app_id}"
    cases = [
        ("manager1", "reject", {"reason": "家庭人均月收入高于本市标准"},
         {"grounds": ["请至少选择一项不予法律援助的理由依据"]}),
        ("manager1", "reject", {"grounds": ["not_in_hardship"]}, {"reason": ["请填写不予法律援助的理由（群众可见）"]}),
        ("manager1", "reject", {"grounds": ["not_in_hardship"], "reason": "理" * 501},
         {"reason": ["请填写不予法律援助的理由（群众可见）"]}),
        ("manager1", "terminate", {"ground": "own_lawyer"}, {"note": ["请填写终止说明（群众可见）"]}),  # the input first
        ("manager1", "terminate", {"ground": "own_lawyer", "note": "受援人已自行委托律师"}, None),  # then the state: 409
        ("duty1", "request_expedite", {"ground": "preservation_or_advance_execution"},
         {"reason": ["请说明申请特事特办的理由"]}),
        ("manager1", "approve", {"note": "符" * 501}, {"note": ["长度不能超过 500 个字符。"]}),
    ]
    for user, action, body, fields in cases:
        path = {"reject": "reject", "terminate": "terminate", "request_expedite": "request-expedite",
                "approve": "approve"}[action]
        a, r = _both(app, client, user, f"{api}/{path}", f"{desk}/decide/{action}", body, desk)
        if fields is None:
            assert a.status_code == r.status_code == 409, (a.get_json(), r.status_code)
        else:
            _assert_alike(a, r, fields)
        assert _snapshot(app, app_id) == before, action


@time_machine.travel(NOW, tick=False)
def test_notice_receipt_and_override_refused_alike(app, client, staff):
    app_id = make_case(app, "under_review")
    before = _snapshot(app, app_id)
    api, desk = f"/api/v1/staff/applications/{app_id}", f"/console/review/{app_id}"
    cases = [
        (f"{api}/notices", f"{desk}/notice", {"note": "请补充"}, {"items": ["此项为必填项。"]}),
        (f"{api}/notices", f"{desk}/notice", {"items": ["hukou_member"], "due_date": "2026-13-01"},
         {"due_date": ["日期格式应为 YYYY-MM-DD。"]}),
        (f"{api}/eligibility-override", f"{desk}/override", {"result": "likely_eligible"}, {"reason": ["此项为必填项。"]}),
        (f"{api}/notices/receive", f"{desk}/receive", {}, {"items": ["此项为必填项。"]}),
    ]
    for api_path, page_path, body, fields in cases:
        a, r = _both(app, client, "duty1", api_path, page_path, body, desk)
        _assert_alike(a, r, fields)
        assert _snapshot(app, app_id) == before, page_path


@time_machine.travel(NOW, tick=False)
def test_delivery_record_refused_alike(app, client, staff):
    app_id = make_case(app, "approved", by_phone=True)
    with app.app_context():
        letter_id = db.session.scalar(sa.select(Letter.id).where(Letter.application_id == app_id, Letter.kind == "grant"))
    cases = [
        ({"way": "fax", "date": "2026-09-24"}, {"way": ["取值必须是以下之一：post, in_person。"]}),
        ({"way": "post"}, {"date": ["此项为必填项。"]}),
    ]
    for body, fields in cases:
        a, r = _both(app, client, "duty1", f"/api/v1/staff/applications/{app_id}/letters/{letter_id}/delivery",
                     f"/console/applications/{app_id}/letters/{letter_id}/delivery", body,
                     f"/console/applications/{app_id}/letters")
        _assert_alike(a, r, fields)
    with app.app_context():
        assert db.session.scalar(sa.select(LetterDelivery.delivered_at).where(LetterDelivery.letter_id == letter_id)) is None


@time_machine.travel(NOW, tick=False)
def test_objection_decision_refused_alike(app, client, staff, fake_wechat):
    from tests.support import citizen_case
    s, app_id, _ = citizen_case(client, fake_wechat)
    client.post(f"/api/v1/staff/applications/{app_id}/start-review", json={}, headers=api_login(client, "duty1"))
    r = client.post(f"/api/v1/staff/applications/{app_id}/reject", headers=api_login(client, "manager1"),
                    json={"reason": "家庭人均月收入高于本市标准", "grounds": ["not_in_hardship"]})
    assert r.status_code == 200, r.get_json()
    r = client.post(f"/api/v1/applications/{app_id}/objections", json={"reasons": "我家四口人，只有我有收入"},
                    headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    oid = r.get_json()["id"]
    cases = [
        ({"note": "原决定理由充分"}, {"decision": ["请选择维持原决定或责令改正"]}),
        ({"decision": "correct"}, {"note": ["请填写审查意见（申请人可见）"]}),
        ({"decision": "overturn", "note": "改"}, {"decision": ["取值必须是以下之一：uphold, correct。"]}),
    ]
    for body, fields in cases:
        a, r = _both(app, client, "bureau1", f"/api/v1/staff/objections/{oid}/decide",
                     f"/console/objections/{oid}/decide", body, f"/console/objections/{oid}")
        _assert_alike(a, r, fields)
    with app.app_context():
        assert db.session.get(Objection, oid).status == "open"
        assert db.session.get(Application, app_id).status == "rejected"
