"""applications: an index for the console's list order (newest first)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # /console/applications sorts on (created_at DESC, id DESC) and pages 50 at a time
    op.create_index("ix_applications_created_at_id", "applications", ["created_at", "id"], unique=False)


def downgrade():
    op.drop_index("ix_applications_created_at_id", table_name="applications")
