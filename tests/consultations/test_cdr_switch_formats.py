"""The CDR import detects the switches' own files beside the platform's CSV: Asterisk Master.csv (rows
grouped by linkedid) and queue_log, FreeSWITCH mod_cdr_csv (default template) and mod_json_cdr."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from app.consultations import cdr, cdr_formats
from app.consultations.models import Consultation
from app.extensions import db

SAMPLES = Path(__file__).resolve().parent / "samples"
CST = dt.timezone(dt.timedelta(hours=8))


def _import(app, name):
    raw = (SAMPLES / name).read_bytes()
    with app.app_context():
        imp = cdr.import_file(raw, name)
        calls = {c.call_id: c for c in db.session.scalars(sa.select(Consultation))}
        db.session.refresh(imp)
        db.session.expunge_all()
        return imp, calls


def at(h, m, s=0):
    return dt.datetime(2026, 12, 3, h, m, s, tzinfo=CST)


def test_detection():
    assert cdr_formats.detect((SAMPLES / "Master.csv").read_text()) == "asterisk_master"
    assert cdr_formats.detect((SAMPLES / "queue_log").read_text()) == "asterisk_queue_log"
    assert cdr_formats.detect((SAMPLES / "Master-fs.csv").read_text()) == "freeswitch_csv"
    assert cdr_formats.detect((SAMPLES / "fs_cdr.json").read_text()) == "freeswitch_json"
    assert cdr_formats.detect("呼叫ID,主叫号码,振铃时间\nA1,13907101234,2026-12-03 09:00:00\n") == "csv"


def test_asterisk_master_csv_grouped_by_linkedid(app, staff):
    imp, calls = _import(app, "Master.csv")
    assert imp.status == "done" and imp.total_rows == 4 and imp.inserted == 3 and imp.error_count == 1
    assert imp.errors == [{"line": 5, "reason": "主叫号码无效：号码含有非数字字符"}]
    assert imp.message.startswith("Asterisk Master.csv，共 4 个呼叫")
    a = calls["1796259600.49"]  # two rows (S000 answered, S007 not): one call
    assert a.ring_at == at(9, 0) and a.answered_at == at(9, 0, 2) and a.ended_at == at(9, 5, 2)
    assert a.duty_lawyer_id == staff["duty1"]["id"] and a.agent_no == "S000" and a.caller_masked == "139****1234"
    b = calls["1796260200.52"]  # answered by a trunk / IVR, no known agent
    assert b.duty_lawyer_id is None and b.answered_at == at(9, 10) and b.caller_kind == "landline"
    c = calls["1796260800.55"]
    assert c.duty_lawyer_id == staff["duty2"]["id"] and c.wait_seconds == 5 and c.duration_seconds == 120
    again, _ = _import(app, "Master.csv")
    assert again.inserted == 0 and again.duplicates == 3


def test_asterisk_queue_log(app, staff):
    imp, calls = _import(app, "queue_log")
    assert imp.status == "done" and imp.total_rows == 4 and imp.inserted == 3 and imp.error_count == 1
    assert imp.errors[0]["line"] == 11 and "主叫号码无效" in imp.errors[0]["reason"]
    a = calls["1796259600.49"]
    assert a.wait_seconds == 2 and a.duration_seconds == 300 and a.duty_lawyer_id == staff["duty1"]["id"]
    abandoned = calls["1796260200.52"]
    assert abandoned.answered_at is None and abandoned.ended_at == at(9, 10, 45)
    timeout = calls["1796260800.55"]
    assert timeout.answered_at is None and (timeout.ended_at - timeout.ring_at).total_seconds() == 300


def test_freeswitch_cdr_csv_default_template(app, staff):
    imp, calls = _import(app, "Master-fs.csv")
    assert imp.status == "done" and imp.inserted == 3 and imp.error_count == 0
    a = calls["3f1b2a9c-5d1e-4c8a-9f00-1234567890ab"]
    assert a.answered_at == at(9, 0, 3) and a.duration_seconds == 300 and a.duty_lawyer_id is None
    assert calls["4e2c3b0d-6e2f-4d9b-a011-2345678901bc"].answered_at is None
    c = calls["5f3d4c1e-7f30-4eac-b122-3456789012cd"]
    assert c.caller_masked == "138****0000" and c.ring_at == at(9, 20)


def test_freeswitch_json_cdr(app, staff):
    imp, calls = _import(app, "fs_cdr.json")
    assert imp.status == "done" and imp.inserted == 2 and imp.error_count == 0
    a = calls["3f1b2a9c-5d1e-4c8a-9f00-1234567890ab"]
    assert (a.ring_at, a.answered_at, a.ended_at) == (at(9, 0), at(9, 0, 3), at(9, 5, 3))
    assert a.duty_lawyer_id == staff["duty1"]["id"] and a.agent_no == "S000"
    assert calls["4e2c3b0d-6e2f-4d9b-a011-2345678901bc"].answered_at is None
    imp, calls = _import(app, "fs_cdr_one.json")
    assert imp.inserted == 1 and calls["6a4e5d2f-8041-4fbd-c233-4567890123de"].duty_lawyer_id == staff["duty2"]["id"]


def test_broken_json_cdr_reports_the_line(app, staff):
    raw = (b'{"variables": {"uuid": "u-1", "caller_id_number": "13907101234", "start_uepoch": "1796259600000000", '
           b'"answer_uepoch": "0", "end_uepoch": "1796259610000000"}}\n{broken\n')
    with app.app_context():
        imp = cdr.import_file(raw, "cdr.json")
        assert imp.inserted == 1 and imp.errors == [{"line": 2, "reason": "呼叫ID为空"}]
