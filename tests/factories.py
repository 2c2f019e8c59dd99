"""The one factories module of the tests: logins, application bodies, photos (no app logic here: they drive the public API)."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import secrets

from PIL import Image

from ocr import idnumber

_counter = itertools.count(1)


def valid_id(region="420102", born=dt.date(1985, 6, 15), seq=123) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_digit(first17)


def login(client, fake, name: str | None = None, *, unionid=None, consents: bool = True) -> dict:
    """Log in a citizen through the fake WeChat server; returns the API's login answer + headers.
    `consents`: the citizen has given every separate consent for sensitive data (ID number, ID and
    household photos, income) at the current text version, as the mini-program asks before collecting;
    tests/privacy checks what happens without them."""
    name = name or f"citizen{next(_counter)}"
    code = f"code-{name}-{secrets.token_hex(4)}"
    fake.add_login(code, f"openid-{name}", session_key=_session_key(name), unionid=unionid)
    r = client.post("/api/v1/auth/wechat/login", json={"code": code})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    body["headers"] = {"Authorization": f"Bearer {body['access_token']}"}
    body["session_key"] = _session_key(name)
    body["openid"] = f"openid-{name}"
    if consents:
        grant_consents(client, body["user"]["id"])
    return body


def grant_consents(client, citizen_id: int, kinds=None) -> None:
    from app.auth.consents import KINDS, CitizenConsent
    from app.common.timeutil import utcnow
    from app.extensions import db
    with client.application.app_context():
        for kind in kinds or KINDS:
            db.session.add(CitizenConsent(citizen_id=citizen_id, kind=kind, version=KINDS[kind].version,
                                          granted_at=utcnow()))
        db.session.commit()


def _session_key(name: str) -> str:
    import base64
    import hashlib
    return base64.b64encode(hashlib.md5(name.encode()).digest()).decode()


def full_application(**overrides) -> dict:
    data = {
        "applicant_name": "刘建国", "sex": "男", "ethnicity": "汉", "birth_date": "1985-06-15",
        "id_number": valid_id(), "phone": "13871234567",
        "hukou_address": "湖北省武汉市江岸区解放大道1000号", "current_address": "湖北省武汉市硚口区中山大道88号",
        "occupation": "建筑工人", "category": "农民工欠薪",
        "description": "在工地务工八个月，包工头拖欠工资三万二千元，多次讨要未果。",
        "opposing_party": "某建筑劳务有限公司", "hardship_category": "农民工追索劳动报酬",
        "service_type": "representation",
    }
    data.update(overrides)
    return data


def jpeg_bytes(size=(640, 400), color=(200, 180, 160), exif=None, fmt="JPEG") -> bytes:
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure, so it is a "photo" not a flat colour
        img.paste((x % 255, 90, 120), (x, 0, x + 8, size[1]))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    gps = {1: "N", 2: (30.0, 35.0, 0.0), 3: "E", 4: (114.0, 17.0, 0.0)}
    exif[0x8825] = gps
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


# --- staff: one account per role (two duty lawyers, two aid lawyers), all with PASSWORD --------------

PASSWORD = "correct-horse-battery"
STAFF = {
    # username: (role, full name, extra); staff_no is S000, S001, ... in this order
    "duty1": ("duty_lawyer", "张值班", {}),
    "aid1": ("aid_lawyer", "李援助", {"specialties": "劳动争议,农民工欠薪,工伤", "region": "江岸区"}),
    "aid2": ("aid_lawyer", "王援助", {"specialties": "婚姻家庭,医疗纠纷", "region": "武昌区"}),
    "supervisor1": ("supervisor", "赵监管", {}),
    "manager1": ("manager", "陈主任", {}),
    "admin1": ("admin", "系统管理员", {}),
    "bureau1": ("bureau_reviewer", "孙审查", {}),
    "duty2": ("duty_lawyer", "周值班", {}),
    "city1": ("city_manager", "钱市级", {}),
}
# the account the role matrix and `staff.role(r)` use for each staff role of app/common/permissions.py
ROLE_USER = {"duty_lawyer": "duty1", "aid_lawyer": "aid1", "supervisor": "supervisor1", "manager": "manager1",
             "admin": "admin1", "bureau_reviewer": "bureau1", "city_manager": "city1"}


class Staff(dict):
    """{username: {"id", "username", "role", "full_name", "staff_no", "headers"}} (headers: a bearer token);
    `.role(r)`: the first account of role r (duty1, aid1, supervisor1, manager1, admin1, bureau1)."""

    def role(self, role: str) -> dict:
        return self[ROLE_USER[role]]


def make_staff(app) -> Staff:
    """Create every account of STAFF through the auth service and mint a bearer token for each."""
    from app.auth.service import create_staff, issue_tokens
    from app.extensions import db
    out = Staff()
    with app.app_context():
        for i, (username, (role, name, extra)) in enumerate(STAFF.items()):
            u = create_staff(username, PASSWORD, role, full_name=name, staff_no=f"S{i:03d}", **extra)
            out[username] = {"id": u.id, "username": username, "role": role, "full_name": name,
                             "staff_no": u.staff_no}
        for acc in out.values():
            tok = issue_tokens("staff", acc["id"])
            acc["headers"] = {"Authorization": f"Bearer {tok['access_token']}"}
        db.session.commit()
    return out
