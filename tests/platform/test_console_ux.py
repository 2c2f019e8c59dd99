"""Console UX of issue 11 (without a browser): a refused form comes back filled with what was typed
and the message at the field; honest check words; one SLA figure; recordings with ranges."""
from __future__ import annotations

import datetime as dt
import json
import re

import time_machine

from tests.support import console_login, make_case, user  # noqa: F401

STATE_RE = re.compile(r'<script type="application/json" id="form-state">(.*?)</script>', re.S)


def _state(html: str) -> dict:
    m = STATE_RE.search(html)
    assert m, "no form state in the page"
    return json.loads(m.group(1))


def test_intake_with_a_bad_id_number_keeps_what_was_typed(app, client, staff):
    token = console_login(client, "duty1")
    form = {"csrf_token": token, "applicant_name": "王大妈", "phone": "13812345678",
            "description": "儿子不支付赡养费，已经三个月没有生活费", "category": "婚姻家庭", "service_type": "advice",
            "id_number": "420102197803120010", "home_visit_requested": "1", "home_visit_address": "江岸区某路1号"}
    r = client.post("/console/applications", data=form,
                    headers={"Referer": "http://localhost/console/applications/new"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "电话受理" in html  # the intake page again, not the home page
    state = _state(html)
    assert state["action"] == "/console/applications"
    assert state["values"]["applicant_name"] == ["王大妈"]
    assert state["values"]["description"] == [form["description"]]
    assert state["values"]["home_visit_requested"] == ["1"]
    assert "csrf_token" not in state["values"]
    assert "id_number" in state["errors"] and "校验" in state["errors"]["id_number"][0]
    with app.app_context():
        from app.applications.models import Application
        from app.extensions import db
        assert db.session.query(Application).count() == 0  # nothing created


def test_expedite_approval_refused_keeps_boxes_note_and_due_date(app, client, staff):
    app_id = make_case(app, "expedite_requested")
    token = console_login(client, "manager1")
    page = f"http://localhost/console/applications/{app_id}"
    r = client.post(f"/console/applications/{app_id}/actions/approve_expedite",
                    data={"csrf_token": token, "backfill_kinds": ["hukou_member", "id_back"],
                          "backfill_due_at": "2001-01-01T10:00", "note": "先指派，材料后补"},
                    headers={"Referer": page})
    assert r.status_code == 422
    state = _state(r.get_data(as_text=True))
    assert state["values"]["backfill_kinds"] == ["hukou_member", "id_back"]
    assert state["values"]["note"] == ["先指派，材料后补"]
    assert state["values"]["backfill_due_at"] == ["2001-01-01T10:00"]
    assert "backfill_due_at" in state["errors"]


def test_failed_login_keeps_the_username(app, client, staff):
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/console/login", data={"username": "duty1", "password": "wrong-password", "csrf_token": token})
    assert r.status_code == 401
    html = r.get_data(as_text=True)
    assert 'value="duty1"' in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html


def test_checks_are_shown_by_their_outcome():
    from app.documents.console import check_outcomes
    valid = {"fields": {"valid_from": {"value": "2024-10-28"}, "valid_to": {"value": "2044-10-28"}},
             "checks": {"expired": False, "not_yet_valid": False}}
    texts = [(c["ok"], c["text"]) for c in check_outcomes(valid)]
    assert texts == [(True, "在有效期内（有效期至 2044-10-28）"), (True, "已生效（自 2024-10-28 起）")]
    assert not any("已过期" in t or "尚未生效" in t for _, t in texts)
    bad = {"fields": {"valid_to": {"value": "2020-01-01"}}, "checks": {"expired": True, "id_check_digit": True}}
    outcomes = check_outcomes(bad)
    assert outcomes[0] == {"ok": False, "text": "已过期（有效期至 2020-01-01）"}  # failures first
    assert outcomes[1] == {"ok": True, "text": "身份证号校验位正确"}


def test_recordings_served_as_audio_with_ranges(app, client):
    from app.demo import tone_wav
    from app.storage_bridge import get_storage
    wav = tone_wav(seconds=1.0)
    with app.app_context():
        st = get_storage()
        st.put("recordings/test/call-1.wav", wav, "audio/wav")
        url = st.signed_url("recordings/test/call-1.wav", expires=60)
    whole = client.get(url)
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.data == wav
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.mimetype == "audio/wav"
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(wav)}"
    assert part.data == wav[100:200]
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == wav[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={len(wav) + 10}-"})
    assert beyond.status_code == 416


@time_machine.travel(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc), tick=False)  # Friday 10:00 in Beijing
def test_one_sla_figure_on_home_and_dashboard(app, client, staff):
    """Three urgent cases assigned in time and one breached, still unassigned: 3/4 everywhere."""
    from app.applications.models import Application
    from app.extensions import db
    from tests.support import api_login
    soon = dt.date(2026, 9, 26)
    on_time = [make_case(app, "assigned", legal_deadline=soon) for _ in range(3)]
    late = make_case(app, "submitted", legal_deadline=soon)
    with app.app_context():
        for i in on_time:
            a = db.session.get(Application, i)
            a.first_contact_at = a.assigned_at - dt.timedelta(minutes=20)
        db.session.get(Application, late).first_contact_at = dt.datetime(2026, 9, 25, 0, 30, tzinfo=dt.timezone.utc)
        db.session.commit()
    h = api_login(client, "manager1")
    api = client.get("/api/v1/staff/sla", headers=h).get_json()
    assert (api["within"], api["total"]) == (3, 4)
    chart = client.get("/api/v1/analytics/sla", headers=h).get_json()
    assert (chart["within_target"], chart["cases"], chart["compliance"]) == (3, 4, 0.75)
    console_login(client, "manager1")
    html = client.get("/console/").get_data(as_text=True)
    assert "75%" in html and "3 / 4" in html
    data = client.get("/console/dashboard/data/sla").get_json()
    assert (data["within_target"], data["cases"]) == (3, 4)


def test_audit_log_reads_as_sentences_in_page_and_csv(app, client, staff):
    app_id = make_case(app, "approved")
    token = console_login(client, "manager1")
    with app.app_context():
        aid = user(app, "aid1").id
    r = client.post(f"/console/applications/{app_id}/actions/assign",
                    data={"csrf_token": token, "lawyer_id": str(aid)},
                    headers={"Referer": f"http://localhost/console/applications/{app_id}"})
    assert r.status_code == 302
    console_login(client, "admin1")
    html = client.get("/console/audit").get_data(as_text=True)
    html = html[html.index('<table class="card audit'):html.index("</table>")]
    assert "陈主任（manager1） 指派律师办理 申请 FY" in html and "律师 李援助（按系统推荐）" in html
    assert "lawyer_id" not in html and "staff_user" not in html and "{&#34;" not in html
    text = client.get("/console/audit.csv").get_data(as_text=True)
    assert text.startswith("\ufeff时间,记录,操作人,操作,对象,说明,IP")
    assert "陈主任（manager1） 指派律师办理 申请 FY" in text and "律师 李援助（按系统推荐）" in text
    assert "{'" not in text and '{"' not in text and "lawyer_id" not in text
    assert "系统管理员（admin1） 登录了系统（通过工作台）" in text
    client.delete_cookie("console_session", path="/console")
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/console/login", data={"username": "nobody", "password": "x" * 12, "csrf_token": token})
    console_login(client, "admin1")
    text = client.get("/console/audit.csv?action=auth.login_failed").get_data(as_text=True)
    assert "用户名「nobody」 登录失败（通过工作台；用户名或密码错误）" in text


@time_machine.travel(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc), tick=False)  # Friday 10:00 in Beijing
def test_a_sample_of_a_period_without_calls_is_not_kept(app, client, staff):
    """Drawing before any call of the period existed stores nothing; drawing again once calls exist works."""
    from app.consultations import service as calls
    from app.supervision.models import SampleBatch
    from app.extensions import db
    day = dt.date(2026, 9, 24)
    token = console_login(client, "supervisor1")
    form = {"csrf_token": token, "period_start": day.isoformat(), "period_end": day.isoformat(), "rate": "1",
            "min_per_lawyer": "1"}
    r = client.post("/console/supervision/samples", data=form, headers={"Referer": "http://localhost/console/supervision"})
    assert r.status_code == 422 and "没有已接通的来电" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(SampleBatch).count() == 0
        ring = dt.datetime(2026, 9, 24, 2, 0, tzinfo=dt.timezone.utc)  # Thursday 10:00 in Beijing
        calls.record_call(user(app, "duty1"), {"caller": "13907141234", "ring_at": ring,
                                               "answered_at": ring + dt.timedelta(seconds=2),
                                               "ended_at": ring + dt.timedelta(minutes=5)})
    r = client.post("/console/supervision/samples", data=form, headers={"Referer": "http://localhost/console/supervision"})
    assert r.status_code == 302 and "/console/supervision/samples/" in r.headers["Location"]
    with app.app_context():
        assert db.session.query(SampleBatch).count() == 1


def test_home_visits_page_lists_what_the_home_queue_lists(app, client, staff):
    app_id = make_case(app, "submitted", home_visit_requested=True, home_visit_address="江岸区解放大道1号",
                       home_visit_reason="术后卧床")
    console_login(client, "duty1")
    home = client.get("/console/").get_data(as_text=True)
    page = client.get("/console/home-visits").get_data(as_text=True)
    assert "群众申请上门" in home and "江岸区解放大道1号" in home
    assert 'id="visit-requests"' in page and "江岸区解放大道1号" in page and "术后卧床" in page
    assert f"/console/applications/{app_id}" in page and "暂无上门服务" not in page


def test_case_search_finds_phone_numbers_and_favicon_answers(app, client, staff):
    from app.applications.models import Application
    from app.extensions import db
    app_id = make_case(app, "submitted", phone="13912345678")
    with app.app_context():
        ref = db.session.get(Application, app_id).reference
    console_login(client, "duty1")
    for q in ("13912345678", "5678", "139 1234 5678"):
        html = client.get(f"/console/applications?q={q}").get_data(as_text=True)
        assert ref in html and "139****5678" in html and "13912345678</td>" not in html  # masked in the list
    assert ref not in client.get("/console/applications?q=8888").get_data(as_text=True)
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and client.get(r.headers["Location"]).mimetype == "image/svg+xml"
