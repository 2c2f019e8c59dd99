"""centres: the platform's legal-aid centres as data; staff, applications, calls, callbacks and alerts belong
to one (the role city_manager joined the role check in 0009); existing data moves into a default (city) centre built from the settings

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-04

"""
import os

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OWNED = ("staff_users", "applications", "consultations", "callback_tasks", "alerts", "call_imports", "supervision_samples")

# the default centre takes today's process settings (the same defaults as app/config.py)
DEFAULTS = {
    "name": ("CENTRE_NAME", "武汉市法律援助中心"), "address": ("CENTRE_ADDRESS", "武汉市江岸区三阳路 8 号"),
    "phone": ("CENTRE_PHONE", "12348"), "bureau_name": ("BUREAU_NAME", "武汉市司法局"),
    "bureau_address": ("BUREAU_ADDRESS", None),
    "letter_prefix_decision": ("LETTER_PREFIX_DECISION", "武法援决字"),
    "letter_prefix_notice": ("LETTER_PREFIX_NOTICE", "武法援补字"),
    "letter_prefix_assignment": ("LETTER_PREFIX_ASSIGNMENT", "武法援指字"),
}


def _setting(key, default):
    try:
        from flask import current_app
        return current_app.config.get(key) or default
    except RuntimeError:  # outside an app context (alembic alone)
        return os.environ.get(key) or default


def upgrade():
    centres = op.create_table(
        "centres",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("address", sa.String(255)),
        sa.Column("phone", sa.String(20)),
        sa.Column("districts", JSON, nullable=False),
        sa.Column("is_city", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("letter_prefix_decision", sa.String(32)),
        sa.Column("letter_prefix_notice", sa.String(32)),
        sa.Column("letter_prefix_assignment", sa.String(32)),
        sa.Column("bureau_name", sa.String(64)),
        sa.Column("bureau_address", sa.String(255)),
        sa.Column("hardship_monthly_income", sa.String(16)),
        sa.Column("hardship_standard_text", sa.String(255)),
        sa.Column("objection_period_days", sa.Integer()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("code", name=op.f("uq_centres_code")),
    )
    import datetime as dt
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    row = {col: _setting(key, default) for col, (key, default) in DEFAULTS.items()}
    op.bulk_insert(centres, [{"id": 1, "code": "city", "districts": [], "is_city": True,
                              "created_at": now, "updated_at": now, **row}])
    for table in OWNED:
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
            t.create_foreign_key(op.f(f"fk_{table}_centre_id_centres"), "centres", ["centre_id"], ["id"])
            t.create_index(op.f(f"ix_{table}_centre_id"), ["centre_id"])
        op.execute(f"UPDATE {table} SET centre_id = 1")
    with op.batch_alter_table("applications") as t:
        t.add_column(sa.Column("place_district", sa.String(6), nullable=True))
        t.add_column(sa.Column("place_basis", sa.String(8), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('centres', 'id'), 1)")


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM centres")).scalar() > 1:
        raise RuntimeError("more than one centre: downgrading would merge them; not done")
    with op.batch_alter_table("applications") as t:
        t.drop_column("place_basis")
        t.drop_column("place_district")
    for table in reversed(OWNED):
        with op.batch_alter_table(table) as t:
            t.drop_index(op.f(f"ix_{table}_centre_id"))
            t.drop_constraint(op.f(f"fk_{table}_centre_id_centres"), type_="foreignkey")
            t.drop_column("centre_id")
    op.drop_table("centres")
