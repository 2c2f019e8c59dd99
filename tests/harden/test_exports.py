"""Issue 9 item 3: every CSV/XLSX export goes through one writer that neutralises formula cells,
echoed filter values included; XLSX text cells are text; staff usernames are restricted."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.common import exports

EVIL = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(1+1)", "\tcmd", "\rcmd"]


def test_neutralise_unit():
    for v in EVIL:
        assert exports.neutralise(v) == "'" + v
    assert exports.neutralise("正常文本") == "正常文本" and exports.neutralise(-5) == -5 and exports.neutralise(None) is None
    body = exports.xlsx_bytes([("=evil[sheet]", ["h"], [[v] for v in EVIL] + [["a\x00b\x1fc"], [3]])])
    ws = load_workbook(io.BytesIO(body)).active
    cells = [c for (c,) in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" and c.value.startswith("'") for c in cells[:-2])
    assert cells[-2].value == "a\ufffdb\ufffdc"  # control characters XLSX cannot hold are replaced, not a 500
    assert cells[-1].value == 3 and cells[-1].data_type == "n"
    assert b"<f>" not in _sheet_xml(body)  # no formula element anywhere in the workbook
    rows = list(csv.reader(io.StringIO(exports.csv_bytes([(None, ["h"], [[v] for v in EVIL])]).decode("utf-8-sig"))))
    assert all(r[0].startswith("'") for r in rows[1:])


def _sheet_xml(body: bytes) -> bytes:
    import zipfile
    z = zipfile.ZipFile(io.BytesIO(body))
    return b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


@pytest.fixture
def evil_lawyer_calls(app, client, staff):
    staff = staff
    from app.auth.models import StaffUser
    from app.extensions import db
    from tests.support import local
    from tests.support import log_call
    with app.app_context():
        u = db.session.get(StaffUser, staff.role("duty_lawyer")["id"])
        u.full_name = '=HYPERLINK("http://evil","点我")'
        db.session.commit()
    log_call(client, staff.role("duty_lawyer")["headers"], caller="13907141234", ring=local(2026, 3, 2, 10), answer_after=2,
             talk=100, topic="劳动争议")


def test_analytics_exports_neutralise_names_and_echoed_filters(client, staff, evil_lawyer_calls):
    h = staff.role("manager")["headers"]
    region = '=HYPERLINK("http://x","y")'
    r = client.get("/api/v1/analytics/export", headers=h, query_string={
        "format": "xlsx", "date_from": "2026-03-01", "date_to": "2026-03-31", "region": region})
    assert r.status_code == 200, r.get_json()
    body = r.data
    assert b"<f>" not in _sheet_xml(body)
    wb = load_workbook(io.BytesIO(body))
    filt = {row[0]: row[1] for row in wb["筛选条件"].iter_rows(min_row=2, values_only=True)}
    assert filt["地区"] == "'" + region
    r = client.get("/api/v1/analytics/export", headers=h, query_string={
        "format": "xlsx", "chart": "workload", "date_from": "2026-03-01", "date_to": "2026-03-31"})
    wb = load_workbook(io.BytesIO(r.data))
    names = [row[0] for row in wb["律师工作量"].iter_rows(min_row=2, values_only=True)]
    assert names == ["'" + '=HYPERLINK("http://evil","点我")']
    assert b"<f>" not in _sheet_xml(r.data)
    r = client.get("/api/v1/analytics/export", headers=h, query_string={
        "format": "csv", "chart": "workload", "date_from": "2026-03-01", "date_to": "2026-03-31"})
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[1][0] == "'" + '=HYPERLINK("http://evil","点我")'


def test_audit_csv_neutralised(app, client, fast_argon2):
    from app.audit import record
    from app.auth.service import create_staff
    from app.extensions import db
    from tests.support import PASSWORD, console_login
    with app.app_context():
        create_staff("admin9", PASSWORD, "admin", full_name="@SUM(1+1)")  # display names are free text
        entry = record("login_failed", object_type="staff_user", object_id="=1+1", details={"username": "@SUM(1+1)"})
        entry.actor_name = "@SUM(1+1)"  # an account named before usernames were restricted
        db.session.commit()
    console_login(client, "admin9")
    r = client.get("/console/audit.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    assert any(c.startswith("'@SUM(1+1)") for c in cells), cells  # the admin's display name, inert
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize("name", ["@SUM(1+1)", "=cmd", "a b", "张三", "x;y", "ab", ""])
def test_staff_username_restricted(app, name):
    from app import errors
    from app.auth.models import StaffUser
    from app.auth.service import create_staff
    from app.extensions import db
    with app.app_context():
        with pytest.raises(errors.ValidationFailed):
            create_staff(name, "long-enough-password", "manager")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0
        assert create_staff("ok_user.name-1", "long-enough-password", "manager").id
