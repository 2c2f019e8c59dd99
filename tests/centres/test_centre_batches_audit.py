"""Subsidy batches and the audit log per centre (issue 19): a batch pays one centre's cases (one per centre and
month) and another centre's batch is a 404 (API and console); a centre's admin reads its centre's audit
entries only, the city centre's admin also the platform's own (no centre)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from tests.support import console_login, make_case

S = "/api/v1/staff"


def _closed_case_in(app, centre_id: int, accepted: dt.date) -> int:
    from app.subsidy.models import Subsidy
    app_id = make_case(app, "closed")
    with app.app_context():
        apps = db.metadata.tables["applications"]
        db.session.execute(sa.update(apps).where(apps.c.id == app_id).values(centre_id=centre_id))
        row = db.session.scalar(sa.select(Subsidy).where(Subsidy.application_id == app_id))
        row.accepted_on = accepted
        db.session.commit()
    return app_id


def test_batches_are_a_centres_own(app, client, staff, centres):
    _closed_case_in(app, centres["city"]["id"], dt.date(2026, 5, 12))
    _closed_case_in(app, centres["hs"]["id"], dt.date(2026, 5, 20))
    city, hs = staff["manager1"]["headers"], centres["twins"]["manager1"]["headers"]
    r = client.post(f"{S}/subsidy/batches", json={"month": "2026-05"}, headers=hs)
    assert r.status_code == 201, r.get_json()
    hs_batch = r.get_json()
    assert hs_batch["items"] == 1
    # the same month for the city centre: its own batch, with its own case only
    r = client.post(f"{S}/subsidy/batches", json={"month": "2026-05"}, headers=city)
    assert r.status_code == 201, r.get_json()
    city_batch = r.get_json()
    assert city_batch["items"] == 1 and city_batch["id"] != hs_batch["id"]
    r = client.post(f"{S}/subsidy/batches", json={"month": "2026-05"}, headers=hs)
    assert r.status_code == 409 and "已存在" in r.get_json()["message"]
    assert [b["id"] for b in client.get(f"{S}/subsidy/batches", headers=hs).get_json()["items"]] == [hs_batch["id"]]
    assert [b["id"] for b in client.get(f"{S}/subsidy/batches", headers=city).get_json()["items"]] == [city_batch["id"]]
    # another centre's batch: 404, nothing changed
    assert client.post(f"{S}/subsidy/batches/{city_batch['id']}/approve", headers=hs).status_code == 404
    assert client.get(f"{S}/subsidy/batches/{city_batch['id']}/export?format=csv", headers=hs).status_code == 404
    assert client.get(f"{S}/subsidy/batches", headers=city).get_json()["items"][0]["status"] == "draft"
    assert client.post(f"{S}/subsidy/batches/{hs_batch['id']}/approve", headers=hs).get_json()["status"] == "approved"
    console = app.test_client()
    console_login(console, centres["twins"]["manager1"]["username"])
    assert console.get(f"/console/subsidy/{city_batch['id']}").status_code == 404
    assert console.get(f"/console/subsidy/{hs_batch['id']}").status_code == 200
    page = console.get("/console/subsidy?month=2026-05").get_data(as_text=True)
    assert f"/console/subsidy/{hs_batch['id']}\"" in page and f"/console/subsidy/{city_batch['id']}\"" not in page
    with app.app_context():
        from app.subsidy.models import SubsidyBatch
        got = {b.id: b.centre_id for b in db.session.scalars(sa.select(SubsidyBatch))}
    assert got == {hs_batch["id"]: centres["hs"]["id"], city_batch["id"]: centres["city"]["id"]}


def test_audit_log_per_centre(app, client, staff, centres):
    from app.audit import AuditLog, record
    _closed_case_in(app, centres["hs"]["id"], dt.date(2026, 5, 20))
    _closed_case_in(app, centres["city"]["id"], dt.date(2026, 5, 12))
    hs_batch = client.post(f"{S}/subsidy/batches", json={"month": "2026-05"},
                           headers=centres["twins"]["manager1"]["headers"]).get_json()
    city_batch = client.post(f"{S}/subsidy/batches", json={"month": "2026-05"},
                             headers=staff["manager1"]["headers"]).get_json()
    with app.app_context():
        record("system.platform_note", details={"n": 1})  # the platform's own entry: no centre
        db.session.commit()
        centre_of = dict(db.session.execute(sa.select(AuditLog.object_id, AuditLog.centre_id).where(
            AuditLog.action == "subsidy_batch.create")).all())
    assert centre_of == {str(hs_batch["id"]): centres["hs"]["id"], str(city_batch["id"]): centres["city"]["id"]}

    def entries(headers, **params):
        out = []
        for page in range(1, 50):
            r = client.get(f"{S}/audit", query_string={"page_size": 100, "page": page, **params}, headers=headers)
            assert r.status_code == 200, r.get_json()
            out += r.get_json()["items"]
            if len(out) >= r.get_json()["total"]:
                return out
        raise AssertionError("too many pages")

    hs_admin, city_admin = centres["twins"]["admin1"]["headers"], staff["admin1"]["headers"]
    hs_seen, city_seen = entries(hs_admin), entries(city_admin)
    created = lambda items: {e["object_id"] for e in items if e["action"] == "subsidy_batch.create"}  # noqa: E731
    assert created(hs_seen) == {str(hs_batch["id"])} and created(city_seen) == {str(city_batch["id"])}
    assert "system.platform_note" in {e["action"] for e in city_seen}
    assert "system.platform_note" not in {e["action"] for e in hs_seen}
    with app.app_context():
        hs_ids = set(db.session.scalars(sa.select(AuditLog.id).where(AuditLog.centre_id == centres["hs"]["id"])))
    assert {e["id"] for e in hs_seen} == hs_ids  # exactly the district's entries (stamped when written)
    assert not {e["id"] for e in city_seen} & hs_ids
    # the console page and its export: the same scope
    console = app.test_client()
    console_login(console, centres["twins"]["admin1"]["username"])
    page = console.get("/console/audit?action=subsidy_batch.create").get_data(as_text=True)
    csv = console.get("/console/audit.csv?action=subsidy_batch.create").data.decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == 2  # the header and the district's own batch
    assert "补贴批次" in page
