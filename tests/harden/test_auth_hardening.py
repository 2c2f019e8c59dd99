"""Issue 9 items 1 and 2: lockout under parallel failures; refresh-token reuse ends the family."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from app.auth.models import AuthToken, StaffUser
from app.extensions import db
from tests.support import PASSWORD
from tests.factories import login


def test_parallel_wrong_passwords_all_count_and_lock(app, staff):
    barrier = threading.Barrier(12)
    statuses = []

    def attempt():
        c = app.test_client()
        barrier.wait()
        r = c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": "wrong-password-x"})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 12 and set(statuses) <= {401, 429}
    with app.app_context():
        u = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "duty1"))
        assert u.locked_until is not None  # 12 failures at once: every one counted, the account locked
        assert u.failed_logins >= 5
    r = app.test_client().post("/api/v1/auth/staff/login", json={"username": "duty1", "password": PASSWORD})
    assert r.status_code == 429 and r.get_json()["code"] == "account_locked"


def test_success_resets_counter_and_expired_lock_restarts_count(app, staff):
    c = app.test_client()
    for _ in range(3):
        assert c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": "nope-nope-nope"}).status_code == 401
    assert c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": PASSWORD}).status_code == 200
    with app.app_context():
        u = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "duty1"))
        assert u.failed_logins == 0
        import datetime as dt
        from app.common.timeutil import utcnow
        u.failed_logins, u.locked_until = 7, utcnow() - dt.timedelta(seconds=1)  # a lock that has run out
        db.session.commit()
    assert c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": "nope-nope-nope"}).status_code == 401
    with app.app_context():
        u = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "duty1"))
        assert u.failed_logins == 1 and u.locked_until is None
    assert c.post("/api/v1/auth/staff/login", json={"username": "duty1", "password": PASSWORD}).status_code == 200


def test_refresh_replay_revokes_whole_family_including_later_tokens(app, client, fake_wechat):
    s = login(client, fake_wechat)
    r1 = client.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]})
    assert r1.status_code == 200
    t1 = r1.get_json()
    r2 = client.post("/api/v1/auth/refresh", json={"refresh_token": t1["refresh_token"]})
    assert r2.status_code == 200
    t2 = r2.get_json()
    h2 = {"Authorization": f"Bearer {t2['access_token']}"}
    assert client.get("/api/v1/me", headers=h2).status_code == 200
    # replay r0 (rotated twice already): the whole chain dies, r2 and the latest access token too
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]}).status_code == 401
    assert client.get("/api/v1/me", headers=h2).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": t2["refresh_token"]}).status_code == 401
    # replaying r1 also fails; a fresh login starts a new, working family
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": t1["refresh_token"]}).status_code == 401
    with app.app_context():
        fams = db.session.scalars(sa.select(AuthToken.family).distinct()).all()
        assert len(fams) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthToken)
                                 .where(AuthToken.revoked_at.is_(None))) == 0
    s2 = login(client, fake_wechat)
    assert client.get("/api/v1/me", headers=s2["headers"]).status_code == 200


def test_refresh_race_only_one_winner(app, client, fake_wechat):
    s = login(client, fake_wechat)
    barrier = threading.Barrier(4)
    out = []

    def go():
        c = app.test_client()
        barrier.wait()
        out.append(c.post("/api/v1/auth/refresh", json={"refresh_token": s["refresh_token"]}).status_code)

    ts = [threading.Thread(target=go) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert out.count(200) <= 1 and out.count(200) + out.count(401) == 4
