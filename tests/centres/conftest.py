"""Two centres: the city centre (where tests.factories' staff belong) and 洪山 (district 420111) with a
twin of every staff account (username + "_hs"), plus a city manager."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD, STAFF

HS_DISTRICT = "420111"


@pytest.fixture
def centres(app, staff):
    import sqlalchemy as sa

    from app.auth.models import StaffUser
    from app.auth.service import create_staff, issue_tokens
    from app.common.permissions import P, Role
    from app.centres import service
    from app.extensions import db
    with app.app_context():
        city = service.default_centre()
        city.districts = ["420106"]
        hs = service.create({"code": "hongshan", "name": "洪山区法律援助中心", "districts": [HS_DISTRICT],
                             "letter_prefix_decision": "洪法援决字", "letter_prefix_notice": "洪法援补字",
                             "letter_prefix_assignment": "洪法援指字", "bureau_name": "武汉市洪山区司法局",
                             "bureau_address": "武汉市洪山区珞喻路 1 号", "objection_period_days": 15})
        db.session.commit()
        out = {"city": {"id": city.id, "code": city.code}, "hs": {"id": hs.id, "code": hs.code}, "twins": {}}
        for i, (username, (role, name, extra)) in enumerate(STAFF.items()):
            if role in P.see_all_centres:
                continue  # the city level has no twin: it sees every centre
            u = create_staff(f"{username}_hs", PASSWORD, role, full_name=f"洪{name}", staff_no=f"H{i:03d}",
                             centre_id=hs.id, **extra)
            tok = issue_tokens("staff", u.id)
            out["twins"][username] = {"id": u.id, "username": u.username, "role": role,
                                      "headers": {"Authorization": f"Bearer {tok['access_token']}"}}
        cm = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "city1"))  # tests.factories' city manager
        assert cm.role == Role.city_manager and cm.centre_id == city.id
        tok = issue_tokens("staff", cm.id)
        out["city_manager"] = {"id": cm.id, "username": "city1",
                               "headers": {"Authorization": f"Bearer {tok['access_token']}"}}
        db.session.commit()
    return out
