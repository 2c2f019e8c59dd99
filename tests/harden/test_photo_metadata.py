"""Issue 9 item 4: stored photos keep no metadata of any kind. A marker is planted in every
metadata container each format has; the stored bytes must not contain any of them."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from app.documents.models import Document
from app.extensions import db
from app.storage_bridge import get_storage
from tests.factories import full_application, login

XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>'
       b'MARKER-XMP</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def _photo() -> Image.Image:
    img = Image.new("RGB", (320, 240), (180, 170, 150))
    for x in range(0, 320, 20):
        img.paste((x % 255, 60, 90), (x, 0, x + 6, 240))
    return img


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "MARKER-EXIF-MAKE"
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0), 3: "E", 4: (114.0, 17.0, 0.0)}
    return exif.tobytes()


def _jpeg() -> bytes:
    out = io.BytesIO()
    _photo().save(out, "JPEG", exif=_exif(), comment=b"MARKER-COM <script>alert(1)</script>", xmp=XMP,
                  icc_profile=b"\0" * 128 + b"MARKER-ICC")
    return out.getvalue()


def _png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "MARKER-TEXT")
    info.add_text("Author", "MARKER-ZTXT", zip=True)
    info.add_itxt("Description", "MARKER-ITXT", lang="zh", tkey="说明")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    _photo().save(out, "PNG", pnginfo=info, exif=_exif())
    return out.getvalue()


def _webp() -> bytes:
    out = io.BytesIO()
    _photo().save(out, "WEBP", exif=_exif(), xmp=XMP)
    return out.getvalue()


MARKERS = (b"MARKER", b"<script>", b"xmpmeta", b"Exif", b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"ICC_PROFILE", b"XMP ")


@pytest.mark.parametrize("name,maker", [("jpeg", _jpeg), ("png", _png), ("webp", _webp)])
def test_stored_photo_has_no_metadata(client, fake_wechat, app, name, maker):
    raw = maker()
    planted = [m for m in (b"MARKER-EXIF", b"MARKER-XMP", b"MARKER-COM", b"MARKER-TEXT", b"MARKER-ITXT")
               if m in raw]
    assert len(planted) >= 2, f"the {name} test file must carry its markers"  # the planting itself worked
    s = login(client, fake_wechat)
    aid = client.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    r = client.post("/api/v1/documents", headers=s["headers"],
                    data={"file": (io.BytesIO(raw), f"p.{name}"), "kind": "other", "application_id": str(aid)},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        key = db.session.scalar(sa.select(Document.storage_key).where(Document.id == r.get_json()["id"]))
        stored = get_storage().get(key)
    found = [m for m in MARKERS if m in stored]
    assert not found, f"metadata left in the stored {name}: {found}"
    img = Image.open(io.BytesIO(stored))
    assert not img.getexif() and not {"comment", "xmp", "icc_profile", "exif"} & set(img.info)
    assert not getattr(img, "text", {})  # PNG text chunks
    assert img.size == (320, 240)
