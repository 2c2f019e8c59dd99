"""After assignment, on a frozen clock with literal dates: a granted case gets its 指派通知书 (pdftotext); the
lawyer records internal and visible progress; the closing file is submitted within 30 日 of the matter
ending (the last day falls in the National Day holiday and moves to 2026-10-08), returned once, resubmitted,
accepted on the quality rubric; the file is archived as a ZIP with its SHA-256; the subsidy is paid in the
October batch, approved by the manager and exported (CSV/XLSX, formula-safe). Role and ownership
refusals on every step."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import subprocess
import zipfile

import sqlalchemy as sa
import time_machine

from app.common.timeutil import LOCAL_TZ
from app.extensions import db
from tests.factories import full_application, jpeg_bytes, login

S = "/api/v1/staff"
A = "/api/v1/applications"
SCORES = {"timeliness": 18, "communication": 17, "legal_work": 26, "outcome": 18, "file": 8}


def at(day: str, hour: int = 10):
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), LOCAL_TZ)


def pdf_text(data: bytes) -> str:
    """The text of a PDF with every space and line break removed (pdftotext wraps lines where the PDF does)."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def letter_text(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    return pdf_text(r.get_data())


def set_firm(app, username: str, firm: str) -> None:
    from tests.support import user
    with app.app_context():
        user(app, username).law_firm = firm
        db.session.commit()


def granted_case(client, s, staff, clock) -> int:
    """A citizen applies on 2026-09-01; reviewed and granted the same day; assigned to aid1 on 2026-09-02.
    `s`: the citizen's session, logged in before the frozen days (its token outlives them)."""
    clock.move_to(at("2026-09-01", 9))
    r = client.post(A, json=full_application(), headers=s["headers"])
    app_id = r.get_json()["id"]
    r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                    data={"file": (io.BytesIO(jpeg_bytes()), "p.jpg"), "kind": "id_front", "application_id": str(app_id)})
    assert r.status_code == 201
    assert client.post(f"{A}/{app_id}/submit", headers=s["headers"]).status_code == 200
    assert client.post(f"{S}/applications/{app_id}/start-review", json={}, headers=staff["duty1"]["headers"]).status_code == 200
    assert client.post(f"{S}/applications/{app_id}/approve", json={"note": "符合条件"},
                       headers=staff["manager1"]["headers"]).status_code == 200
    clock.move_to(at("2026-09-02", 9))
    r = client.post(f"{S}/applications/{app_id}/assign", json={"lawyer_id": staff["aid1"]["id"]},
                    headers=staff["manager1"]["headers"])
    assert r.status_code == 200, r.get_json()
    return app_id


def test_granted_case_closed_reviewed_archived_and_paid(app, client, fake_wechat, staff):
    set_firm(app, "aid1", "=湖北楚天律师事务所")  # a firm name that starts like a formula (export must defuse it)
    mgr, aid1, aid2 = staff["manager1"]["headers"], staff["aid1"]["headers"], staff["aid2"]["headers"]
    duty = staff["duty1"]["headers"]
    s = login(client, fake_wechat)
    with time_machine.travel(at("2026-09-01", 8), tick=False) as clock:
        app_id = granted_case(client, s, staff, clock)
        other = None

        # 1. the 指派通知书 to the lawyer: the existing letter series, wording from the template
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()
        assert d["status"] == "assigned"
        assert d["assigned_lawyer"]["name"] == "李援助" and d["assigned_lawyer"]["law_firm"] == "=湖北楚天律师事务所"
        assignment = [l for l in d["letters"] if l["kind"] == "assignment"]
        assert len(assignment) == 1 and assignment[0]["number"] == "武法援指字〔2026〕第0001号"
        text = letter_text(client, assignment[0]["url"])
        assert "指派通知书" in text and "李援助" in text and "刘建国" in text
        assert "2026年9月1日" in text and "第四十三条" in text and "30日内" in text and "第五十条" in text
        h = client.get(f"{A}/{app_id}/handling", headers=s["headers"]).get_json()
        assert h["lawyer"] == {"id": staff["aid1"]["id"], "name": "李援助", "law_firm": "=湖北楚天律师事务所"}
        assert h["can_request_change"] is True

        # 2. another lawyer's case is a 404; a role that does not close is a 403
        assert client.get(f"{S}/applications/{app_id}/handling", headers=aid2).status_code == 404
        assert client.post(f"{S}/applications/{app_id}/progress", json={"note": "x"}, headers=aid2).status_code == 404
        assert client.post(f"{S}/applications/{app_id}/closing", json={}, headers=duty).status_code in (403, 422)
        body = {"outcome": "mediation", "matter_ended_on": "2026-09-02", "report": "x" * 30, "stage": "non_litigation",
                "document_ids": []}
        assert client.post(f"{S}/applications/{app_id}/closing", json=body, headers=duty).status_code == 403
        assert client.post(f"{S}/applications/{app_id}/closing", json=body, headers=aid2).status_code == 404

        # 3. progress: internal and visible
        assert client.post(f"{S}/applications/{app_id}/start-work", json={}, headers=aid1).status_code == 200
        r = client.post(f"{S}/applications/{app_id}/progress", json={"note": "内部：对方公司账户疑似转移资产"}, headers=aid1)
        assert r.status_code == 201
        r = client.post(f"{S}/applications/{app_id}/progress",
                        json={"note": "已向区劳动人事争议仲裁委员会提交仲裁申请", "visible": True}, headers=aid1)
        assert r.status_code == 201
        raw = client.get(f"{A}/{app_id}", headers=s["headers"]).get_data(as_text=True)
        assert "已向区劳动人事争议仲裁委员会提交仲裁申请" in raw and "疑似转移资产" not in raw
        staff_timeline = client.get(f"{S}/applications/{app_id}", headers=mgr).get_json()["timeline"]
        notes = {e["note"]: e["citizen_visible"] for e in staff_timeline if e["action"] in ("progress_note", "progress_update")}
        assert notes == {"内部：对方公司账户疑似转移资产": False, "已向区劳动人事争议仲裁委员会提交仲裁申请": True}

        # 4. closing: the copies of the legal documents are uploaded to the case first
        clock.move_to(at("2026-09-20"))
        r = client.post("/api/v1/documents", headers=aid1, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "调解书.jpg"), "kind": "other", "application_id": str(app_id)})
        assert r.status_code == 201, r.get_json()
        doc_id = r.get_json()["id"]
        r = client.post("/api/v1/documents", headers=aid1, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "id.jpg"), "kind": "id_front", "application_id": str(app_id)})
        assert r.status_code == 403  # a lawyer uploads legal documents only
        r = client.post("/api/v1/documents", headers=aid2, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg"), "kind": "other", "application_id": str(app_id)})
        assert r.status_code == 404
        bad = [({**body, "document_ids": []}, "document_ids"), ({**body, "document_ids": [doc_id], "matter_ended_on": "2026-09-21"}, "matter_ended_on"),
               ({**body, "document_ids": [doc_id], "report": "太短"}, "report"),
               ({**body, "document_ids": [doc_id], "stage": "drafted"}, "stage"),
               ({**body, "document_ids": [doc_id + 999]}, "document_ids")]
        for payload, field in bad:
            r = client.post(f"{S}/applications/{app_id}/closing", json=payload, headers=aid1)
            assert r.status_code == 422, (field, r.get_json())
            assert field in r.get_json()["details"]["fields"] and r.get_json()["message"]
        assert client.get(f"{S}/applications/{app_id}/handling", headers=aid1).get_json()["closing"] is None
        report = "受援人与用人单位在仲裁委员会主持下达成调解协议，用人单位于 2026 年 9 月 2 日当场支付拖欠工资三万二千元。"
        body = {**body, "document_ids": [doc_id], "report": report}
        r = client.post(f"{S}/applications/{app_id}/closing", json=body, headers=aid1)
        assert r.status_code == 201, r.get_json()
        cl = r.get_json()["closing"]
        # 30 日 from 2026-09-02 ends on 2026-10-02, a National Day holiday: moved to the first working day
        assert cl["due_date"] == "2026-10-08" and cl["late"] is False and cl["status"] == "submitted"
        assert cl["subsidy"]["amount"] == "1500.00" and cl["subsidy"]["stage_label"] == "非诉讼代理（调解、和解）"
        assert r.get_json()["status"] == "closing_review"
        # submitted once: a second submission waits for the review
        assert client.post(f"{S}/applications/{app_id}/closing", json=body, headers=aid1).status_code == 409

        # 5. the closing review: a lawyer cannot review; scores are checked; return needs reasons
        review = {"decision": "return", "scores": SCORES, "reasons": "请补充调解协议的履行凭证"}
        assert client.post(f"{S}/applications/{app_id}/closing/review", json=review, headers=aid1).status_code == 403
        for payload in ({**review, "reasons": None}, {**review, "scores": {**SCORES, "file": 11}},
                        {**review, "scores": {k: v for k, v in SCORES.items() if k != "outcome"}}):
            r = client.post(f"{S}/applications/{app_id}/closing/review", json=payload, headers=mgr)
            assert r.status_code == 422, r.get_json()
        clock.move_to(at("2026-09-22"))
        r = client.post(f"{S}/applications/{app_id}/closing/review", json=review, headers=mgr)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["status"] == "in_progress" and r.get_json()["closing"]["status"] == "returned"
        assert r.get_json()["closing"]["reviews"][0]["total"] == 87

        clock.move_to(at("2026-09-29"))
        r = client.post(f"{S}/applications/{app_id}/closing", json={**body, "report": report + "现补充付款凭证。"}, headers=aid1)
        assert r.status_code == 201, r.get_json()
        clock.move_to(at("2026-10-09"))
        r = client.post(f"{S}/applications/{app_id}/closing/review",
                        json={"decision": "accept", "scores": {**SCORES, "file": 10}}, headers=mgr)
        assert r.status_code == 200, r.get_json()
        out = r.get_json()
        assert out["status"] == "closed" and out["closing"]["status"] == "accepted"
        assert [x["decision"] for x in out["closing"]["reviews"]] == ["return", "accept"]
        assert out["subsidy"]["amount"] == "1500.00" and out["subsidy"]["batch_id"] is None
        d = client.get(f"{A}/{app_id}", headers=s["headers"]).get_json()
        assert d["status"] == "closed" and d["outcome"] == "调解"
        assert client.get(f"{A}/{app_id}/handling", headers=s["headers"]).get_json()["closing"] == {
            "outcome": "mediation", "outcome_label": "调解", "matter_ended_on": "2026-09-02"}

        # 6. archive: the whole file in one ZIP with its SHA-256
        assert client.post(f"{S}/applications/{app_id}/archive", headers=aid1).status_code == 403
        clock.move_to(at("2026-10-10"))
        r = client.post(f"{S}/applications/{app_id}/archive", headers=mgr)
        assert r.status_code == 201, r.get_json()
        arc = r.get_json()["archive"]
        assert r.get_json()["status"] == "archived" and arc["retain_until"] == "2056-10-10"
        assert client.post(f"{S}/applications/{app_id}/archive", headers=mgr).status_code == 409
        z = client.get(f"{S}/applications/{app_id}/archive.zip", headers=mgr)
        assert z.status_code == 200 and hashlib.sha256(z.get_data()).hexdigest() == arc["sha256"]
        with zipfile.ZipFile(io.BytesIO(z.get_data())) as bundle:
            names = bundle.namelist()
            ref = d["reference"]
            for part in ("summary.pdf", "application.json", "screen.json", "events.json", "letters.json",
                         "documents.json", "closing.json", "manifest.json"):
                assert f"{ref}/{part}" in names, part
            assert sum(n.startswith(f"{ref}/letters/") for n in names) == 3  # receipt, grant, assignment
            assert sum(n.startswith(f"{ref}/documents/") for n in names) == 2  # the ID photo and the mediation copy
            manifest = json.loads(bundle.read(f"{ref}/manifest.json"))
            for entry in manifest:
                assert hashlib.sha256(bundle.read(f"{ref}/{entry['name']}")).hexdigest() == entry["sha256"]
            summary = pdf_text(bundle.read(f"{ref}/summary.pdf"))
            closing = json.loads(bundle.read(f"{ref}/closing.json"))
        assert "法律援助案件归档摘要" in summary and ref in summary and "调解" in summary and "1500.00元" in summary
        assert "2056年10月10日" in summary and "87" not in summary.split("结案审查：")[1][:8]
        assert "89分" in summary
        assert [r["decision"] for r in closing["reviews"]] == ["return", "accept"]
        with app.app_context():
            from app.audit import AuditLog
            actions = set(db.session.scalars(sa.select(AuditLog.action)).all())
            assert {"closing.submit", "closing.review", "archive.create", "archive.view", "application.archive",
                    "application.close", "application.return_closing", "application.submit_closing"} <= actions

        # 7. the subsidy in October's batch: approved, then exported
        assert client.post(f"{S}/subsidy/batches", json={"month": "2026-09"}, headers=mgr).status_code == 422
        assert client.post(f"{S}/subsidy/batches", json={"month": "2026-10"}, headers=aid1).status_code == 403
        r = client.post(f"{S}/subsidy/batches", json={"month": "2026-10"}, headers=mgr)
        assert r.status_code == 201, r.get_json()
        batch = r.get_json()
        assert batch["items"] == 1 and batch["total"] == "1500.00" and batch["status"] == "draft"
        assert client.post(f"{S}/subsidy/batches", json={"month": "2026-10"}, headers=mgr).status_code == 409
        assert client.get(f"{S}/subsidy/batches/{batch['id']}/export", headers=mgr).status_code == 409
        r = client.post(f"{S}/subsidy/batches/{batch['id']}/approve", headers=mgr)
        assert r.status_code == 200 and r.get_json()["status"] == "approved"
        assert client.post(f"{S}/subsidy/batches/{batch['id']}/approve", headers=mgr).status_code == 409
        r = client.get(f"{S}/subsidy/batches/{batch['id']}/export?format=csv", headers=mgr)
        assert r.status_code == 200 and "subsidy-2026-10.csv" in r.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))
        assert rows[1][0] == "序号" and rows[2][1] == ref and rows[2][2] == "刘建国"
        assert rows[2][4] == "'=湖北楚天律师事务所"  # formula-safe
        assert rows[2][9] == "1500.0" and rows[3][0] == "合计" and rows[3][9] == "1500.0"
        r = client.get(f"{S}/subsidy/batches/{batch['id']}/export?format=xlsx", headers=mgr)
        from openpyxl import load_workbook
        ws = load_workbook(io.BytesIO(r.get_data())).active
        assert ws.cell(2, 10).value == 1500.0 and ws.cell(2, 5).value == "'=湖北楚天律师事务所"
        assert ws.cell(2, 5).data_type == "s"
        out = client.get(f"{S}/applications/{app_id}/handling", headers=mgr).get_json()
        assert out["subsidy"]["batch_id"] == batch["id"]
    del other


def test_late_closing_is_flagged_and_adjustments_apply(app, client, fake_wechat, staff):
    """Submitted after the 30 日: accepted but marked late; a home visit done adds the standard's 200 yuan."""
    mgr, aid1 = staff["manager1"]["headers"], staff["aid1"]["headers"]
    s = login(client, fake_wechat)
    with time_machine.travel(at("2026-09-01", 8), tick=False) as clock:
        app_id = granted_case(client, s, staff, clock)
        from app.visits.models import HomeVisit
        with app.app_context():
            db.session.add(HomeVisit(application_id=app_id, status="done", address="武汉市硚口区", requested_by_type="staff"))
            db.session.commit()
        r = client.post("/api/v1/documents", headers=aid1, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "j.jpg"), "kind": "judgment", "application_id": str(app_id)})
        doc_id = r.get_json()["id"]
        clock.move_to(at("2026-11-10"))
        r = client.post(f"{S}/applications/{app_id}/closing", headers=aid1, json={
            "outcome": "judgment", "matter_ended_on": "2026-09-30", "stage": "first_instance", "document_ids": [doc_id],
            "report": "一审判决支持受援人全部诉讼请求，判决书已送达，双方均未上诉。"})
        assert r.status_code == 201, r.get_json()
        cl = r.get_json()["closing"]
        # 2026-09-30 + 30 日 = 2026-10-30 (a Friday, a working day)
        assert cl["due_date"] == "2026-10-30" and cl["late"] is True
        assert cl["subsidy"]["amount_fen"] == 320000
        assert cl["subsidy"]["adjustments"] == [{"key": "home_visit", "label": "上门服务", "fen": 20000}]
    del mgr, s
