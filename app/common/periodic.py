"""Periodic work runs once per period across every process and host.

Beat (one process) sends the periodic tasks; several hosts, a second beat started by mistake during a
deploy, or the embedded thread mode in several processes could still send one period's task twice.
Each run therefore first claims its period: one row per (task, slot) where slot = the period's start
in epoch seconds divided by its length, inserted with ON CONFLICT DO NOTHING and committed before the
work starts. Whoever inserts the row runs the work; everyone else skips it. It needs no session
state (no advisory lock held across transactions), so it works behind PgBouncer in transaction mode,
and it leaves a record of who ran what (`periodic_runs`, pruned after PERIODIC_KEEP_DAYS).
"""
from __future__ import annotations

import datetime as dt
import os
import socket

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.timeutil import UTCDateTime, utcnow
from app.extensions import db

PERIODIC_KEEP_DAYS = 7


class PeriodicRun(db.Model):
    __tablename__ = "periodic_runs"

    task: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    slot: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    host: Mapped[str] = mapped_column(sa.String(120))


def slot_of(now: dt.datetime, every: float) -> int:
    return int(now.timestamp() // every)


def claim(task: str, every: float, now: dt.datetime | None = None) -> int | None:
    """Claim this period of `task` (committed at once); its slot if ours, None if already claimed."""
    now = now or utcnow()
    slot = slot_of(now, every)
    table = PeriodicRun.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(table).values(task=task, slot=slot, started_at=now, host=f"{socket.gethostname()}:{os.getpid()}"[:120])
            .on_conflict_do_nothing(index_elements=["task", "slot"]))
    won = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return slot if won else None


def finish(task: str, slot: int) -> None:
    table = PeriodicRun.__table__
    db.session.execute(sa.update(table).where(table.c.task == task, table.c.slot == slot)
                       .values(finished_at=utcnow()))
    cutoff = utcnow() - dt.timedelta(days=PERIODIC_KEEP_DAYS)
    db.session.execute(sa.delete(table).where(table.c.task == task, table.c.started_at < cutoff))
    db.session.commit()
