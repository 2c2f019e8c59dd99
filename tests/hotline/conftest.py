"""Hotline fixtures: staff per role with bearer tokens (minted directly: no argon2 in the hot path)."""
from __future__ import annotations

import datetime as dt

import pytest

from app.common.timeutil import LOCAL_TZ

ROLES = ("duty_lawyer", "aid_lawyer", "supervisor", "manager", "admin")


class Staff(dict):
    """{role: {"id", "headers", "staff_no"}} plus .duty2 (a second duty lawyer)."""


@pytest.fixture
def staff(app):
    from app.auth.models import StaffUser
    from app.auth.service import issue_tokens
    from app.common.timeutil import utcnow
    from app.extensions import db
    out = Staff()
    with app.app_context():
        for i, role in enumerate((*ROLES, "duty_lawyer")):
            key = role if role not in out else "duty2"
            u = StaffUser(username=f"{key}-u", password_hash="!", role=role, full_name=f"{key}名",
                          staff_no=f"D{i:03d}" if role == "duty_lawyer" else f"X{i:03d}",
                          created_at=utcnow(), updated_at=utcnow())
            db.session.add(u)
            db.session.flush()
            tok = issue_tokens("staff", u.id)
            out[key] = {"id": u.id, "staff_no": u.staff_no, "headers": {"Authorization": f"Bearer {tok['access_token']}"}}
        db.session.commit()
    return out


def local(y, m, d, hh=10, mm=0, ss=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=LOCAL_TZ)


def recent(days_ago: float = 0, hour: int | None = None) -> dt.datetime:
    """A local time `days_ago` days before now (optionally at a given local hour)."""
    t = dt.datetime.now(LOCAL_TZ) - dt.timedelta(days=days_ago)
    if hour is not None:
        t = t.replace(hour=hour, minute=0, second=0, microsecond=0)
    return t.replace(microsecond=0)


def log_call(client, headers, caller="13907141234", ring=None, answer_after=2, talk=300, **extra):
    ring = ring or recent(0.01)
    body = {"caller": caller, "ring_at": ring.isoformat()}
    if answer_after is not None:
        body["answered_at"] = (ring + dt.timedelta(seconds=answer_after)).isoformat()
        body["ended_at"] = (ring + dt.timedelta(seconds=answer_after + talk)).isoformat()
    body.update(extra)
    r = client.post("/api/v1/consultations", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()
