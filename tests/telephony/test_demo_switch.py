"""The demo switch replays the bundled recorded morning through the same ingest: calls, pops for the demo's
duty lawyer (D001), survey ratings, the wallboard's figures."""
from __future__ import annotations

import sqlalchemy as sa

from app.consultations.models import Consultation
from app.extensions import db
from app.ratings.models import Rating
from app.telephony import demo
from app.telephony.bus import get_bus


def test_recorded_morning_replays(tapp, fast_argon2):
    from app.auth.service import create_staff
    with tapp.app_context():
        duty = create_staff("demo-duty", "correct-horse-battery", "duty_lawyer", full_name="值班", staff_no="D001")
        db.session.commit()
        duty_id = duty.id
    sub = get_bus(tapp).subscribe(f"pop:{duty_id}")
    rows = demo.load(demo.DEFAULT_FIXTURE)
    calls = {r["call_id"] for r in rows}
    # sent at once, stamped as a 10x replay would stamp them
    sent = demo.replay(tapp, demo.DEFAULT_FIXTURE, speed=10, pace=False)
    assert sent == len(rows) == 377
    with tapp.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == len(calls) == 70
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == \
            sum(1 for r in rows if r["event"] == "survey")
        d001 = {r["call_id"] for r in rows if r.get("agent") == "D001" and r["event"] == "agent_ringing"}
    pops = 0
    while sub.get(timeout=0.05) is not None:
        pops += 1
    assert pops == len(d001) > 10
