"""Issue 18: the server ↔ mini-program contract, server side. Every subscribe message opens a page the
mini-program has; /client-config lists every template the server can send with and says when to ask for
it; the contract file the mini-program's jest tests read is the server's current one."""
from __future__ import annotations

import json
import types

import sqlalchemy as sa

from app.config import Config
from app.extensions import db
from app.notifications import service
from app.notifications.models import Notification
from tests import miniprogram_contract


def _app_pages() -> set[str]:
    return set(json.loads(miniprogram_contract.APP_JSON.read_text(encoding="utf-8"))["pages"])


def test_every_message_opens_a_page_of_the_mini_program(app):
    pages = _app_pages()
    a = types.SimpleNamespace(id=7, citizen_id=None, reference="FY1")
    with app.app_context():
        from app.auth.models import Citizen
        from app.common.timeutil import utcnow
        c = Citizen(openid="contract-openid", created_at=utcnow(), updated_at=utcnow())
        db.session.add(c)
        db.session.flush()
        a.citizen_id = c.id
        doc = types.SimpleNamespace(kind_label="身份证人像面", reject_message="照片模糊")
        sent = [service.status_changed(a, "已受理"), service.document_rejected(a, doc),
                service.letter_issued(a, "不予法律援助决定书", "武法援决字〔2026〕第0012号")]
        assert {n.template_id for n in sent} == set(service.template_ids().values())
        for n in sent:
            path = n.page.split("?", 1)[0]
            assert path in pages, f"{n.page}: not a page of miniprogram/app.json"
            assert "id=7" in n.page
        db.session.rollback()
    assert set(service.PAGES.values()) <= pages


def test_client_config_lists_every_template_the_server_sends_with(make_app):
    settings = sorted(k for k in vars(Config()) if k.startswith("WECHAT_TEMPLATE_"))
    assert sorted(service.TEMPLATE_SETTINGS.values()) == settings  # a new template setting must be declared
    app = make_app(WECHAT_TEMPLATE_STATUS="t-status", WECHAT_TEMPLATE_DOCUMENT="t-doc", WECHAT_TEMPLATE_LETTER="t-letter",
                   WECHAT_SUBSCRIBE_LONG_TERM=True)
    body = app.test_client().get("/api/v1/client-config").get_json()
    assert body["subscribe_templates"] == {"status": "t-status", "document": "t-doc", "letter": "t-letter"}
    assert body["subscribe_long_term"] is True
    asked = {k for kinds in body["subscribe_moments"].values() for k in kinds}
    assert asked == set(body["subscribe_templates"])  # every template is asked for somewhere
    assert all(len(kinds) <= 3 for kinds in body["subscribe_moments"].values())  # WeChat's limit per request
    assert "letter" in body["subscribe_moments"]["submit"]  # a refusal letter starts the objection period


def test_contract_file_for_the_mini_program_is_current(app):
    expected = miniprogram_contract.render(miniprogram_contract.build(app))
    actual = miniprogram_contract.CONTRACT_FILE.read_text(encoding="utf-8")
    assert actual == expected, "run: .venv/bin/python -m tests.miniprogram_contract"


def test_contract_walks_every_field_the_submit_check_names(app):
    names = set(json.loads(miniprogram_contract.CONTRACT_FILE.read_text(encoding="utf-8"))["submit_fields"])
    for must in ("birth_date", "ethnicity", "occupation", "sex", "legal_deadline", "matter", "integrity_commitment"):
        assert must in names
