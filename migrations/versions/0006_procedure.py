"""procedure: eligibility screen and commitment, clocks, decisions, notices, objections, letters

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


OLD_ROLES = "role in ('duty_lawyer','aid_lawyer','supervisor','manager','admin')"
NEW_ROLES = "role in ('duty_lawyer','aid_lawyer','supervisor','manager','admin','bureau_reviewer')"


def upgrade():
    # 司法局审查人员: decides objections (Art. 49)
    with op.batch_alter_table("staff_users") as t:
        t.drop_constraint(op.f("ck_staff_users_role"), type_="check")
        t.create_check_constraint(op.f("ck_staff_users_role"), NEW_ROLES)
    with op.batch_alter_table("applications") as t:
        t.add_column(sa.Column("eligibility", JSON, nullable=True))
        t.add_column(sa.Column("eligibility_override", JSON, nullable=True))
        t.add_column(sa.Column("integrity_commitment", JSON, nullable=True))
        t.add_column(sa.Column("review_clock_from", sa.Date(), nullable=True))
        t.add_column(sa.Column("decision", sa.String(12), nullable=True))
        t.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        t.add_column(sa.Column("decision_grounds", JSON, nullable=True))
        t.add_column(sa.Column("expedite_ground", sa.String(40), nullable=True))
        t.add_column(sa.Column("assign_clock_from", sa.Date(), nullable=True))
        t.add_column(sa.Column("termination_ground", sa.String(40), nullable=True))
        t.add_column(sa.Column("objection_due", sa.Date(), nullable=True))

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("series", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=True),
        sa.Column("storage_key", sa.String(255), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.UniqueConstraint("series", "year", "seq", name="uq_letters_series_year_seq"),
    )
    op.create_index("ix_letters_application_id", "letters", ["application_id"])
    op.create_table(
        "letter_counters",
        sa.Column("series", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "supplement_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_supplement_notices_application_id", "supplement_notices", ["application_id"])
    op.create_index("ix_supplement_notices_status", "supplement_notices", ["status"])
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("citizen_id", sa.Integer(), sa.ForeignKey("citizens.id"), nullable=False),
        sa.Column("against", sa.String(12), nullable=False),
        sa.Column("against_letter_id", sa.Integer(), sa.ForeignKey("letters.id"), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("document_ids", JSON, nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("decide_by", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
    )
    op.create_index("ix_objections_application_id", "objections", ["application_id"])
    op.create_index("ix_objections_citizen_id", "objections", ["citizen_id"])
    op.create_index("ix_objections_status", "objections", ["status"])


def downgrade():
    op.drop_table("objections")
    op.drop_table("supplement_notices")
    op.drop_table("letter_counters")
    op.drop_index("ix_letters_application_id", table_name="letters")
    op.drop_table("letters")
    with op.batch_alter_table("applications") as t:
        for col in ("objection_due", "termination_ground", "assign_clock_from", "expedite_ground", "decision_grounds",
                    "decided_at", "decision", "review_clock_from", "integrity_commitment", "eligibility_override",
                    "eligibility"):
            t.drop_column(col)
    with op.batch_alter_table("staff_users") as t:
        t.drop_constraint(op.f("ck_staff_users_role"), type_="check")
        t.create_check_constraint(op.f("ck_staff_users_role"), OLD_ROLES)
