"""勿回拨 on the call's page: the duty lawyer marks the number of their own call (the API's input, the same
service and audit), the page says so and can undo it; the API and the page refuse the same bad input
with the same field errors; another lawyer's call is a 404 and changes nothing."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from app.audit import AuditLog
from app.consultations.models import Consultation
from app.extensions import db
from app.telephony.models import CallerFlag
from tests.support import console_login
from tests.telephony.test_webhook import call, post


def _call_id(tapp, staff) -> int:
    post(tapp.test_client(), call("dnc-1", staff["duty1"]["staff_no"]))
    with tapp.app_context():
        return db.session.scalar(sa.select(Consultation.id).where(Consultation.call_id == "dnc-1"))


def _flag(tapp, cid):
    with tapp.app_context():
        c = db.session.get(Consultation, cid)
        f = db.session.get(CallerFlag, c.caller_hash)
        return (f.do_not_call, f.note) if f else None


def test_duty_lawyer_marks_and_unmarks_on_the_call_page(tapp, staff):
    cid = _call_id(tapp, staff)
    page = tapp.test_client()
    csrf = console_login(page, "duty1")
    html = page.get(f"/console/calls/{cid}").get_data(as_text=True)
    assert 'id="do-not-call"' in html and "标记勿回拨" in html and "已标记勿回拨" not in html
    r = page.post(f"/console/calls/{cid}/do-not-call", data={"do_not_call": "1", "note": "本人要求不再回拨", "csrf_token": csrf})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/console/calls/{cid}")
    assert _flag(tapp, cid) == (True, "本人要求不再回拨")
    html = page.get(f"/console/calls/{cid}").get_data(as_text=True)
    assert "已标记勿回拨" in html and "本人要求不再回拨" in html and "取消勿回拨" in html
    r = page.post(f"/console/calls/{cid}/do-not-call", data={"do_not_call": "0", "csrf_token": csrf})
    assert r.status_code == 302 and _flag(tapp, cid) == (False, None)
    with tapp.app_context():
        done = db.session.scalars(sa.select(AuditLog.details).where(AuditLog.action == "telephony.do_not_call",
                                                                    AuditLog.object_id == str(cid))).all()
        assert [d["on"] for d in done] == [True, False]


def test_refused_alike_by_api_and_page_and_another_lawyers_call_is_404(tapp, staff):
    cid = _call_id(tapp, staff)
    body = {"do_not_call": True, "note": "要" * 201}
    api = tapp.test_client().put(f"/api/v1/telephony/consultations/{cid}/do-not-call", json=body,
                                 headers=staff["duty1"]["headers"])
    page = tapp.test_client()
    csrf = console_login(page, "duty1")
    r = page.post(f"/console/calls/{cid}/do-not-call", data={"do_not_call": "1", "note": body["note"], "csrf_token": csrf},
                  headers={"Referer": f"http://localhost/console/calls/{cid}"})
    assert api.status_code == r.status_code == 422
    state = json.loads(re.search(r'<script type="application/json" id="form-state">(.*?)</script>',
                                 r.get_data(as_text=True), re.S).group(1))
    assert api.get_json()["details"]["fields"] == state["errors"] == {"note": ["长度不能超过 200 个字符。"]}
    other = tapp.test_client()
    csrf2 = console_login(other, "duty2")
    r = other.post(f"/console/calls/{cid}/do-not-call", data={"do_not_call": "1", "csrf_token": csrf2})
    assert r.status_code == 404
    assert _flag(tapp, cid) is None
