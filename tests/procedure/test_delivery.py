"""送达: a phone applicant's letter goes out by SMS through the gateway (the fake provider speaks
Alibaba Cloud's protocol and checks the signature), the one-time link delivers it once; staff record a
delivery by post; letters undelivered after 2 days raise an alert that resolves once delivered; a
citizen's letter is delivered when opened or 2 days after WeChat accepted the announcement."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.common.timeutil import LOCAL_TZ
from app.extensions import db
from tests.fakes.sms_server import sms_settings
from tests.support import api_login, citizen_case, make_case

S = "/api/v1/staff/applications"
A = "/api/v1/applications"


def _letters(app, app_id, kind="supplement_notice"):
    """The application's letters of a kind (every application also has its 收件回执)."""
    from app.procedure.models import Letter
    with app.app_context():
        return [(l.id, l.kind, l.number) for l in db.session.scalars(
            sa.select(Letter).where(Letter.application_id == app_id, Letter.kind == kind).order_by(Letter.id))]


def _delivery(app, letter_id):
    from app.procedure import delivery
    with app.app_context():
        d = delivery.get(letter_id)
        db.session.expunge(d)
        return d


def _notice(client, duty, app_id, due):
    r = client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "due_date": due.isoformat()}, headers=duty)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _scan(app, now):
    from app.alerts import service as alerts
    with app.app_context():
        alerts.scan(now)
        db.session.commit()


def _alerts(app, kind="letter_undelivered"):
    from app.alerts.models import Alert
    with app.app_context():
        return [(a.status, a.details["letter_id"]) for a in db.session.scalars(
            sa.select(Alert).where(Alert.kind == kind).order_by(Alert.id))]


def test_a_phone_applicants_letter_goes_out_by_sms_and_the_link_delivers_it_once(make_app, fake_sms, staff):
    app = make_app(**sms_settings(fake_sms))
    client = app.test_client()
    duty = api_login(client, "duty1")
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 0, tzinfo=LOCAL_TZ), tick=False):
        app_id = make_case(app, "submitted", by_phone=True, phone="13907140001")
        _notice(client, duty, app_id, dt.date(2026, 3, 24))
    [(letter_id, kind, number)] = _letters(app, app_id)
    assert kind == "supplement_notice"
    receipt, msg = fake_sms.sent  # the 收件回执 at submission, then the notice
    assert receipt["params"]["what"] == "收件回执"
    assert msg["phone"] == "13907140001" and msg["template"] == "SMS_LETTER_01"
    assert msg["params"]["number"] == number and msg["params"]["what"] == "补充材料通知书"
    link = msg["params"]["link"]
    assert link.startswith("https://12348.example.cn/l/")
    d = _delivery(app, letter_id)
    assert d.channel == "sms" and d.delivered_at is None and d.sms_message_id == msg["id"]
    # the detail says it is not delivered yet
    detail = client.get(f"{S}/{app_id}/procedure", headers=duty).get_json()
    assert [(l["number"], l["delivered_at"]) for l in detail["letters"] if l["kind"] == kind] == [(number, None)]

    path = link.removeprefix("https://12348.example.cn")
    assert client.get(path[:-1] + ("A" if path[-1] != "A" else "B")).status_code == 404  # another code
    with time_machine.travel(dt.datetime(2026, 3, 10, 18, 30, tzinfo=LOCAL_TZ), tick=False):
        r = client.get(path)
        assert r.status_code == 302 and "/api/v1/letters/" in r.headers["Location"]
        pdf = client.get(r.headers["Location"])
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    d = _delivery(app, letter_id)
    assert d.delivered_by == "sms_link"
    assert d.delivered_at.astimezone(LOCAL_TZ) == dt.datetime(2026, 3, 10, 18, 30, tzinfo=LOCAL_TZ)
    again = client.get(path)
    assert again.status_code == 410 and "已使用" in again.get_data(as_text=True)
    detail = client.get(f"{S}/{app_id}/procedure", headers=duty).get_json()
    [notice] = [l for l in detail["letters"] if l["kind"] == kind]
    assert notice["delivered_by"] == "sms_link"
    assert notice["delivered_at"].startswith("2026-03-10T10:30")  # UTC


def test_undelivered_letters_alert_until_staff_record_the_post(make_app, fake_sms, staff):
    app = make_app(ACCESS_TOKEN_TTL=30 * 86400)  # no SMS gateway: staff must deliver
    client = app.test_client()
    duty, mgr, aid = api_login(client, "duty1"), api_login(client, "manager1"), api_login(client, "aid1")
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 0, tzinfo=LOCAL_TZ), tick=False):
        app_id = make_case(app, "submitted", by_phone=True, phone="13907140002")
        _notice(client, duty, app_id, dt.date(2026, 3, 24))
    [(letter_id, _, _)] = _letters(app, app_id)
    assert _delivery(app, letter_id).channel == "manual" and fake_sms.sent == []
    [(receipt_id, _, _)] = _letters(app, app_id, "receipt")
    _scan(app, dt.datetime(2026, 3, 11, 9, 0, tzinfo=LOCAL_TZ))  # not 2 days yet
    assert _alerts(app) == []
    _scan(app, dt.datetime(2026, 3, 11, 10, 1, tzinfo=LOCAL_TZ))
    assert _alerts(app) == [("open", receipt_id), ("open", letter_id)]

    url = f"{S}/{app_id}/letters/{letter_id}/delivery"
    with time_machine.travel(dt.datetime(2026, 3, 12, 9, 0, tzinfo=LOCAL_TZ), tick=False):
        for body in ({"way": "pigeon", "date": "2026-03-11"}, {"way": "post"},
                     {"way": "post", "date": "2026-03-08"},  # before the letter
                     {"way": "post", "date": "2026-03-13"},  # tomorrow
                     {"way": "post", "date": "2026-03-11", "colour": "x"}):
            r = client.post(url, json=body, headers=duty)
            assert r.status_code == 422, body
            assert r.get_json()["message"]
        assert client.post(url, json={"way": "post", "date": "2026-03-11"}, headers=aid).status_code == 403
        assert _delivery(app, letter_id).delivered_at is None  # nothing changed
        r = client.post(url, json={"way": "post", "date": "2026-03-11", "note": "EMS 1234567890"}, headers=duty)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["delivered_by"] == "post"
        r = client.post(url, json={"way": "in_person", "date": "2026-03-12"}, headers=mgr)
        assert r.status_code == 409 and "已于 2026-03-11 送达" in r.get_json()["message"]
    d = _delivery(app, letter_id)
    assert d.delivered_at.astimezone(LOCAL_TZ).date() == dt.date(2026, 3, 11) and d.note == "EMS 1234567890"
    _scan(app, dt.datetime(2026, 3, 12, 10, 0, tzinfo=LOCAL_TZ))
    assert _alerts(app) == [("open", receipt_id), ("resolved", letter_id)]  # the receipt is still to deliver
    events = client.get(f"{S}/{app_id}/procedure", headers=duty).get_json()
    assert [l["delivered_by"] for l in events["letters"] if l["id"] == letter_id] == ["post"]


def test_a_citizens_letter_is_delivered_when_opened_or_two_days_after_the_announcement(make_app, fake_wechat, staff):
    app = make_app(ACCESS_TOKEN_TTL=30 * 86400)  # the tokens outlive the days the clock moves
    client = app.test_client()
    duty = api_login(client, "duty1")
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 0, tzinfo=LOCAL_TZ), tick=False):
        s, first, _ = citizen_case(client, fake_wechat)
        _notice(client, duty, first, dt.date(2026, 3, 24))
        s2, second, _ = citizen_case(client, fake_wechat)
        _notice(client, duty, second, dt.date(2026, 3, 24))
    [(l1, _, _)] = _letters(app, first)
    [(l2, _, _)] = _letters(app, second)
    assert _delivery(app, l1).channel == "wechat" and _delivery(app, l1).notification_id
    # the first citizen opens it the next day; another citizen cannot
    with time_machine.travel(dt.datetime(2026, 3, 10, 8, 0, tzinfo=LOCAL_TZ), tick=False):
        assert client.post(f"{A}/{first}/letters/{l1}/opened", headers=s2["headers"]).status_code == 404
        r = client.post(f"{A}/{first}/letters/{l1}/opened", headers=s["headers"])
        assert r.status_code == 200 and r.get_json()["delivered_by"] == "opened"
    with time_machine.travel(dt.datetime(2026, 3, 12, 8, 0, tzinfo=LOCAL_TZ), tick=False):
        client.post(f"{A}/{first}/letters/{l1}/opened", headers=s["headers"])  # a second opening changes nothing
    assert _delivery(app, l1).delivered_at.astimezone(LOCAL_TZ) == dt.datetime(2026, 3, 10, 8, 0, tzinfo=LOCAL_TZ)
    # the second never opens it: delivered 2 days after WeChat accepted the message
    _scan(app, dt.datetime(2026, 3, 11, 9, 59, tzinfo=LOCAL_TZ))
    assert _delivery(app, l2).delivered_at is None
    _scan(app, dt.datetime(2026, 3, 11, 10, 1, tzinfo=LOCAL_TZ))
    d = _delivery(app, l2)
    assert d.delivered_by == "wechat_deemed"
    assert d.delivered_at.astimezone(LOCAL_TZ) == dt.datetime(2026, 3, 11, 10, 0, tzinfo=LOCAL_TZ)
    assert _alerts(app) == []


def test_a_refused_announcement_is_not_a_delivery(make_app, fake_wechat, staff):
    app = make_app(ACCESS_TOKEN_TTL=30 * 86400)
    client = app.test_client()
    duty = api_login(client, "duty1")
    with time_machine.travel(dt.datetime(2026, 3, 9, 10, 0, tzinfo=LOCAL_TZ), tick=False):
        s, app_id, _ = citizen_case(client, fake_wechat)
        fake_wechat.fail_next_sends(10)  # the citizen refused the subscription: every attempt fails
        _notice(client, duty, app_id, dt.date(2026, 3, 24))
    [(letter_id, _, _)] = _letters(app, app_id)
    _scan(app, dt.datetime(2026, 3, 12, 10, 0, tzinfo=LOCAL_TZ))
    assert _delivery(app, letter_id).delivered_at is None
    assert ("open", letter_id) in _alerts(app)
