"""送达 and the lawful clocks: one delivery row per letter (channel, announcement, SMS and its one-time
link, delivered_at / delivered_by)

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-04

Letters issued before this revision: those to a citizen with the mini-program were announced by a
subscribe message and count as delivered two days after they were issued; those to an applicant
without WeChat never reached them and stay undelivered (the scan alerts, staff deliver and record).
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # the review clock resumes with the days left when it was paused (never restarts): the days of the
    # period available from review_clock_from
    with op.batch_alter_table("application_procedure") as b:
        b.add_column(sa.Column("review_days", sa.Integer()))
    # the supplement notice runs from its delivery: its period in days; its due date is known once delivered
    with op.batch_alter_table("supplement_notices") as b:
        b.add_column(sa.Column("days", sa.Integer()))
        b.alter_column("due_date", existing_type=sa.Date(), nullable=True)
    op.create_table(
        "letter_deliveries",
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notifications.id", ondelete="SET NULL")),
        sa.Column("sms_phone", sa.String(20)),
        sa.Column("sms_sent_at", sa.DateTime(timezone=True)),
        sa.Column("sms_message_id", sa.String(64)),
        sa.Column("sms_error", sa.String(255)),
        sa.Column("code_hash", sa.String(64), unique=True),
        sa.Column("code_used_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_by", sa.String(16)),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("staff_users.id")),
        sa.Column("note", sa.String(255)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_letter_deliveries_application_id", "letter_deliveries", ["application_id"])
    op.create_index("ix_letter_deliveries_delivered_at", "letter_deliveries", ["delivered_at"])
    conn = op.get_bind()
    letters = sa.table("letters", sa.column("id"), sa.column("application_id"), sa.column("kind"),
                       sa.column("issued_at"))
    apps = sa.table("applications", sa.column("id"), sa.column("citizen_id"))
    rows = conn.execute(sa.select(letters.c.id, letters.c.application_id, letters.c.kind, letters.c.issued_at,
                                  apps.c.citizen_id).join(apps, apps.c.id == letters.c.application_id)).all()
    out = []
    for letter_id, app_id, kind, issued_at, citizen_id in rows:
        if kind == "assignment":
            out.append({"channel": "internal", "delivered_at": issued_at, "delivered_by": "internal"})
        elif citizen_id is not None:
            import datetime as dt  # only the backfill needs it
            out.append({"channel": "wechat", "delivered_at": issued_at + dt.timedelta(days=2),
                        "delivered_by": "wechat_deemed"})
        else:
            out.append({"channel": "manual", "delivered_at": None, "delivered_by": None})
        out[-1].update(letter_id=letter_id, application_id=app_id, created_at=issued_at)
    if out:
        table = sa.table("letter_deliveries", *(sa.column(c) for c in out[0]))
        op.bulk_insert(table, out)


def downgrade():
    with op.batch_alter_table("supplement_notices") as b:
        b.drop_column("days")
    with op.batch_alter_table("application_procedure") as b:
        b.drop_column("review_days")
    op.drop_index("ix_letter_deliveries_delivered_at", table_name="letter_deliveries")
    op.drop_index("ix_letter_deliveries_application_id", table_name="letter_deliveries")
    op.drop_table("letter_deliveries")
