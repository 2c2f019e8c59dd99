"""stored due dates of each open case: applications.next_due (the work queues' order), urgent_due (the same
once the legal deadline is within 72 h) and clock_due (the review and assignment dates the clock scan
alerts on), indexed, backfilled for every case not closed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("next_due", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("urgent_due", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("clock_due", sa.Date(), nullable=True))
    op.create_index("ix_applications_next_due_id", "applications", ["next_due", "id"])
    op.create_index("ix_applications_urgent_due_id", "applications", ["urgent_due", "id"])
    op.create_index("ix_applications_clock_due", "applications", ["clock_due"])
    # Backfill with the application's own arithmetic (working days / 日, the SLA targets of this process's
    # configuration), through this migration's connection: migrations run in the Flask app's context
    # (migrations/env.py). Only cases not closed are read (a few percent of a province's million).
    from sqlalchemy.orm import Session

    from app.procedure import due
    with Session(bind=op.get_bind()) as session:
        due.recompute(session)
        session.flush()


def downgrade():
    op.drop_index("ix_applications_clock_due", table_name="applications")
    op.drop_index("ix_applications_urgent_due_id", table_name="applications")
    op.drop_index("ix_applications_next_due_id", table_name="applications")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("clock_due")
        batch.drop_column("urgent_due")
        batch.drop_column("next_due")
