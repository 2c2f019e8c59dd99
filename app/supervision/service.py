"""Sampling, scoring and scorecards."""
from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict

import sqlalchemy as sa
from flask import current_app

from app import errors
from app.audit import record as audit
from app.centres import service as centres
from app.auth.models import StaffUser
from app.common.permissions import P
from app.common.timeutil import LOCAL_TZ, utcnow
from app.consultations.models import Consultation
from app.extensions import db
from app.supervision.models import DIMENSION_MAX, DIMENSIONS, Review, SampleBatch


def draw(period_start: dt.date, period_end: dt.date, rate: float, min_per_lawyer: int, seed: str) -> dict[int, list[int]]:
    """Stratified by duty lawyer: from each lawyer's answered calls in the period, ceil(rate * n) calls
    (at least min_per_lawyer, at most n), drawn with a generator seeded by (seed, lawyer). Pure
    function of the data and the parameters: the same call set gives the same sample."""
    start = dt.datetime.combine(period_start, dt.time(0), LOCAL_TZ)
    end = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time(0), LOCAL_TZ)
    rows = db.session.execute(sa.select(Consultation.duty_lawyer_id, Consultation.id).where(
        Consultation.ring_at >= start, Consultation.ring_at < end,  # uses the ring_at index
        Consultation.duty_lawyer_id.isnot(None), Consultation.answered_at.isnot(None))
        .order_by(Consultation.duty_lawyer_id, Consultation.id)).all()
    per: dict[int, list[int]] = defaultdict(list)
    for lawyer_id, cid in rows:
        per[lawyer_id].append(cid)
    out = {}
    for lawyer_id in sorted(per):
        ids = per[lawyer_id]
        k = min(len(ids), max(min_per_lawyer, math.ceil(rate * len(ids))))
        rng = random.Random(f"{seed}|{period_start}|{period_end}|{lawyer_id}")
        out[lawyer_id] = sorted(rng.sample(ids, k))
    return out


def create_sample(staff, period_start: dt.date, period_end: dt.date, rate: float | None = None,
                  min_per_lawyer: int | None = None, seed: str | None = None) -> tuple[SampleBatch, bool]:
    if period_end < period_start:
        raise errors.ValidationFailed("结束日期不能早于开始日期", details={"fields": {"period_end": ["结束日期不能早于开始日期"]}})
    if (period_end - period_start).days > 366:
        raise errors.ValidationFailed("抽样周期不能超过一年", details={"fields": {"period_end": ["抽样周期不能超过一年"]}})
    rate = float(rate if rate is not None else current_app.config["SUPERVISION_SAMPLE_RATE"])
    min_per_lawyer = int(min_per_lawyer if min_per_lawyer is not None else current_app.config["SUPERVISION_MIN_PER_LAWYER"])
    seed = seed or f"{period_start:%Y%m%d}-{period_end:%Y%m%d}"
    existing = db.session.scalar(sa.select(SampleBatch).where(
        SampleBatch.period_start == period_start, SampleBatch.period_end == period_end, SampleBatch.rate == rate,
        SampleBatch.min_per_lawyer == min_per_lawyer, SampleBatch.seed == seed))
    if existing is not None:
        has_calls = db.session.scalar(sa.select(Review.id).where(Review.sample_id == existing.id).limit(1))
        if has_calls is not None:
            return existing, False
    picked = draw(period_start, period_end, rate, min_per_lawyer, seed)
    if not any(picked.values()):
        # an empty sample is no sample: nothing is stored, and drawing again later finds the calls
        raise errors.ValidationFailed("所选周期内没有已接通的来电，未创建抽检批次", details={"fields": {
            "period_start": ["该周期内没有已接通的来电"], "period_end": ["该周期内没有已接通的来电"]}})
    batch = existing  # drawn before any call of the period existed: filled now, same parameters
    if batch is None:
        batch = SampleBatch(period_start=period_start, period_end=period_end, rate=rate, min_per_lawyer=min_per_lawyer,
                            seed=seed, created_by_id=staff.id, created_at=utcnow(), centre_id=centres.centre_for_new(staff))
        db.session.add(batch)
        db.session.flush()
    days = dict(db.session.execute(sa.select(Consultation.id, Consultation.local_date).where(
        Consultation.id.in_([i for ids in picked.values() for i in ids]))).all()) if picked else {}
    for lawyer_id, ids in picked.items():
        for cid in ids:
            db.session.add(Review(sample_id=batch.id, consultation_id=cid, lawyer_id=lawyer_id, period_day=days[cid]))
    audit("supervision.sample", actor=staff, object_type="supervision_sample", object_id=batch.id,
          details={"period": [str(period_start), str(period_end)], "rate": rate, "seed": seed,
                   "calls": sum(len(v) for v in picked.values())})
    db.session.commit()
    return batch, True


def get_review(staff, review_id: int) -> Review:
    r = db.session.get(Review, review_id)
    if r is None or (not P.view_supervision.allows(staff) and r.lawyer_id != staff.id):
        raise errors.NotFound("未找到该抽检记录")
    return r


def score(staff, review_id: int, data: dict) -> Review:
    r = get_review(staff, review_id)
    for key in DIMENSIONS:  # every rule checked before anything is changed
        if not 0 <= data[key] <= DIMENSION_MAX:
            words = f"{DIMENSIONS[key]}须在 0–{DIMENSION_MAX} 分之间"
            raise errors.ValidationFailed(words, details={"fields": {key: [words]}})
    for key in DIMENSIONS:
        setattr(r, key, data[key])
    r.total = sum(data[k] for k in DIMENSIONS)
    r.comment = (data.get("comment") or "").strip() or None
    r.status, r.reviewer_id, r.scored_at = "scored", staff.id, utcnow()
    audit("supervision.score", actor=staff, object_type="supervision_review", object_id=r.id,
          details={"total": r.total})
    db.session.commit()
    return r


def _period_key(day: dt.date, period: str) -> str:
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return f"{monday:%Y-%m-%d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day:%Y-%m}"


def scorecards(staff, period: str = "month", date_from: dt.date | None = None, date_to: dt.date | None = None,
               lawyer_id: int | None = None) -> dict:
    """Per lawyer and period: reviews scored, average per dimension and total; trend = change of the
    average total against the lawyer's previous period."""
    if not P.view_supervision.allows(staff):  # a duty lawyer: their own card
        lawyer_id = staff.id
    stmt = sa.select(Review.lawyer_id, Review.period_day, Review.attitude, Review.professionalism,
                     Review.language, Review.accuracy, Review.total).where(Review.status == "scored")
    if date_from:
        stmt = stmt.where(Review.period_day >= date_from)
    if date_to:
        stmt = stmt.where(Review.period_day <= date_to)
    if lawyer_id:
        stmt = stmt.where(Review.lawyer_id == lawyer_id)
    acc: dict[tuple[int, str], list] = defaultdict(list)
    for row in db.session.execute(stmt):
        acc[(row.lawyer_id, _period_key(row.period_day, period))].append(row)
    names = dict(db.session.execute(sa.select(StaffUser.id, sa.func.coalesce(sa.func.nullif(StaffUser.full_name, ""),
                                                                                 StaffUser.username))).all())
    lawyers: dict[int, list] = defaultdict(list)
    for (lid, key), rows in sorted(acc.items()):
        card = {"period": key, "reviews": len(rows),
                **{k: round(sum(getattr(r, k) for r in rows) / len(rows), 2) for k in (*DIMENSIONS, "total")}}
        prev = lawyers[lid][-1] if lawyers[lid] else None
        card["trend"] = None if prev is None else round(card["total"] - prev["total"], 2)
        lawyers[lid].append(card)
    return {"period": period, "dimensions": DIMENSIONS, "max_per_dimension": DIMENSION_MAX,
            "lawyers": [{"lawyer_id": lid, "lawyer_name": names.get(lid), "periods": cards}
                        for lid, cards in sorted(lawyers.items())]}
