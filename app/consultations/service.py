"""Recording and reading hotline calls. Every insert path (console, CDR import, demo generator)
builds rows with `build_row`, keeps the rollups in step and runs the repeat-caller check."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from storage.base import MAX_SIGNED_URL_EXPIRES
from flask import current_app

from app import errors
from app.consultations import rollups
from app.audit import record as audit
from app.callbacks import service as callbacks
from app.centres import service as centres
from app.auth.models import Citizen, StaffUser
from app.common.permissions import P, Role
from app.common import crypto
from app.common.timeutil import LOCAL_TZ, utcnow
from app.consultations import flows, phones, topics
from app.consultations.models import Consultation
from app.extensions import db
from app.applications.models import Application
from app.storage_bridge import get_storage



def default_area_code() -> str:
    return current_app.config["HOTLINE_AREA_CODE"]


def build_row(caller: phones.Caller, ring_at: dt.datetime, answered_at: dt.datetime | None,
              ended_at: dt.datetime | None, *, caller_hash: str | None = None, caller_enc: str | None = None,
              duration_seconds: int | None = None, **fields) -> dict:
    """Column values for one consultation (aware UTC times in; validated by the caller)."""
    local = ring_at.astimezone(LOCAL_TZ)
    wait = int((answered_at - ring_at).total_seconds()) if answered_at else None
    if answered_at is None:
        duration = 0
    elif ended_at is not None:
        duration = max(int((ended_at - answered_at).total_seconds()), 0)
    else:
        duration = int(duration_seconds or 0)
    return dict(
        caller_hash=caller_hash or caller.hash, caller_masked=caller.masked,
        caller_enc=caller_enc if caller_enc is not None else crypto.encrypt(caller.number),
        caller_kind=caller.kind, region=caller.region, province=caller.province,
        ring_at=ring_at, answered_at=answered_at, ended_at=ended_at, wait_seconds=wait,
        duration_seconds=duration, local_date=local.date(), local_hour=local.hour, **fields)


def _check_times(ring_at, answered_at, ended_at):
    if answered_at is not None and answered_at < ring_at:
        raise errors.ValidationFailed("应答时间不能早于振铃时间", details={"fields": {"answered_at": ["应答时间不能早于振铃时间"]}})
    if ended_at is not None and ended_at < (answered_at or ring_at):
        raise errors.ValidationFailed("结束时间不能早于振铃或应答时间", details={"fields": {"ended_at": ["结束时间不能早于应答时间"]}})
    if ring_at > utcnow() + dt.timedelta(minutes=5):
        raise errors.ValidationFailed("振铃时间不能晚于当前时间", details={"fields": {"ring_at": ["振铃时间不能晚于当前时间"]}})


def _links(data: dict) -> tuple[int | None, int | None]:
    citizen_id, application_id = data.get("citizen_id"), data.get("application_id")
    if citizen_id is not None and db.session.get(Citizen, citizen_id) is None:
        raise errors.ValidationFailed("关联的群众不存在", details={"fields": {"citizen_id": ["不存在"]}})
    if application_id is not None:
        app_ = db.session.get(Application, application_id)
        if app_ is None:
            raise errors.ValidationFailed("关联的申请不存在", details={"fields": {"application_id": ["不存在"]}})
        if citizen_id is None:
            citizen_id = app_.citizen_id
        elif app_.citizen_id is not None and app_.citizen_id != citizen_id:
            raise errors.ValidationFailed("申请与群众不一致", details={"fields": {"application_id": ["不属于该群众"]}})
    return citizen_id, application_id


def _lawyer(staff: StaffUser, lawyer_id: int | None) -> int | None:
    if staff.role == Role.duty_lawyer:
        if lawyer_id not in (None, staff.id):
            raise errors.Forbidden("值班律师只能登记本人接听的来电")
        return staff.id
    if lawyer_id is None:
        return None
    lawyer = db.session.get(StaffUser, lawyer_id)
    if lawyer is None or lawyer.role != Role.duty_lawyer:
        raise errors.ValidationFailed("值班律师不存在", details={"fields": {"duty_lawyer_id": ["不是值班律师"]}})
    return lawyer.id


def record_call(staff: StaffUser, data: dict) -> Consultation:
    """A duty lawyer (or manager) logs one call from the console."""
    try:
        caller = phones.normalise(data["caller"], default_area_code())
    except phones.InvalidNumber as exc:
        raise errors.ValidationFailed(f"来电号码无效：{exc}", details={"fields": {"caller": [str(exc)]}}) from None
    ring_at, answered_at, ended_at = data["ring_at"], data.get("answered_at"), data.get("ended_at")
    if data.get("wait_seconds") is not None:  # the console's form says how long the phone rang
        if answered_at is not None:
            raise errors.ValidationFailed("应答时间与应答用时只填一项", details={"fields": {
                "wait_seconds": ["已填应答时间时不填应答用时"]}})
        answered_at = ring_at + dt.timedelta(seconds=data["wait_seconds"])
    if ended_at is None and answered_at is not None and data.get("duration_seconds") is not None:
        ended_at = answered_at + dt.timedelta(seconds=data["duration_seconds"])
    _check_times(ring_at, answered_at, ended_at)
    citizen_id, application_id = _links(data)
    topic, suggested = data.get("topic"), False
    if not topic and data.get("summary"):
        topic, suggested = topics.suggest(data["summary"])["topic"], True
    call_id = data.get("call_id") or f"WEB-{utcnow():%Y%m%d}-{secrets.token_hex(6)}"
    if db.session.scalar(sa.select(Consultation.id).where(Consultation.call_id == call_id)):
        raise errors.Conflict("该呼叫ID已登记", code="duplicate_call_id")
    row = build_row(caller, ring_at, answered_at, ended_at, duration_seconds=data.get("duration_seconds"),
                    call_id=call_id, source="console", duty_lawyer_id=_lawyer(staff, data.get("duty_lawyer_id")),
                    topic=topic, topic_suggested=suggested, summary=(data.get("summary") or "").strip() or None,
                    outcome=data.get("outcome"), recording_key=data.get("recording_key"),
                    citizen_id=citizen_id, application_id=application_id, created_by_id=staff.id,
                    centre_id=centres.centre_for_new(staff, application_id=application_id),
                    created_at=utcnow(), updated_at=utcnow())
    c = Consultation(**row)
    db.session.add(c)
    db.session.flush()
    flows.calls_recorded([c])
    audit("consultation.create", actor=staff, object_type="consultation", object_id=c.id)
    db.session.commit()
    return c


def get_for_staff(staff: StaffUser, consultation_id: int) -> Consultation:
    c = db.session.get(Consultation, consultation_id)
    if c is None or not can_see(staff, c):
        raise errors.NotFound("未找到该来电记录")
    return c


def can_see(staff: StaffUser, c: Consultation) -> bool:
    return P.view_all_calls.allows(staff) or (P.view_calls.allows(staff) and c.duty_lawyer_id == staff.id)


def bound_hash(citizen) -> str | None:
    """The keyed hash of the phone number a citizen bound (None without one)."""
    if not getattr(citizen, "phone", None):
        return None
    try:
        return phones.normalise(citizen.phone, default_area_code()).hash
    except phones.InvalidNumber:
        return None


def made_by(citizen, call: Consultation) -> bool:
    """The citizen's own call: linked to them, or made from the phone number they bound (matched on the
    keyed hash; the clear number is never compared)."""
    if call.citizen_id == citizen.id:
        return True
    h = bound_hash(citizen)
    return h is not None and call.caller_hash == h


def citizen_calls_stmt(citizen) -> sa.Select:
    """The calls a citizen made (linked, or from their bound number), newest first."""
    h = bound_hash(citizen)
    who = Consultation.citizen_id == citizen.id
    if h is not None:
        who = sa.or_(who, Consultation.caller_hash == h)
    return sa.select(Consultation).where(who).order_by(Consultation.ring_at.desc(), Consultation.id.desc())


def caller_cond(value: str):
    """Find calls by number as staff know it: the full number (matched on its keyed hash), the masked
    form shown in lists (138****1234), or its last digits (1234)."""
    value = value.strip().replace(" ", "").replace("-", "")
    if "*" in value:
        return Consultation.caller_masked == value
    if value.isdigit() and len(value) <= 4:
        return Consultation.caller_masked.endswith(value)
    try:
        h = phones.normalise(value, default_area_code()).hash
    except phones.InvalidNumber:
        h = "-"
    return Consultation.caller_hash == h


def list_stmt(staff: StaffUser, args: dict) -> sa.Select:
    stmt = sa.select(Consultation)
    if not P.view_all_calls.allows(staff):  # a duty lawyer: the calls they answered
        stmt = stmt.where(Consultation.duty_lawyer_id == staff.id)
    elif args.get("duty_lawyer_id"):
        stmt = stmt.where(Consultation.duty_lawyer_id == args["duty_lawyer_id"])
    if args.get("date_from"):
        stmt = stmt.where(Consultation.local_date >= args["date_from"])
    if args.get("date_to"):
        stmt = stmt.where(Consultation.local_date <= args["date_to"])
    if args.get("topic"):
        stmt = stmt.where(Consultation.topic == args["topic"])
    if args.get("region"):
        stmt = stmt.where(phones.region_cond(Consultation.region, Consultation.province, args["region"]))
    if args.get("caller"):
        stmt = stmt.where(caller_cond(args["caller"]))
    if args.get("citizen_id"):
        stmt = stmt.where(Consultation.citizen_id == args["citizen_id"])
    return stmt.order_by(Consultation.ring_at.desc(), Consultation.id.desc())


UPDATABLE = ("topic", "summary", "outcome", "recording_key", "citizen_id", "application_id")


def update_call(staff: StaffUser, consultation_id: int, data: dict) -> Consultation:
    c = get_for_staff(staff, consultation_id)
    if not P.log_calls.allows(staff):
        raise errors.Forbidden("当前角色无权修改来电记录")
    old = rollups.facts(c)
    if "citizen_id" in data or "application_id" in data:
        merged = {"citizen_id": data.get("citizen_id", c.citizen_id),
                  "application_id": data.get("application_id", c.application_id)}
        c.citizen_id, c.application_id = _links(merged)
    for key in ("topic", "summary", "outcome", "recording_key"):
        if key in data:
            setattr(c, key, data[key])
    if "topic" in data:
        c.topic_suggested = False
    c.updated_at = utcnow()
    new = rollups.facts(c)
    if old != new:
        rollups.apply([old], sign=-1)
        rollups.apply([new])
    audit("consultation.update", actor=staff, object_type="consultation", object_id=c.id,
          details={"fields": sorted(data)})
    db.session.commit()
    return c


def reveal_number(staff: StaffUser, consultation_id: int) -> dict:
    """The clear number, for calling back; every reveal is audited."""
    c = get_for_staff(staff, consultation_id)
    if not P.log_calls.allows(staff):
        raise errors.Forbidden("当前角色无权查看完整号码")
    number = crypto.decrypt(c.caller_enc) if c.caller_enc else None
    if not number:
        raise errors.NotFound("该来电未保存完整号码")
    audit("consultation.reveal_number", actor=staff, object_type="consultation", object_id=c.id)
    db.session.commit()
    return {"id": c.id, "caller": number, "caller_masked": c.caller_masked}


def recording_ttl(c: Consultation) -> int:
    """How long a recording's signed URL lives: the usual TTL plus twice the call's length, so a reviewer can
    listen to a long call, pause and go back without the player's range requests failing half way (a fixed
    300 s died in the middle of any call longer than five minutes). Capped at the storage's limit."""
    talk = max(int(c.duration_seconds or 0), 0)
    return min(int(current_app.config["SIGNED_URL_TTL"]) + 2 * talk, MAX_SIGNED_URL_EXPIRES)


def recording_url(staff: StaffUser, c: Consultation) -> str | None:
    if not c.recording_key:
        return None
    try:
        url = get_storage().signed_url(c.recording_key, expires=recording_ttl(c))
    except Exception:  # noqa: BLE001 — a bad or missing object must not break the review page
        return None
    audit("consultation.recording_view", actor=staff, object_type="consultation", object_id=c.id)
    return url


def describe_call(consultation_id: int) -> dict | None:
    """A callback task about a call, for its page: the caller (masked; the clear number only through the
    audited reveal), who it is when the call is linked to a citizen or an application, what was said."""
    c = db.session.get(Consultation, consultation_id)
    if c is None:
        return None
    app_ = db.session.get(Application, c.application_id) if c.application_id else None
    if app_ is None and c.citizen_id:
        app_ = db.session.scalars(sa.select(Application).where(Application.citizen_id == c.citizen_id)
                                  .order_by(Application.id.desc())).first()
    return {"kind": "来电", "text": f"{c.caller_masked} · {c.region} · {c.topic or '未分类'}", "at": c.ring_at,
            "name": app_.applicant_name if app_ else None, "phone_masked": c.caller_masked,
            "consultation_id": c.id if c.caller_enc else None, "summary": c.summary,
            "application": {"id": app_.id, "reference": app_.reference} if app_ else None}

