"""Issue 9 items 8 and 9 (and issue 11 item 10): database and storage outages answer 503 in the
right shape (JSON for the API, a Chinese page for the console), the service recovers by itself,
and no object is left without its row."""
from __future__ import annotations

import io
import json
import os
import time

import pytest
import sqlalchemy as sa

import storage
from app.consultations.models import CallImport
from app.documents.models import Document
from app.extensions import db
from app.storage_bridge import get_storage
from tests.support import PASSWORD
from tests.factories import full_application, jpeg_bytes, login


class _DatabaseDown:
    """New connections fail like a refused TCP connect; the pool is emptied so every request needs one."""

    def __init__(self, app):
        self.app = app
        self.engine = None

    def _refuse(self, dialect, conn_rec, cargs, cparams):  # noqa: ARG002
        raise dialect.loaded_dbapi.OperationalError("connection refused (database down in a test)")

    def __enter__(self):
        from app.common import readonly
        with self.app.app_context():
            # the ORM's engine and, on a database server, the read path's own autocommit pool
            self.engines = list({id(e): e for e in (db.engine, readonly.engine())}.values())
        for engine in self.engines:
            sa.event.listen(engine, "do_connect", self._refuse)
            engine.dispose()
        return self

    def __exit__(self, *exc):
        for engine in self.engines:
            sa.event.remove(engine, "do_connect", self._refuse)


def test_database_down_503_then_recovers(app, client, fake_wechat, staff):
    s = login(client, fake_wechat)
    assert client.get("/api/v1/me", headers=s["headers"]).status_code == 200
    from tests.support import console_login
    browser = app.test_client()
    console_login(browser, "manager1")
    with _DatabaseDown(app):
        for _ in range(3):
            r = client.get("/api/v1/me", headers=s["headers"])
            assert r.status_code == 503, r.data[:300]
            body = r.get_json()
            assert body["code"] == "database_unavailable" and body["message"] and body["details"] == {}
            assert int(r.headers["Retry-After"]) > 0
        r = client.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": PASSWORD})
        assert r.status_code == 503 and r.get_json()["code"] == "database_unavailable"
        # the console: a Chinese page, never raw JSON in the browser (issue 11 item 10: staff login)
        page = client.get("/console/login")
        assert page.status_code == 200  # the form itself needs no database
        from tests.support import csrf_from
        token = csrf_from(page.get_data(as_text=True))
        for resp in (client.post("/console/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token}),
                     browser.get("/console/"), browser.get("/console/dashboard")):
            text = resp.get_data(as_text=True)
            assert resp.status_code == 503, text[:300]
            assert resp.mimetype == "text/html" and "数据库暂时不可用" in text and '"code"' not in text
        assert client.get("/readyz").status_code == 503
    # the database is back: the next requests succeed without a restart
    assert client.get("/api/v1/me", headers=s["headers"]).status_code == 200
    assert client.get("/readyz").status_code == 200
    assert browser.get("/console/").status_code == 200  # the console session survived the outage
    assert client.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": PASSWORD}).status_code == 200


class _CutStorage:
    """Wraps the real storage: put writes the object, then fails as if the reply were cut."""

    def __init__(self, real, *, write_first=True):
        self.real, self.write_first = real, write_first

    def put(self, key, data, content_type="application/octet-stream"):
        if self.write_first:
            self.real.put(key, data, content_type)
        raise storage.StorageError("connection reset by peer (test)")

    def __getattr__(self, name):
        return getattr(self.real, name)


def _all_keys(app):
    with app.app_context():
        return {o.key for o in get_storage().list_objects("")}


@pytest.mark.parametrize("write_first", [True, False])
def test_storage_cut_on_upload_and_cdr_import_503_no_orphan(app, client, fake_wechat, staff, write_first):
    from tests.support import api_login
    s = login(client, fake_wechat)
    aid = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    mgr = api_login(client, "manager1")
    before = _all_keys(app)
    with app.app_context():
        real = get_storage()
    app.extensions["storage"] = _CutStorage(real, write_first=write_first)
    try:
        r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "id_front", "application_id": str(aid)})
        assert r.status_code == 503 and r.get_json()["code"] == "storage_unavailable"
        csv_raw = "通话ID,主叫号码,开始时间,振铃时长,通话时长\nC1,13907141234,2026-03-02 10:00:00,3,100\n".encode()
        r = client.post("/api/v1/consultations/imports", headers=mgr, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(csv_raw), "话单.csv")})
        assert r.status_code == 503 and r.get_json()["code"] == "storage_unavailable"
    finally:
        app.extensions["storage"] = real
    assert _all_keys(app) == before  # the object that did land was deleted again
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallImport)) == 0


def test_row_failure_after_cdr_object_written_deletes_object(app, client, staff, monkeypatch):
    from app.consultations import cdr
    from tests.support import api_login
    mgr = api_login(client, "manager1")
    before = _all_keys(app)

    def boom(*a, **k):
        raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))
    monkeypatch.setattr(cdr, "create_import", boom)
    r = client.post("/api/v1/consultations/imports", headers=mgr, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
    assert r.status_code == 503 and r.get_json()["code"] == "database_unavailable"
    assert _all_keys(app) == before


def test_reconciler_removes_old_orphans_and_reports_missing_objects(make_app, fake_wechat, tmp_path):
    app = make_app(STORAGE_URL=f"file://{tmp_path / 'objects'}")  # a bucket of its own
    client = app.test_client()
    s = login(client, fake_wechat)
    aid = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    ids = []
    for kind in ("id_front", "id_back"):
        r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                        data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": kind, "application_id": str(aid)})
        ids.append(r.get_json()["id"])
    with app.app_context():
        st = get_storage()
        st.put("documents/999/old-orphan.jpg", b"x", "image/jpeg")
        st.put("documents/999/young-orphan.jpg", b"x", "image/jpeg")
        st.put("elsewhere/not-ours.bin", b"x")
        old = time.time() - 2 * 3600
        os.utime(os.path.join(st.root, "documents/999/old-orphan.jpg"), (old, old))
        os.utime(os.path.join(st.root, "elsewhere/not-ours.bin"), (old, old))
        gone = db.session.get(Document, ids[1])
        st.delete(gone.storage_key)
        kept_key = db.session.get(Document, ids[0]).storage_key
    result = app.test_cli_runner().invoke(args=["storage", "reconcile"])
    assert result.exit_code == 1, result.output  # a row names a missing object: reported, non-zero exit
    report = json.loads(result.output)
    assert report["orphans_deleted"] == 1 and report["orphans_too_young"] == 1
    assert [(m["table"], m["id"]) for m in report["rows_missing_object"]] == [("documents", ids[1])]
    keys = _all_keys(app)
    assert "documents/999/old-orphan.jpg" not in keys
    assert {"documents/999/young-orphan.jpg", "elsewhere/not-ours.bin", kept_key} <= keys
    with app.app_context():
        assert db.session.get(Document, ids[1]) is not None  # rows are reported, never deleted


# --- issue 18: the citizen's fast read path under an outage -------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/applications?per_page=5", "/api/v1/applications?page_size=5",
                                  "/api/v1/applications/{aid}"])
def test_citizen_read_path_answers_503_when_the_database_fails_mid_read(app, client, fake_wechat, monkeypatch, path):
    """The read path runs its one statement through SQLAlchemy Core on its own autocommit pool
    (app/common/readonly.py): an error the driver raises there (the server shutting down, in recovery,
    busy) that is not a disconnect must answer 503 database_unavailable, never 500."""
    from app.common import readonly
    s = login(client, fake_wechat)
    aid = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    url = path.format(aid=aid)
    assert client.get(url, headers=s["headers"]).status_code == 200
    with app.app_context():
        dbapi = db.engine.dialect.loaded_dbapi
    calls = []

    def failing(conn, stmt, parameters):  # noqa: ARG001
        calls.append(1)
        # not a "disconnect" by the dialect's rules: what PostgreSQL says while shutting down or starting up,
        # as SQLAlchemy raises it around the driver's error
        raise sa.exc.OperationalError("SELECT …", {}, dbapi.OperationalError("FATAL: the database system is shutting down"))
    monkeypatch.setattr(readonly, "_execute", failing)
    for _ in range(3):
        r = client.get(url, headers=s["headers"])
        assert r.status_code == 503, r.data[:300]
        body = r.get_json()
        assert body["code"] == "database_unavailable" and body["message"] == "数据库暂时不可用，请稍后重试"
        assert int(r.headers["Retry-After"]) > 0
    assert calls
    monkeypatch.undo()
    assert client.get(url, headers=s["headers"]).status_code == 200  # recovers without a restart


def test_citizen_list_503_while_the_database_refuses_connections(app, client, fake_wechat):
    s = login(client, fake_wechat)
    client.post("/api/v1/applications", json=full_application(), headers=s["headers"])
    with _DatabaseDown(app):
        for _ in range(5):
            r = client.get("/api/v1/applications?per_page=5", headers=s["headers"])
            assert r.status_code == 503 and r.get_json()["code"] == "database_unavailable", r.data[:300]
    assert client.get("/api/v1/applications?per_page=5", headers=s["headers"]).status_code == 200
