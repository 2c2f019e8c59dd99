"""Role-matrix entries for the centres (issue 19), picked up by tests/platform/test_role_matrix.py: the
admin's centres page, transfer (移送) on the case page and in the staff API."""
from __future__ import annotations

from app.common.permissions import P
from tests.platform.test_role_matrix import R

import itertools

_seq = itertools.count(1)


def other_centre(b) -> str:
    """A second centre to transfer to (made once per builder)."""
    code = getattr(b, "_other_centre", None)
    if code is None:
        from app.centres import service
        from app.extensions import db
        with b.app.app_context():
            service.create({"code": "other", "name": "洪山区法律援助中心", "districts": ["420111"]})
            db.session.commit()
        b.dirty = True
        code = b._other_centre = "other"
    return code


def _centre_id(b) -> int:
    from app.centres import service
    other_centre(b)
    with b.app.app_context():
        return service.by_code("other").id


def console_cases(Case, b, staff):
    c = "/console"
    return [
        Case("console.centres_page", "GET", R(P.view_centres), lambda b: f"{c}/centres", fresh=False),
        Case("console.centre_create", "POST", R(P.edit_centres), lambda b: f"{c}/centres",
             lambda b: {"code": f"c{next(_seq)}", "name": "新中心"}),
        Case("console.centre_update", "POST", R(P.edit_centres), lambda b: f"{c}/centres/{_centre_id(b)}",
             lambda b: {"code": "other", "name": "洪山区法律援助中心", "phone": f"027-{next(_seq):08d}",
                        "districts": "420111"}),
        Case("console.application_transfer", "POST", R(P.transfer_case),
             lambda b: f"{c}/applications/{b.case('submitted')}/transfer",
             lambda b: {"centre": other_centre(b), "reason": "案件由洪山区人民法院审理"}),
    ]


def api_cases(Case, b, staff):
    return [
        Case("staff.transfer", "POST", R(P.transfer_case),
             lambda b: f"/api/v1/staff/applications/{b.case('submitted')}/transfer",
             lambda b: {"centre": other_centre(b), "reason": "案件由洪山区人民法院审理"}),
    ]
