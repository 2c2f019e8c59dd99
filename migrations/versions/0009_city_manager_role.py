"""staff_users: the city-level role (city_manager, 市级管理) joins the role check

Revision ID: 0009
Revises: 0014
Create Date: 2026-12-04

The roles are declared in app/auth/permissions.py; a migration keeps its own copy (it must not
change when the table changes later).
"""
from alembic import op

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_ROLES = "role in ('duty_lawyer','aid_lawyer','supervisor','manager','admin','bureau_reviewer')"
NEW_ROLES = "role in ('duty_lawyer','aid_lawyer','supervisor','manager','admin','bureau_reviewer','city_manager')"


def upgrade():
    with op.batch_alter_table("staff_users") as t:
        t.drop_constraint(op.f("ck_staff_users_role"), type_="check")
        t.create_check_constraint(op.f("ck_staff_users_role"), NEW_ROLES)


def downgrade():
    op.execute("DELETE FROM staff_users WHERE role = 'city_manager'")
    with op.batch_alter_table("staff_users") as t:
        t.drop_constraint(op.f("ck_staff_users_role"), type_="check")
        t.create_check_constraint(op.f("ck_staff_users_role"), OLD_ROLES)
