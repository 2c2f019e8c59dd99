"""Issue 9 item 6: bounded integers and strings (404/422, never 500 — on PostgreSQL too), and a CDR
field beyond the limit rejects only its own row, with its line number."""
from __future__ import annotations

import io
import re

from tests.factories import full_application, login

HUGE = 7793411211


def test_huge_path_ids_are_404_on_every_route(app, client, staff):
    h = staff.role("manager")["headers"]
    bad = []
    for rule in app.url_map.iter_rules():
        ints = [a for a, conv in rule._converters.items() if conv.__class__.__name__ == "BoundedIntConverter"]
        if not ints:
            continue
        path = rule.rule
        for a in ints:
            path = re.sub(rf"<int:{a}>", str(HUGE), path)
        path = re.sub(r"<[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = client.open(path, method=method, headers=h, json={})
            if r.status_code not in (404, 405):
                bad.append((method, path, r.status_code))
    assert not bad
    assert client.post(f"/api/v1/staff/alerts/329966470418/acknowledge", headers=h).status_code == 404


def test_huge_query_and_body_integers_are_422(client, staff, fake_wechat):
    h = staff.role("manager")["headers"]
    r = client.get(f"/api/v1/consultations?duty_lawyer_id={HUGE}", headers=h)
    assert r.status_code == 422 and r.get_json()["code"] == "validation_error"
    assert "duty_lawyer_id" in r.get_json()["details"]["fields"]
    r = client.get(f"/api/v1/consultations?duty_lawyer_id={-HUGE}", headers=h)
    assert r.status_code == 422
    assert client.get("/api/v1/consultations?page=99999999999999999999", headers=h).status_code == 422
    from tests.support import recent
    body = {"caller": "13907141234", "ring_at": recent(0.01).isoformat(), "application_id": HUGE}
    r = client.post("/api/v1/consultations", json=body, headers=staff.role("duty_lawyer")["headers"])
    assert r.status_code == 422 and "application_id" in r.get_json()["details"]["fields"]


def test_strings_are_bounded_and_nul_refused(client, fake_wechat):
    s = login(client, fake_wechat)
    r = client.post("/api/v1/applications", json=full_application(description="很" * 20_001), headers=s["headers"])
    assert r.status_code == 422
    r = client.post("/api/v1/applications", json=full_application(opposing_party="某公司\x00"), headers=s["headers"])
    assert r.status_code == 422
    assert client.get("/api/v1/applications", headers=s["headers"]).get_json()["total"] == 0


def test_console_pages_with_huge_numbers_answer(app, client, staff):
    from tests.support import console_login
    console_login(client, "admin1")
    assert client.get("/console/audit?page=99999999999999999999999").status_code == 200
    console_login(client, "manager1")
    assert client.get("/console/calls/import?id=99999999999999").status_code == 200
    assert client.get(f"/console/applications/{HUGE}").status_code == 404


def test_cdr_oversized_field_rejects_only_its_row(client, staff):
    import datetime as dt

    from app.common.timeutil import LOCAL_TZ
    t = (dt.datetime.now(LOCAL_TZ) - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    lines = ["call_id,caller,ring_at,ended_at,summary",
             f"G1,13907141234,{t},{t},ok",
             f"G2,13907141235,{t},{t},{'x' * (10 * 1024 * 1024)}",  # one 10 MB field
             f"G3,13907141236,{t},{t},{'y' * 3000}",  # beyond our own 2000-character limit
             f"G4,13907141237,{t},{t},ok"]
    raw = "\n".join(lines).encode()
    r = client.post("/api/v1/consultations/imports", data={"file": (io.BytesIO(raw), "话单.csv")},
                    headers=staff.role("manager")["headers"], content_type="multipart/form-data")
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body["status"] == "done" and body["inserted"] == 2 and body["error_count"] == 2, body
    got = client.get(f"/api/v1/consultations/imports/{body['id']}", headers=staff.role("manager")["headers"]).get_json()
    by_line = {e["line"]: e["reason"] for e in got["errors"]}
    assert set(by_line) == {3, 4} and "过长" in by_line[3] and "过长" in by_line[4]
