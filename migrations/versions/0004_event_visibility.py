"""application_events.citizen_visible: internal notes stay internal; one audit-action vocabulary

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Existing rows: progress notes become internal; the notes of state changes whose
note is internal (start_review, approve, request_expedite, deny_expedite, assign, start_work) move to an
internal `internal_note` event beside a citizen-visible state change without the note. Audit actions
written under the old names are renamed to the one vocabulary (app/audit/labels.py).
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INTERNAL_EVENTS = ("progress_note",)
INTERNAL_NOTE_ACTIONS = ("start_review", "approve", "request_expedite", "deny_expedite", "assign", "start_work")
# old audit action -> new (kept in step with app/audit/labels.py LEGACY_ACTIONS; frozen here on purpose)
AUDIT_RENAMES = {
    "login": "auth.login", "login_failed": "auth.login_failed", "logout": "auth.logout",
    "staff_create": "auth.staff_create", "staff_update": "auth.staff_update",
    "document_view": "document.view", "document_verify": "document.verify", "document_reject": "document.reject",
    "export": "audit.export", "lawyer_assigned": "application.lawyer_choice", "application_note": "application.note",
    "alert_acknowledge": "alert.acknowledge", "alert_resolve": "alert.resolve", "roster_update": "roster.update",
    "home_visit_request": "home_visit.request", "home_visit_schedule": "home_visit.schedule",
    "home_visit_done": "home_visit.done", "calls.import": "consultation.import",
    **{f"application_{a}": f"application.{a}" for a in (
        "submit", "withdraw", "start_review", "approve", "reject", "request_expedite", "approve_expedite",
        "deny_expedite", "assign", "start_work", "close")},
}


def upgrade():
    with op.batch_alter_table("application_events") as batch:
        batch.add_column(sa.Column("citizen_visible", sa.Boolean(), nullable=False, server_default=sa.true()))
    ev = sa.table("application_events", sa.column("id", sa.Integer), sa.column("application_id", sa.Integer),
                  sa.column("action", sa.String), sa.column("from_status", sa.String),
                  sa.column("to_status", sa.String), sa.column("actor_type", sa.String),
                  sa.column("actor_id", sa.Integer), sa.column("actor_name", sa.String), sa.column("note", sa.Text),
                  sa.column("citizen_visible", sa.Boolean), sa.column("created_at", sa.DateTime))
    op.execute(ev.update().where(ev.c.action.in_(INTERNAL_EVENTS)).values(citizen_visible=False))
    moved = sa.select(ev.c.application_id, sa.literal("internal_note"), ev.c.to_status, ev.c.to_status,
                      ev.c.actor_type, ev.c.actor_id, ev.c.actor_name, ev.c.note, sa.false(), ev.c.created_at) \
        .where(ev.c.action.in_(INTERNAL_NOTE_ACTIONS), ev.c.note.is_not(None))
    op.execute(ev.insert().from_select(["application_id", "action", "from_status", "to_status", "actor_type",
                                        "actor_id", "actor_name", "note", "citizen_visible", "created_at"], moved))
    op.execute(ev.update().where(ev.c.action.in_(INTERNAL_NOTE_ACTIONS)).values(note=None))

    audit = sa.table("audit_log", sa.column("action", sa.String))
    for old, new in AUDIT_RENAMES.items():
        op.execute(audit.update().where(audit.c.action == old).values(action=new))


def downgrade():
    audit = sa.table("audit_log", sa.column("action", sa.String))
    for old, new in AUDIT_RENAMES.items():
        op.execute(audit.update().where(audit.c.action == new).values(action=old))
    ev = sa.table("application_events", sa.column("action", sa.String))
    op.execute(ev.delete().where(ev.c.action == "internal_note"))
    with op.batch_alter_table("application_events") as batch:
        batch.drop_column("citizen_visible")
