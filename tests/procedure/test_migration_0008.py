"""Migration 0008 moves the procedure's eleven columns off `applications` into `application_procedure`
(one-to-one) with the data, and its downgrade copies them back. On a database of its own (SQLite file)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import base_config

ROW = {"eligibility": '{"answer": {"result": "likely_eligible"}}', "eligibility_override": None,
       "integrity_commitment": '{"version": "2026-01"}', "review_clock_from": "2026-06-01", "decision": "refused",
       "decided_at": "2026-06-02 02:00:00.000000", "decision_grounds": '[{"key": "not_in_hardship"}]',
       "expedite_ground": None, "assign_clock_from": None, "termination_ground": None,
       "objection_due": "2026-07-02"}


def test_upgrade_copies_the_procedure_and_downgrade_copies_it_back(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.sqlite3'}"))
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            now = dt.datetime(2026, 6, 1, 2, 0)
            for app_id, status in ((1, "rejected"), (2, "draft")):
                conn.execute(sa.text("INSERT INTO applications (id, status, mobility_impaired, home_visit_requested, "
                                     "created_at, updated_at) VALUES (:id, :status, 0, 0, :now, :now)"),
                             {"id": app_id, "status": status, "now": now})
            conn.execute(sa.text("UPDATE applications SET " + ", ".join(f"{k} = :{k}" for k in ROW) + " WHERE id = 1"),
                         ROW)
        upgrade(revision="0008")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("applications")}
            assert columns.isdisjoint(ROW)
            rows = conn.execute(sa.text("SELECT * FROM application_procedure")).mappings().all()
        assert [r["application_id"] for r in rows] == [1]  # the untouched draft gets its row on the first write
        assert {k: rows[0][k] for k in ROW} == ROW
        downgrade(revision="0007")
        with db.engine.connect() as conn:
            assert "application_procedure" not in sa.inspect(conn).get_table_names()
            back = conn.execute(sa.text("SELECT id, " + ", ".join(ROW) + " FROM applications ORDER BY id")).mappings().all()
        assert {k: back[0][k] for k in ROW} == ROW
        assert all(back[1][k] is None for k in ROW)
        db.engine.dispose()
