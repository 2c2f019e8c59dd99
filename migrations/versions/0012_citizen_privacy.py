"""citizen privacy: separate recorded consent for sensitive data; account deletion (issue 18)

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op

import app.common.timeutil

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "citizen_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("granted_at", app.common.timeutil.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", app.common.timeutil.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name=op.f("fk_citizen_consents_citizen_id_citizens")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_consents")),
    )
    op.create_index(op.f("ix_citizen_consents_citizen_id"), "citizen_consents", ["citizen_id"], unique=False)
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", app.common.timeutil.UTCDateTime(), nullable=True))
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
    op.drop_index(op.f("ix_citizen_consents_citizen_id"), table_name="citizen_consents")
    op.drop_table("citizen_consents")
