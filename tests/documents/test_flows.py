"""The documents domain's flows through their public entries, under a frozen clock:
phone bound → the phone intakes of that number are linked → their documents are handed over."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.applications.models import Application, ApplicationEvent
from app.documents import service as documents
from app.documents.models import Document
from app.extensions import db
from tests.factories import jpeg_bytes, login
from tests.support import make_case, user

NOW = dt.datetime(2026, 9, 25, 2, 0, tzinfo=dt.timezone.utc)  # Friday 10:00 in Beijing


def test_binding_a_phone_links_the_intakes_and_hands_their_documents_over(app, client, fake_wechat, staff):
    with time_machine.travel(NOW, tick=False):
        mine = make_case(app, "submitted", by_phone=True, phone="13907141234")
        other = make_case(app, "submitted", by_phone=True, phone="13907149999")
        with app.app_context():
            doc = documents.upload(user(app, "duty1"), mine, "id_front", jpeg_bytes(), "id.jpg")
            assert doc.citizen_id is None
        s = login(client, fake_wechat)
        fake_wechat.add_phone_code("p1", "13907141234")
        r = client.post("/api/v1/me/phone", json={"code": "p1"}, headers=s["headers"])
        assert r.status_code == 200, r.get_json()

        listed = client.get("/api/v1/applications", headers=s["headers"]).get_json()
        assert [a["id"] for a in listed["items"]] == [mine]
        with app.app_context():
            citizen_id = s["user"]["id"]
            assert db.session.get(Application, mine).citizen_id == citizen_id
            assert db.session.get(Application, other).citizen_id is None
            assert db.session.scalars(sa.select(Document.citizen_id).where(Document.application_id == mine)).all() == [citizen_id]
            ev = db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == mine,
                                                                      ApplicationEvent.action == "linked_to_citizen")).one()
            assert ev.created_at == NOW and ev.citizen_visible
            assert ev.note == "申请人已通过微信验证手机号，可在小程序中查看进度、补交材料"
