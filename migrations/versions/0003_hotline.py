"""hotline: consultations, CDR imports, repeat-caller episodes, callback attempts, supervision, rollups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

HOURS = [f"h{h:02d}" for h in range(24)]
MEASURES = ["calls", "answered", "answered_3s", "wait_sum", "duration_sum", *HOURS]
# rollup grain -> key dimensions (see app/analytics/models.py); region grains also carry the province
ROLLUPS = {
    "day": (),
    "region": (("region", sa.String(32)),),
    "topic": (("topic", sa.String(16)),),
    "region_topic": (("region", sa.String(32)), ("topic", sa.String(16))),
    "lawyer": (("lawyer_id", sa.Integer()), ("topic", sa.String(16))),
    "lawyer_day": (("lawyer_id", sa.Integer()),),
    "lawyer_region": (("lawyer_id", sa.Integer()), ("region", sa.String(32))),
    "lawyer_region_topic": (("lawyer_id", sa.Integer()), ("region", sa.String(32)), ("topic", sa.String(16))),
    "region_month": (("region", sa.String(32)),),  # `day` = first day of the month
}


def _create_rollup(grain, dims):
    name = f"call_rollup_{grain}"
    has_region = any(d == "region" for d, _ in dims)
    op.create_table(
        name,
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(d, t, nullable=False) for d, t in dims],
        *([sa.Column("province", sa.String(16), nullable=False)] if has_region else []),
        sa.Column("dow", sa.SmallInteger(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        *[sa.Column(m, sa.BigInteger(), server_default="0", nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint("day", *[d for d, _ in dims], name=f"pk_{name}"),
    )
    if has_region:
        op.create_index(f"ix_{name}_region_day", name, ["region", "day"], unique=False)
        op.create_index(f"ix_{name}_province_day", name, ["province", "day"], unique=False)
    if {"lawyer_id", "region", "topic"} <= {d for d, _ in dims}:
        op.create_index(f"ix_{name}_region_topic_day", name, ["region", "topic", "day"], unique=False)
        op.create_index(f"ix_{name}_province_topic_day", name, ["province", "topic", "day"], unique=False)


def upgrade():
    for grain, dims in ROLLUPS.items():
        _create_rollup(grain, dims)
    op.create_table('call_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('storage_key', sa.String(length=512), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_call_imports_created_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_imports'))
    )
    op.create_table('supervision_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('min_per_lawyer', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_supervision_samples_created_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_samples')),
    sa.UniqueConstraint('period_start', 'period_end', 'rate', 'min_per_lawyer', 'seed', name='uq_supervision_samples_params')
    )
    op.create_table('consultations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('caller_hash', sa.String(length=64), nullable=False),
    sa.Column('caller_masked', sa.String(length=20), nullable=False),
    sa.Column('caller_enc', sa.String(length=255), nullable=True),
    sa.Column('caller_kind', sa.String(length=8), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=False),
    sa.Column('province', sa.String(length=16), nullable=False),
    sa.Column('ring_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('duty_lawyer_id', sa.Integer(), nullable=True),
    sa.Column('agent_no', sa.String(length=32), nullable=True),
    sa.Column('topic', sa.String(length=16), nullable=True),
    sa.Column('topic_suggested', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('recording_key', sa.String(length=512), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("outcome is null or outcome in ('answered','transferred','application_started','home_visit_requested','callback_needed')", name=op.f('ck_consultations_outcome')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_consultations_application_id_applications')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_consultations_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_consultations_created_by_id_staff_users')),
    sa.ForeignKeyConstraint(['duty_lawyer_id'], ['staff_users.id'], name=op.f('fk_consultations_duty_lawyer_id_staff_users')),
    sa.ForeignKeyConstraint(['import_id'], ['call_imports.id'], name=op.f('fk_consultations_import_id_call_imports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations')),
    sa.UniqueConstraint('call_id', name=op.f('uq_consultations_call_id'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_application', ['application_id'], unique=False)
        batch_op.create_index('ix_consultations_caller_ring', ['caller_hash', 'ring_at'], unique=False)
        batch_op.create_index('ix_consultations_citizen_ring', ['citizen_id', 'ring_at'], unique=False)
        batch_op.create_index('ix_consultations_lawyer_date', ['duty_lawyer_id', 'local_date'], unique=False)
        batch_op.create_index('ix_consultations_region_date', ['region', 'local_date'], unique=False)
        batch_op.create_index('ix_consultations_ring_at', ['ring_at'], unique=False)

    op.create_table('callback_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_callback_attempts_staff_id_staff_users')),
    sa.ForeignKeyConstraint(['task_id'], ['callback_tasks.id'], name=op.f('fk_callback_attempts_task_id_callback_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempts'))
    )
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_attempts_task_id'), ['task_id'], unique=False)

    op.create_table('repeat_caller_episodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caller_hash', sa.String(length=64), nullable=False),
    sa.Column('caller_masked', sa.String(length=20), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('consultation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('callback_task_id', sa.Integer(), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=32), nullable=False),
    sa.Column('topic', sa.String(length=16), nullable=True),
    sa.Column('first_call_at', sa.DateTime(), nullable=False),
    sa.Column('last_call_at', sa.DateTime(), nullable=False),
    sa.Column('call_count', sa.Integer(), nullable=False),
    sa.Column('triggered_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['callback_task_id'], ['callback_tasks.id'], name=op.f('fk_repeat_caller_episodes_callback_task_id_callback_tasks')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_repeat_caller_episodes_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_repeat_caller_episodes_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repeat_caller_episodes'))
    )
    with op.batch_alter_table('repeat_caller_episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repeat_caller_episodes_caller_hash'), ['caller_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_repeat_caller_episodes_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repeat_caller_episodes_triggered_at'), ['triggered_at'], unique=False)

    op.create_table('supervision_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lawyer_id', sa.Integer(), nullable=False),
    sa.Column('period_day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attitude', sa.Integer(), nullable=True),
    sa.Column('professionalism', sa.Integer(), nullable=True),
    sa.Column('language', sa.Integer(), nullable=True),
    sa.Column('accuracy', sa.Integer(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('scored_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_supervision_reviews_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lawyer_id'], ['staff_users.id'], name=op.f('fk_supervision_reviews_lawyer_id_staff_users')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['staff_users.id'], name=op.f('fk_supervision_reviews_reviewer_id_staff_users')),
    sa.ForeignKeyConstraint(['sample_id'], ['supervision_samples.id'], name=op.f('fk_supervision_reviews_sample_id_supervision_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_reviews')),
    sa.UniqueConstraint('sample_id', 'consultation_id', name='uq_supervision_reviews_call')
    )
    with op.batch_alter_table('supervision_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_reviews_lawyer_day', ['lawyer_id', 'period_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_reviews_lawyer_id'), ['lawyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_reviews_sample_id'), ['sample_id'], unique=False)


def downgrade():
    op.drop_table("supervision_reviews")
    op.drop_table("repeat_caller_episodes")
    op.drop_table("callback_attempts")
    op.drop_table("consultations")
    op.drop_table("supervision_samples")
    op.drop_table("call_imports")
    for grain in reversed(list(ROLLUPS)):
        op.drop_table(f"call_rollup_{grain}")
