"""Each cross-domain flow of app/procedure/flows.py through its public entry (the citizen API, the staff
API, the review desk, the objection desk), on a frozen clock: Monday 2026-06-01 10:00 Beijing time.
Expected dates are written out, counted in 日 by the Civil Code (the default rule): review 七日 from the day
after (2026-06-08), assignment 三日 (2026-06-04), the bureau's 五日 (Sat 06-06 → Mon 2026-06-08); no
objection period (the national law sets none). Each flow's effects in other domains (letters, notices, home
visits, messages) and its single transaction are checked."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine

from app.common.timeutil import LOCAL_TZ
from app.extensions import db
from tests.support import api_login, citizen_case, console_login, make_case, user

S = "/api/v1/staff/applications"
A = "/api/v1/applications"
MONDAY = dt.datetime(2026, 6, 1, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=True):
        yield


def _messages(app, app_id) -> list[str]:
    """The citizen's queued messages in order: a status message by its status, a letter by its title."""
    from app.notifications.models import Notification
    with app.app_context():
        rows = db.session.scalars(sa.select(Notification).where(Notification.application_id == app_id)
                                  .order_by(Notification.id)).all()
        return [(r.data.get("phrase2") or r.data["thing1"])["value"] for r in rows]


def _detail(client, s, app_id) -> dict:
    r = client.get(f"{A}/{app_id}", headers=s["headers"])
    assert r.status_code == 200
    return r.get_json()


def _procedure(client, headers, app_id) -> dict:
    r = client.get(f"{S}/{app_id}/procedure", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _events(app, app_id) -> list[str]:
    from app.applications.models import ApplicationEvent
    with app.app_context():
        return list(db.session.scalars(sa.select(ApplicationEvent.action).where(
            ApplicationEvent.application_id == app_id).order_by(ApplicationEvent.id)))


def test_submit_notice_and_withdraw(app, client, fake_wechat, staff, monday):
    s, app_id, _ = citizen_case(client, fake_wechat)  # submitted through POST /applications/<id>/submit
    d = _detail(client, s, app_id)
    assert d["status"] == "submitted"
    assert d["deadlines"] == {"review_due": "2026-06-08", "review_days_left": 7, "supplement_due": None,
                              "assign_due": None, "objection_due": None, "objection_open": False, "rule": "calendar"}
    duty = api_login(client, "duty1")
    r = client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "due_date": "2026-06-11"}, headers=duty)
    assert r.status_code == 201, r.get_json()
    assert [(x["kind"], x["kind_label"]) for x in r.get_json()["letters"]] == [
        ("receipt", "收件回执"), ("supplement_notice", "补充材料通知书")]
    notice_letter = r.get_json()["letters"][1]
    assert _detail(client, s, app_id)["deadlines"]["supplement_due"] is None  # runs from delivery
    assert client.post(f"{A}/{app_id}/letters/{notice_letter['id']}/opened", headers=s["headers"]).status_code == 200
    assert _detail(client, s, app_id)["deadlines"]["supplement_due"] == "2026-06-11"  # 10 日 from 06-01
    r = client.post(f"{A}/{app_id}/withdraw", json={"reason": "已自行和解"}, headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "withdrawn"
    assert [n["status"] for n in _procedure(client, api_login(client, "manager1"), app_id)["notices"]] == ["cancelled"]
    assert _messages(app, app_id) == ["已提交", "收件回执", "需补充材料", "补充材料通知书", "已撤回"]
    assert _events(app, app_id)[-4:] == ["submit", "supplement_notice", "letter_delivered", "withdraw"]


def test_grant_and_assign(app, client, fake_wechat, staff, monday):
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    assert client.post(f"{S}/{app_id}/start-review", json={}, headers=duty).status_code == 200
    r = client.post(f"{S}/{app_id}/approve", json={"note": "符合条件"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s, app_id)
    assert (d["status"], d["deadlines"]["assign_due"], d["deadlines"]["review_due"]) == ("approved", "2026-06-04", None)
    assert [x["kind"] for x in d["letters"]] == ["receipt", "grant"]
    assert _procedure(client, mgr, app_id)["decision"] == "granted"
    r = client.get(f"{S}/{app_id}/letters/{d['letters'][1]['id']}", headers=mgr)
    assert r.get_json()["data"]["paragraphs"][1] == \
        "本中心将于 2026年6月4日（含当日）前指派法律援助人员为你提供法律援助，并另行通知。审查意见：符合条件"
    r = client.post(f"{S}/{app_id}/assign", json={"lawyer_id": staff["aid1"]["id"]}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s, app_id)
    assert (d["status"], d["deadlines"]["assign_due"]) == ("assigned", None)
    assert [x["kind"] for x in d["letters"]] == ["receipt", "grant", "assignment"]
    # the assignment letter goes to the lawyer: the citizen gets the status message only
    assert _messages(app, app_id) == ["已提交", "收件回执", "审查中", "已批准", "给予法律援助决定书", "已指派律师"]
    from app.audit import AuditLog
    with app.app_context():
        choice = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "application.lawyer_choice"))
        assert choice.details == {"lawyer_id": staff["aid1"]["id"], "suggested": [staff["aid1"]["id"]]}


def test_refuse_at_the_review_desk(app, client, fake_wechat, staff, monday):
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty = api_login(client, "duty1")
    assert client.post(f"{S}/{app_id}/notices", json={"items": ["hukou_home"], "due_date": "2026-06-11"},
                       headers=duty).status_code == 201
    token = console_login(client, "manager1")
    r = client.post(f"/console/review/{app_id}/decide/reject", data={
        "csrf_token": token, "reason": "家庭人均收入高于标准", "grounds": ["not_in_hardship"]})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    d = _detail(client, s, app_id)
    assert (d["status"], d["deadlines"]["objection_due"]) == ("rejected", None)  # no provincial period
    assert [x["kind"] for x in d["letters"]] == ["receipt", "supplement_notice", "refusal"]
    proc = _procedure(client, api_login(client, "manager1"), app_id)
    assert proc["decision"] == "refused" and [n["status"] for n in proc["notices"]] == ["cancelled"]
    assert proc["decision_grounds"] == [{"key": "not_in_hardship", "article": "第三十四条",
                                         "text": "申请人的经济状况不符合本地经济困难标准"}]
    assert _messages(app, app_id)[-2:] == ["不予法律…", "不予法律援助决定书"]
    # the wording (app/procedure/templates/letters/refusal.txt): no deadline, Art. 49 word for word
    letter = d["letters"][-1]
    r = client.get(f"{S}/{app_id}/letters/{letter['id']}", headers=api_login(client, "manager1"))
    assert r.get_json()["data"]["paragraphs"] == [
        "你于 2026年6月1日 提出的法律援助申请，经审查，决定不予法律援助。",
        "理由：申请人的经济状况不符合本地经济困难标准（《中华人民共和国法律援助法》第三十四条）。具体说明：家庭人均收入高于标准",
        # BUREAU_ADDRESS is unset here: the bureau is named without an address, never with the centre's
        "如对本决定有异议，可以向武汉市司法局提出，也可以通过“12348 法律援助”小程序提出。"
        "《中华人民共和国法律援助法》第四十九条规定：“申请人、受援人对法律援助机构不予法律援助、终止法律援助的决定有异议的，"
        "可以向设立该法律援助机构的司法行政部门提出。司法行政部门应当自收到异议之日起五日内进行审查，作出维持法律援助机构决定"
        "或者责令法律援助机构改正的决定。”"]


def test_terminate_cancels_the_home_visit(app, client, fake_wechat, staff, monday):
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    for path, body, who in (("start-review", {}, duty), ("approve", {}, mgr),
                            ("assign", {"lawyer_id": staff["aid1"]["id"]}, mgr)):
        assert client.post(f"{S}/{app_id}/{path}", json=body, headers=who).status_code == 200
    r = client.post(f"{S}/{app_id}/home-visit", json={"address": "江岸区某路1号", "reason": "行动不便"}, headers=mgr)
    assert r.status_code == 201, r.get_json()
    visit_id = r.get_json()["id"]
    r = client.post(f"{S}/{app_id}/terminate", json={"ground": "case_ended", "note": "对方已撤诉，案件终结"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s, app_id)
    assert (d["status"], d["deadlines"]["objection_due"]) == ("terminated", None)
    # the aided person's decision, and a notice to the lawyer and the firm
    assert [x["kind"] for x in d["letters"]] == ["receipt", "grant", "assignment", "termination", "termination_notice"]
    from app.visits.models import HomeVisit
    with app.app_context():
        assert db.session.get(HomeVisit, visit_id).status == "cancelled"
    assert _events(app, app_id)[-2:] == ["terminate", "home_visit_cancelled"]
    assert _messages(app, app_id)[-2:] == ["已终止法…", "终止法律援助决定书"]


def test_expedite_request_decide_and_grant_after(app, client, fake_wechat, staff, monday):
    s, app_id, _ = citizen_case(client, fake_wechat)
    duty, mgr = api_login(client, "duty1"), api_login(client, "manager1")
    r = client.post(f"{S}/{app_id}/request-expedite", json={"reason": "明日需申请财产保全",
                                                            "ground": "preservation_or_advance_execution"}, headers=duty)
    assert r.status_code == 200, r.get_json()
    r = client.post(f"{S}/{app_id}/approve-expedite", json={"backfill_kinds": ["hukou_member"],
                                                            "backfill_due_at": "2026-06-05T18:00:00+08:00"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s, app_id)
    assert (d["status"], d["deadlines"]["assign_due"]) == ("expedite_approved", "2026-06-04")
    assert [x["kind"] for x in d["letters"]] == ["receipt", "expedite"]
    r = client.post(f"{S}/{app_id}/grant-after-expedite", json={"note": "经审查符合条件"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["decision"], [x["kind"] for x in r.get_json()["letters"]]) == (
        "granted", ["receipt", "expedite", "grant"])
    assert [e for e in _events(app, app_id) if e != "internal_note"][-3:] == [
        "request_expedite", "approve_expedite", "grant_after_expedite"]
    assert _messages(app, app_id) == ["已提交", "收件回执", "特事特办…", "特事特办…", "先行提供法律援助决定书",
                                      "给予法律援助决定书"]
    # denied: back to review, no letter
    s2, other, _ = citizen_case(client, fake_wechat)
    assert client.post(f"{S}/{other}/request-expedite", json={"reason": "明日需申请财产保全",
                                                              "ground": "preservation_or_advance_execution"},
                       headers=duty).status_code == 200
    r = client.post(f"{S}/{other}/deny-expedite", json={"reason": "不属于紧急情形"}, headers=mgr)
    assert r.status_code == 200, r.get_json()
    d = _detail(client, s2, other)
    assert (d["status"], [x["kind"] for x in d["letters"]]) == ("under_review", ["receipt"])


def test_objection_decided_correct_and_uphold(app, client, fake_wechat, staff, monday):
    mgr, bureau = api_login(client, "manager1"), api_login(client, "bureau1")
    found = []
    for decision in ("correct", "uphold"):
        s, app_id, _ = citizen_case(client, fake_wechat)
        assert client.post(f"{S}/{app_id}/reject", json={"reason": "不属于援助事项", "grounds": ["matter_not_covered"]},
                           headers=mgr).status_code == 200
        r = client.post(f"{A}/{app_id}/objections", json={"reasons": "属于追索劳动报酬"}, headers=s["headers"])
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["decide_by"] == "2026-06-08"
        r = client.post(f"/api/v1/staff/objections/{r.get_json()['id']}/decide",
                        json={"decision": decision, "note": "请重新审查收入" if decision == "correct" else "理由不成立"},
                        headers=bureau)
        assert r.status_code == 200, r.get_json()
        found.append((r.get_json()["status"], _detail(client, s, app_id), _messages(app, app_id)[-1]))
    (corrected, d, last), (upheld, d2, last2) = found
    # corrected: the refusal becomes a grant, the 三日 to assign run
    assert (corrected, d["status"], d["deadlines"]["review_due"], d["deadlines"]["assign_due"],
            d["deadlines"]["objection_due"]) == ("corrected", "approved", None, "2026-06-04", None)
    assert _procedure(client, mgr, d["id"])["decision"] == "granted"
    assert [x["kind"] for x in d["letters"]][-2:] == ["bureau_corrected", "grant"]
    assert last == "给予法律援助决定书"
    assert [x["kind"] for x in d2["letters"]][-1] == "bureau_upheld"
    # the objection was made: the citizen's objection period is no longer shown
    assert (upheld, d2["status"], d2["deadlines"]["objection_due"]) == ("upheld", "rejected", None)
    assert last2 == "异议已审查"


def test_a_flow_is_one_transaction(app, client, fake_wechat, staff, monday, monkeypatch):
    """The refusal's letter cannot be stored: nothing of the flow remains (no status change, no event, no
    message), and the citizen is told nothing."""
    from app.procedure import letters
    s, app_id, _ = citizen_case(client, fake_wechat)
    before_events, before_messages = _events(app, app_id), _messages(app, app_id)

    def broken(content):
        raise RuntimeError("renderer down")
    monkeypatch.setattr(letters, "render", broken)
    r = client.post(f"{S}/{app_id}/reject", json={"reason": "不属于援助事项", "grounds": ["matter_not_covered"]},
                    headers=api_login(client, "manager1"))
    assert r.status_code == 500
    d = _detail(client, s, app_id)
    assert (d["status"], [x["kind"] for x in d["letters"]], d["deadlines"]["objection_due"]) == (
        "submitted", ["receipt"], None)
    assert (_events(app, app_id), _messages(app, app_id)) == (before_events, before_messages)


def test_phone_intake_submits_through_the_flow(app, client, staff, monday):
    """The duty lawyer's phone intake (casework) submits through the same flow: the review clock starts."""
    app_id = make_case(app, "submitted", by_phone=True)
    with app.app_context():
        from app.applications.models import Application
        from app.procedure import clocks
        a = db.session.get(Application, app_id)
        assert clocks.deadlines(a)["review_due"] == dt.date(2026, 6, 8)
        assert user(app, "duty1").id == a.created_by_staff_id
