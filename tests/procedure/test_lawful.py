"""The procedure as the Legal Aid Law reads it (issue 17), under a frozen clock with literal dates:
the review clock in 日 by the Civil Code (and the `workdays` rule), the receipt, the one-time notice
that pauses and resumes the clock, delivery before withdrawal, the objection period unset by default,
the bureau's two outcomes as letters, the 先行提供 assignment cap, the override's basis on the grant,
termination notices to the lawyer and the firm. Letters are read with pdftotext."""
from __future__ import annotations

import datetime as dt
import subprocess

import sqlalchemy as sa
import time_machine

from app.common.timeutil import LOCAL_TZ
from app.extensions import db
from tests.fakes.sms_server import sms_settings
from tests.support import citizen_case, make_case, user

S = "/api/v1/staff/applications"
A = "/api/v1/applications"
LONG = {"ACCESS_TOKEN_TTL": 90 * 86400}  # tokens outlive the days the clock moves


def at(y, m, d, hh=10, mm=0):
    return time_machine.travel(dt.datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ), tick=False)


def pdf_text(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.get_data(), capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())  # the layout's spaces and line breaks out


def letters(client, headers, app_id, kind=None):
    out = client.get(f"{S}/{app_id}/procedure", headers=headers).get_json()["letters"]
    return [l for l in out if kind is None or l["kind"] == kind]


def deadlines(client, headers, app_id):
    return client.get(f"{S}/{app_id}/procedure", headers=headers).get_json()["deadlines"]


def scan(app):
    from app.alerts import service as alerts
    with app.app_context():
        out = alerts.scan()
        db.session.commit()
        return out


def status(app, app_id):
    from app.applications.models import Application
    with app.app_context():
        return db.session.get(Application, app_id).status


# --- clocks ------------------------------------------------------------------------------------------------

def test_review_clock_by_the_civil_code_with_receipt(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty = staff["duty1"]["headers"]
    with at(2025, 9, 26):  # Friday before National Day
        s, app_id, _ = citizen_case(client, fake_wechat)
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]
        assert d["review_due"] == "2025-10-09" and d["rule"] == "calendar" and d["review_days_left"] == 13
        assert deadlines(client, duty, app_id)["review_due"] == "2025-10-09"
        [receipt] = letters(client, duty, app_id, "receipt")
        text = pdf_text(client, receipt["url"])
        for expected in ("收件回执", receipt["number"], "2025年9月26日", "2025年10月9日", "第四十三条"):
            assert expected in text, expected
    with at(2025, 10, 8):
        assert client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]["review_days_left"] == 1


def test_review_clock_in_workdays_when_the_province_counts_so(make_app, fake_wechat, staff):
    app = make_app(CLOCK_RULES={"review": "workdays"}, **LONG)
    client = app.test_client()
    with at(2025, 9, 26):
        s, app_id, _ = citizen_case(client, fake_wechat)
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]
        assert d["review_due"] == "2025-10-13" and d["rule"] == "workdays" and d["review_days_left"] == 7
        receipt = letters(client, staff["duty1"]["headers"], app_id, "receipt")[0]
        assert "2025年10月13日" in pdf_text(client, receipt["url"])


def test_the_notice_pauses_the_clock_and_resumes_it_with_the_days_used(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty = staff["duty1"]["headers"]
    with at(2025, 9, 26):
        s, app_id, _ = citizen_case(client, fake_wechat)
    with at(2025, 9, 29):  # days used: 09-27, 09-28 → 5 left
        r = client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "days": 15}, headers=duty)
        assert r.status_code == 201, r.get_json()
        notice_letter = letters(client, duty, app_id, "supplement_notice")[0]
        client.post(f"{A}/{app_id}/letters/{notice_letter['id']}/opened", headers=s["headers"])
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]
        # delivered 09-29: 15 日 → 10-14
        assert d["review_due"] is None and d["review_days_left"] == 5 and d["supplement_due"] == "2025-10-14"
        # one notice per application
        r = client.post(f"{S}/{app_id}/notices", json={"items": ["id_back"], "days": 10}, headers=duty)
        assert r.status_code == 409 and "一次性告知" in r.get_json()["message"]
        text = pdf_text(client, notice_letter["url"])
        assert "十五日" in text or "15日" in text
    with at(2025, 10, 10):  # the material arrives: 5 days left from 10-11 → 10-15
        r = client.post(f"{S}/{app_id}/notices/receive", json={"items": ["hukou_home"]}, headers=duty)
        assert r.status_code == 200
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]
        assert d["review_due"] == "2025-10-15" and d["supplement_due"] is None and d["review_days_left"] == 5
        r = client.post(f"{S}/{app_id}/notices", json={"items": ["id_back"], "days": 10}, headers=duty)
        assert r.status_code == 409  # still only one


# --- delivery and withdrawal -----------------------------------------------------------------------------------

def test_phone_applicant_notice_by_sms_delivered_expires_and_is_withdrawn_with_a_letter(make_app, fake_sms, staff):
    app = make_app(**sms_settings(fake_sms), **LONG)
    client = app.test_client()
    duty = staff["duty1"]["headers"]
    with at(2026, 3, 9):
        app_id = make_case(app, "submitted", by_phone=True, phone="13907140003")
        r = client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "days": 10}, headers=duty)
        assert r.status_code == 201, r.get_json()
    msg = [m for m in fake_sms.sent if m["params"]["what"] == "补充材料通知书"][0]
    assert msg["phone"] == "13907140003"
    with at(2026, 3, 10, 18):
        assert client.get(msg["params"]["link"].split("example.cn")[1]).status_code == 302
    assert deadlines(client, duty, app_id)["supplement_due"] == "2026-03-20"
    with at(2026, 3, 20, 23):
        scan(app)
        assert status(app, app_id) == "submitted"  # the last day is the applicant's
    with at(2026, 3, 21, 9):
        scan(app)
        assert status(app, app_id) == "withdrawn"
        [withdrawal] = letters(client, duty, app_id, "withdrawal")
        text = pdf_text(client, withdrawal["url"])
        assert "视为撤回" in text and "2026年3月20日" in text and "第四十三条" in text
    assert [m["params"]["what"] for m in fake_sms.sent][-1] == "视为撤回申请通知书"


def test_an_undelivered_notice_never_withdraws_it_alerts(make_app, staff):
    app = make_app(**LONG)  # no SMS gateway, nobody records a delivery
    client = app.test_client()
    with at(2026, 3, 9):
        app_id = make_case(app, "submitted", by_phone=True, phone="13907140004")
        assert client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "days": 10},
                           headers=staff["duty1"]["headers"]).status_code == 201
    assert deadlines(client, staff["duty1"]["headers"], app_id)["supplement_due"] is None
    with at(2026, 4, 30):
        scan(app)
        assert status(app, app_id) == "submitted"
        from app.alerts.models import Alert
        with app.app_context():
            kinds = db.session.scalars(sa.select(Alert.kind).where(Alert.application_id == app_id)).all()
        assert "letter_undelivered" in kinds


# --- objections and the bureau ---------------------------------------------------------------------------------

def test_refused_citizen_objects_after_40_days_and_the_bureau_upholds_with_a_letter(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty, mgr, bureau = (staff[u]["headers"] for u in ("duty1", "manager1", "bureau1"))
    with at(2026, 3, 2):
        s, app_id, _ = citizen_case(client, fake_wechat)
    with at(2026, 3, 4):
        client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
        r = client.post(f"{S}/{app_id}/reject", json={"reason": "家庭人均月收入高于本市标准",
                                                      "grounds": ["not_in_hardship"]}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        refusal = letters(client, duty, app_id, "refusal")[0]
        text = pdf_text(client, refusal["url"])
        assert "武汉市司法局" in text and "第四十九条" in text and "五日内" in text
        assert "工作日" not in text and "含当日" not in text  # no period set: the letter names no deadline
        assert client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]["objection_due"] is None
    with at(2026, 4, 13):  # 40 days later
        r = client.post(f"{A}/{app_id}/objections", json={"reasons": "家庭人口应为四人"}, headers=s["headers"])
        assert r.status_code == 201, r.get_json()
        obj = r.get_json()
        assert obj["decide_by"] == "2026-04-20"  # 5 日 → Sat 04-18 → Mon 04-20
    with at(2026, 4, 15):
        r = client.post(f"/api/v1/staff/objections/{obj['id']}/decide",
                        json={"decision": "uphold", "note": "经核实家庭人口为三人，原决定认定事实清楚"}, headers=bureau)
        assert r.status_code == 200 and r.get_json()["status"] == "upheld"
        [upheld] = letters(client, duty, app_id, "bureau_upheld")
        text = pdf_text(client, upheld["url"])
        for expected in ("维持决定书", upheld["number"], "武汉市司法局", "经核实家庭人口为三人", "行政复议", "六十日",
                         "行政诉讼", "六个月", "第二十条", "第四十六条"):
            assert expected in text, expected
        assert status(app, app_id) == "rejected"


def test_objection_period_when_the_province_sets_one(make_app, fake_wechat, staff):
    app = make_app(OBJECTION_PERIOD_DAYS=30, **LONG)
    client = app.test_client()
    duty, mgr = staff["duty1"]["headers"], staff["manager1"]["headers"]
    with at(2026, 3, 2):
        s, app_id, _ = citizen_case(client, fake_wechat)
        client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
        client.post(f"{S}/{app_id}/reject", json={"reason": "收入高于标准", "grounds": ["not_in_hardship"]}, headers=mgr)
        refusal = letters(client, duty, app_id, "refusal")[0]
        assert "2026年4月1日（含当日）前" in pdf_text(client, refusal["url"])
        assert client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]["objection_due"] is None
    with at(2026, 3, 3):  # opened the next day: 30 日 from 03-03 → Thu 04-02
        client.post(f"{A}/{app_id}/letters/{refusal['id']}/opened", headers=s["headers"])
        assert client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["deadlines"]["objection_due"] == "2026-04-02"
    with at(2026, 4, 3):
        r = client.post(f"{A}/{app_id}/objections", json={"reasons": "不服"}, headers=s["headers"])
        assert r.status_code == 409 and "2026-04-02" in r.get_json()["message"]


def test_the_bureau_corrects_a_refusal_into_a_grant(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty, mgr, bureau = (staff[u]["headers"] for u in ("duty1", "manager1", "bureau1"))
    with at(2026, 3, 2):
        s, app_id, _ = citizen_case(client, fake_wechat)
        client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
        client.post(f"{S}/{app_id}/reject", json={"reason": "收入高于标准", "grounds": ["not_in_hardship"]}, headers=mgr)
        obj = client.post(f"{A}/{app_id}/objections", json={"reasons": "收入算错"}, headers=s["headers"]).get_json()
    with at(2026, 3, 5):  # Thursday: 3 日 → Sun 03-08 → Mon 03-09
        r = client.post(f"/api/v1/staff/objections/{obj['id']}/decide",
                        json={"decision": "correct", "note": "家庭人口应为四人，符合经济困难标准"}, headers=bureau)
        assert r.status_code == 200, r.get_json()
        assert status(app, app_id) == "approved"
        d = deadlines(client, duty, app_id)
        assert d["assign_due"] == "2026-03-09" and d["review_due"] is None
        kinds = [l["kind"] for l in letters(client, duty, app_id)]
        assert "bureau_corrected" in kinds and kinds[-1] == "grant"
        grant = letters(client, duty, app_id, "grant")[0]
        text = pdf_text(client, grant["url"])
        assert "给予法律援助决定书" in text and "责令改正" in text and "2026年3月9日" in text


def test_the_bureau_undoes_a_termination_and_aid_resumes_with_the_same_lawyer(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty, mgr, bureau = (staff[u]["headers"] for u in ("duty1", "manager1", "bureau1"))
    with at(2026, 3, 2):
        s, app_id, _ = citizen_case(client, fake_wechat)
        client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
        client.post(f"{S}/{app_id}/approve", json={}, headers=mgr)
        with app.app_context():
            lawyer_id = user(app, "aid1").id
        assert client.post(f"{S}/{app_id}/assign", json={"lawyer_id": lawyer_id}, headers=mgr).status_code == 200
        r = client.post(f"{S}/{app_id}/terminate", json={"ground": "own_lawyer", "note": "受援人另行委托律师"}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        kinds = [l["kind"] for l in letters(client, duty, app_id)]
        assert "termination" in kinds and "termination_notice" in kinds
        notice = letters(client, duty, app_id, "termination_notice")[0]
        text = pdf_text(client, notice["url"])
        assert "李援助" in text and "终止" in text and "律师事务所" in text
        obj = client.post(f"{A}/{app_id}/objections", json={"reasons": "我没有另行委托律师"},
                          headers=s["headers"]).get_json()
    with at(2026, 3, 4):
        r = client.post(f"/api/v1/staff/objections/{obj['id']}/decide",
                        json={"decision": "correct", "note": "受援人并未另行委托律师，应恢复法律援助"}, headers=bureau)
        assert r.status_code == 200, r.get_json()
        with app.app_context():
            from app.applications.models import Application
            a = db.session.get(Application, app_id)
            assert a.status == "assigned" and a.assigned_lawyer_id == lawyer_id
        kinds = [l["kind"] for l in letters(client, duty, app_id)]
        assert "bureau_corrected" in kinds and "resumption_notice" in kinds


# --- 先行提供, override, termination after 先行提供 ---------------------------------------------------------------

def test_after_expedite_the_assignment_is_due_before_the_limitation_date(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty, mgr = staff["duty1"]["headers"], staff["manager1"]["headers"]
    with at(2026, 3, 9):  # Monday; the limitation date is Thursday 03-12
        s, app_id, _ = citizen_case(client, fake_wechat, legal_deadline="2026-03-12")
        assert client.post(f"{S}/{app_id}/request-expedite", json={"reason": "周四上诉期届满"},
                           headers=duty).status_code == 200
        r = client.post(f"{S}/{app_id}/approve-expedite", json={"backfill_kinds": ["hukou_home"],
                        "backfill_due_at": "2026-03-16T10:00:00+08:00"}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        # Art. 43: 3 日 → 03-12; the day before the limitation date → 03-11: the earlier
        assert deadlines(client, duty, app_id)["assign_due"] == "2026-03-11"


def test_a_grant_after_an_override_cites_the_override(make_app, fake_wechat, staff):
    app = make_app(HARDSHIP_MONTHLY_INCOME_PER_MEMBER="1000", **LONG)
    client = app.test_client()
    duty, mgr = staff["duty1"]["headers"], staff["manager1"]["headers"]
    with at(2026, 3, 2):
        s, app_id, _ = citizen_case(client, fake_wechat)
        with app.app_context():
            from app.applications.models import Application
            from app.procedure.models import state
            a = db.session.get(Application, app_id)
            state(a).eligibility = {"input": {"matter": "maintenance", "household_size": 1, "monthly_income": "5000"},
                             "answer": {"result": "not_eligible", "means_test": "required", "documents": [],
                                        "basis": [{"article": "第三十四条", "text": "家庭人均月收入 5000.00 元，高于本地经济困难标准"}]},
                             "screened_at": "2026-03-02T10:00:00+08:00"}
            db.session.commit()
        r = client.post(f"{S}/{app_id}/eligibility-override",
                        json={"result": "likely_eligible", "reason": "申请人突发重病，医疗支出巨大，实际生活困难"}, headers=duty)
        assert r.status_code == 200, r.get_json()
        client.post(f"{S}/{app_id}/start-review", json={}, headers=duty)
        assert client.post(f"{S}/{app_id}/approve", json={}, headers=mgr).status_code == 200
        grant = letters(client, duty, app_id, "grant")[0]
        text = pdf_text(client, grant["url"])
        assert "申请人突发重病" in text and "高于本地经济困难标准" not in text


def test_termination_after_expedite_cites_art44_and_the_procedure_rules(make_app, fake_wechat, staff):
    app = make_app(**LONG)
    client = app.test_client()
    duty, mgr = staff["duty1"]["headers"], staff["manager1"]["headers"]
    with at(2026, 3, 9):
        s, app_id, _ = citizen_case(client, fake_wechat, legal_deadline="2026-03-12")
        client.post(f"{S}/{app_id}/request-expedite", json={"reason": "周四上诉期届满"}, headers=duty)
        client.post(f"{S}/{app_id}/approve-expedite", json={"backfill_kinds": ["hukou_home"],
                    "backfill_due_at": "2026-03-16T10:00:00+08:00"}, headers=mgr)
        r = client.post(f"{S}/{app_id}/terminate", json={"ground": "ineligible_after_expedite",
                                                         "note": "经审查家庭收入高于标准"}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        term = letters(client, duty, app_id, "termination")[0]
        text = pdf_text(client, term["url"])
        assert "第四十四条" in text and "办理法律援助案件程序规定" in text and "第四十八条第（八）项" not in text
