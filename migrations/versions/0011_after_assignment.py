"""after assignment (承办 to 归档): lawyer's firm, change of lawyer, termination reports, closing file and
reviews, archive bundle, subsidies and their monthly batches

Revision ID: 0011
Revises: 0014
Create Date: 2026-12-04

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("staff_users") as b:
        b.add_column(sa.Column("law_firm", sa.String(128), nullable=True))
    op.create_table(
        "lawyer_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("requested_by", sa.String(8), nullable=False),
        sa.Column("requester_id", sa.Integer, nullable=False),
        sa.Column("from_lawyer_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decided_by_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("to_lawyer_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("decision_note", sa.String(500)),
        sa.Column("assign_clock_from", sa.Date),
    )
    op.create_table(
        "termination_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("lawyer_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("ground", sa.String(40), nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decided_by_id", sa.Integer, sa.ForeignKey("staff_users.id")),
        sa.Column("decision_note", sa.String(500)),
    )
    op.create_table(
        "closing_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("lawyer_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("matter_ended_on", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("outcome_detail", sa.String(500)),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("document_ids", JSON, nullable=False),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("subsidy", JSON),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "closing_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("closing_file_id", sa.Integer, sa.ForeignKey("closing_files.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reasons", sa.Text),
        sa.Column("scores", JSON, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "archives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("storage_key", sa.String(255), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("manifest", JSON, nullable=False),
        sa.Column("archived_at", sa.DateTime, nullable=False),
        sa.Column("archived_by_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("retain_until", sa.Date, nullable=False),
    )
    op.create_table(
        "subsidy_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("total_fen", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("approved_at", sa.DateTime),
        sa.Column("approved_by_id", sa.Integer, sa.ForeignKey("staff_users.id")),
    )
    op.create_table(
        "subsidies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("lawyer_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False, index=True),
        sa.Column("amount_fen", sa.Integer, nullable=False),
        sa.Column("breakdown", JSON, nullable=False),
        sa.Column("accepted_on", sa.Date, nullable=False, index=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("subsidy_batches.id"), index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade():
    for table in ("subsidies", "subsidy_batches", "archives", "closing_reviews", "closing_files",
                  "termination_reports", "lawyer_changes"):
        op.drop_table(table)
    with op.batch_alter_table("staff_users") as b:
        b.drop_column("law_firm")
