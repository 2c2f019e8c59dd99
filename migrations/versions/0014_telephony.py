"""telephony: call events, live calls, agent states, webhook receipts, caller flags; phone-survey ratings

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

BigID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "call_events",
        sa.Column("id", BigID, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("once_key", sa.String(90)),
        sa.Column("agent", sa.String(32)),
        sa.Column("queue", sa.String(64)),
        sa.Column("data", JSONType),
        sa.Column("consultation_id", BigID, sa.ForeignKey("consultations.id", ondelete="SET NULL")),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("call_id", "event", "at", name="uq_call_events_call_event_at"),
        sa.UniqueConstraint("once_key", name="uq_call_events_once_key"),
    )
    op.create_index("ix_call_events_received", "call_events", ["received_at"])
    op.create_table(
        "live_calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("consultation_id", BigID, sa.ForeignKey("consultations.id", ondelete="SET NULL")),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ring_at", sa.DateTime(), nullable=False),
        sa.Column("queued_at", sa.DateTime()),
        sa.Column("answered_at", sa.DateTime()),
        sa.Column("ended_at", sa.DateTime()),
        sa.Column("agent", sa.String(32)),
        sa.Column("queue", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_live_calls_state", "live_calls", ["state", "ring_at"])
    op.create_table(
        "agent_states",
        sa.Column("agent", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("call_id", sa.String(64)),
        sa.Column("since", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "telephony_webhook_receipts",
        sa.Column("signature", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_telephony_webhook_receipts_received_at", "telephony_webhook_receipts", ["received_at"])
    op.create_table(
        "caller_flags",
        sa.Column("caller_hash", sa.String(64), primary_key=True),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(200)),
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("staff_users.id")),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    # a phone survey rates a call whose caller may be no registered citizen (ratings.citizen_id is
    # nullable since 0012)
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("source", sa.String(12), nullable=False, server_default="citizen"))
    op.create_index("uq_ratings_phone_survey", "ratings", ["subject_type", "subject_id"], unique=True,
                    postgresql_where=sa.text("source = 'phone_survey'"),
                    sqlite_where=sa.text("source = 'phone_survey'"))


def downgrade():
    op.drop_index("uq_ratings_phone_survey", table_name="ratings")
    op.execute("DELETE FROM ratings WHERE source = 'phone_survey'")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("source")
    op.drop_table("caller_flags")
    op.drop_index("ix_telephony_webhook_receipts_received_at", table_name="telephony_webhook_receipts")
    op.drop_table("telephony_webhook_receipts")
    op.drop_table("agent_states")
    op.drop_index("ix_live_calls_state", table_name="live_calls")
    op.drop_table("live_calls")
    op.drop_index("ix_call_events_received", table_name="call_events")
    op.drop_table("call_events")
