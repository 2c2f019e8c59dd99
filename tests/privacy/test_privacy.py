"""Issue 18 item 3: separate, recorded consent for sensitive data (ID number, ID and household photos,
income), refused without it; the citizen's data copy and account deletion, keeping the case files the
law requires and removing the rest."""
from __future__ import annotations

import io

import sqlalchemy as sa

from app.applications.models import Application
from app.auth.consents import KINDS, CitizenConsent
from app.auth.models import AuthToken, Citizen
from app.documents.models import Document
from app.extensions import db
from app.ratings.models import Rating
from app.storage_bridge import get_storage
from tests.factories import full_application, jpeg_bytes, login, valid_id

A = "/api/v1/applications"


def _upload(client, s, app_id, kind):
    return client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                       data={"file": (io.BytesIO(jpeg_bytes()), "p.jpg"), "kind": kind, "application_id": str(app_id)})


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_sensitive_fields_and_photos_need_their_own_consent(app, client, fake_wechat):
    s = login(client, fake_wechat, consents=False)
    # a draft without any sensitive value is fine
    body = full_application(id_number=None, hardship_statement=None)
    r = client.post(A, json=body, headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    app_id = r.get_json()["id"]
    # the ID number: 403 with a Chinese message at the field, nothing stored
    r = client.patch(f"{A}/{app_id}", json={"id_number": valid_id()}, headers=s["headers"])
    assert r.status_code == 403
    err = r.get_json()
    assert err["code"] == "consent_required" and err["details"]["consent"] == "id_number"
    assert "公民身份号码" in err["message"] and "单独同意" in err["message"]
    assert "id_number" in err["details"]["fields"]
    r = client.post(A, json=full_application(), headers=s["headers"])
    assert r.status_code == 403 and r.get_json()["details"]["consent"] == "id_number"
    assert _count(app, Application) == 1
    with app.app_context():
        assert db.session.get(Application, app_id).id_number is None
    # photos: ID card, household register, income proof; "other" needs none
    for kind, consent in (("id_front", "id_photos"), ("id_back", "id_photos"), ("hukou_home", "household_photos"),
                          ("hardship_proof", "income")):
        r = _upload(client, s, app_id, kind)
        assert r.status_code == 403 and r.get_json()["details"]["consent"] == consent, (kind, r.get_json())
    assert _count(app, Document) == 0
    # income: the statement and the household income of the screen
    r = client.patch(f"{A}/{app_id}", json={"hardship_statement": "家中四口人，仅我一人务工"}, headers=s["headers"])
    assert r.status_code == 403 and r.get_json()["details"]["consent"] == "income"
    r = client.put(f"{A}/{app_id}/eligibility", json={"matter": "labour_relation_or_pay", "household_size": 4,
                                                      "monthly_income": "3200.00"}, headers=s["headers"])
    assert r.status_code == 403 and r.get_json()["details"]["consent"] == "income"

    # the consents: texts with versions, then granted one by one (an old version is refused)
    listed = client.get("/api/v1/me/consents", headers=s["headers"]).get_json()["items"]
    assert [c["kind"] for c in listed] == list(KINDS) and not any(c["granted"] for c in listed)
    r = client.post("/api/v1/me/consents", json={"kind": "id_number", "version": "2000-01"}, headers=s["headers"])
    assert r.status_code == 409 and r.get_json()["code"] == "consent_text_changed"
    for kind in KINDS:
        r = client.post("/api/v1/me/consents", json={"kind": kind, "version": KINDS[kind].version}, headers=s["headers"])
        assert r.status_code == 200 and r.get_json()["granted"] is True and r.get_json()["granted_at"]
    with app.app_context():
        rows = db.session.scalars(sa.select(CitizenConsent).where(CitizenConsent.citizen_id == s["user"]["id"])).all()
        assert sorted((c.kind, c.version) for c in rows) == sorted((k, v.version) for k, v in KINDS.items())
        assert all(c.granted_at is not None and c.withdrawn_at is None for c in rows)
    assert client.patch(f"{A}/{app_id}", json={"id_number": valid_id()}, headers=s["headers"]).status_code == 200
    assert _upload(client, s, app_id, "id_front").status_code == 201
    from app.procedure.eligibility import CURRENT_COMMITMENT
    r = client.put(f"{A}/{app_id}/eligibility", json={"matter": "labour_relation_or_pay", "household_size": 4,
                                                      "monthly_income": "3200.00", "integrity_commitment": {
                                                          "version": CURRENT_COMMITMENT, "accepted": True}},
                   headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    # withdrawn: collected no more
    r = client.delete("/api/v1/me/consents/id_photos", headers=s["headers"])
    assert r.status_code == 200 and r.get_json()["granted"] is False
    assert _upload(client, s, app_id, "id_back").status_code == 403
    assert client.delete("/api/v1/me/consents/bogus", headers=s["headers"]).status_code == 404


def test_a_staff_intake_needs_no_citizen_consent(app, client, staff):
    from tests.support import api_login
    duty = api_login(client, "duty1")
    r = client.post("/api/v1/staff/applications", json={"applicant_name": "来电人", "phone": "13871234567",
                                                        "description": "电话求助：工资被拖欠八个月", "id_number": valid_id()},
                    headers=duty)
    assert r.status_code in (200, 201), r.get_json()


def test_data_copy_gives_the_citizen_their_own_data(app, client, fake_wechat):
    s = login(client, fake_wechat)
    other = login(client, fake_wechat)
    ident = valid_id(seq=321)
    app_id = client.post(A, json=full_application(id_number=ident), headers=s["headers"]).get_json()["id"]
    client.post(A, json=full_application(applicant_name="别人"), headers=other["headers"])
    assert _upload(client, s, app_id, "id_front").status_code == 201
    r = client.get("/api/v1/me/data", headers=s["headers"])
    assert r.status_code == 200
    data = r.get_json()
    assert [a["id_number"] for a in data["applications"]] == [ident]  # their own data in full
    assert [d["kind"] for d in data["documents"]] == ["id_front"]
    assert {c["kind"] for c in data["consents"]} == set(KINDS)
    assert "别人" not in r.get_data(as_text=True)
    assert "session_key" not in r.get_data(as_text=True) and s["openid"] not in r.get_data(as_text=True)
    from app.audit import AuditLog
    assert _count(app, AuditLog, AuditLog.action == "citizen.data_export") == 1
    assert client.get("/api/v1/me/data").status_code == 401


def test_account_deletion_keeps_case_files_and_removes_the_rest(app, client, fake_wechat, staff):
    from tests.support import make_case
    s = login(client, fake_wechat, "to-delete")
    cid = s["user"]["id"]
    with app.app_context():
        c = db.session.get(Citizen, cid)
        c.phone = "13871234567"
        db.session.commit()
    submitted = client.post(A, json=full_application(), headers=s["headers"]).get_json()["id"]
    assert _upload(client, s, submitted, "id_front").status_code == 201
    assert client.post(f"{A}/{submitted}/submit", headers={**s["headers"], "Idempotency-Key": "k1"}).status_code == 200
    draft = client.post(A, json=full_application(applicant_name="草稿人"), headers=s["headers"]).get_json()["id"]
    assert _upload(client, s, draft, "id_front").status_code == 201
    assert _upload(client, s, draft, "id_back").status_code == 201
    with app.app_context():
        draft_keys = db.session.scalars(sa.select(Document.storage_key).where(Document.application_id == draft)).all()
        kept_key = db.session.scalar(sa.select(Document.storage_key).where(Document.application_id == submitted))
        a = db.session.get(Application, submitted)
        a.status = "closed"
        db.session.commit()
    r = client.post(f"{A}/{submitted}/rating", json={"stars": 5, "comment": "很好"}, headers=s["headers"])
    assert r.status_code == 201, r.get_json()

    # bad input changes nothing; the confirmation is required
    assert client.post("/api/v1/me/deletion", json={"confirm": False}, headers=s["headers"]).status_code == 422
    assert client.post("/api/v1/me/deletion", json={}, headers=s["headers"]).status_code == 422
    assert _count(app, Application, Application.id == draft) == 1
    r = client.post("/api/v1/me/deletion", json={"confirm": True}, headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"drafts_deleted": 1, "photos_deleted": 2, "case_files_kept": 1}

    with app.app_context():
        assert db.session.get(Application, draft) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(Document.application_id == draft)) == 0
        kept = db.session.get(Application, submitted)
        assert kept is not None and kept.id_number  # the case file stays whole
        c = db.session.get(Citizen, cid)
        assert c.phone is None and c.phone_bound_at is None and c.unionid is None and c.session_key_enc is None
        assert c.openid != s["openid"] and c.deleted_at is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthToken).where(
            AuthToken.subject_type == "citizen", AuthToken.subject_id == cid)) == 0
        rating = db.session.scalar(sa.select(Rating))
        assert rating.citizen_id is None and rating.stars == 5  # the rating stays, its identity goes
        assert all(x.withdrawn_at is not None for x in db.session.scalars(
            sa.select(CitizenConsent).where(CitizenConsent.citizen_id == cid)))
        keys = {o.key for o in get_storage().list_objects("")}
    assert not set(draft_keys) & keys and kept_key in keys
    # every session ended; the same WeChat user logging in again starts a new, empty account
    assert client.get("/api/v1/me", headers=s["headers"]).status_code == 401
    again = login(client, fake_wechat, "to-delete")
    assert again["user"]["id"] != cid
    assert client.get(A, headers=again["headers"]).get_json()["total"] == 0
