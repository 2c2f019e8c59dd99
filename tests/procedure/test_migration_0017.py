"""Migration 0017 adds the stored due dates to applications and backfills them for the cases not closed,
with the clocks' arithmetic (日 from the day after, a last day on a rest day moved on); its downgrade takes
them out again. On a database of its own (SQLite file)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import base_config


def test_upgrade_backfills_the_due_dates(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    with app.app_context():
        upgrade(revision="0016")
        now = dt.datetime(2026, 3, 9, 2, 0)  # Mon 10:00 in Beijing
        with db.engine.begin() as conn:
            for app_id, status in ((1, "under_review"), (2, "approved"), (3, "closed"), (4, "assigned")):
                conn.execute(sa.text("INSERT INTO applications (id, status, applicant_name, mobility_impaired, "
                                     "home_visit_requested, submitted_at, created_at, updated_at, centre_id) VALUES "
                                     "(:id, :status, '刘建国', 0, 0, :now, :now, :now, 1)"),
                             {"id": app_id, "status": status, "now": now})
            conn.execute(sa.text("INSERT INTO application_procedure (application_id, review_clock_from, review_days) "
                                 "VALUES (1, '2026-03-09', 7), (3, '2026-03-09', 7)"))
            # granted Thu 03-12: 三日 → Sun 03-15 → Mon 03-16
            conn.execute(sa.text("INSERT INTO application_procedure (application_id, decision, assign_clock_from) "
                                 "VALUES (2, 'granted', '2026-03-12')"))
        upgrade(revision="0017")
        with db.engine.connect() as conn:
            rows = {r.id: (r.next_due, r.urgent_due, r.clock_due) for r in conn.execute(sa.text(
                "SELECT id, next_due, urgent_due, clock_due FROM applications ORDER BY id"))}
        # end of the local day (23:59:59 in Beijing) as naive UTC, how the column stores it
        assert rows[1] == ("2026-03-16 15:59:59.000000", None, "2026-03-16")
        assert rows[2] == ("2026-03-16 15:59:59.000000", None, "2026-03-16")
        assert rows[3] == (None, None, None) and rows[4] == (None, None, None)  # closed; assigned: no clock
        downgrade(revision="0016")
        with db.engine.connect() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("applications")}
            assert not cols & {"next_due", "urgent_due", "clock_due"}
        db.engine.dispose()
