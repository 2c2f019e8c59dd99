"""periodic_runs: each periodic task's period claimed once across processes and hosts (issue 21)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "periodic_runs",
        sa.Column("task", sa.String(40), nullable=False),
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("host", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("task", "slot", name="pk_periodic_runs"),
    )


def downgrade():
    op.drop_table("periodic_runs")
