"""Issue 18 item 5: a fuzzing pass over the API (schemathesis, every operation, a citizen's and a
manager's token) with real phone and ID numbers in the data and in requests, then the captured logs
are scanned: no full mainland mobile number and no full ID number may appear in any log record (only
ids, types and masked forms). SCHEMATHESIS_LOG_EXAMPLES bounds the examples per operation (default 2)."""
from __future__ import annotations

import io
import logging
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from ocr import idnumber
from tests.factories import full_application, jpeg_bytes, login, valid_id
from tests.support import api_login, log_call

EXAMPLES = int(os.environ.get("SCHEMATHESIS_LOG_EXAMPLES", "2"))
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE, CALLER, INTAKE_PHONE = "13871234567", "13907141234", "15927000001"
ID_NUMBER, INTAKE_ID = valid_id(seq=123), valid_id(seq=456)


def _leaks(text: str) -> list[str]:
    found = set(MOBILE.findall(text))
    found |= {m for m in ID18.findall(text) if idnumber.is_valid(m)}
    return sorted(found)


def test_the_scanner_finds_numbers():
    assert _leaks(f"x {PHONE} y {ID_NUMBER} z 1387123456 z {ID_NUMBER[:-1]}0") == sorted([PHONE, ID_NUMBER])
    assert _leaks("masked 138****4567 420102********1234 id=12 rid=9f86d081884c7d65") == []


@pytest.fixture
def seeded(make_app, fake_wechat, staff, fast_argon2):
    app = make_app()
    c = app.test_client()
    s = login(c, fake_wechat, "log-citizen")
    aid = c.post("/api/v1/applications", json=full_application(phone=PHONE, id_number=ID_NUMBER),
                 headers=s["headers"]).get_json()["id"]
    c.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
           data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "id_front", "application_id": str(aid)})
    mgr, duty = api_login(c, "manager1"), api_login(c, "duty1")
    log_call(c, duty, caller=CALLER)
    c.post("/api/v1/staff/applications", json={"applicant_name": "来电人", "phone": INTAKE_PHONE,
                                               "description": "电话求助：工资被拖欠八个月", "id_number": INTAKE_ID},
           headers=duty)
    return app, s, mgr


def test_fuzzing_leaves_no_phone_or_id_number_in_the_logs(seeded, caplog):
    app, s, mgr = seeded
    caplog.set_level(logging.DEBUG, logger="app")
    caplog.set_level(logging.INFO)
    c = app.test_client()
    # the numbers travel in bodies, paths and query strings (searches), also where they are refused
    for path in (f"/api/v1/staff/applications?q={PHONE}", f"/api/v1/consultations?q={CALLER}",
                 f"/api/v1/staff/applications?q={ID_NUMBER}", f"/api/v1/callbacks?q={PHONE}"):
        c.get(path, headers=mgr)
    c.post("/api/v1/applications", json=full_application(phone=PHONE, id_number=ID_NUMBER + "9"), headers=s["headers"])
    c.post("/api/v1/me/phone", json={"code": f"bad-{PHONE}"}, headers=s["headers"])
    c.post("/api/v1/consultations", json={"caller": CALLER, "ring_at": "not-a-time"}, headers=mgr)

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    tokens = {"citizen": s["headers"]["Authorization"], "staff": mgr["Authorization"]}
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for token in tokens.values():
                case.call(headers={**(case.headers or {}), "Authorization": token})
        try:
            run()
        except Exception:  # noqa: BLE001 — failures are test_schemathesis's business; here only the logs count
            pass
    assert operations >= 80
    text = "\n".join(r.getMessage() + (("\n" + logging.Formatter().formatException(r.exc_info)) if r.exc_info else "")
                     for r in caplog.records)
    assert len(caplog.records) > 0
    for number in (PHONE, CALLER, INTAKE_PHONE, ID_NUMBER, INTAKE_ID):
        assert number not in text, f"{number} appears in the logs"
    assert _leaks(text) == [], _leaks(text)
