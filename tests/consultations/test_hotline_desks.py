"""Issue 18, hotline desks: a citizen rates a call made from their bound phone and so closes the
repeat-caller callback and its alert; closing a task by hand resolves its alert too; repeat-caller
callbacks on the duty lawyer's home; names and masked numbers in the callback list, full numbers only
through the audited reveal; the calls list paged, searchable and openable; the import page documents
its columns and agent numbers and answers a small status JSON; regions by today's names and by picker;
partial weeks marked; a recording's URL lives as long as the recording; a bad dashboard range keeps
the page."""
from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit import AuditLog
from app.callbacks.models import CallbackTask
from app.consultations.models import CallImport, Consultation, RepeatCallerEpisode
from app.extensions import db
from tests.factories import login
from tests.support import city_centre_id, console_login, log_call, make_case, recent


def _repeat_episode(client, staff, number="13907140001"):
    h = staff.role("duty_lawyer")["headers"]
    calls = [log_call(client, h, caller=number, ring=recent(d)) for d in (5, 3, 0.1)]
    return calls


def _bind(app, citizen_openid: str, phone: str):
    from app.auth.models import Citizen
    with app.app_context():
        c = db.session.scalar(sa.select(Citizen).where(Citizen.openid == citizen_openid))
        c.phone = phone
        db.session.commit()


def _state(app):
    with app.app_context():
        task = db.session.scalars(sa.select(CallbackTask).where(CallbackTask.reason == "repeat_caller")).one()
        alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "repeat_caller")).one()
        return task.status, alert.status


def test_a_citizen_rates_a_call_from_their_bound_phone_and_closes_the_repeat_callback(app, client, fake_wechat, staff):
    calls = _repeat_episode(client, staff)
    assert _state(app) == ("open", "open")
    other = login(client, fake_wechat)
    _bind(app, other["openid"], "13900000000")
    me = login(client, fake_wechat)
    # before binding: not their call
    r = client.post(f"/api/v1/consultations/{calls[0]['id']}/rating", json={"stars": 5}, headers=me["headers"])
    assert r.status_code == 404
    assert client.get("/api/v1/consultations/mine", headers=me["headers"]).get_json()["total"] == 0
    _bind(app, me["openid"], "13907140001")
    mine = client.get("/api/v1/consultations/mine", headers=me["headers"]).get_json()
    assert mine["total"] == 3 and all(i["can_rate"] and not i["rated"] for i in mine["items"])
    assert "caller" not in str(mine) and "13907140001" not in str(mine)
    # someone else's bound number does not match this call
    r = client.post(f"/api/v1/consultations/{calls[0]['id']}/rating", json={"stars": 5}, headers=other["headers"])
    assert r.status_code == 404
    # a rating of 4 closes the repeat-caller task (opened on the third call) and resolves its alert
    r = client.post(f"/api/v1/consultations/{calls[0]['id']}/rating", json={"stars": 4, "comment": "律师回电解决了"},
                    headers=me["headers"])
    assert r.status_code == 201, r.get_json()
    assert _state(app) == ("satisfied", "resolved")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.action == "alert.resolve", AuditLog.actor_type == "system")) == 1


def test_a_low_rating_does_not_close_the_repeat_callback(app, client, fake_wechat, staff):
    calls = _repeat_episode(client, staff, "13907140002")
    me = login(client, fake_wechat)
    _bind(app, me["openid"], "13907140002")
    r = client.post(f"/api/v1/consultations/{calls[2]['id']}/rating", json={"stars": 2}, headers=me["headers"])
    assert r.status_code == 201
    assert _state(app) == ("open", "open")


def test_closing_a_callback_task_resolves_its_alert(app, client, staff):
    _repeat_episode(client, staff, "13907140003")
    with app.app_context():
        task_id = db.session.scalars(sa.select(CallbackTask.id)).one()
    mgr = app.test_client()
    csrf = console_login(mgr, "manager1")
    r = mgr.post(f"/console/callbacks/{task_id}/satisfied", data={"csrf_token": csrf, "note": "已回电"})
    assert r.status_code == 302
    assert _state(app) == ("satisfied", "resolved")
    # escalating closes too
    _repeat_episode(client, staff, "13907140004")
    with app.app_context():
        task_id = db.session.scalars(sa.select(CallbackTask.id).where(CallbackTask.status == "open")).one()
    r = mgr.post(f"/console/callbacks/{task_id}/escalate", data={"csrf_token": csrf})
    with app.app_context():
        ep = db.session.scalars(sa.select(RepeatCallerEpisode).where(RepeatCallerEpisode.callback_task_id == task_id)).one()
        assert db.session.get(Alert, ep.alert_id).status == "resolved"


def test_repeat_caller_callbacks_on_the_duty_lawyers_home(app, client, staff):
    _repeat_episode(client, staff, "13907140005")
    duty = app.test_client()
    console_login(duty, "duty1")
    html = duty.get("/console/").get_data(as_text=True)
    assert 'id="q-repeat_callbacks"' in html
    section = html[html.index('id="q-repeat_callbacks"'):]
    section = section[:section.index("</section>")]
    assert "重复来电回访" in section and "139****0005" in section and "/console/callbacks/" in section
    assert html.index('id="q-repeat_callbacks"') < html.index('id="q-review"')
    assert "13907140005" not in html


def test_callback_list_names_and_masks_full_numbers_only_through_the_audited_reveal(app, client, staff, fake_wechat):
    # a bad rating of an assigned case opens a callback about an application
    from tests.support import citizen_case
    s, app_id, _ = citizen_case(client, fake_wechat, phone="13871230000")
    from tests.support import user
    from app.casework import cases as casework
    with app.app_context():
        from app.applications.models import Application
        a = db.session.get(Application, app_id)
        for who, action, args in (("duty1", "start_review", {}), ("manager1", "approve", {}),
                                  ("manager1", "assign", {"lawyer_id": user(app, "aid1").id})):
            casework.act(user(app, who), a, action, args)
    r = client.post(f"/api/v1/applications/{app_id}/rating", json={"stars": 1, "comment": "没人理"}, headers=s["headers"])
    assert r.status_code == 201
    _repeat_episode(client, staff, "13907140006")

    mgr = app.test_client()
    csrf = console_login(mgr, "manager1")
    page = mgr.get("/console/callbacks").get_data(as_text=True)
    assert "刘建国" in page and "138****0000" in page and "139****0006" in page
    assert "13871230000" not in page and "13907140006" not in page
    with app.app_context():
        task = db.session.scalars(sa.select(CallbackTask).where(CallbackTask.subject_type == "application")).one()
    detail = mgr.get(f"/console/callbacks/{task.id}").get_data(as_text=True)
    assert "13871230000" not in detail and "138****0000" in detail and "查看完整号码" in detail
    app_page = mgr.get(f"/console/applications/{app_id}").get_data(as_text=True)
    assert "13871230000" not in app_page and "138****0000" in app_page and "查看完整号码" in app_page
    before = _audits(app, "application.reveal_phone")
    r = mgr.post(f"/console/applications/{app_id}/phone", data={"csrf_token": csrf, "back": f"/console/callbacks/{task.id}"})
    assert r.status_code == 200 and "13871230000" in r.get_data(as_text=True)
    assert _audits(app, "application.reveal_phone") == before + 1
    # the staff API too: masked in the application, the full number through its audited route
    from tests.support import api_login
    h = api_login(client, "manager1")
    assert client.get(f"/api/v1/staff/applications/{app_id}", headers=h).get_json()["phone"] == "138****0000"
    r = client.get(f"/api/v1/staff/applications/{app_id}/phone", headers=h)
    assert r.status_code == 200 and r.get_json()["phone"] == "13871230000"
    assert _audits(app, "application.reveal_phone") == before + 2
    assert client.get(f"/api/v1/staff/applications/{app_id}/phone", headers=api_login(client, "supervisor1")).status_code == 403
    # the supervisor follows callbacks but never sees the number, nor may reveal it
    sup = app.test_client()
    csrf_s = console_login(sup, "supervisor1")
    detail = sup.get(f"/console/callbacks/{task.id}").get_data(as_text=True)
    assert "13871230000" not in detail and "查看完整号码" not in detail
    assert sup.post(f"/console/applications/{app_id}/phone", data={"csrf_token": csrf_s}).status_code == 403
    # an aid lawyer not assigned to the case cannot reveal it either
    aid2 = app.test_client()
    csrf_a = console_login(aid2, "aid2")
    assert aid2.post(f"/console/applications/{app_id}/phone", data={"csrf_token": csrf_a}).status_code == 404


def _audits(app, action):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_calls_list_paged_searchable_and_openable(app, client, staff):
    h = staff.role("duty_lawyer")["headers"]
    for i in range(35):
        log_call(client, h, caller=f"1390714{i:04d}", ring=recent(1 + i / 10), summary="单位拖欠工资")
    target = log_call(client, h, caller="13907149999", ring=recent(9), summary="离婚后抚养费不给")
    duty = app.test_client()
    csrf = console_login(duty, "duty1")
    first = duty.get("/console/calls").get_data(as_text=True)
    assert "共 36 通" in first and "第 1 / 2 页" in first
    assert first.count('href="/console/calls/') == 30 and 'rel="next"' in first
    second = duty.get("/console/calls?page=2").get_data(as_text=True)
    assert second.count('href="/console/calls/') == 6
    # by masked number, last four digits, full number
    for q in ("139****9999", "9999", "13907149999"):
        page = duty.get("/console/calls", query_string={"caller": q}).get_data(as_text=True)
        assert "共 1 通" in page and f'/console/calls/{target["id"]}"' in page, q
    # by date and topic
    day = recent(9).date().isoformat()
    page = duty.get("/console/calls", query_string={"date_from": day, "date_to": day}).get_data(as_text=True)
    assert f'/console/calls/{target["id"]}"' in page and "共 1 通" in page
    page = duty.get("/console/calls", query_string={"topic": "婚姻家庭"}).get_data(as_text=True)
    assert "共 1 通" in page
    # paging keeps the search
    page = duty.get("/console/calls", query_string={"caller": "0714"}).get_data(as_text=True)
    assert "共 0 通" in page  # last digits match the end of the number only
    r = duty.get("/console/calls", query_string={"date_from": "2026-03-09", "date_to": "2026-03-01"})
    assert r.status_code == 422
    # the detail page: masked, the reveal, the summary
    detail = duty.get(f"/console/calls/{target['id']}").get_data(as_text=True)
    assert "139****9999" in detail and "13907149999" not in detail and "离婚后抚养费不给" in detail
    assert "查看完整号码" in detail and "婚姻家庭" in detail
    # another duty lawyer's call is not theirs to open
    other = app.test_client()
    console_login(other, "duty2")
    assert other.get(f"/console/calls/{target['id']}").status_code == 404


def test_import_page_documents_columns_and_agents_and_answers_a_small_status(app, client, staff):
    from app.auth.models import StaffUser
    with app.app_context():
        duty = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "duty1"))
        duty.staff_no = "8001"
        mgr = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "manager1"))
        mgr.staff_no = "9001"
        db.session.add(CallImport(filename="a.csv", status="running", total_rows=10, processed_rows=4, centre_id=city_centre_id()))
        db.session.add(CallImport(filename="b.csv", status="done", total_rows=3, processed_rows=3, inserted=2, duplicates=1,
                                  centre_id=city_centre_id()))
        db.session.commit()
        ids = db.session.scalars(sa.select(CallImport.id).order_by(CallImport.id)).all()
    c = app.test_client()
    console_login(c, "manager1")
    html = c.get("/console/calls/import").get_data(as_text=True)
    for text in ("呼叫ID", "主叫号码", "振铃时间", "坐席工号", "必填", "可选", "caller_number", "GBK"):
        assert text in html, text
    agents = html[html.index('id="cdr-agents"'):]
    agents = agents[:agents.index("</ul>")]
    assert "8001" in agents and "9001" not in agents  # only duty lawyers' numbers are accepted
    assert "9001" in html  # … the others are named as refused
    row = html[html.index(f'data-import-id="{ids[0]}"'):]
    row = row[:row.index("</tr>")]
    assert "data-pending" in row and "导入中（4 / 10 行）" in row and ">0<" not in row
    r = c.get("/console/calls/import/status.json", query_string={"ids": ",".join(map(str, ids))})
    body = r.get_json()
    assert r.status_code == 200 and [i["status_label"] for i in body["items"]] == ["导入中", "已完成"]
    assert "errors" not in body["items"][0] and body["items"][1]["inserted"] == 2
    assert c.get("/console/calls/import/status.json", query_string={"ids": ",".join(str(i) for i in range(1, 30))}).status_code == 422
    assert c.get("/console/calls/import/status.json", query_string={"ids": "x"}).status_code == 422
    duty_c = app.test_client()
    console_login(duty_c, "duty1")
    assert duty_c.get("/console/calls/import/status.json?ids=1").status_code == 403


def test_regions_by_current_names_and_picker(app, client, staff):
    from app.consultations import phones, regions
    with app.app_context():
        assert phones._region_cached("7101234567", "landline") == ("湖北省襄阳市", "湖北省")  # 襄樊 since 2010: 襄阳
        assert phones.region_of("13907141234", "mobile") == ("湖北省武汉市", "湖北省")
    hubei = next(p for p in regions.choices() if p["province"] == "湖北省")
    assert "湖北省襄阳市" in hubei["cities"] and not any("襄樊" in c for p in regions.choices() for c in p["cities"])
    h = staff.role("duty_lawyer")["headers"]
    log_call(client, h, caller="07101234567", ring=recent(1))
    mgr = app.test_client()
    console_login(mgr, "manager1")
    html = mgr.get("/console/dashboard").get_data(as_text=True)
    assert '<select name="region"' in html and 'name="region" value' not in html  # a picker, not typing
    assert '<option value="湖北省襄阳市"' in html and "襄樊" not in html
    body = mgr.get("/console/dashboard/data/regions", query_string={"region": "湖北省襄阳市"}).get_json()
    assert [r["region"] for r in body["regions"]] == ["湖北省襄阳市"]


def test_weekly_trend_marks_partial_first_and_last_weeks(app, staff):
    from app.analytics import queries
    with app.app_context():
        f = queries.Filters(dt.date(2026, 3, 5), dt.date(2026, 3, 24))  # Thursday … Tuesday
        assert queries.week_coverage(dt.date(2026, 3, 2), f) == {
            "week": "2026-03-02", "from": "2026-03-05", "to": "2026-03-08", "days": 4, "partial": True}
        assert queries.week_coverage(dt.date(2026, 3, 9), f)["partial"] is False
        assert queries.week_coverage(dt.date(2026, 3, 23), f) == {
            "week": "2026-03-23", "from": "2026-03-23", "to": "2026-03-24", "days": 2, "partial": True}


def test_weekly_chart_data_carries_the_coverage(app, client, staff):
    h = staff.role("duty_lawyer")["headers"]
    log_call(client, h, ring=recent(2), summary="单位拖欠工资")
    mgr = app.test_client()
    console_login(mgr, "manager1")
    today = dt.date.today()
    body = mgr.get("/console/dashboard/data/topics",
                   query_string={"date_from": (today - dt.timedelta(days=20)).isoformat(), "date_to": today.isoformat()}).get_json()
    cov = body["weekly"]["coverage"]
    assert len(cov) == len(body["weekly"]["weeks"]) and all(c["days"] <= 7 for c in cov)
    assert sum(c["days"] for c in cov) <= 21


def test_a_recording_url_lives_as_long_as_the_recording(app, staff):
    from app.consultations import service as calls
    with app.app_context():
        app.config["SIGNED_URL_TTL"] = 300
        long_call = Consultation(duration_seconds=3600, recording_key="recordings/x.wav")
        short_call = Consultation(duration_seconds=60, recording_key="recordings/y.wav")
        assert calls.recording_ttl(long_call) == 300 + 2 * 3600
        assert calls.recording_ttl(short_call) == 420
        from tests.support import user
        url = calls.recording_url(user(app, "supervisor1"), long_call)
        expires = int(parse_qs(urlparse(url).query)["expires"][0])
        import time
        assert expires - time.time() > 3600 + 250  # alive past the end of the call


def test_an_inverted_dashboard_range_keeps_the_page_and_the_filters(app, staff):
    mgr = app.test_client()
    console_login(mgr, "manager1")
    r = mgr.get("/console/dashboard", query_string={"date_from": "2026-03-09", "date_to": "2026-03-01",
                                                    "region": "湖北省武汉市", "topic": "劳动争议"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "热线数据分析" in html and 'id="dash-filters"' in html
    assert 'value="2026-03-09"' in html and 'value="2026-03-01"' in html
    assert re.search(r'<option value="湖北省武汉市"\s+selected', html) and re.search(r'<option value="劳动争议"\s+selected', html)
    field = re.search(r'<input type="date" name="date_from"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="err-date_from"' in field and "autofocus" in field
    assert re.search(r'id="err-date_from">开始日期不能晚于结束日期<', html)


def test_calls_stored_under_an_old_name_are_renamed_and_their_rollups_rebuilt(app, client, staff):
    h = staff.role("duty_lawyer")["headers"]
    call = log_call(client, h, caller="07101234567", ring=recent(1))
    with app.app_context():  # as an older version stored it
        db.session.execute(sa.update(Consultation).where(Consultation.id == call["id"]).values(region="湖北省襄樊市、襄樊市"))
        db.session.commit()
        from app.consultations import rollups
        rollups.rebuild()
    mgr0 = app.test_client()
    console_login(mgr0, "manager1")
    assert "湖北省襄樊市、襄樊市" in [x["region"] for x in mgr0.get("/console/dashboard/data/regions").get_json()["regions"]]
    runner = app.test_cli_runner()
    r = runner.invoke(args=["calls", "rename-regions"])
    assert r.exit_code == 0, r.output
    assert "更新 1 通" in r.output
    with app.app_context():
        assert db.session.get(Consultation, call["id"]).region == "湖北省襄阳市"
    mgr = app.test_client()
    console_login(mgr, "manager1")
    regions_seen = [x["region"] for x in mgr.get("/console/dashboard/data/regions").get_json()["regions"]]
    assert "湖北省襄阳市" in regions_seen and not any("襄樊" in x for x in regions_seen)
    assert "更新 0 通" in runner.invoke(args=["calls", "rename-regions"]).output
