"""One input path per action, after assignment (承办 to 结案): the lawyer's progress note, withdrawal,
termination report and closing file, the manager's closing review and change decision, and the subsidy
batch load the schema the staff API loads (app/handling/schemas.py), so the API and the case page refuse
the same input with the same Chinese field errors, and nothing is stored (frozen clock)."""
from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import MultiDict

from app.applications.models import Application, ApplicationEvent
from app.extensions import db
from app.handling.models import ClosingFile, LawyerChange, TerminationReport
from app.subsidy.models import SubsidyBatch
from tests.support import SCORES, api_login, console_login, make_case

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def _form_state(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>', html, re.S).group(1))


def _flat(body: dict) -> list[tuple[str, str]]:
    """A JSON body as the page posts it: a list is one field posted many times, a dict `name.key` fields."""
    out = []
    for k, v in body.items():
        if isinstance(v, dict):
            out += [(f"{k}.{sub}", str(x)) for sub, x in v.items()]
        elif isinstance(v, list):
            out += [(k, str(x)) for x in v]
        else:
            out.append((k, str(v)))
    return out


def _both(app, client, user, api_path, page_path, body, referer, *, confirm=False):
    api = client.post(api_path, json=body, headers=api_login(client, user))
    page = app.test_client()
    csrf = console_login(page, user)
    extra = [("confirm", "1")] if confirm else []  # the page's own tick for an irreversible act
    r = page.post(page_path, data=MultiDict([*_flat(body), *extra, ("csrf_token", csrf)]),
                  headers={"Referer": f"http://localhost{referer}"})
    assert api.status_code == r.status_code == 422, (api.get_json(), r.status_code)
    return api.get_json()["details"]["fields"], _form_state(r.get_data(as_text=True))["errors"]


def _counts(app, app_id):
    with app.app_context():
        def n(model, *where):
            return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
        return (db.session.get(Application, app_id).status, n(ApplicationEvent, ApplicationEvent.application_id == app_id),
                n(LawyerChange, LawyerChange.application_id == app_id),
                n(TerminationReport, TerminationReport.application_id == app_id),
                n(ClosingFile, ClosingFile.application_id == app_id), n(SubsidyBatch))


@time_machine.travel(NOW, tick=False)
def test_lawyer_reports_refused_alike(app, client, staff):
    app_id = make_case(app, "in_progress", by_phone=True)
    before = _counts(app, app_id)
    api, page = f"/api/v1/staff/applications/{app_id}", f"/console/applications/{app_id}/handling"
    cases = [
        ("progress", "progress", {"visible": True}, {"note": ["请填写进展内容"]}, False),
        ("progress", "progress", {"note": "已联系对方", "visible": "也许"}, {"visible": ["应为是或否（true/false）。"]}, False),
        ("withdrawal", "withdrawal", {}, {"reasons": ["请说明理由"]}, False),
        ("termination-reports", "termination-report", {"ground": "tired", "facts": "受援人已自行委托律师"},
         {"ground": ["应为：deceit、concealment_or_false_evidence、illegal_use、economic_change、case_ended、own_lawyer、aided_person_request、other"]}, False),
        ("termination-reports", "termination-report", {"ground": "own_lawyer"}, {"facts": ["请说明发现的事实"]}, False),
        ("closing", "closing", {"outcome": "mediation", "matter_ended_on": "2026-02-30", "stage": "non_litigation",
                                "report": "经承办律师组织调解，双方自愿达成调解协议，被申请人当场履行。"},
         {"matter_ended_on": ["请填写办理结束日期（YYYY-MM-DD）"]}, True),
        ("closing", "closing", {"outcome": "won", "matter_ended_on": "2026-09-24", "stage": "non_litigation",
                                "report": "经承办律师组织调解，双方自愿达成调解协议，被申请人当场履行。"},
         {"outcome": ["应为：judgment、ruling、mediation、settlement、arbitration_award、withdrawal、non_litigation、document_drafted、advice_given、other"]}, True),
    ]
    for api_path, page_path, body, fields, confirm in cases:
        got_api, got_page = _both(app, client, "aid1", f"{api}/{api_path}", f"{page}/{page_path}", body, page,
                                  confirm=confirm)
        assert got_api == got_page == fields, (api_path, got_api, got_page)
        assert _counts(app, app_id) == before, api_path


@time_machine.travel(NOW, tick=False)
def test_manager_decisions_refused_alike(app, client, staff):
    app_id = make_case(app, "closing_review", by_phone=True)
    before = _counts(app, app_id)
    api, page = f"/api/v1/staff/applications/{app_id}", f"/console/applications/{app_id}/handling"
    cases = [
        ({"decision": "maybe", "scores": SCORES}, {"decision": ["取值必须是以下之一：accept, return。"]}),
        ({"decision": "accept", "scores": {**SCORES, "timeliness": "很好"}},
         {"scores": {"timeliness": {"value": ["应为整数。"]}}}),
        ({"decision": "accept"}, {"scores": ["此项为必填项。"]}),
    ]
    for body, fields in cases:
        got_api, got_page = _both(app, client, "manager1", f"{api}/closing/review", f"{page}/review", body, page,
                                  confirm=True)
        assert got_api == fields and got_page == fields, (body, got_api, got_page)
        assert _counts(app, app_id) == before
    got_api, got_page = _both(app, client, "manager1", "/api/v1/staff/subsidy/batches", "/console/subsidy",
                              {"month": "2026-13"}, "/console/subsidy")
    assert got_api == got_page == {"month": ["应为 YYYY-MM（2000–2099 年）"]}
    assert _counts(app, app_id) == before


@time_machine.travel(NOW, tick=False)
def test_change_decision_refused_alike(app, client, staff):
    app_id = make_case(app, "in_progress", by_phone=True)
    r = client.post(f"/api/v1/staff/applications/{app_id}/withdrawal", json={"reasons": "与受援人存在利益冲突"},
                    headers=api_login(client, "aid1"))
    assert r.status_code == 201, r.get_json()
    change_id = r.get_json()["id"]
    before = _counts(app, app_id)
    got_api, got_page = _both(app, client, "manager1", f"/api/v1/staff/lawyer-changes/{change_id}/decision",
                              f"/console/lawyer-changes/{change_id}", {"decision": "later"},
                              f"/console/applications/{app_id}/handling", confirm=True)
    assert got_api == got_page == {"decision": ["取值必须是以下之一：approve, refuse。"]}
    assert _counts(app, app_id) == before
    with app.app_context():
        assert db.session.get(LawyerChange, change_id).status == "open"
