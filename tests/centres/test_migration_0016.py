"""Migration 0016 makes the default centre from the settings and moves every staff account, application,
call, callback and alert into it (no row lost, nothing else changed); its downgrade takes it out again.
On a database of its own (SQLite file)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import base_config

OWNED = ("staff_users", "applications", "consultations", "callback_tasks", "alerts", "call_imports", "supervision_samples")


def _count(conn, table):
    return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_upgrade_moves_everything_into_the_default_centre(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite3'}",
                                 CENTRE_NAME="某市法律援助中心", BUREAU_NAME="某市司法局", LETTER_PREFIX_DECISION="某法援决字"))
    with app.app_context():
        upgrade(revision="0010")
        now = dt.datetime(2026, 6, 1, 2, 0)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO staff_users (id, username, password_hash, role, full_name, is_active, "
                                 "failed_logins, available, created_at, updated_at) VALUES "
                                 "(1, 'm1', 'x', 'manager', '陈主任', 1, 0, 1, :now, :now)"), {"now": now})
            for app_id, status in ((1, "submitted"), (2, "closed")):
                conn.execute(sa.text("INSERT INTO applications (id, status, applicant_name, mobility_impaired, "
                                     "home_visit_requested, created_at, updated_at) VALUES (:id, :status, '刘建国', 0, 0, "
                                     ":now, :now)"), {"id": app_id, "status": status, "now": now})
            conn.execute(sa.text("INSERT INTO alerts (id, kind, severity, application_id, message, status, created_at) "
                                 "VALUES (1, 'sla_breach', 'critical', 1, '超时', 'open', :now)"), {"now": now})
            conn.execute(sa.text("INSERT INTO callback_tasks (id, reason, status, due_at, created_at) "
                                 "VALUES (1, 'bad_rating', 'open', :now, :now)"), {"now": now})
            conn.execute(sa.text("INSERT INTO letter_counters (series, year, last_seq) VALUES ('某法援决字', 2026, 7)"))
            before = {t: conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1")).mappings().all()
                      for t in OWNED if t != "consultations"}
        upgrade(revision="0016")
        with db.engine.connect() as conn:
            centres = conn.execute(sa.text("SELECT * FROM centres")).mappings().all()
            assert len(centres) == 1
            c = centres[0]
            assert (c["code"], c["name"], c["bureau_name"], c["letter_prefix_decision"], bool(c["is_city"])) == (
                "city", "某市法律援助中心", "某市司法局", "某法援决字", True)
            for table, rows in before.items():
                after = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1")).mappings().all()
                assert len(after) == len(rows)
                for old, new in zip(rows, after):
                    assert new["centre_id"] == c["id"]
                    assert {k: v for k, v in new.items() if k not in ("centre_id", "place_district", "place_basis")} == dict(old)
            # the letter counter keeps running: the default centre's prefix is the series it counted
            assert conn.execute(sa.text("SELECT last_seq FROM letter_counters WHERE series = '某法援决字'")).scalar() == 7
            conn.execute(sa.text("INSERT INTO staff_users (id, username, password_hash, role, full_name, is_active, "
                                 "failed_logins, available, created_at, updated_at, centre_id) VALUES "
                                 "(2, 'c1', 'x', 'city_manager', '市级', 1, 0, 1, :now, :now, 1)"), {"now": now})
            conn.commit()
        downgrade(revision="0010")
        with db.engine.connect() as conn:
            assert "centres" not in sa.inspect(conn).get_table_names()
            for table, rows in before.items():
                after = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1")).mappings().all()
                if table == "staff_users":  # the city manager's role is 0009's, not this migration's: it stays
                    assert [r["username"] for r in after if r["id"] == 2] == ["c1"]
                    after = [r for r in after if r["id"] != 2]
                assert [dict(r) for r in after] == [dict(r) for r in rows]
        db.engine.dispose()
