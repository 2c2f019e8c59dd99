"""Keep the rollup tables in step with the consultations table.

`apply(...)` adds (or, with sign=-1, removes) calls to every rollup in the caller's transaction, as
one upsert per table (INSERT ... ON CONFLICT DO UPDATE, on PostgreSQL and SQLite alike).
`rebuild(...)` recomputes a date range from the calls (after bulk loads, or to repair).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask import current_app

from app.consultations.rollup_models import GRAINS, HOURS, MEASURES, MONTHLY, NO_TOPIC, ROLLUPS
from app.common.models import built_once, upsert_insert
from app.extensions import db
from app.consultations.models import Consultation as C


def answer_target_seconds() -> int:
    return int(current_app.config["ANSWER_TARGET_SECONDS"])


def facts(c) -> dict:
    """The rollup-relevant facts of one call (a Consultation or a dict with the same keys)."""
    get = (lambda k: c.get(k)) if isinstance(c, dict) else (lambda k: getattr(c, k))
    answered = get("answered_at") is not None
    wait = get("wait_seconds") if answered else None
    return {
        "day": get("local_date"), "hour": get("local_hour"), "region": get("region") or "未知",
        "province": get("province") or "未知",
        "topic": get("topic") or NO_TOPIC, "lawyer_id": get("duty_lawyer_id") or 0, "centre_id": get("centre_id") or 0,
        "answered": answered, "wait": wait or 0, "duration": (get("duration_seconds") or 0) if answered else 0,
    }


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def apply(calls, sign: int = 1) -> None:
    """Add the given calls (Consultations or fact dicts from `facts`) to every rollup table."""
    target = answer_target_seconds()
    acc: dict[str, dict[tuple, dict]] = {g: defaultdict(lambda: dict.fromkeys(MEASURES, 0)) for g in GRAINS}
    n = 0
    for c in calls:
        f = c if isinstance(c, dict) and "hour" in c else facts(c)
        n += 1
        for grain, dims in GRAINS.items():
            day = _month(f["day"]) if grain in MONTHLY else f["day"]
            m = acc[grain][(day, f["centre_id"], *[f[d] for d in dims], *((f["province"],) if "region" in dims else ()))]
            m["calls"] += sign
            m[HOURS[f["hour"]]] += sign
            if f["answered"]:
                m["answered"] += sign
                m["answered_3s"] += sign if f["wait"] <= target else 0
                m["wait_sum"] += sign * f["wait"]
                m["duration_sum"] += sign * f["duration"]
    if not n:
        return
    for grain, dims in GRAINS.items():
        rows = []
        for key, m in acc[grain].items():
            day = key[0]
            row = {"day": day, "centre_id": key[1], "dow": day.isoweekday(), "week": _week(day),
                   **dict(zip(dims, key[2:])), **m}
            if "region" in dims:
                row["province"] = key[-1]
            rows.append(row)
        _upsert(ROLLUPS[grain], ("day", "centre_id", *dims), rows)
        if sign < 0:  # a removed call (topic edit) must not leave empty rows that a rebuild would not make
            t = ROLLUPS[grain]
            for row in rows:
                db.session.execute(sa.delete(t).where(t.c.calls == 0, t.c.day == row["day"], t.c.centre_id == row["centre_id"],
                                                      *[t.c[d] == row[d] for d in dims]))


def _upsert(table: sa.Table, key_cols: tuple[str, ...], rows: list[dict]) -> None:
    if not rows:
        return

    def build():
        ins = upsert_insert(table)
        return ins.on_conflict_do_update(index_elements=list(key_cols),
                                         set_={m: table.c[m] + ins.excluded[m] for m in MEASURES})
    # one statement per table, built once per process (the telephony ingest calls this on every batch), run
    # for all rows (executemany; batched by SQLAlchemy's insertmanyvalues)
    db.session.execute(built_once(("rollups", table.name, key_cols), build), rows)


def rebuild(date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """Recompute the rollups for local days [date_from, date_to] (all days when omitted; monthly
    rollups for every month the range touches). One scan of the calls builds the finest grain
    (day x lawyer x region x topic); every other table is summed from a rollup. Commits."""
    target = answer_target_seconds()
    answered = C.answered_at.isnot(None)

    def day_filter(col, lo=date_from, hi=date_to):
        cond = sa.true()
        if lo:
            cond = sa.and_(cond, col >= lo)
        if hi:
            cond = sa.and_(cond, col <= hi)
        return cond

    m_from = _month(date_from) if date_from else None
    m_to = _month(date_to) if date_to else None
    for grain, table in ROLLUPS.items():
        if grain in MONTHLY:
            db.session.execute(sa.delete(table).where(day_filter(table.c.day, m_from, m_to)))
        else:
            db.session.execute(sa.delete(table).where(day_filter(table.c.day)))

    measures = [
        sa.func.count().label("calls"),
        sa.func.sum(sa.case((answered, 1), else_=0)).label("answered"),
        sa.func.sum(sa.case((sa.and_(answered, C.wait_seconds <= target), 1), else_=0)).label("answered_3s"),
        sa.func.coalesce(sa.func.sum(sa.case((answered, C.wait_seconds), else_=0)), 0).label("wait_sum"),
        sa.func.coalesce(sa.func.sum(sa.case((answered, C.duration_seconds), else_=0)), 0).label("duration_sum"),
        *[sa.func.sum(sa.case((C.local_hour == h, 1), else_=0)).label(HOURS[h]) for h in range(24)],
    ]

    def cols_of(grain):
        return ["centre_id", *GRAINS[grain]] + (["province"] if "region" in GRAINS[grain] else [])

    # 1) the finest grain from the calls (the only scan of the calls table)
    finest = "lawyer_region_topic"
    topic = sa.func.coalesce(C.topic, sa.literal_column(f"'{NO_TOPIC}'"))
    lawyer = sa.func.coalesce(C.duty_lawyer_id, sa.literal_column("0"))
    centre = sa.func.coalesce(C.centre_id, sa.literal_column("0"))
    dim_exprs = [centre, lawyer, C.region, topic, C.province]
    sel = (sa.select(C.local_date, *dim_exprs, sa.literal(0), C.local_date, *measures)
           .where(day_filter(C.local_date)).group_by(C.local_date, *dim_exprs))
    db.session.execute(ROLLUPS[finest].insert().from_select(["day", *cols_of(finest), "dow", "week", *MEASURES], sel))
    # 2) weekday and week of each day, once, on the finest table (portable: one UPDATE per day);
    #    the coarser daily grains carry them over (functionally dependent on the day)
    src = ROLLUPS[finest]
    days = db.session.scalars(sa.select(src.c.day).distinct().where(day_filter(src.c.day))).all()
    for day in days:
        db.session.execute(sa.update(src).where(src.c.day == day).values(dow=day.isoweekday(), week=_week(day)))
    # 3) coarser daily grains, each from the smallest rollup that has its dimensions
    for grain, src_grain in (("region_topic", finest), ("lawyer", finest), ("lawyer_region", finest),
                             ("day", "region_topic"), ("region", "region_topic"), ("topic", "region_topic"),
                             ("lawyer_day", "lawyer")):
        src = ROLLUPS[src_grain]
        dims = [src.c[d] for d in cols_of(grain)]
        sel = (sa.select(src.c.day, *dims, src.c.dow, src.c.week, *[sa.func.sum(src.c[m]) for m in MEASURES])
               .where(day_filter(src.c.day)).group_by(src.c.day, *dims, src.c.dow, src.c.week))
        db.session.execute(ROLLUPS[grain].insert().from_select(["day", *cols_of(grain), "dow", "week", *MEASURES], sel))
    # 4) monthly grains: whole months (the daily rows outside the range are already in place)
    day_t = ROLLUPS["day"]
    lo, hi = db.session.execute(sa.select(sa.func.min(day_t.c.day), sa.func.max(day_t.c.day))).one()
    lo, hi = m_from or lo, m_to or hi
    for grain in MONTHLY:
        table, src = ROLLUPS[grain], ROLLUPS["region"]
        month = _month(lo) if lo else None
        while month and month <= hi:
            end = _next_month(month)
            dims = [src.c[d] for d in cols_of(grain)]
            sel = (sa.select(sa.literal(month, sa.Date()), *dims, sa.literal(month.isoweekday()),
                             sa.literal(_week(month), sa.Date()), *[sa.func.sum(src.c[m]) for m in MEASURES])
                   .where(src.c.day >= month, src.c.day < end).group_by(*dims))
            db.session.execute(table.insert().from_select(["day", *cols_of(grain), "dow", "week", *MEASURES], sel))
            month = end
    db.session.commit()
    counts = {g: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for g, t in ROLLUPS.items()}
    return counts
