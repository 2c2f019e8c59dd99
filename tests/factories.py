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


def login(client, fake, name: str | None = None, *, unionid=None) -> dict:
    """Log in a citizen through the fake WeChat server; returns the API's login answer + headers."""
    name = name or f"citizen{next(_counter)}"
    code = f"code-{name}-{secrets.token_hex(4)}"
    fake.add_login(code, f"openid-{name}", session_key=_session_key(name), unionid=unionid)
    r = client.post("/api/v1/auth/wechat/login", json={"code": code})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    body["headers"] = {"Authorization": f"Bearer {body['access_token']}"}
    body["session_key"] = _session_key(name)
    body["openid"] = f"openid-{name}"
    return body


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
