"""The three subscribe messages come from one skeleton (app.notifications.service._message): the
template id from its setting, the page with the application's id, the fields cut to WeChat's limits
(thing 20, phrase 5, character_string 32), the time in Beijing time; none for an application without
a citizen (a phone intake not yet linked)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import time_machine

from app.applications.models import Application
from app.auth.models import Citizen
from app.extensions import db
from app.notifications import service as notifications

AT = dt.datetime(2026, 9, 25, 2, 30, tzinfo=dt.timezone.utc)  # Friday 10:30 in Beijing


def _app(citizen_id):
    return SimpleNamespace(id=7, citizen_id=citizen_id, reference="FY20260925000007")


def test_the_three_messages(make_app):
    app = make_app(WECHAT_TEMPLATE_STATUS="t-status", WECHAT_TEMPLATE_DOCUMENT="t-doc", WECHAT_TEMPLATE_LETTER="t-letter")
    with app.app_context(), time_machine.travel(AT, tick=False):
        db.session.add(Citizen(id=3, openid="o-3"))
        db.session.flush()  # the citizen's row first (PostgreSQL checks the foreign key)
        db.session.add(Application(id=7, status="submitted", citizen_id=3, reference="FY20260925000007"))
        db.session.flush()
        status = notifications.status_changed(_app(3), "不予法律援助（已出具决定书）", "经审查不符合经济困难标准，详见决定书全文。")
        doc = notifications.document_rejected(_app(3), SimpleNamespace(kind_label="居民身份证（人像面）",
                                                                       reject_message="照片模糊，请在光线充足处重新拍摄"))
        letter = notifications.letter_issued(_app(3), "不予法律援助决定书", "武法援不字〔2026〕第0012号")
        db.session.flush()
        assert (status.template_id, status.page, status.citizen_id, status.application_id) == (
            "t-status", "pages/status/status?id=7", 3, 7)
        assert status.data == {"character_string1": {"value": "FY20260925000007"}, "phrase2": {"value": "不予法律…"},
                               "time3": {"value": "2026-09-25 10:30"},
                               "thing4": {"value": "经审查不符合经济困难标准，详见决定书全…"}}
        assert (doc.template_id, doc.page) == ("t-doc", "pages/photos/photos?id=7")
        assert doc.data == {"thing1": {"value": "居民身份证（人像面）"}, "phrase2": {"value": "需重新拍摄"},
                            "thing3": {"value": "照片模糊，请在光线充足处重新拍摄"}}
        assert (letter.template_id, letter.page) == ("t-letter", "pages/status/status?id=7&tab=letters")
        assert letter.data == {"thing1": {"value": "不予法律援助决定书"}, "character_string2": {"value": "武法援不字〔2026〕第0012号"},
                               "time3": {"value": "2026-09-25 10:30"}, "thing4": {"value": "点击查看文书"}}
        assert all(n.status == "pending" and n.next_attempt_at == AT for n in (status, doc, letter))
        db.session.rollback()


def test_no_message_without_a_citizen(make_app):
    app = make_app()
    with app.app_context():
        assert notifications.status_changed(_app(None), "已受理") is None
        assert notifications.document_rejected(_app(None), SimpleNamespace(kind_label="x", reject_message="y")) is None
        assert notifications.letter_issued(_app(None), "决定书", "1") is None
