"""Where an objection goes (Art. 49): the bureau's address is its own setting. It does not default to
the centre's address (an objection taken to the centre's door is not lodged with the bureau); unset, the
letter names the bureau without an address and the admin is told."""
from __future__ import annotations

import datetime as dt

from tests.support import console_login, make_case


def test_the_bureau_address_does_not_default_to_the_centre(make_app, monkeypatch):
    monkeypatch.delenv("BUREAU_ADDRESS", raising=False)
    monkeypatch.delenv("CENTRE_ADDRESS", raising=False)
    from app.config import Config
    cfg = Config()
    assert cfg.CENTRE_ADDRESS and cfg.BUREAU_ADDRESS != cfg.CENTRE_ADDRESS
    monkeypatch.setenv("BUREAU_ADDRESS", "武汉市江汉区某路 1 号")
    assert Config().BUREAU_ADDRESS == "武汉市江汉区某路 1 号"


def _route_text(app, app_id):
    """The refusal letter's paragraph on where to object, as the letter renders it (the case's centre's bureau)."""
    from types import SimpleNamespace

    from app.applications.models import Application
    from app.extensions import db
    from app.procedure import letters
    with app.app_context():
        ps = SimpleNamespace(objection_due=dt.date(2026, 3, 16))
        app_ = db.session.get(Application, app_id)
        return "".join(letters.paragraphs("_objection_route.txt", **letters._objection_route(app_, ps)))


def test_the_letter_names_the_bureau_and_its_own_address_only(make_app, fast_argon2):
    from tests.factories import make_staff
    unset = make_app(BUREAU_ADDRESS="", CENTRE_ADDRESS="武汉市江岸区三阳路 8 号")
    make_staff(unset)
    app_id = make_case(unset, "under_review")
    text = _route_text(unset, app_id)
    assert "向武汉市司法局提出，也可以" in text and "三阳路" not in text
    admin = unset.test_client()
    console_login(admin, "admin1")
    assert "未配置武汉市司法局的地址（BUREAU_ADDRESS）" in admin.get("/console/").get_data(as_text=True)

    set_ = make_app(BUREAU_ADDRESS="武汉市江汉区某路 1 号", CENTRE_ADDRESS="武汉市江岸区三阳路 8 号")
    assert "向武汉市司法局提出（地址：武汉市江汉区某路 1 号）" in _route_text(set_, app_id)
