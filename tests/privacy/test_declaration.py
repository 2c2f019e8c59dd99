"""Issue 18: the privacy declaration list in docs/privacy.md is tested against what the citizen API
actually collects (every request field of the citizen's operations in the OpenAPI document, every photo
kind, what WeChat gives at login), and the mini-program's readable notice names every item."""
from __future__ import annotations

import re
from pathlib import Path

from app.common.taxonomy import DOCUMENT_KINDS

ROOT = Path(__file__).resolve().parents[2]
CITIZEN_PATHS = re.compile(r"^/api/v1/(applications|documents|me|auth/wechat|eligibility|consultations/\{[^}]+\}/rating)")
# what WeChat gives at login and phone binding (not request fields of our API)
FROM_WECHAT = {"openid", "unionid", "session_key", "phone"}
# request fields that are not personal data (the docs say so, by name)
NOT_PERSONAL = {"fields", "kind", "version", "confirm", "file", "application_id"}


def _declaration() -> tuple[dict[str, str], set[str]]:
    """{item name: row} and every backticked field of the declaration table."""
    text = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    section = text.split("## What the mini-program collects", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| ") and not ln.startswith("| ---")][1:]
    items, fields = {}, set()
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        items[cells[0]] = row
        fields |= set(re.findall(r"`([a-z_:]+)`", cells[1]))
    return items, fields


def _collected(client) -> set[str]:
    spec = client.get("/api/openapi.json").get_json()

    def resolve(schema):
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema
    out = set()
    for path, ops in spec["paths"].items():
        if not CITIZEN_PATHS.match(path):
            continue
        for method, op in ops.items():
            if method not in ("post", "put", "patch"):
                continue
            for body in (op.get("requestBody") or {}).get("content", {}).values():
                out |= set(resolve(body["schema"]).get("properties", {}))
    return out


def test_every_field_the_citizen_api_collects_is_declared(client):
    _, declared = _declaration()
    collected = _collected(client)
    assert len(collected) > 30
    personal = (collected - NOT_PERSONAL) | FROM_WECHAT | {f"photo:{k}" for k in DOCUMENT_KINDS}
    undeclared = personal - declared
    assert undeclared == set(), f"collected but not in docs/privacy.md's declaration list: {sorted(undeclared)}"
    stale = declared - personal - {"code", "encrypted_data", "iv"} - FROM_WECHAT
    assert stale == set(), f"declared but no longer collected: {sorted(stale)}"


def test_the_check_sees_an_undeclared_field(client, monkeypatch):
    """The checker itself: a field the API starts to collect without a declaration is found."""
    from app.applications import schemas
    import marshmallow as ma
    monkeypatch.setitem(schemas.ApplicationInput._declared_fields, "religion", ma.fields.String())
    from app import create_app
    from tests.conftest import base_config
    fresh = create_app(base_config()).test_client()
    _, declared = _declaration()
    assert "religion" in _collected(fresh) - declared


def test_sensitive_rows_name_the_consents_the_server_requires():
    from app.auth.consents import KINDS
    items, _ = _declaration()
    for kind in KINDS.values():
        assert kind.title in items, kind.title
        assert f"`{kind.key}`" in items[kind.title]


def test_the_mini_programs_notice_names_every_declared_item():
    notice = (ROOT / "miniprogram" / "utils" / "privacy-notice.js").read_text(encoding="utf-8")
    items, _ = _declaration()
    for name in items:
        assert f"name: '{name}'" in notice, name
