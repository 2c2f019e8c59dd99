"""Rollup tables: pre-aggregated call counts and sums, one row per local day and dimension values.

Every table has the same measures, so one code path maintains all of them. Grains:
  call_rollup_day            day
  call_rollup_region         day x region
  call_rollup_topic          day x topic
  call_rollup_region_topic   day x region x topic
  call_rollup_lawyer         day x duty lawyer x topic
  call_rollup_lawyer_day     day x duty lawyer
  call_rollup_lawyer_region  day x duty lawyer x region           (workload under a region filter)
  call_rollup_lawyer_region_topic  day x duty lawyer x region x topic  (... under region + topic)
  call_rollup_region_month   month x region: `day` holds the first day of the month (long-range regions chart)
Tables with a region also carry its province (functionally dependent, not part of the key) so a
filter by province (湖北省) or by city (湖北省武汉市) is an indexed equality.
A dashboard query picks the smallest table that has the dimensions it groups and filters by.
`hNN` columns count calls ringing in local hour NN (the hour x weekday heatmap without an hour row).
Every grain is also per centre (`centre_id`, 0 for a call of no centre, next to `day` in the key): a centre's
dashboard reads its own rows, the city level sums over the centres (issue 19).
"""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db

HOURS = [f"h{h:02d}" for h in range(24)]
MEASURES = ["calls", "answered", "answered_3s", "wait_sum", "duration_sum", *HOURS]
NO_TOPIC = "未分类"

GRAINS: dict[str, tuple[str, ...]] = {
    "day": (),
    "region": ("region",),
    "topic": ("topic",),
    "region_topic": ("region", "topic"),
    "lawyer": ("lawyer_id", "topic"),
    "lawyer_day": ("lawyer_id",),
    "lawyer_region": ("lawyer_id", "region"),
    "lawyer_region_topic": ("lawyer_id", "region", "topic"),
    "region_month": ("region",),
}
# grains whose `day` is the first day of a calendar month (dow/week: those of that first day)
MONTHLY = frozenset({"region_month"})
_DIM_TYPES = {"region": lambda: sa.String(32), "topic": lambda: sa.String(16), "lawyer_id": lambda: sa.Integer()}


def _table(grain: str, dims: tuple[str, ...]) -> sa.Table:
    name = f"call_rollup_{grain}"
    cols = [sa.Column("day", sa.Date, nullable=False),
            sa.Column("centre_id", sa.Integer, nullable=False, server_default="0"),
            *[sa.Column(d, _DIM_TYPES[d](), nullable=False) for d in dims],
            *([sa.Column("province", sa.String(16), nullable=False)] if "region" in dims else []),
            sa.Column("dow", sa.SmallInteger, nullable=False),  # ISO weekday 1..7 (Monday = 1)
            sa.Column("week", sa.Date, nullable=False),  # Monday of the ISO week
            *[sa.Column(m, sa.BigInteger, nullable=False, server_default="0") for m in MEASURES]]
    args = [sa.PrimaryKeyConstraint("day", "centre_id", *dims, name=f"pk_{name}"),
            sa.Index(f"ix_{name}_centre_day", "centre_id", "day")]
    if "region" in dims:
        args.append(sa.Index(f"ix_{name}_region_day", "region", "day"))
        args.append(sa.Index(f"ix_{name}_province_day", "province", "day"))
    if {"lawyer_id", "region", "topic"} <= set(dims):
        args.append(sa.Index(f"ix_{name}_region_topic_day", "region", "topic", "day"))
        args.append(sa.Index(f"ix_{name}_province_topic_day", "province", "topic", "day"))
    return sa.Table(name, db.metadata, *cols, *args)


ROLLUPS: dict[str, sa.Table] = {grain: _table(grain, dims) for grain, dims in GRAINS.items()}
