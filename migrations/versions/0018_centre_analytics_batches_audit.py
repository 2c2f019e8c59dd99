"""centres, continued: the analytics rollups get a centre dimension (rebuilt from the calls), subsidy batches
belong to a centre (one per centre and month), audit entries name the centre they concern (backfilled)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-05

"""
import datetime as dt
import os

from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

HOURS = [f"h{h:02d}" for h in range(24)]
MEASURES = ["calls", "answered", "answered_3s", "wait_sum", "duration_sum", *HOURS]
# as in 0003 (app/consultations/rollup_models.py); region grains also carry the province
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
NO_TOPIC = "未分类"
# audit object types whose table has a centre_id of its own (the entry is that centre's)
AUDIT_OBJECTS = {"application": "applications", "consultation": "consultations", "callback_task": "callback_tasks",
                 "alert": "alerts", "call_import": "call_imports", "supervision_sample": "supervision_samples",
                 "staff_user": "staff_users"}


def _target_seconds() -> int:
    try:
        from flask import current_app
        return int(current_app.config.get("ANSWER_TARGET_SECONDS") or 3)
    except RuntimeError:  # outside an app context (alembic alone)
        return int(os.environ.get("ANSWER_TARGET_SECONDS") or 3)


def _create_rollup(grain, dims, centre: bool):
    name = f"call_rollup_{grain}"
    has_region = any(d == "region" for d, _ in dims)
    key = ["day", *(["centre_id"] if centre else []), *[d for d, _ in dims]]
    op.create_table(
        name,
        sa.Column("day", sa.Date(), nullable=False),
        *([sa.Column("centre_id", sa.Integer(), server_default="0", nullable=False)] if centre else []),
        *[sa.Column(d, t, nullable=False) for d, t in dims],
        *([sa.Column("province", sa.String(16), nullable=False)] if has_region else []),
        sa.Column("dow", sa.SmallInteger(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        *[sa.Column(m, sa.BigInteger(), server_default="0", nullable=False) for m in MEASURES],
        sa.PrimaryKeyConstraint(*key, name=f"pk_{name}"),
    )
    if has_region:
        op.create_index(f"ix_{name}_region_day", name, ["region", "day"], unique=False)
        op.create_index(f"ix_{name}_province_day", name, ["province", "day"], unique=False)
    if {"lawyer_id", "region", "topic"} <= {d for d, _ in dims}:
        op.create_index(f"ix_{name}_region_topic_day", name, ["region", "topic", "day"], unique=False)
        op.create_index(f"ix_{name}_province_topic_day", name, ["province", "topic", "day"], unique=False)
    if centre:  # a centre's dashboard: its rows over a range of days
        op.create_index(f"ix_{name}_centre_day", name, ["centre_id", "day"], unique=False)


def _table(grain, centre: bool) -> sa.Table:
    dims = [d for d, _ in ROLLUPS[grain]]
    cols = ["day", *(["centre_id"] if centre else []), *dims, *(["province"] if "region" in dims else []),
            "dow", "week", *MEASURES]
    return sa.table(f"call_rollup_{grain}", *[sa.column(c) for c in cols])


def _populate(centre: bool) -> None:
    """The rollups from the calls, as app.consultations.rollups.rebuild makes them (frozen here)."""
    bind = op.get_bind()
    target = _target_seconds()
    C = sa.table("consultations", *[sa.column(c) for c in (
        "local_date", "local_hour", "duty_lawyer_id", "region", "province", "topic", "answered_at", "wait_seconds",
        "duration_seconds", "centre_id")])
    answered = C.c.answered_at.isnot(None)
    measures = [
        sa.func.count(),
        sa.func.sum(sa.case((answered, 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(answered, C.c.wait_seconds <= target), 1), else_=0)),
        sa.func.coalesce(sa.func.sum(sa.case((answered, C.c.wait_seconds), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((answered, C.c.duration_seconds), else_=0)), 0),
        *[sa.func.sum(sa.case((C.c.local_hour == h, 1), else_=0)) for h in range(24)],
    ]

    def cols_of(grain):
        dims = [d for d, _ in ROLLUPS[grain]]
        return [*(["centre_id"] if centre else []), *dims, *(["province"] if "region" in dims else [])]

    finest = "lawyer_region_topic"
    dim_exprs = [*([sa.func.coalesce(C.c.centre_id, sa.literal_column("0"))] if centre else []),
                 sa.func.coalesce(C.c.duty_lawyer_id, sa.literal_column("0")), C.c.region,
                 sa.func.coalesce(C.c.topic, sa.literal_column(f"'{NO_TOPIC}'")), C.c.province]
    sel = (sa.select(C.c.local_date, *dim_exprs, sa.literal(0), C.c.local_date, *measures)
           .group_by(C.c.local_date, *dim_exprs))
    src = _table(finest, centre)
    bind.execute(src.insert().from_select(["day", *cols_of(finest), "dow", "week", *MEASURES], sel))
    for day in bind.execute(sa.select(src.c.day).distinct()).scalars().all():
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        bind.execute(sa.update(src).where(src.c.day == day).values(
            dow=day.isoweekday(), week=day - dt.timedelta(days=day.weekday())))
    for grain, src_grain in (("region_topic", finest), ("lawyer", finest), ("lawyer_region", finest),
                             ("day", "region_topic"), ("region", "region_topic"), ("topic", "region_topic"),
                             ("lawyer_day", "lawyer")):
        s = _table(src_grain, centre)
        dims = [s.c[d] for d in cols_of(grain)]
        sel = (sa.select(s.c.day, *dims, s.c.dow, s.c.week, *[sa.func.sum(s.c[m]) for m in MEASURES])
               .group_by(s.c.day, *dims, s.c.dow, s.c.week))
        bind.execute(_table(grain, centre).insert().from_select(["day", *cols_of(grain), "dow", "week", *MEASURES], sel))
    s = _table("region", centre)
    lo, hi = bind.execute(sa.select(sa.func.min(s.c.day), sa.func.max(s.c.day))).one()
    if lo is None:
        return
    lo, hi = (dt.date.fromisoformat(v) if isinstance(v, str) else v for v in (lo, hi))
    month = lo.replace(day=1)
    while month <= hi:
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        dims = [s.c[d] for d in cols_of("region_month")]
        sel = (sa.select(sa.literal(month, sa.Date()), *dims, sa.literal(month.isoweekday()),
                         sa.literal(month - dt.timedelta(days=month.weekday()), sa.Date()),
                         *[sa.func.sum(s.c[m]) for m in MEASURES])
               .where(s.c.day >= month, s.c.day < end).group_by(*dims))
        bind.execute(_table("region_month", centre).insert().from_select(
            ["day", *cols_of("region_month"), "dow", "week", *MEASURES], sel))
        month = end


def _rollups(centre: bool) -> None:
    for grain in reversed(list(ROLLUPS)):
        op.drop_table(f"call_rollup_{grain}")
    for grain, dims in ROLLUPS.items():
        _create_rollup(grain, dims, centre)
    _populate(centre)


def upgrade():
    # 1) analytics: the rollups are derived data: remade with the centre in their key, from the calls
    _rollups(centre=True)
    # 2) subsidy batches: one per centre and month; an existing batch is the centre of its cases (else of its maker)
    with op.batch_alter_table("subsidy_batches") as t:
        t.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        t.create_foreign_key(op.f("fk_subsidy_batches_centre_id_centres"), "centres", ["centre_id"], ["id"])
        t.create_index(op.f("ix_subsidy_batches_centre_id"), ["centre_id"])
    op.execute("UPDATE subsidy_batches SET centre_id = (SELECT min(a.centre_id) FROM subsidies s JOIN applications a "
               "ON a.id = s.application_id WHERE s.batch_id = subsidy_batches.id)")
    op.execute("UPDATE subsidy_batches SET centre_id = (SELECT u.centre_id FROM staff_users u "
               "WHERE u.id = subsidy_batches.created_by_id) WHERE centre_id IS NULL")
    op.execute("UPDATE subsidy_batches SET centre_id = (SELECT min(id) FROM centres WHERE is_city) "
               "WHERE centre_id IS NULL")
    with op.batch_alter_table("subsidy_batches") as t:
        t.drop_constraint("uq_subsidy_batches_month", type_="unique")
        t.create_unique_constraint("uq_subsidy_batches_centre_id", ["centre_id", "month"])
    # 3) audit log: the centre of the object (when it has one), else of the staff member who acted; NULL for
    #    platform-level entries (the system, citizens' own things), which the city centre sees
    with op.batch_alter_table("audit_log") as t:
        t.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        t.create_index(op.f("ix_audit_log_centre_id"), ["centre_id"])
    for object_type, table in AUDIT_OBJECTS.items():
        op.execute(f"UPDATE audit_log SET centre_id = (SELECT o.centre_id FROM {table} o WHERE "
                   f"CAST(o.id AS VARCHAR(40)) = audit_log.object_id) WHERE object_type = '{object_type}'")
    op.execute("UPDATE audit_log SET centre_id = CAST(object_id AS INTEGER) WHERE object_type = 'centre' "
               "AND object_id IN (SELECT CAST(id AS VARCHAR(40)) FROM centres)")
    op.execute("UPDATE audit_log SET centre_id = (SELECT centre_id FROM subsidy_batches b WHERE "
               "CAST(b.id AS VARCHAR(40)) = audit_log.object_id) WHERE object_type = 'subsidy_batch'")
    op.execute("UPDATE audit_log SET centre_id = (SELECT u.centre_id FROM staff_users u WHERE u.id = audit_log.actor_id) "
               "WHERE centre_id IS NULL AND actor_type = 'staff'")


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM (SELECT month FROM subsidy_batches GROUP BY month "
                            "HAVING count(*) > 1) x")).scalar():
        raise RuntimeError("two centres have a batch for the same month: downgrading would merge them; not done")
    with op.batch_alter_table("audit_log") as t:
        t.drop_index(op.f("ix_audit_log_centre_id"))
        t.drop_column("centre_id")
    with op.batch_alter_table("subsidy_batches") as t:
        t.drop_constraint("uq_subsidy_batches_centre_id", type_="unique")
        t.create_unique_constraint("uq_subsidy_batches_month", ["month"])
        t.drop_index(op.f("ix_subsidy_batches_centre_id"))
        t.drop_constraint(op.f("fk_subsidy_batches_centre_id_centres"), type_="foreignkey")
        t.drop_column("centre_id")
    _rollups(centre=False)
