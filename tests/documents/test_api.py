import datetime as dt
import hashlib
import io
import os
import urllib.parse
import urllib.request

import sqlalchemy as sa
import time_machine
from PIL import Image

from app.audit import AuditLog
from app.documents.models import Document
from app.extensions import db
from tests.factories import full_application, gps_exif, jpeg_bytes, login


def _app_for(client, s):
    r = client.post("/api/v1/applications", json=full_application(), headers=s["headers"])
    return r.get_json()["id"]


def _upload(client, s, app_id, data, kind="id_front", filename="photo.jpg", headers=None):
    return client.post("/api/v1/documents", headers={**s["headers"], **(headers or {})},
                       data={"file": (io.BytesIO(data), filename), "kind": kind, "application_id": str(app_id)},
                       content_type="multipart/form-data")


def _count_docs(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Document))


def test_upload_strips_exif_and_applies_orientation(client, fake_wechat, app):
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    raw = jpeg_bytes(size=(600, 400), exif=gps_exif(orientation=6))  # 6 = rotate 90° clockwise on display
    r = _upload(client, s, aid, raw)
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    assert doc["kind"] == "id_front" and doc["status"] == "uploaded"
    assert (doc["width"], doc["height"]) == (400, 600)  # turned upright
    url = client.get(f"/api/v1/documents/{doc['id']}/url", headers=s["headers"]).get_json()["url"]
    stored = client.get(url).data
    assert hashlib.sha256(stored).hexdigest() == doc["sha256"]
    img = Image.open(io.BytesIO(stored))
    exif = img.getexif()
    assert 0x8825 not in exif and 0x010F not in exif and 0x0112 not in exif  # no GPS, no make, no orientation
    assert b"TestPhone" not in stored


def test_hostile_files_refused_and_nothing_stored(client, fake_wechat, app, tmp_path):
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # 400 Mpx, ~50 KB on the wire
    gif = io.BytesIO()
    Image.new("RGB", (50, 50)).save(gif, "GIF")
    cases = {
        "text as jpg": (b"hello, I am not an image" * 10, 422),
        "html as png": (b"<html><script>alert(1)</script></html>", 422),
        "truncated jpeg": (jpeg_bytes()[:300], 422),
        "decompression bomb": (bomb.getvalue(), 422),
        "gif": (gif.getvalue(), 422),
        "empty": (b"", 422),
    }
    for name, (data, status) in cases.items():
        r = _upload(client, s, aid, data)
        assert r.status_code == status, (name, r.status_code, r.get_json())
        body = r.get_json()
        assert set(body) == {"code", "message", "details"} and body["message"], name
    assert _count_docs(app) == 0


def test_too_large_upload_413(make_app, fake_wechat):
    app = make_app(MAX_UPLOAD_BYTES=200_000, MAX_CONTENT_LENGTH=210_000)
    client = app.test_client()
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    big = os.urandom(300_000)
    r = _upload(client, s, aid, big)
    assert r.status_code == 413 and r.get_json()["code"] == "payload_too_large"
    assert _count_docs(app) == 0


def test_bad_form_fields(client, fake_wechat):
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    assert _upload(client, s, aid, jpeg_bytes(), kind="passport").status_code == 422
    r = client.post("/api/v1/documents", headers=s["headers"], data={"kind": "id_front", "application_id": str(aid)},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["details"]["fields"]
    assert _upload(client, s, 999999, jpeg_bytes()).status_code == 404


def test_new_upload_supersedes_same_kind(client, fake_wechat):
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    first = _upload(client, s, aid, jpeg_bytes(color=(10, 10, 10))).get_json()
    second = _upload(client, s, aid, jpeg_bytes(color=(200, 10, 10))).get_json()
    back = _upload(client, s, aid, jpeg_bytes(), kind="id_back").get_json()
    docs = client.get(f"/api/v1/applications/{aid}/documents", headers=s["headers"]).get_json()
    assert {d["id"] for d in docs} == {second["id"], back["id"]}
    old = client.get(f"/api/v1/documents/{first['id']}", headers=s["headers"]).get_json()
    assert old["status"] == "superseded" and old["superseded_by_id"] == second["id"]
    all_docs = client.get(f"/api/v1/applications/{aid}/documents?include_superseded=true",
                          headers=s["headers"]).get_json()
    assert len(all_docs) == 3


def test_other_citizen_cannot_see_or_upload(client, fake_wechat):
    owner = login(client, fake_wechat, "doc-owner")
    other = login(client, fake_wechat, "doc-other")
    aid = _app_for(client, owner)
    doc = _upload(client, owner, aid, jpeg_bytes()).get_json()
    assert client.get(f"/api/v1/documents/{doc['id']}", headers=other["headers"]).status_code == 404
    assert client.get(f"/api/v1/documents/{doc['id']}/url", headers=other["headers"]).status_code == 404
    assert client.get(f"/api/v1/applications/{aid}/documents", headers=other["headers"]).status_code == 404
    assert _upload(client, other, aid, jpeg_bytes()).status_code == 404


def test_signed_url_expires_and_cannot_be_forged(make_app, fake_wechat):
    app = make_app(SIGNED_URL_TTL=1)
    client = app.test_client()
    with time_machine.travel(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc), tick=False) as clock:
        s = login(client, fake_wechat)
        aid = _app_for(client, s)
        doc = _upload(client, s, aid, jpeg_bytes()).get_json()
        url = client.get(f"/api/v1/documents/{doc['id']}/url", headers=s["headers"]).get_json()["url"]
        assert client.get(url).status_code == 200
        parts = urllib.parse.urlsplit(url)
        q = dict(urllib.parse.parse_qsl(parts.query))
        assert q["expires"] == "1790301601"  # 2026-09-25 02:00:01 UTC: one second (SIGNED_URL_TTL)
        forged = f"{parts.path}?expires={int(q['expires']) + 3600}&signature={q['signature']}"
        assert client.get(forged).status_code == 403
        other_key = parts.path[:-4] + "0000"
        assert client.get(f"{other_key}?{parts.query}").status_code == 403
        clock.shift(1)
        assert client.get(url).status_code == 200  # its last second
        clock.shift(1)
        r = client.get(url)
        assert r.status_code == 403 and r.get_json()["code"] == "invalid_signature"


def test_storage_down_gives_503_and_no_row(make_app, fake_wechat):
    app = make_app(STORAGE_URL="minio://k:secretsecret@127.0.0.1:9/bucket?secure=false")
    client = app.test_client()
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    r = _upload(client, s, aid, jpeg_bytes())
    assert r.status_code == 503 and r.get_json()["code"] == "storage_unavailable"
    assert _count_docs(app) == 0
    assert client.get("/readyz").status_code == 503


def test_database_failure_after_store_leaves_no_orphan(make_app, fake_wechat, tmp_path):
    storage_dir = tmp_path / "objects"
    app = make_app(STORAGE_URL=f"file://{storage_dir}")
    client = app.test_client()
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    with app.app_context():  # make every insert into documents fail inside the database itself
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql"))
                conn.execute(sa.text("CREATE TRIGGER boom BEFORE INSERT ON documents FOR EACH ROW EXECUTE FUNCTION boom()"))
            else:
                conn.execute(sa.text("CREATE TRIGGER boom BEFORE INSERT ON documents BEGIN SELECT RAISE(ABORT, 'boom'); END"))
    try:
        r = _upload(client, s, aid, jpeg_bytes())
        assert r.status_code == 500
        assert r.get_json() == {"code": "internal_error", "message": "服务器内部错误，请稍后再试", "details": {}}
        files = [p for p in storage_dir.rglob("*") if p.is_file()]
        assert files == []  # the object written before the failed insert was removed
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TRIGGER boom ON documents" if conn.dialect.name == "postgresql"
                                     else "DROP TRIGGER boom"))
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("DROP FUNCTION boom()"))


def test_minio_backend_through_the_api(make_app, fake_wechat, moto_s3):
    app = make_app(STORAGE_URL=moto_s3.storage_url())
    client = app.test_client()
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    doc = _upload(client, s, aid, jpeg_bytes(exif=gps_exif())).get_json()
    url = client.get(f"/api/v1/documents/{doc['id']}/url", headers=s["headers"]).get_json()["url"]
    assert url.startswith(moto_s3.url) and "X-Amz-Signature" in url
    body = urllib.request.urlopen(url, timeout=10).read()
    assert hashlib.sha256(body).hexdigest() == doc["sha256"]
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "storage": "ok"}


def test_staff_document_view_is_audited(client, fake_wechat, app):
    from app.auth.service import create_staff
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    doc = _upload(client, s, aid, jpeg_bytes()).get_json()
    with app.app_context():
        create_staff("duty-a", "password-123", "duty_lawyer")
    tok = client.post("/api/v1/auth/staff/login", json={"username": "duty-a", "password": "password-123"}).get_json()
    r = client.get(f"/api/v1/documents/{doc['id']}/url", headers={"Authorization": f"Bearer {tok['access_token']}"})
    assert r.status_code == 200
    # the citizen's own views are not staff views
    client.get(f"/api/v1/documents/{doc['id']}/url", headers=s["headers"])
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "document.view")).all()
        assert len(rows) == 1 and rows[0].actor_name == "duty-a" and rows[0].object_id == str(doc["id"])
        assert rows[0].ip


def test_idempotent_upload(client, fake_wechat, app):
    s = login(client, fake_wechat)
    aid = _app_for(client, s)
    data = jpeg_bytes()
    r1 = _upload(client, s, aid, data, headers={"Idempotency-Key": "up-1"})
    r2 = _upload(client, s, aid, data, headers={"Idempotency-Key": "up-1"})
    assert r1.status_code == r2.status_code == 201 and r1.get_json()["id"] == r2.get_json()["id"]
    assert _count_docs(app) == 1
