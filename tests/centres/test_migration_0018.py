"""Migration 0018: the analytics rollups are remade with the centre in their key from the calls (the figures
per centre and their sum as before), a subsidy batch takes the centre of its cases, an audit entry the
centre of its object or of the staff member who acted (none for the platform's own); the downgrade takes it
out again (the rollups summed over the centres). On a database of its own (SQLite file)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import base_config

NOW = dt.datetime(2026, 6, 1, 2, 0)


def _call(conn, n, centre, day, hour, answered, lawyer, topic):
    ring = dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=8)
    conn.execute(sa.text(
        "INSERT INTO consultations (id, call_id, source, caller_hash, caller_masked, caller_kind, region, province, "
        "ring_at, answered_at, wait_seconds, duration_seconds, local_date, local_hour, duty_lawyer_id, topic, "
        "topic_suggested, centre_id, created_at, updated_at) VALUES (:id, :cid, 'console', 'h', '139****0000', "
        "'mobile', '湖北省武汉市', '湖北省', :ring, :ans, :wait, :dur, :day, :hour, :lawyer, :topic, 0, :centre, "
        ":now, :now)"),
        {"id": n, "cid": f"c{n}", "ring": ring, "ans": ring + dt.timedelta(seconds=2) if answered else None,
         "wait": 2 if answered else None, "dur": 100 if answered else 0, "day": day, "hour": hour, "lawyer": lawyer,
         "topic": topic, "centre": centre, "now": NOW})


def test_upgrade_splits_the_rollups_by_centre_and_backfills_batches_and_audit(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    with app.app_context():
        upgrade(revision="0017")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO centres (id, code, name, districts, is_city, created_at, updated_at) "
                                 "VALUES (2, 'hongshan', '洪山区法律援助中心', '[\"420111\"]', 0, :now, :now)"), {"now": NOW})
            for uid, name, centre in ((1, "m1", 1), (2, "m2", 2)):
                conn.execute(sa.text("INSERT INTO staff_users (id, username, password_hash, role, full_name, is_active, "
                                     "failed_logins, available, created_at, updated_at, centre_id) VALUES "
                                     "(:id, :name, 'x', 'manager', '主任', 1, 0, 1, :now, :now, :c)"),
                             {"id": uid, "name": name, "now": NOW, "c": centre})
            d1, d2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
            _call(conn, 1, 1, d1, 9, True, 1, "婚姻家庭")
            _call(conn, 2, 1, d2, 10, False, None, None)
            _call(conn, 3, 2, d2, 10, True, 2, "婚姻家庭")
            _call(conn, 4, 2, d2, 23, True, 2, "劳动争议")
            for app_id, centre in ((1, 1), (2, 2)):
                conn.execute(sa.text("INSERT INTO applications (id, status, applicant_name, mobility_impaired, "
                                     "home_visit_requested, created_at, updated_at, centre_id) VALUES (:id, 'closed', "
                                     "'刘建国', 0, 0, :now, :now, :c)"), {"id": app_id, "now": NOW, "c": centre})
            for bid, month, maker in ((1, "2026-04", 1), (2, "2026-05", 2)):
                conn.execute(sa.text("INSERT INTO subsidy_batches (id, month, status, total_fen, created_at, "
                                     "created_by_id) VALUES (:id, :m, 'draft', 100, :now, :by)"),
                             {"id": bid, "m": month, "now": NOW, "by": maker})
            # batch 1 (made by centre 1's manager) pays a case of centre 2: the case's centre decides
            conn.execute(sa.text("INSERT INTO subsidies (id, application_id, lawyer_id, amount_fen, breakdown, "
                                 "accepted_on, batch_id, created_at) VALUES (1, 2, 2, 100, '{}', '2026-04-10', 1, :now)"),
                         {"now": NOW})
            for eid, actor_type, actor, object_type, object_id in (
                    (1, "staff", 1, "application", "2"), (2, "staff", 2, "archive", "9"), (3, "system", None, None, None),
                    (4, "citizen", 5, "application", "1"), (5, "staff", 1, "centre", "2"),
                    (6, "staff", 2, "subsidy_batch", "2")):
                conn.execute(sa.text("INSERT INTO audit_log (id, at, actor_type, actor_id, action, object_type, "
                                     "object_id) VALUES (:id, :now, :t, :a, 'x', :ot, :oid)"),
                             {"id": eid, "now": NOW, "t": actor_type, "a": actor, "ot": object_type, "oid": object_id})
        upgrade(revision="0018")
        with db.engine.connect() as conn:
            def q(sql):
                return [tuple(r) for r in conn.execute(sa.text(sql)).all()]
            assert q("SELECT day, centre_id, calls, answered, h10, h23 FROM call_rollup_day ORDER BY day, centre_id") == [
                ("2026-03-02", 1, 1, 1, 0, 0), ("2026-03-03", 1, 1, 0, 1, 0), ("2026-03-03", 2, 2, 2, 1, 1)]
            assert q("SELECT centre_id, topic, calls FROM call_rollup_topic ORDER BY centre_id, topic") == [
                (1, "婚姻家庭", 1), (1, "未分类", 1), (2, "劳动争议", 1), (2, "婚姻家庭", 1)]
            assert q("SELECT day, centre_id, region, calls, dow, week FROM call_rollup_region_month") == [
                ("2026-03-01", 1, "湖北省武汉市", 2, 7, "2026-02-23"), ("2026-03-01", 2, "湖北省武汉市", 2, 7, "2026-02-23")]
            assert q("SELECT centre_id, lawyer_id, calls, dow, week FROM call_rollup_lawyer_day WHERE day = '2026-03-03' "
                     "ORDER BY centre_id") == [(1, 0, 1, 2, "2026-03-02"), (2, 2, 2, 2, "2026-03-02")]
            assert q("SELECT id, centre_id FROM subsidy_batches ORDER BY id") == [(1, 2), (2, 2)]
            assert q("SELECT id, centre_id FROM audit_log ORDER BY id") == [
                (1, 2), (2, 2), (3, None), (4, 1), (5, 2), (6, 2)]
        # one batch per centre and month now: centre 1 may have its own 2026-05
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO subsidy_batches (id, month, status, total_fen, created_at, created_by_id, "
                                 "centre_id) VALUES (3, '2026-06', 'draft', 1, :now, 1, 1)"), {"now": NOW})
        downgrade(revision="0017")
        with db.engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(sa.text(
                "SELECT day, calls, answered, h10 FROM call_rollup_day ORDER BY day")).all()] == [
                ("2026-03-02", 1, 1, 0), ("2026-03-03", 3, 2, 2)]
            assert "centre_id" not in {c["name"] for c in sa.inspect(conn).get_columns("subsidy_batches")}
            assert "centre_id" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}
            assert conn.execute(sa.text("SELECT count(*) FROM subsidy_batches")).scalar() == 3
        db.engine.dispose()
