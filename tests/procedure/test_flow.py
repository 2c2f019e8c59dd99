"""One application through the Legal Aid Law's procedure, over the API: submission starts the
review clock; the one-time notice stops it; the uploads tick items off and restart it; the grant sets
the assignment clock; the assignment ends it. Refusal with reasons by article, its letter (pdftotext),
the citizen's objection, the bureau's decision; termination; 先行提供 grounds; bad input and order."""
from __future__ import annotations

import datetime as dt
import io
import subprocess

import sqlalchemy as sa
import time_machine

from app.common.timeutil import LOCAL_TZ, local_today
from app.extensions import db
from app.procedure.models import ApplicationProcedure
from tests.support import api_login, citizen_case, console_login
from tests.factories import jpeg_bytes, login

S = "/api/v1/staff/applications"
A = "/api/v1/applications"
# Monday 2026-03-09, 10:00 in Wuhan: the tests below run on a frozen clock and expect literal dates
MONDAY = time_machine.travel(dt.datetime(2026, 3, 9, 10, 0, tzinfo=LOCAL_TZ), tick=False)


def _cal(app):
    from app.procedure import clocks
    with app.app_context():
        return clocks.calendar()


def _pdf_text(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/pdf", r.get_data()[:200]
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.get_data(), capture_output=True, check=True)
    fonts = subprocess.run(["pdffonts", "-"], input=r.get_data(), capture_output=True)
    if fonts.returncode == 0:  # pdffonts reads stdin on newer poppler only
        assert b"CJK" in fonts.stdout
    return out.stdout.decode("utf-8")


def _detail(client, s, app_id):
    r = client.get(f"{A}/{app_id}", headers=s["headers"])
    assert r.status_code == 200
    return r.get_json()


def _batch_agrees(app, app_id, **expected):
    """The queues read every case's clocks in one batch (`deadlines_many`): it must give what `deadlines`
    gives for the case alone (and what the detail shows)."""
    from app.applications.models import Application
    from app.procedure import clocks
    with app.app_context():
        a = db.session.get(Application, app_id)
        alone = clocks.deadlines(a)
        assert clocks.deadlines_many([a]) == {app_id: alone}
        for key, value in expected.items():
            assert alone[key] == value, (key, alone)


def _upload(client, s, app_id, kind):
    r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                    data={"file": (io.BytesIO(jpeg_bytes()), "p.jpg"), "kind": kind, "application_id": str(app_id)})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


@MONDAY
def test_notice_grant_assignment_clocks_and_letters(app, client, fake_wechat, staff):
    s, app_id, _ = citizen_case(client, fake_wechat)
    today = local_today()
    assert today == dt.date(2026, 3, 9)
    d = _detail(client, s, app_id)
    # 七日 from the day after: Mon 03-16 (民法典 Art. 201)
    assert d["deadlines"] == {"review_due": "2026-03-16", "review_days_left": 7, "supplement_due": None,
                              "assign_due": None, "objection_due": None, "objection_open": False, "rule": "calendar"}
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    other = login(client, fake_wechat)

    # the one-time notice: bad input changes nothing
    due = today + dt.timedelta(days=10)
    for body, code in (({"items": ["hukou_home"], "due_date": (today - dt.timedelta(days=1)).isoformat()}, 422),
                       ({"items": ["hukou_home"], "due_date": today.isoformat()}, 422),
                       ({"items": ["passport"], "due_date": due.isoformat()}, 422),
                       ({"items": [], "due_date": due.isoformat()}, 422),
                       ({"items": ["hukou_home"], "due_date": due.isoformat(), "colour": "x"}, 422)):
        r = client.post(f"{S}/{app_id}/notices", json=body, headers=duty)
        assert r.status_code == code, (body, r.get_json())
        assert r.get_json()["message"]
    assert _detail(client, s, app_id)["deadlines"]["supplement_due"] is None
    assert client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "due_date": due.isoformat()},
                       headers=api_login(client, "aid1")).status_code == 403
    r = client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home", "judgment"], "due_date": due.isoformat(),
                                                   "note": "请一并提供判决书"}, headers=duty)
    assert r.status_code == 201, r.get_json()
    proc = r.get_json()
    # paused with all 7 days left; the 10 days of the notice run once it is delivered
    assert proc["deadlines"]["review_due"] is None and proc["deadlines"]["review_days_left"] == 7
    assert proc["deadlines"]["supplement_due"] is None
    notice_letter = [l for l in proc["letters"] if l["kind"] == "supplement_notice"][0]
    assert "武法援补字〔" in notice_letter["number"] and notice_letter["delivered_at"] is None
    assert client.post(f"{A}/{app_id}/letters/{notice_letter['id']}/opened", headers=s["headers"]).status_code == 200
    assert _detail(client, s, app_id)["deadlines"]["supplement_due"] == "2026-03-19"  # Thu
    # one notice at a time: everything missing is told at once
    r = client.post(f"{S}/{app_id}/notices", json={"items": ["id_back"], "due_date": due.isoformat()}, headers=duty)
    assert r.status_code == 409 and "一次性" in r.get_json()["message"]
    d = _detail(client, s, app_id)
    assert d["deadlines"]["review_due"] is None and d["deadlines"]["supplement_due"] == "2026-03-19"
    _batch_agrees(app, app_id, review_due=None, supplement_due=dt.date(2026, 3, 19))
    text = _pdf_text(client, notice_letter["url"])
    assert "补充材料通知书" in text and "户口本首页照片" in text and "视为撤回" in text and notice_letter["number"] in text

    # uploads tick the items off; the last one restarts the clock from its day
    _upload(client, s, app_id, "hukou_home")
    d = _detail(client, s, app_id)
    assert d["deadlines"]["review_due"] is None  # still waiting for the judgment
    _upload(client, s, app_id, "judgment")
    d = _detail(client, s, app_id)
    # resumed the same day with the 7 days left (none was used): Mon 03-16
    assert d["deadlines"] == {"review_due": "2026-03-16", "review_days_left": 7, "supplement_due": None,
                              "assign_due": None, "objection_due": None, "objection_open": False, "rule": "calendar"}
    actions = [e["action"] for e in d["timeline"]]
    assert "supplement_notice" in actions and "supplement_complete" in actions

    # grant: the letter gives the basis; the assignment clock starts
    assert client.post(f"{S}/{app_id}/start-review", json={}, headers=duty).status_code == 200
    assert client.post(f"{S}/{app_id}/approve", json={}, headers=duty).status_code == 403
    r = client.post(f"{S}/{app_id}/approve", json={"note": "符合条件"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["deadlines"]["assign_due"] == "2026-03-12"  # 三日: Thu
    assert body["deadlines"]["review_due"] is None
    grant = [l for l in body["letters"] if l["kind"] == "grant"][0]
    assert "武法援决字〔" in grant["number"]
    text = _pdf_text(client, grant["url"])
    assert "给予法律援助决定书" in text and "第三十一条" in text and grant["number"] in text

    # assignment: the lawyer's notice, the clock ends
    with app.app_context():
        from tests.support import user
        lawyer_id = user(app, "aid1").id
    r = client.post(f"{S}/{app_id}/assign", json={"lawyer_id": lawyer_id}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s, app_id)
    assert d["deadlines"] == {"review_due": None, "review_days_left": None, "supplement_due": None, "assign_due": None,
                              "objection_due": None, "objection_open": False, "rule": "calendar"}
    kinds = [l["kind"] for l in d["letters"]]
    assert kinds == ["receipt", "supplement_notice", "grant", "assignment"]
    text = _pdf_text(client, d["letters"][3]["url"])
    assert "指派通知书" in text and "李援助" in text

    # letters: the citizen's own only; structured data in the API; staff views audited
    r = client.get(f"{A}/{app_id}/letters/{grant['id']}", headers=s["headers"])
    assert r.status_code == 200 and r.get_json()["data"]["title"] == "给予法律援助决定书"
    r = client.get(f"{A}/{app_id}/letters/{grant['id']}", headers=other["headers"])
    assert r.status_code == 404 and "number" not in r.get_data(as_text=True)
    assert client.get(f"{A}/{app_id}/letters", headers=other["headers"]).status_code == 404
    r = client.get(f"{S}/{app_id}/letters/{grant['id']}", headers=mgr)
    assert r.status_code == 200
    with app.app_context():
        from app.audit import AuditLog
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.action == "letter.view", AuditLog.object_id == str(grant["id"]))) == 1
    # a tampered signature or an expired link is refused
    bad = grant["url"].replace("signature=", "signature=0")
    assert client.get(bad).status_code == 403
    # each letter announced by a subscribe message
    with app.app_context():
        from app.notifications.models import Notification
        sent = db.session.scalars(sa.select(Notification.template_id).where(Notification.application_id == app_id)).all()
        assert sent.count("dev-template-letter") == 3  # receipt, notice, grant (the assignment notice goes to the lawyer)


@MONDAY
def test_refusal_objection_and_the_bureau(app, client, fake_wechat, staff):
    s, app_id, _ = citizen_case(client, fake_wechat)
    other = login(client, fake_wechat)
    duty, mgr, bureau = api_login(client, "duty1"), api_login(client, "manager1"), api_login(client, "bureau1")
    # objection before any refusal: 409 with the state in Chinese
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "我不服"}, headers=s["headers"])
    assert r.status_code == 409 and "已提交" in r.get_json()["message"]
    client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
    r = client.post(f"{S}/{app_id}/reject", json={"reason": "家庭人均收入高于标准"}, headers=mgr)
    assert r.status_code == 422  # no ground by article
    r = client.post(f"{S}/{app_id}/reject", json={"reason": "x", "grounds": ["because"]}, headers=mgr)
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_key"
    r = client.post(f"{S}/{app_id}/reject", json={"reason": "家庭人均月收入 3200 元，高于本市标准",
                                                  "grounds": ["not_in_hardship"]}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    assert app.config["OBJECTION_PERIOD_DAYS"] is None  # the national law sets none
    d = _detail(client, s, app_id)
    assert d["status"] == "rejected" and d["deadlines"]["objection_due"] is None
    _batch_agrees(app, app_id, objection_due=None)
    refusal = [l for l in d["letters"] if l["kind"] == "refusal"][0]
    text = "".join(_pdf_text(client, refusal["url"]).split())
    for expected in ("不予法律援助决定书", refusal["number"], "第三十四条", "高于本市标准", "武汉市司法局",
                     "第四十九条", "应当自收到异议之日起五日内进行审查"):
        assert expected in text, expected
    assert "工作日" not in text and "（含当日）前" not in text  # no period: no deadline named
    # the decision again: 409, the state in Chinese
    r = client.post(f"{S}/{app_id}/approve", json={}, headers=mgr)
    assert r.status_code == 409 and "不予法律援助" in r.get_json()["message"]

    # the citizen objects (another citizen cannot); once
    assert client.post(f"{A}/{app_id}/objections", json={"reasons": "收入算错"}, headers=other["headers"]).status_code == 404
    assert client.post(f"{A}/{app_id}/objections", json={"reasons": ""}, headers=s["headers"]).status_code == 422
    photo = _upload(client, s, app_id, "other")  # evidence after the refusal
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "收入算错", "document_ids": [photo + 1000]},
                    headers=s["headers"])
    assert r.status_code == 422 and "document_ids" in r.get_json()["details"]["fields"]
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "我家四口人，收入计算有误", "document_ids": [photo]},
                    headers={**s["headers"], "Idempotency-Key": "obj-1"})
    assert r.status_code == 201, r.get_json()
    obj = r.get_json()
    # 五日 from Mon 03-09: Sat 03-14, a rest day → Mon 03-16 (民法典 Art. 203)
    assert obj["decide_by"] == "2026-03-16" and obj["status"] == "open"
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "我家四口人，收入计算有误", "document_ids": [photo]},
                    headers={**s["headers"], "Idempotency-Key": "obj-1"})
    assert r.status_code == 201 and r.get_json()["id"] == obj["id"]  # a retry replays
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "再次异议"}, headers=s["headers"])
    assert r.status_code == 409
    assert _detail(client, s, app_id)["deadlines"]["objection_due"] is None
    _batch_agrees(app, app_id, objection_due=None)

    # the bureau decides; the centre cannot; bad input changes nothing
    assert client.post(f"/api/v1/staff/objections/{obj['id']}/decide", json={"decision": "correct", "note": "x"},
                       headers=mgr).status_code == 403
    assert client.get("/api/v1/staff/objections", headers=duty).status_code == 403
    r = client.post(f"/api/v1/staff/objections/{obj['id']}/decide", json={"decision": "maybe", "note": "x"},
                    headers=bureau)
    assert r.status_code == 422
    listed = client.get("/api/v1/staff/objections", headers=bureau).get_json()
    assert [o["id"] for o in listed] == [obj["id"]]
    # the bureau reviewer's home leads with it, with its 5-working-day due date and a link to the desk
    console = app.test_client()
    console_login(console, "bureau1")
    home = console.get("/console/").get_data(as_text=True)
    assert "待审查的异议" in home and f"/console/objections/{obj['id']}" in home and obj["decide_by"] in home
    r = client.post(f"/api/v1/staff/objections/{obj['id']}/decide",
                    json={"decision": "correct", "note": "家庭人口应为四人，符合经济困难标准"}, headers=bureau)
    assert r.status_code == 200 and r.get_json()["status"] == "corrected"
    d = _detail(client, s, app_id)
    # the refusal becomes a grant: the centre's 给予法律援助决定书, and the 三日 to assign run (Thu 03-12)
    assert d["status"] == "approved" and d["deadlines"]["review_due"] is None
    assert d["deadlines"]["assign_due"] == "2026-03-12"
    assert [l["kind"] for l in d["letters"]][-2:] == ["bureau_corrected", "grant"]
    assert "责令改正" in d["timeline"][-1]["note"]
    r = client.post(f"/api/v1/staff/objections/{obj['id']}/decide", json={"decision": "uphold", "note": "x"},
                    headers=bureau)
    assert r.status_code == 409  # once
    assert client.get(f"{A}/{app_id}/objections", headers=s["headers"]).get_json()[0]["status"] == "corrected"


@MONDAY
def test_termination_and_expedite_grounds(app, client, fake_wechat, staff):
    soon = (local_today() + dt.timedelta(days=3)).isoformat()
    far = (local_today() + dt.timedelta(days=20)).isoformat()
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    s, app_id, _ = citizen_case(client, fake_wechat, legal_deadline=far)
    # the deadline ground is refused when 7 or more days remain
    r = client.post(f"{S}/{app_id}/request-expedite", json={"reason": "快到期", "ground": "deadline_within_7_days"},
                    headers=duty)
    assert r.status_code == 422 and "不少于" in r.get_json()["message"]
    r = client.post(f"{S}/{app_id}/request-expedite", json={"reason": "快到期", "ground": "whatever"}, headers=duty)
    assert r.status_code == 422
    s2, app2, _ = citizen_case(client, fake_wechat, legal_deadline=soon)
    r = client.post(f"{S}/{app2}/request-expedite", json={"reason": "三天后上诉期届满"}, headers=duty)
    assert r.status_code == 200 and r.get_json()["status"] == "expedite_requested"
    with app.app_context():
        from app.applications.models import Application
        from app.procedure.models import read_state
        assert read_state(db.session.get(Application, app2)).expedite_ground == "deadline_within_7_days"
    r = client.post(f"{S}/{app2}/approve-expedite", json={"backfill_kinds": ["hukou_home"],
                                                          "backfill_due_at": (dt.datetime.now(dt.timezone.utc)
                                                                              + dt.timedelta(days=3)).isoformat()},
                    headers=mgr)
    assert r.status_code == 200, r.get_json()
    letter = [l for l in r.get_json()["letters"] if l["kind"] == "expedite"][0]
    text = _pdf_text(client, letter["url"])
    assert "先行提供法律援助决定书" in text and "第四十四条第（一）项" in text and "户口本首页" in text

    # termination (Art. 48) of the 先行提供 case: a ground from the list and a note
    assert client.post(f"{S}/{app2}/terminate", json={"ground": "nope", "note": "x"}, headers=mgr).status_code == 422
    assert client.post(f"{S}/{app2}/terminate", json={"ground": "own_lawyer", "note": "x"}, headers=duty).status_code == 403
    r = client.post(f"{S}/{app2}/terminate", json={"ground": "ineligible_after_expedite",
                                                   "note": "经审查家庭收入高于标准"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s2, app2)
    assert d["status"] == "terminated" and d["deadlines"]["objection_due"] is None  # no provincial period
    term = [l for l in d["letters"] if l["kind"] == "termination"][0]
    text = "".join(_pdf_text(client, term["url"]).split())
    # a 先行提供 case found not eligible: Art. 44 and the Ministry's procedure rules, not Art. 48 (八)
    assert "终止法律援助决定书" in text and "第四十四条" in text and "办理法律援助案件程序规定" in text
    assert "第四十八条第（八）项" not in text and "武汉市司法局" in text
    r = client.post(f"{S}/{app2}/terminate", json={"ground": "own_lawyer", "note": "x"}, headers=mgr)
    assert r.status_code == 409 and "已终止法律援助" in r.get_json()["message"]
    # an objection is possible against a termination
    r = client.post(f"{A}/{app2}/objections", json={"reasons": "我的收入没有变化"}, headers=s2["headers"])
    assert r.status_code == 201 and r.get_json()["against"] == "termination"


def test_deemed_withdrawn_by_the_scan_and_clock_alerts(app, client, fake_wechat, staff):
    from app.alerts import service as alerts
    from app.alerts.models import Alert
    from app.applications.models import Application
    from app.procedure.models import SupplementNotice
    s, app_id, _ = citizen_case(client, fake_wechat)
    s2, late_id, _ = citizen_case(client, fake_wechat)
    duty = api_login(client, "duty1")
    due = local_today() + dt.timedelta(days=5)
    assert client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "due_date": due.isoformat()},
                       headers=duty).status_code == 201
    with app.app_context():
        # the notice's due date passes; another application's review has run for weeks
        db.session.execute(sa.update(SupplementNotice).values(due_date=local_today() - dt.timedelta(days=1)))
        db.session.execute(sa.update(ApplicationProcedure).where(ApplicationProcedure.application_id == late_id)
                           .values(review_clock_from=local_today() - dt.timedelta(days=30)))
        db.session.commit()
        out = alerts.scan()
        assert out["deemed_withdrawn"] == 1 and out["review_overdue"] == 1
        a = db.session.get(Application, app_id)
        assert a.status == "withdrawn"
        notice = db.session.scalar(sa.select(SupplementNotice))
        assert notice.status == "lapsed"
        kinds = db.session.scalars(sa.select(Alert.kind).where(Alert.application_id == late_id)).all()
        assert "review_overdue" in kinds
        again = alerts.scan()
        assert again["deemed_withdrawn"] == 0 and again.get("review_overdue", 0) == 0  # deduplicated
    d = _detail(client, s, app_id)
    assert d["status"] == "withdrawn" and "视为撤回" in d["timeline"][-1]["note"]
    with app.app_context():
        from app.notifications.models import Notification
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.application_id == app_id, Notification.data["phrase2"]["value"].as_string().contains("撤回")))
    # the late one gets decided: the alert resolves
    mgr = api_login(client, "manager1")
    client.post(f"{S}/{late_id}/start-review", json={}, headers=duty)
    assert client.post(f"{S}/{late_id}/approve", json={}, headers=mgr).status_code == 200
    with app.app_context():
        alerts.scan()
        st = db.session.scalar(sa.select(Alert.status).where(Alert.application_id == late_id,
                                                             Alert.kind == "review_overdue"))
        assert st == "resolved"


def test_override_and_procedure_view(app, client, fake_wechat, staff):
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty, sup = api_login(client, "duty1"), api_login(client, "supervisor1")
    r = client.get(f"{S}/{app_id}/procedure", headers=sup)
    assert r.status_code == 200
    body = r.get_json()
    assert body["eligibility"]["source"] == "derived" and body["eligibility"]["basis"][0]["article"].startswith("第三十一条")
    assert any(i["key"] == "employment_proof" for i in body["checklist"])  # 农民工欠薪 → labour matter items
    assert client.post(f"{S}/{app_id}/eligibility-override", json={"result": "likely_eligible", "reason": "核实"},
                       headers=sup).status_code == 403
    assert client.post(f"{S}/{app_id}/eligibility-override", json={"result": "maybe", "reason": "核实"},
                       headers=duty).status_code == 422
    r = client.post(f"{S}/{app_id}/eligibility-override", json={"result": "not_eligible", "reason": "另有固定收入"},
                    headers=duty)
    assert r.status_code == 200 and r.get_json()["eligibility"]["effective_result"] == "not_eligible"
    with app.app_context():
        from app.audit import AuditLog
        entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "application.eligibility_override"))
        assert entry.details["reason"] == "另有固定收入"
    assert client.get(f"{S}/{app_id}/procedure", headers=api_login(client, "aid1")).status_code == 404
    assert client.get(f"{S}/{app_id}/procedure", headers=api_login(client, "bureau1")).status_code == 403


def test_queues_sort_and_colour_by_the_statutory_clock(app, client, fake_wechat, staff):
    from app.applications.models import Application
    from tests.support import console_login, make_case
    fresh = make_case(app, "under_review", by_phone=True)
    late = make_case(app, "under_review", by_phone=True)
    with app.app_context():
        db.session.execute(sa.update(ApplicationProcedure).where(ApplicationProcedure.application_id == late)
                           .values(review_clock_from=local_today() - dt.timedelta(days=30)))
        db.session.commit()
        from app.casework import queues
        from tests.support import user
        items = queues.queues_for(user(app, "duty1"))["review"]["items"]
        ids = [i["id"] for i in items]
        assert ids.index(late) < ids.index(fresh)
        assert items[ids.index(late)]["law_state"] == "overdue" and items[ids.index(fresh)]["law_state"] == "ok"
    console_login(client, "duty1")
    home = client.get("/console/").get_data(as_text=True)
    assert "due-row-overdue" in home and "（已超期）" in home
    page = client.get("/console/review").get_data(as_text=True)
    assert page.index(f"/console/review/{late}") < page.index(f"/console/review/{fresh}")


def test_the_bureau_sees_the_objection_photos_audited(app, client, fake_wechat, staff):
    from tests.support import console_login
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
    client.post(f"{S}/{app_id}/reject", json={"reason": "不属于援助事项", "grounds": ["matter_not_covered"]}, headers=mgr)
    photo = _upload(client, s, app_id, "other")
    obj = client.post(f"{A}/{app_id}/objections", json={"reasons": "属于追索劳动报酬", "document_ids": [photo]},
                      headers=s["headers"]).get_json()
    other = login(client, fake_wechat)
    other_photo_app = citizen_case(client, fake_wechat)[1]
    r = client.post(f"{A}/{app_id}/objections", json={"reasons": "x", "document_ids": [photo + 999]},
                    headers=s["headers"])
    assert r.status_code in (409, 422)  # already objected (and an unknown photo would be 422)
    assert other_photo_app and other
    console_login(client, "bureau1")
    page = client.get(f"/console/objections/{obj['id']}").get_data(as_text=True)
    assert "/files/" in page and "属于追索劳动报酬" in page
    with app.app_context():
        from app.audit import AuditLog
        entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "document.view",
                                                            AuditLog.object_id == str(photo)))
        assert entry is not None and entry.details["objection_id"] == obj["id"]
    # the bureau sees no case desk and no other page of the centre
    assert client.get(f"/console/review/{app_id}").status_code == 403


def test_termination_stops_open_work(app, client, fake_wechat, staff):
    from app.visits.models import HomeVisit
    from app.casework import queues
    from app.visits import service as visits
    from app.applications.models import Application
    from app.common.timeutil import utcnow
    from tests.support import make_case, user
    app_id = make_case(app, "in_progress", by_phone=True, home_visit_requested=True, home_visit_address="江岸区某路1号",
                       home_visit_reason="行动不便")
    with app.app_context():
        a = db.session.get(Application, app_id)
        visits.schedule_home_visit(user(app, "manager1"), a, user(app, "aid1").id, utcnow() + dt.timedelta(days=1))
    mgr = api_login(client, "manager1")
    r = client.post(f"{S}/{app_id}/terminate", json={"ground": "case_ended", "note": "对方已撤诉，案件终结"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(HomeVisit.status).where(HomeVisit.application_id == app_id)) == "cancelled"
        found = queues.queues_for(user(app, "aid1"))
        assert app_id not in [i["application_id"] for q in found.values() for i in q["items"]]
