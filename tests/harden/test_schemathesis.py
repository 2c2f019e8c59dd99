"""Issue 9 item 11: schemathesis over every operation of the OpenAPI document, with a citizen token
and a staff token (a manager), a bounded number of examples per operation: no server error, every
response (errors included: {"code" string, "message", "details"}) matches the documented schema.

SCHEMATHESIS_MAX_EXAMPLES (default 8) bounds the examples per operation; each example is sent with
both tokens."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def fuzz_app(make_app, fast_argon2):
    return make_app()


@pytest.fixture
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


@pytest.fixture
def tokens(fuzz_app, fake_wechat):
    """A citizen with a draft application and a photo, and a manager; fresh tokens each call."""
    from app.auth.models import StaffUser
    from app.auth.service import issue_tokens
    from app.common.timeutil import utcnow
    from app.extensions import db
    from tests.factories import full_application, jpeg_bytes, login
    import io
    c = fuzz_app.test_client()
    s = login(c, fake_wechat, "fuzz-citizen")
    aid = c.post("/api/v1/applications", json=full_application(), headers=s["headers"]).get_json()["id"]
    c.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
           data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg"), "kind": "id_front", "application_id": str(aid)})
    with fuzz_app.app_context():
        mgr = StaffUser(username="fuzz-manager", password_hash="!", role="manager", full_name="模糊测试",
                        created_at=utcnow(), updated_at=utcnow())
        db.session.add(mgr)
        db.session.commit()
        mgr_id, citizen_id = mgr.id, s["user"]["id"]

    def mint():
        with fuzz_app.app_context():
            out = {"citizen": issue_tokens("citizen", citizen_id)["access_token"],
                   "staff": issue_tokens("staff", mgr_id)["access_token"]}
            db.session.commit()
        return out
    return mint


def test_api_fuzz(fuzz_app, tokens):
    from hypothesis import given
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    failures, operations = [], 0
    only = os.environ.get("SCHEMATHESIS_ONLY")  # a substring of the operations to run (debugging)
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1
        if only and only not in op.label:
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            fresh = tokens()  # logout and refresh may revoke a token: every example gets new ones
            for role in ("citizen", "staff"):
                headers = {**(case.headers or {}), "Authorization": f"Bearer {fresh[role]}"}
                case.call_and_validate(headers=headers, checks=CHECKS)
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — every operation's failures
            failures.append(f"{op.label}: {_summary(exc) if not only else str(exc)[:6000]}")
    assert operations >= 80 or only
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(failures)


def _summary(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    keep = [ln for ln in lines if ln.startswith(("- ", "Validated", "[", "Additional", "'", "\"")) or "required" in ln
            or "status code" in ln.lower()]
    return " | ".join(keep[:12]) or type(exc).__name__
