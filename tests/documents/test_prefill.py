"""OCR prefill end to end through the API, with the real PP-OCR models on generated photos: the flow
photo uploaded → OCR → prefill (app.documents.flows.photo_uploaded)."""
import datetime as dt
import io

import pytest
import time_machine
from PIL import Image

from ocr.testing.synth import make_sample
from tests.factories import login


@pytest.fixture
def ocr_client(make_app, fake_wechat):
    app = make_app(OCR_ENABLED=True)
    return app.test_client()


def _upload(client, s, app_id, data, kind):
    r = client.post("/api/v1/documents", headers=s["headers"],
                    data={"file": (io.BytesIO(data), "p.jpg"), "kind": kind, "application_id": str(app_id)},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@time_machine.travel(dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc), tick=False)
def test_prefill_suggests_without_overwriting_and_confirm_applies(ocr_client, fake_wechat):
    client = ocr_client
    s = login(client, fake_wechat)
    sample = make_sample("id_front", "clean", seed=11)
    truth = sample["truth"]
    # the citizen already typed a (different) name: it must not be overwritten
    a = client.post("/api/v1/applications", json={"applicant_name": "王五"}, headers=s["headers"]).get_json()
    doc = _upload(client, s, a["id"], sample["image"], "id_front")
    assert doc["status"] == "ocr_done"
    assert doc["ocr"]["fields"]["id_number"]["value"] == truth["id_number"]
    assert doc["warnings"] == []

    p = client.get(f"/api/v1/applications/{a['id']}/prefill", headers=s["headers"]).get_json()
    assert p["fields"]["applicant_name"]["state"] == "differs"
    assert p["fields"]["applicant_name"]["current"] == "王五"
    assert p["fields"]["applicant_name"]["suggestion"]["value"] == truth["name"]
    idn = p["fields"]["id_number"]
    assert idn["state"] == "suggested" and idn["suggestion"]["value"] == truth["id_number"]
    assert idn["suggestion"]["document_id"] == doc["id"] and 0 < idn["suggestion"]["confidence"] <= 1
    app_now = client.get(f"/api/v1/applications/{a['id']}", headers=s["headers"]).get_json()
    assert app_now["applicant_name"] == "王五" and app_now["id_number"] is None  # nothing applied by itself

    r = client.post(f"/api/v1/applications/{a['id']}/prefill/confirm",
                    json={"fields": ["id_number", "birth_date", "sex"]}, headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["fields"]["id_number"]["state"] == "confirmed"
    app_now = client.get(f"/api/v1/applications/{a['id']}", headers=s["headers"]).get_json()
    assert app_now["id_number"] == truth["id_number"] and app_now["birth_date"] == truth["birth_date"]
    assert app_now["applicant_name"] == "王五"
    r = client.post(f"/api/v1/applications/{a['id']}/prefill/confirm", json={"fields": ["religion"]},
                    headers=s["headers"])
    assert r.status_code == 422


def test_sideways_photo_and_wrong_document_in_slot(ocr_client, fake_wechat):
    client = ocr_client
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json={}, headers=s["headers"]).get_json()
    sample = make_sample("id_front", "clean", seed=12)
    img = Image.open(io.BytesIO(sample["image"])).rotate(90, expand=True)  # taken sideways, no EXIF hint
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    doc = _upload(client, s, a["id"], out.getvalue(), "id_front")
    assert doc["ocr"]["fields"]["id_number"]["value"] == sample["truth"]["id_number"]

    back = make_sample("id_back", "clean", seed=12)
    wrong = _upload(client, s, a["id"], back["image"], "id_front")  # the back side in the front slot
    assert "wrong_kind" in wrong["warnings"]
    assert wrong["ocr"]["kind"] == "id_back"


def test_prefill_other_citizen_404(ocr_client, fake_wechat):
    client = ocr_client
    owner = login(client, fake_wechat)
    other = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json={}, headers=owner["headers"]).get_json()
    assert client.get(f"/api/v1/applications/{a['id']}/prefill", headers=other["headers"]).status_code == 404
    r = client.post(f"/api/v1/applications/{a['id']}/prefill/confirm", json={"fields": ["sex"]},
                    headers=other["headers"])
    assert r.status_code == 404
    assert client.get(f"/api/v1/applications/{a['id']}/prefill").status_code == 401


def test_ocr_failure_is_retried_then_marked_failed(make_app, fake_wechat, tmp_path):
    """An object that cannot be read: three attempts with backoff recorded, then ocr_failed."""
    import sqlalchemy as sa

    from app.documents.models import Document
    from app.documents.tasks import MAX_ATTEMPTS
    from app.extensions import db
    from app.tasks import enqueue
    app = make_app(OCR_ENABLED=False, STORAGE_URL=f"file://{tmp_path}/objects")
    client = app.test_client()
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json={}, headers=s["headers"]).get_json()
    doc = _upload(client, s, a["id"], make_sample("id_front", "clean", seed=13)["image"], "id_front")
    with app.app_context():
        d = db.session.get(Document, doc["id"])
        d.status = "ocr_pending"
        (tmp_path / "objects" / d.storage_key).write_bytes(b"not an image any more")
        db.session.commit()
        enqueue("ocr_document", d.id)  # inline mode: retries run at once
        db.session.expire_all()
        d = db.session.get(Document, doc["id"])
        assert d.status == "ocr_failed" and d.ocr_attempts == MAX_ATTEMPTS and d.ocr_error
        assert db.session.scalar(sa.select(Document.ocr_next_attempt_at).where(Document.id == d.id)) is None


def test_sweeper_picks_up_work_left_pending_by_a_crash(make_app, fake_wechat):
    import datetime as dt

    from app.common.timeutil import utcnow
    from app.documents.models import Document
    from app.documents.tasks import sweep_stale_ocr
    from app.extensions import db
    app = make_app(OCR_ENABLED=False)
    client = app.test_client()
    s = login(client, fake_wechat)
    a = client.post("/api/v1/applications", json={}, headers=s["headers"]).get_json()
    doc = _upload(client, s, a["id"], make_sample("id_back", "clean", seed=14)["image"], "id_back")
    with app.app_context():
        d = db.session.get(Document, doc["id"])  # as a worker that died mid-job leaves it
        d.status, d.ocr_attempts = "ocr_pending", 1
        d.ocr_next_attempt_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
        assert sweep_stale_ocr() == 1
        db.session.expire_all()
        d = db.session.get(Document, doc["id"])
        assert d.status == "ocr_done" and d.ocr_result["kind"] == "id_back"
        assert sweep_stale_ocr() == 0


def test_worker_start_loads_the_ocr_engine(tmp_path):
    """The engine loads when a worker starts, not on the first photo: in thread mode when the process
    starts serving, in Celery in every pool process (worker_process_init)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import os
        os.environ.update(INSTANCE_DIR={str(tmp_path)!r}, DATABASE_URL="sqlite:///{tmp_path}/t.sqlite3",
                          STORAGE_URL="file://{tmp_path}/s")
        os.environ.pop("REDIS_URL", None)
        import ocr.engine
        from app import create_app
        from app import tasks
        app = create_app({{"TASKS_MODE": "thread", "OCR_ENABLED": True, "PERIODIC_TASKS": False}})
        assert not ocr.engine.loaded()
        app.test_client().get("/healthz")
        app.extensions["task_startup"].result()
        assert ocr.engine.loaded(), "thread pool start did not load the engine"
        ocr.engine._engine = None
        app2 = create_app({{"TASKS_MODE": "celery", "REDIS_URL": "redis://127.0.0.1:1/0", "OCR_ENABLED": True}})
        from celery.signals import worker_process_init
        worker_process_init.send(sender=None)
        assert ocr.engine.loaded(), "worker_process_init did not load the engine"
        print("ok")
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                       cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr[-3000:]
