"""The case-handling workflow through the console and the staff API: queues, verification, expedite,
backfill, assignment, the aid lawyer's work, phone intake, home visits, SLA and alerts."""
import datetime as dt
import io

import sqlalchemy as sa
import time_machine

from app.alerts.models import Alert
from app.applications.models import Application, ApplicationEvent
from app.audit import AuditLog
from app.common.timeutil import LOCAL_TZ, local_today, utcnow
from app.extensions import db
from tests.support import api_login, citizen_case, city_centre_id, console_login, make_case
from tests.factories import jpeg_bytes


NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def _actions(app, **where):
    with app.app_context():
        stmt = sa.select(AuditLog.action)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditLog, k) == v)
        return db.session.scalars(stmt.order_by(AuditLog.id)).all()


@time_machine.travel(NOW, tick=False)
def test_expedite_flow_console_to_citizen_api(app, client, fake_wechat, staff):
    tomorrow = "2026-09-26"
    s, app_id, (doc_id,) = citizen_case(client, fake_wechat, legal_deadline=tomorrow, urgency_reason="明天上诉期届满")
    duty = app.test_client()
    csrf = console_login(duty, "duty1")

    home = duty.get("/console/").get_data(as_text=True)
    assert "待审核材料" in home and f"/console/documents/{doc_id}" in home and "紧急" in home
    page = duty.get(f"/console/documents/{doc_id}")
    assert page.status_code == 200 and "/files/" in page.get_data(as_text=True)  # signed URL of the photo
    assert "document.view" in _actions(app, object_type="document", object_id=str(doc_id))
    r = duty.post(f"/console/documents/{doc_id}/verify", data={"csrf_token": csrf})
    assert r.status_code == 302
    r = duty.post(f"/console/applications/{app_id}/actions/request_expedite",
                  data={"csrf_token": csrf, "reason": "上诉期明日届满，户口本尚未拍照"})
    assert r.status_code == 302
    # the duty lawyer may not approve it
    r = duty.post(f"/console/applications/{app_id}/actions/approve_expedite", data={"csrf_token": csrf})
    assert r.status_code == 403

    mgr = app.test_client()
    csrf_m = console_login(mgr, "manager1")
    home = mgr.get("/console/").get_data(as_text=True)
    assert "特事特办申请" in home and "上诉期明日届满" in home
    due = "2026-09-27T18:00"  # Beijing time
    r = mgr.post(f"/console/applications/{app_id}/actions/approve_expedite",
                 data={"csrf_token": csrf_m, "backfill_kinds": ["hukou_home", "id_back"], "backfill_due_at": due})
    assert r.status_code == 302
    detail = mgr.get(f"/console/applications/{app_id}").get_data(as_text=True)
    assert "推荐律师" in detail and "擅长农民工欠薪" in detail
    assert detail.index("李援助") < detail.index("王援助")  # specialty first
    # the manager overrides the suggestion
    r = mgr.post(f"/console/applications/{app_id}/actions/assign",
                 data={"csrf_token": csrf_m, "lawyer_id": str(staff["aid2"]["id"])})
    assert r.status_code == 302

    body = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"]).get_json()
    assert body["status"] == "assigned" and body["assigned_lawyer"]["name"] == "王援助"
    assert {m["kind"] for m in body["backfill"]["missing"]} == {"hukou_home", "id_back"}
    assert body["backfill"]["complete"] is False and body["backfill"]["overdue"] is False
    with app.app_context():
        a = db.session.get(Application, app_id)
        assert a.backfill_due_at == dt.datetime(2026, 9, 27, 10, 0, tzinfo=dt.timezone.utc)
        assert a.expedite_reason.startswith("上诉期")
        # the override note is internal: kept for the staff, beside a citizen-visible state change without it
        assign = db.session.scalar(sa.select(ApplicationEvent).where(
            ApplicationEvent.application_id == app_id, ApplicationEvent.action == "assign"))
        assert assign.citizen_visible is True and assign.note is None
        internal = db.session.scalar(sa.select(ApplicationEvent).where(
            ApplicationEvent.application_id == app_id, ApplicationEvent.action == "internal_note")
            .order_by(ApplicationEvent.id.desc()))  # the last one: the assignment's
        assert internal.citizen_visible is False and "王援助" in internal.note and "调整指派" in internal.note
    citizen_timeline = body["timeline"]
    assert "assign" in [e["action"] for e in citizen_timeline]
    assert "internal_note" not in [e["action"] for e in citizen_timeline]
    assert not any("调整指派" in (e["note"] or "") for e in citizen_timeline)
    acts = _actions(app, object_type="application", object_id=str(app_id))
    for a in ("application.submit", "application.request_expedite", "application.approve_expedite",
              "application.assign", "application.lawyer_choice"):
        assert a in acts

    # the aid lawyer sees only their case; the other aid lawyer gets a 404
    other = app.test_client()
    console_login(other, "aid1")
    assert other.get(f"/console/applications/{app_id}").status_code == 404
    aid = app.test_client()
    csrf_a = console_login(aid, "aid2")
    assert f"/console/applications/{app_id}" in aid.get("/console/").get_data(as_text=True)
    assert aid.post(f"/console/applications/{app_id}/actions/start_work", data={"csrf_token": csrf_a}).status_code == 302
    assert aid.post(f"/console/applications/{app_id}/notes",
                    data={"csrf_token": csrf_a, "note": "已电话联系当事人，准备上诉状"}).status_code == 302
    # closing goes through the closing file (app/handling): the backfill still owed is said beside the form,
    # and the submission needs its confirmation
    assert aid.post(f"/console/applications/{app_id}/actions/close", data={"csrf_token": csrf_a}).status_code == 404
    page = aid.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    assert "尚有 2 项补交材料未交" in page
    r = aid.post(f"/console/applications/{app_id}/handling/upload", data={
        "csrf_token": csrf_a, "kind": "other", "file": (io.BytesIO(jpeg_bytes()), "上诉状.jpg")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        from app.documents.models import Document
        doc_id = db.session.scalar(sa.select(Document.id).where(Document.application_id == app_id, Document.kind == "other"))
    closing = {"csrf_token": csrf_a, "outcome": "document_drafted", "outcome_detail": "已代写上诉状并提交",
               "matter_ended_on": local_today().isoformat(), "document_ids": str(doc_id), "stage": "non_litigation",
               "report": "已代写上诉状并于上诉期内提交二审法院，受援人已签收。"}
    r = aid.post(f"/console/applications/{app_id}/handling/closing", data=closing)
    assert r.status_code == 302  # not confirmed: back with the message, nothing changed
    assert "请勾选确认后再提交结案材料" in aid.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, app_id).status == "in_progress"
    # the documents still owed: the closing file needs its own tick for them (app.handling.backfill_owed)
    r = aid.post(f"/console/applications/{app_id}/handling/closing", data={**closing, "confirm": "1"})
    assert r.status_code == 302  # back with the message, nothing changed
    assert "结案后将不再跟踪补交" in aid.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, app_id).status == "in_progress"
    assert aid.post(f"/console/applications/{app_id}/handling/closing",
                    data={**closing, "confirm": "1", "confirm_incomplete": "1"}).status_code == 302
    review = {"csrf_token": csrf_m, "decision": "accept", "confirm": "1", "scores.timeliness": "18", "scores.communication": "18",
              "scores.legal_work": "27", "scores.outcome": "18", "scores.file": "9"}
    assert mgr.post(f"/console/applications/{app_id}/handling/review", data=review).status_code == 302
    body = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"]).get_json()
    assert body["status"] == "closed" and body["outcome"] == "代写法律文书完成：已代写上诉状并提交"
    # the progress note is internal: not in the citizen's timeline, in the staff's marked as such
    assert not any(e["action"] == "progress_note" or "准备上诉状" in (e["note"] or "") for e in body["timeline"])
    staff_timeline = client.get(f"/api/v1/staff/applications/{app_id}", headers=api_login(client, "manager1")).get_json()["timeline"]
    note = next(e for e in staff_timeline if e["action"] == "progress_note")
    assert note["citizen_visible"] is False and note["note"] == "已电话联系当事人，准备上诉状"


def test_document_rejection_reason_reaches_citizen(app, client, fake_wechat, staff):
    s, app_id, (doc_id,) = citizen_case(client, fake_wechat)
    h = api_login(client, "duty1")
    r = client.post(f"/api/v1/staff/documents/{doc_id}/reject", json={"reason": "blurry", "note": "请对焦"}, headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    docs = client.get(f"/api/v1/applications/{app_id}/documents", headers=s["headers"]).get_json()
    assert "照片模糊" in docs[0]["reject_message"] and "请对焦" in docs[0]["reject_message"]
    assert client.post(f"/api/v1/staff/documents/{doc_id}/reject", json={"reason": "nope"}, headers=h).status_code == 422


def test_queues_put_urgent_first_with_sla_countdown(app, client, staff):
    normal = make_case(app, "under_review")
    urgent = make_case(app, "under_review", legal_deadline=local_today() + dt.timedelta(days=1))
    h = api_login(client, "manager1")
    queues = {q["key"]: q for q in client.get("/api/v1/staff/queue", headers=h).get_json()}
    review = queues["review"]["items"]
    assert [i["application_id"] for i in review] == [urgent, normal]
    assert review[0]["urgent"] is True and review[0]["sla"]["state"] == "running"
    assert review[0]["sla"]["target_minutes"] == 60 and 55 <= review[0]["sla"]["remaining_minutes"] <= 60
    assert review[1]["sla"]["state"] == "none"  # no target for an ordinary case by default
    assert set(queues) == {"documents", "review", "expedite", "assign", "backfill", "home_visits", "callbacks", "objections"}
    duty_h = api_login(client, "duty1")
    assert {q["key"] for q in client.get("/api/v1/staff/queue", headers=duty_h).get_json()} == {
        "documents", "repeat_callbacks", "review", "backfill", "home_visits"}


def test_sla_target_configurable_per_category(make_app, staff):
    app = make_app(SLA_TARGET_MINUTES={"劳动争议": 240})
    app_id = make_case(app, "submitted", category="劳动争议")
    from app.applications import sla
    with app.app_context():
        assert sla.state(db.session.get(Application, app_id))["target_minutes"] == 240


def test_alert_scan_raises_once_and_resolves(app, client, staff):
    breach = make_case(app, "under_review", legal_deadline=local_today() + dt.timedelta(days=2))
    near = make_case(app, "approved", legal_deadline=local_today() + dt.timedelta(days=2))
    backfill = make_case(app, "expedite_approved")
    with app.app_context():
        now = utcnow()
        db.session.get(Application, breach).first_contact_at = now - dt.timedelta(minutes=70)
        db.session.get(Application, near).first_contact_at = now - dt.timedelta(minutes=50)
        db.session.get(Application, backfill).backfill_due_at = now - dt.timedelta(hours=1)
        db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["alerts", "scan"])
    assert out.exit_code == 0 and "sla_breach=1" in out.output and "backfill_overdue=1" in out.output
    assert "sla_near_breach=1" in out.output
    again = runner.invoke(args=["alerts", "scan"])
    assert "sla_breach=0" in again.output and "backfill_overdue=0" in again.output
    with app.app_context():
        kinds = sorted(db.session.scalars(sa.select(Alert.kind)).all())
        assert kinds == ["backfill_overdue", "sla_breach", "sla_near_breach"]
    h = api_login(client, "manager1")
    alerts = client.get("/api/v1/staff/alerts", headers=h).get_json()
    assert alerts[0]["severity"] == "critical"
    r = client.post(f"/api/v1/staff/alerts/{alerts[0]['id']}/acknowledge", headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "acknowledged"
    # the breached case gets its lawyer: the next scan resolves its alert
    r = client.post(f"/api/v1/staff/applications/{near}/assign", json={"lawyer_id": staff["aid1"]["id"]}, headers=h)
    assert r.status_code == 200 and r.get_json()["sla"]["state"] == "met"
    runner.invoke(args=["alerts", "scan"])
    with app.app_context():
        st = dict(db.session.execute(sa.select(Alert.kind, Alert.status)).all())
        assert st["sla_near_breach"] == "resolved" and st["sla_breach"] == "acknowledged"
    # raise_alert is idempotent per dedupe key (the hotline reuses it for repeat callers)
    from app.alerts.service import raise_alert
    with app.app_context():
        a1 = raise_alert("repeat_caller", message="同一号码 7 天内来电 3 次", dedupe_key="repeat:abc")
        a2 = raise_alert("repeat_caller", message="同一号码 7 天内来电 3 次", dedupe_key="repeat:abc")
        assert a1.id == a2.id


def test_sla_summary_share_on_console_home(app, client, staff):
    fast = make_case(app, "assigned", legal_deadline=local_today() + dt.timedelta(days=1))
    slow = make_case(app, "assigned", legal_deadline=local_today() + dt.timedelta(days=1))
    make_case(app, "assigned")  # not urgent, not expedited: not counted
    with app.app_context():
        for app_id, minutes in ((fast, 35), (slow, 95)):
            a = db.session.get(Application, app_id)
            a.first_contact_at = a.assigned_at - dt.timedelta(minutes=minutes)
        db.session.commit()
    h = api_login(client, "supervisor1")
    body = client.get("/api/v1/staff/sla", headers=h).get_json()
    assert body["total"] == 2 and body["within"] == 1 and body["share"] == 0.5
    console_login(client, "manager1")
    html = client.get("/console/").get_data(as_text=True)
    assert "按时指派率" in html and "50%" in html


@time_machine.travel(NOW, tick=False)
def test_phone_intake_console_and_api(app, client, staff):
    csrf = console_login(client, "duty1")
    contact = "2026-09-25T09:55"  # five minutes ago, Beijing time
    r = client.post("/console/applications", data={
        "csrf_token": csrf, "applicant_name": "周秀英", "phone": "13907141234", "category": "医疗纠纷",
        "description": "手术后出现并发症，行动不便", "service_type": "representation", "first_contact_at": contact,
        "home_visit_requested": "1", "home_visit_address": "武昌区某小区3栋", "home_visit_reason": "行动不便"})
    assert r.status_code == 302, r.get_data(as_text=True)
    app_id = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        a = db.session.get(Application, app_id)
        assert a.status == "submitted" and a.citizen_id is None and a.created_by_staff_id == staff["duty1"]["id"]
        assert a.first_contact_at == dt.datetime(2026, 9, 25, 1, 55, tzinfo=dt.timezone.utc)
    # staff add the photos later
    r = client.post(f"/console/applications/{app_id}/documents", content_type="multipart/form-data",
                    data={"csrf_token": csrf, "kind": "id_front", "file": (io.BytesIO(jpeg_bytes()), "id.jpg")})
    assert r.status_code == 302
    assert "身份证人像面" in client.get(f"/console/applications/{app_id}").get_data(as_text=True)
    # missing essentials are refused with a message, nothing created
    r = client.post("/console/applications", data={"csrf_token": csrf, "applicant_name": "某某"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
    # the API, with an Idempotency-Key
    h = {**api_login(client, "duty1"), "Idempotency-Key": "call-42"}
    payload = {"applicant_name": "吴小军", "phone": "15927000001", "description": "明天上诉期最后一天",
               "legal_deadline": "2026-09-26"}
    r1 = client.post("/api/v1/staff/applications", json=payload, headers=h)
    r2 = client.post("/api/v1/staff/applications", json=payload, headers=h)
    assert r1.status_code == 201 and r2.get_json()["id"] == r1.get_json()["id"]
    assert r1.get_json()["is_urgent"] is True and r1.get_json()["sla"]["state"] == "running"
    mgr = api_login(client, "manager1")
    assert client.post("/api/v1/staff/applications", json=payload, headers=mgr).status_code == 403


def test_home_visits_requested_scheduled_done(app, client, fake_wechat, staff):
    s, app_id, _ = citizen_case(client, fake_wechat, home_visit_requested=True,
                                home_visit_address="江岸区某街道5号", home_visit_reason="腿脚不便")
    h = api_login(client, "manager1")
    queues = {q["key"]: q for q in client.get("/api/v1/staff/queue", headers=h).get_json()}
    assert [i["type"] for i in queues["home_visits"]["items"]] == ["home_visit_request"]
    when = (utcnow() + dt.timedelta(days=1)).isoformat()
    r = client.post(f"/api/v1/staff/applications/{app_id}/home-visit/schedule",
                    json={"lawyer_id": staff["aid1"]["id"], "scheduled_at": when}, headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "scheduled" and r.get_json()["lawyer_name"] == "李援助"
    visit_id = r.get_json()["id"]
    aid2 = api_login(client, "aid2")
    assert client.get("/api/v1/staff/home-visits", headers=aid2).get_json() == []
    assert client.post(f"/api/v1/staff/home-visits/{visit_id}/complete", json={"result_note": "x"},
                       headers=aid2).status_code == 404
    aid1 = api_login(client, "aid1")
    assert [v["id"] for v in client.get("/api/v1/staff/home-visits", headers=aid1).get_json()] == [visit_id]
    r = client.post(f"/api/v1/staff/home-visits/{visit_id}/complete", json={"result_note": "已上门核实情况"}, headers=aid1)
    assert r.status_code == 200 and r.get_json()["status"] == "done"
    timeline = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"]).get_json()["timeline"]
    assert [e["action"] for e in timeline if e["action"].startswith("home_visit")] == ["home_visit_scheduled",
                                                                                        "home_visit_done"]
    # a duty lawyer requests one for another case
    other = make_case(app, "under_review")
    duty = api_login(client, "duty1")
    r = client.post(f"/api/v1/staff/applications/{other}/home-visit", json={"address": "硚口区某路1号"}, headers=duty)
    assert r.status_code == 201 and r.get_json()["status"] == "requested"
    assert client.post(f"/api/v1/staff/applications/{other}/home-visit", json={"address": "x"},
                       headers=duty).status_code == 409


def test_callbacks_and_roster(app, client, staff):
    from app.callbacks.models import CallbackTask
    with app.app_context():
        db.session.add(CallbackTask(reason="bad_rating", note="对服务不满意", due_at=utcnow() - dt.timedelta(hours=1),
                                    created_at=utcnow(), centre_id=city_centre_id()))
        db.session.commit()
    console_login(client, "manager1")
    html = client.get("/console/").get_data(as_text=True)
    assert "回访任务" in html and "差评回访" in html and "已逾期" in html
    h = api_login(client, "manager1")
    assert client.get("/api/v1/callbacks?status=open", headers=h).get_json()["total"] == 1
    make_case(app, "assigned")  # aid1 now has one open case
    roster = {r["name"]: r for r in client.get("/api/v1/staff/lawyers", headers=h).get_json()}
    assert roster["李援助"]["open_cases"] == 1 and roster["王援助"]["open_cases"] == 0
    r = client.patch(f"/api/v1/staff/lawyers/{staff['aid2']['id']}", json={"available": False}, headers=h)
    assert r.status_code == 200 and r.get_json()["available"] is False
    app_id = make_case(app, "approved", category="婚姻家庭")
    sugg = client.get(f"/api/v1/staff/applications/{app_id}/lawyer-suggestions", headers=h).get_json()
    assert sugg[0]["name"] == "李援助" and "暂不可接案" in sugg[-1]["reasons"]


def test_staff_api_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/staff/queue", "/api/v1/staff/applications/{application_id}/approve-expedite",
                 "/api/v1/staff/applications/{application_id}/assign", "/api/v1/staff/audit"):
        assert path in spec["paths"], path
    op = spec["paths"]["/api/v1/staff/applications/{application_id}/assign"]["post"]
    assert op["security"] == [{"bearer": []}] and op["summary"]


def _statements(app, fn) -> int:
    """How many SQL statements `fn` sends."""
    count = 0

    def seen(*_args):
        nonlocal count
        count += 1
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    return count


def test_home_folds_long_queues_and_each_queue_has_its_page(app, client, staff):
    from app.casework.console import QUEUE_FOLD, QUEUE_PREVIEW
    first = [make_case(app, "under_review", by_phone=True) for _ in range(3)]
    console_login(client, "manager1")
    few = _statements(app, lambda: client.get("/console/"))
    n = QUEUE_PREVIEW + QUEUE_FOLD + 1
    ids = first + [make_case(app, "under_review", by_phone=True) for _ in range(n - 3)]
    # a granted case (its assignment clock, another queue): read in the same batch as the others
    make_case(app, "approved", by_phone=True)
    many = _statements(app, lambda: client.get("/console/"))
    assert many == few, (few, many)  # the home's statements do not grow with the cases
    home = client.get("/console/").get_data(as_text=True)
    section = home[home.index('id="q-review"'):]
    section = section[:section.index("</section>")]
    shown = [i for i in ids if f'/console/applications/{i}"' in section]
    assert len(shown) == QUEUE_PREVIEW + QUEUE_FOLD  # the first 8 and the 22 folded
    assert f"显示其后 {QUEUE_FOLD} 项" in section and f"查看全部 {n} 项" in section
    assert 'href="/console/queues/review"' in section
    page = client.get("/console/queues/review").get_data(as_text=True)
    assert f"共 {n} 项" in page and all(f'/console/applications/{i}"' in page for i in ids)
    assert client.get("/console/queues/nothing").status_code == 404
    console_login(client, "duty1")
    r = client.get("/console/queues/expedite")  # the manager's queue
    assert r.status_code == 403 and "无权" in r.get_data(as_text=True)
    assert client.get("/console/queues/review").status_code == 200
