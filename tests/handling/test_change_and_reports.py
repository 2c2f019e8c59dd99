"""Change of lawyer (Art. 55) both ways, on a frozen clock: the aided person asks (citizen API), the manager
approves without naming the new lawyer, a new 3-日 assignment clock runs (2026-09-28 + 3 日 ends in the
National Day holiday: due 2026-10-08), the 更换通知 reaches the aided person and the lawyer who leaves,
the new lawyer's 指派通知书 names the one replaced; the lawyer withdraws, is refused (reasons required),
withdraws again and is replaced at once. The lawyer's report of a termination situation (Art. 48 last
paragraph) decided by the manager with the existing termination, or dismissed."""
from __future__ import annotations

import sqlalchemy as sa
import time_machine

from app.extensions import db
from tests.factories import login
from tests.handling.test_flow import A, S, at, granted_case, letter_text, set_firm


def test_the_aided_person_asks_for_another_lawyer(app, client, fake_wechat, staff):
    set_firm(app, "aid2", "湖北江城律师事务所")
    mgr, aid1, aid2 = staff["manager1"]["headers"], staff["aid1"]["headers"], staff["aid2"]["headers"]
    s = login(client, fake_wechat)
    other = login(client, fake_wechat)
    with time_machine.travel(at("2026-09-01", 8), tick=False) as clock:
        app_id = granted_case(client, s, staff, clock)
        clock.move_to(at("2026-09-25"))
        # bad input and the wrong person change nothing
        assert client.post(f"{A}/{app_id}/lawyer-change", json={"reasons": ""}, headers=s["headers"]).status_code == 422
        r = client.post(f"{A}/{app_id}/lawyer-change", json={"reasons": "不回"}, headers=s["headers"])
        assert r.status_code == 422 and "理由" in r.get_json()["message"]
        assert client.post(f"{A}/{app_id}/lawyer-change", json={"reasons": "律师一直不回复我的电话"},
                           headers=other["headers"]).status_code == 404
        assert client.get(f"{A}/{app_id}/handling", headers=other["headers"]).status_code == 404
        r = client.post(f"{A}/{app_id}/lawyer-change", json={"reasons": "律师两周没有回复我的电话，也没有告诉我进展"},
                        headers=s["headers"])
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["change_request"]["status"] == "open" and r.get_json()["can_request_change"] is False
        r = client.post(f"{A}/{app_id}/lawyer-change", json={"reasons": "再次申请更换律师"}, headers=s["headers"])
        assert r.status_code == 409
        changes = client.get(f"{S}/lawyer-changes", headers=mgr).get_json()["items"]
        assert len(changes) == 1 and changes[0]["requested_by"] == "aided"
        change_id = changes[0]["id"]
        assert client.get(f"{S}/lawyer-changes", headers=aid1).status_code == 403
        assert client.post(f"{S}/lawyer-changes/{change_id}/decision", json={"decision": "approve"},
                           headers=aid1).status_code == 403
        # the same lawyer cannot be the new one
        r = client.post(f"{S}/lawyer-changes/{change_id}/decision",
                        json={"decision": "approve", "lawyer_id": staff["aid1"]["id"]}, headers=mgr)
        assert r.status_code == 422

        clock.move_to(at("2026-09-28"))
        r = client.post(f"{S}/lawyer-changes/{change_id}/decision", json={"decision": "approve", "note": "经核实属实"},
                        headers=mgr)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["status"] == "approved"
        # back to assignment with a new clock; the old lawyer no longer reaches the case
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()
        assert d["status"] == "approved" and d["assigned_lawyer"] is None
        assert d["deadlines"]["assign_due"] == "2026-10-08"
        assert client.get(f"{S}/applications/{app_id}/handling", headers=aid1).status_code == 404
        changed = [l for l in d["letters"] if l["kind"] == "lawyer_change"]
        assert len(changed) == 2 and changed[0]["number"] == "武法援更字〔2026〕第0001号"
        to_aided = letter_text(client, changed[0]["url"])
        assert "更换通知" in to_aided and "刘建国" in to_aided and "第五十五条" in to_aided
        assert "2026年10月8日前指派新的法律援助人员" in to_aided and "原法律援助人员李援助不再承办本案" in to_aided
        to_lawyer = letter_text(client, changed[1]["url"])
        assert to_lawyer.startswith("武汉市法律援助中心更换通知") and "李援助：" in to_lawyer and "你不再承办本案" in to_lawyer
        # the new lawyer through the existing assignment: the notice names the lawyer replaced
        clock.move_to(at("2026-09-29"))
        r = client.post(f"{S}/applications/{app_id}/assign", json={"lawyer_id": staff["aid2"]["id"]}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()
        assert d["assigned_lawyer"]["name"] == "王援助" and d["assigned_lawyer"]["law_firm"] == "湖北江城律师事务所"
        assert d["deadlines"]["assign_due"] is None
        notice = [l for l in d["letters"] if l["kind"] == "assignment"][-1]
        text = letter_text(client, notice["url"])
        assert "王援助" in text and "湖北江城律师事务所" in text and "本案原由李援助承办" in text
        h = client.get(f"{S}/applications/{app_id}/handling", headers=aid2).get_json()
        assert h["changes"][0]["to_lawyer"]["name"] == "王援助"
        timeline = [e["action"] for e in d["timeline"]]
        assert "lawyer_change_requested" in timeline and "change_lawyer" in timeline


def test_the_lawyer_withdraws_refused_then_replaced_at_once(app, client, fake_wechat, staff):
    mgr, aid1, aid2 = staff["manager1"]["headers"], staff["aid1"]["headers"], staff["aid2"]["headers"]
    s = login(client, fake_wechat)
    with time_machine.travel(at("2026-09-01", 8), tick=False) as clock:
        app_id = granted_case(client, s, staff, clock)
        assert client.post(f"{S}/applications/{app_id}/withdrawal", json={"reasons": "利益冲突"}, headers=aid2).status_code == 404
        r = client.post(f"{S}/applications/{app_id}/withdrawal", json={"reasons": "发现与对方当事人存在利益冲突"}, headers=aid1)
        assert r.status_code == 201, r.get_json()
        change_id = r.get_json()["id"]
        # the reasons stay internal; the aided person sees that a withdrawal is pending
        raw = client.get(f"{A}/{app_id}", headers=s["headers"]).get_data(as_text=True)
        assert "利益冲突" not in raw and "承办律师申请退出" in raw
        r = client.post(f"{S}/lawyer-changes/{change_id}/decision", json={"decision": "refuse"}, headers=mgr)
        assert r.status_code == 422 and "理由" in r.get_json()["message"]
        r = client.post(f"{S}/lawyer-changes/{change_id}/decision", json={"decision": "refuse", "note": "冲突已消除"},
                        headers=mgr)
        assert r.status_code == 200 and r.get_json()["status"] == "refused"
        assert client.post(f"{S}/lawyer-changes/{change_id}/decision", json={"decision": "approve"},
                           headers=mgr).status_code == 409
        assert client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["assigned_lawyer"]["name"] == "李援助"

        clock.move_to(at("2026-09-10"))
        change_id = client.post(f"{S}/applications/{app_id}/withdrawal", json={"reasons": "受援人拒绝配合提供证据"},
                                headers=aid1).get_json()["id"]
        r = client.post(f"{S}/lawyer-changes/{change_id}/decision",
                        json={"decision": "approve", "lawyer_id": staff["aid2"]["id"]}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["to_lawyer"]["name"] == "王援助"
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()
        assert d["status"] == "assigned" and d["assigned_lawyer"]["name"] == "王援助"
        kinds = [l["kind"] for l in d["letters"]]
        assert kinds == ["receipt", "grant", "assignment", "lawyer_change", "lawyer_change", "assignment"]
        to_aided = letter_text(client, d["letters"][3]["url"])
        assert "法律援助人员李援助于2026年9月10日申请退出本案的承办" in to_aided and "已指派王援助继续为你提供法律援助" in to_aided
        assert client.get(f"{S}/applications/{app_id}/handling", headers=aid1).status_code == 404
        assert client.get(f"{S}/applications/{app_id}/handling", headers=aid2).status_code == 200
        with app.app_context():
            from app.audit import AuditLog
            acts = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.action.like("lawyer_change.%"))).all()
            assert acts.count("lawyer_change.request") == 2 and acts.count("lawyer_change.decide") == 2


def test_termination_situation_reported_and_decided(app, client, fake_wechat, staff):
    mgr, aid1, aid2 = staff["manager1"]["headers"], staff["aid1"]["headers"], staff["aid2"]["headers"]
    s = login(client, fake_wechat)
    with time_machine.travel(at("2026-09-01", 8), tick=False) as clock:
        app_id = granted_case(client, s, staff, clock)
        body = {"ground": "own_lawyer", "facts": "受援人告知已自行委托某律师事务所律师代理本案"}
        assert client.post(f"{S}/applications/{app_id}/termination-reports", json=body, headers=aid2).status_code == 404
        assert client.post(f"{S}/applications/{app_id}/termination-reports", json=body, headers=mgr).status_code == 403
        r = client.post(f"{S}/applications/{app_id}/termination-reports", json={**body, "ground": "bored"}, headers=aid1)
        assert r.status_code == 422
        r = client.post(f"{S}/applications/{app_id}/termination-reports", json=body, headers=aid1)
        assert r.status_code == 201, r.get_json()
        rep = r.get_json()
        assert rep["article"] == "第四十八条第（六）项" and rep["status"] == "open"
        assert client.post(f"{S}/applications/{app_id}/termination-reports", json=body, headers=aid1).status_code == 409
        # the report is the staff's: not in the citizen's timeline
        assert "自行委托某律师事务所" not in client.get(f"{A}/{app_id}", headers=s["headers"]).get_data(as_text=True)
        desk = client.get(f"{S}/termination-reports", headers=mgr).get_json()["items"]
        assert [x["id"] for x in desk] == [rep["id"]]
        # dismissed: aid continues
        r = client.post(f"{S}/termination-reports/{rep['id']}/decision", json={"decision": "dismiss"}, headers=mgr)
        assert r.status_code == 422
        r = client.post(f"{S}/termination-reports/{rep['id']}/decision",
                        json={"decision": "dismiss", "note": "经核实受援人仅咨询过其他律师，未委托"}, headers=mgr)
        assert r.status_code == 200 and r.get_json()["status"] == "dismissed"
        assert client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()["status"] == "assigned"
        # reported again, decided with the existing termination (its letter to the aided person)
        clock.move_to(at("2026-09-15"))
        rep = client.post(f"{S}/applications/{app_id}/termination-reports", json=body, headers=aid1).get_json()
        r = client.post(f"{S}/termination-reports/{rep['id']}/decision",
                        json={"decision": "terminate", "note": "受援人已自行委托律师"}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["status"] == "terminated"
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()
        assert d["status"] == "terminated"
        termination = [l for l in d["letters"] if l["kind"] == "termination"]
        assert len(termination) == 1
        text = letter_text(client, termination[0]["url"])
        assert "终止法律援助决定书" in text and "第四十八条第（六）项" in text and "受援人已自行委托律师" in text
        assert client.get(f"{S}/termination-reports", headers=mgr).get_json()["items"] == []


def test_progress_notes_internal_or_visible(app, client, fake_wechat, staff):
    """Internal notes never reach the citizen API or a subscribe message; visible ones do (Art. 46)."""
    aid1, aid2 = staff["aid1"]["headers"], staff["aid2"]["headers"]
    s = login(client, fake_wechat)
    with time_machine.travel(at("2026-09-01", 8), tick=False) as clock:
        app_id = granted_case(client, s, staff, clock)
        for note, visible in (("内部：对方可能已转移财产，暂不告知受援人", False), ("已约见受援人，收集工资条和考勤记录", True)):
            r = client.post(f"{S}/applications/{app_id}/progress", json={"note": note, "visible": visible}, headers=aid1)
            assert r.status_code == 201
        assert client.post(f"{S}/applications/{app_id}/progress", json={"note": ""}, headers=aid1).status_code == 422
        assert client.post(f"{S}/applications/{app_id}/progress", json={"note": "x"}, headers=aid2).status_code == 404
        d = client.get(f"{A}/{app_id}", headers=s["headers"])
        raw = d.get_data(as_text=True)
        assert "收集工资条和考勤记录" in raw and "转移财产" not in raw
        update = next(e for e in d.get_json()["timeline"] if e["action"] == "progress_update")
        assert update["action_label"] == "办理进展" and update["actor_name"] == "李援助"
        with app.app_context():
            from app.notifications.models import Notification
            import json
            sent = json.dumps([n.data for n in db.session.scalars(sa.select(Notification).where(
                Notification.application_id == app_id)).all()], ensure_ascii=False)
            assert "收集工资条和考勤记录" in sent and "转移财产" not in sent
