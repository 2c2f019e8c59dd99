"""application_procedure: the procedure's eleven columns move off applications into a table of their own
(one-to-one), data copied both ways

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# (name, type) as migration 0006 added them to applications
COLUMNS = (
    ("eligibility", JSON), ("eligibility_override", JSON), ("integrity_commitment", JSON),
    ("review_clock_from", sa.Date()), ("decision", sa.String(12)), ("decided_at", sa.DateTime()),
    ("decision_grounds", JSON), ("expedite_ground", sa.String(40)), ("assign_clock_from", sa.Date()),
    ("termination_ground", sa.String(40)), ("objection_due", sa.Date()),
)
NAMES = ", ".join(name for name, _ in COLUMNS)


def upgrade():
    op.create_table(
        "application_procedure",
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id", ondelete="CASCADE"),
                  primary_key=True),
        *[sa.Column(name, type_, nullable=True) for name, type_ in COLUMNS],
    )
    # a row for every application the procedure has touched (the others get one on their first write)
    any_set = " OR ".join(f"{name} IS NOT NULL" for name, _ in COLUMNS)
    op.execute(f"INSERT INTO application_procedure (application_id, {NAMES}) "
               f"SELECT id, {NAMES} FROM applications WHERE {any_set}")
    with op.batch_alter_table("applications") as t:
        for name, _ in reversed(COLUMNS):
            t.drop_column(name)


def downgrade():
    with op.batch_alter_table("applications") as t:
        for name, type_ in COLUMNS:
            t.add_column(sa.Column(name, type_, nullable=True))
    sets = ", ".join(f"{name} = (SELECT p.{name} FROM application_procedure p WHERE p.application_id = applications.id)"
                     for name, _ in COLUMNS)
    op.execute(f"UPDATE applications SET {sets} "
               f"WHERE id IN (SELECT application_id FROM application_procedure)")
    op.drop_table("application_procedure")
