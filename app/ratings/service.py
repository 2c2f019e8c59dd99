"""Ratings; a bad one opens a callback task (app.callbacks), a good one closes the open task."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import errors
from app.applications import service as applications
from app.auth.service import text_is_safe
from app.common.pagination import paginate
from app.common.timeutil import utcnow
from app.extensions import db
from app.callbacks import service as callbacks
from app.callbacks.models import CallbackTask
from app.consultations import service as calls
from app.consultations.models import Consultation
from app.ratings.models import BAD_RATING_MAX, Rating

SATISFIED_MIN = 4
RATEABLE_APPLICATION_STATUSES = ("assigned", "in_progress", "closing_review", "closed", "archived")


def rate_application(citizen, application_id: int, data: dict) -> Rating:
    app_ = applications.get_for_citizen(citizen, application_id)
    if app_.status not in RATEABLE_APPLICATION_STATUSES:
        raise errors.InvalidTransition("律师指派后才能评价本次服务")
    return _rate(citizen, "application", app_.id, data, lawyer_id=app_.assigned_lawyer_id)


def _rate(citizen, subject_type: str, subject_id: int, data: dict, *, lawyer_id=None, open_task=None) -> Rating:
    text_is_safe(citizen, data.get("comment"))
    existing = db.session.scalars(sa.select(Rating).where(
        Rating.citizen_id == citizen.id, Rating.subject_type == subject_type, Rating.subject_id == subject_id)
        .order_by(Rating.round.desc())).first()
    open_task = open_task or callbacks.open_task_for(citizen.id, subject_type, subject_id)
    if existing is not None and open_task is None:
        raise errors.Conflict("您已评价过本次服务", code="already_rated")
    rating = Rating(citizen_id=citizen.id, subject_type=subject_type, subject_id=subject_id,
                    round=0 if existing is None else existing.round + 1, lawyer_id=lawyer_id,
                    stars=data["stars"], attitude=data.get("attitude"),
                    professionalism=data.get("professionalism"), timeliness=data.get("timeliness"),
                    comment=(data.get("comment") or "").strip() or None, created_at=utcnow())
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise errors.Conflict("您已评价过本次服务", code="already_rated") from None
    if open_task is not None and rating.stars >= SATISFIED_MIN:
        callbacks.satisfied_by_rating(open_task, citizen)
    elif open_task is None and rating.stars <= BAD_RATING_MAX:
        callbacks.open_task("bad_rating", citizen_id=citizen.id, rating_id=rating.id, subject_type=subject_type,
                            subject_id=subject_id)
    db.session.commit()
    return rating


def ratings_for(citizen, subject_type: str, subject_id: int) -> list[Rating]:
    return db.session.scalars(sa.select(Rating).where(
        Rating.citizen_id == citizen.id, Rating.subject_type == subject_type, Rating.subject_id == subject_id)
        .order_by(Rating.round)).all()


def rate_consultation(citizen, consultation_id: int, data: dict) -> Rating:
    """A citizen rates a hotline call linked to them (another citizen's call is a 404)."""
    call = db.session.get(Consultation, consultation_id)
    if call is None or not calls.made_by(citizen, call):
        raise errors.NotFound("未找到该次咨询")
    if call.answered_at is None:
        raise errors.InvalidTransition("未接通的来电无法评价")
    return _rate(citizen, "consultation", call.id, data, lawyer_id=call.duty_lawyer_id,
                 open_task=_caller_task(citizen, call))


def _caller_task(citizen, call: Consultation):
    """An open callback about a call from the same number (a repeat-caller episode has no citizen unless the
    number matched one): the rating answers it."""
    own = callbacks.open_task_for(citizen.id, "consultation", call.id)
    if own is not None:
        return own
    return db.session.scalars(
        sa.select(CallbackTask).join(Consultation, sa.and_(CallbackTask.subject_type == "consultation",
                                                           CallbackTask.subject_id == Consultation.id))
        .where(CallbackTask.status == "open", Consultation.caller_hash == call.caller_hash)
        .order_by(CallbackTask.id)).first()


def my_calls(citizen, page: int, page_size: int) -> dict:
    """The citizen's calls (linked to them or from their bound number), each with whether it is rated and
    whether it can be rated now."""
    out = paginate(calls.citizen_calls_stmt(citizen), page, page_size)
    ids = [c.id for c in out["items"]]
    rated = set(db.session.scalars(sa.select(Rating.subject_id).where(
        Rating.citizen_id == citizen.id, Rating.subject_type == "consultation", Rating.subject_id.in_(ids)))) if ids else set()
    for c in out["items"]:
        c.rated = c.id in rated
        c.can_rate = c.answered_at is not None and (not c.rated or _caller_task(citizen, c) is not None)
    return out


def rate_consultation_by_survey(consultation_id: int, score: int) -> Rating | None:
    """The switch's post-call survey (the caller pressed 1–5): a rating of that call, in the caller's
    transaction (flushed, not committed). One per call: a second survey result is ignored (None).
    A score of 2 or less opens a callback task as a citizen's bad rating does; a good score closes
    the citizen's open task about this call."""
    call = db.session.get(Consultation, consultation_id)
    if call is None:
        return None
    if not 1 <= int(score) <= 5:
        raise errors.ValidationFailed("评分应为 1–5")
    exists = db.session.scalar(sa.select(Rating.id).where(
        Rating.source == "phone_survey", Rating.subject_type == "consultation", Rating.subject_id == call.id))
    if exists:
        return None
    rating = Rating(citizen_id=call.citizen_id, subject_type="consultation", subject_id=call.id, round=0,
                    lawyer_id=call.duty_lawyer_id, stars=int(score), source="phone_survey", created_at=utcnow())
    db.session.add(rating)
    db.session.flush()
    open_task = callbacks.open_task_for(call.citizen_id, "consultation", call.id) if call.citizen_id else None
    if open_task is not None and rating.stars >= SATISFIED_MIN:
        callbacks.satisfied_by_rating(open_task)
    elif open_task is None and rating.stars <= BAD_RATING_MAX:
        callbacks.open_task("bad_rating", citizen_id=call.citizen_id, rating_id=rating.id,
                            subject_type="consultation", subject_id=call.id,
                            note=f"电话满意度评价 {rating.stars} 分（{call.caller_masked}）")
    return rating
