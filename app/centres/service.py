"""Centres: what a centre overrides of the province's defaults, which centre serves a district (Art. 38),
the centre of a new centre-owned row, and the admin's create/update."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app, g, has_request_context

from app import errors
from app.centres.models import Centre
from app.centres.scope import CITY_LEVEL, _bypass
from app.common.timeutil import utcnow
from app.extensions import db

# centre column → the province default in app/config.py it overrides
OVERRIDES = {
    "name": "CENTRE_NAME", "address": "CENTRE_ADDRESS", "phone": "CENTRE_PHONE",
    "bureau_name": "BUREAU_NAME", "bureau_address": "BUREAU_ADDRESS",
    "letter_prefix_decision": "LETTER_PREFIX_DECISION", "letter_prefix_notice": "LETTER_PREFIX_NOTICE",
    "letter_prefix_assignment": "LETTER_PREFIX_ASSIGNMENT",
    "hardship_monthly_income": "HARDSHIP_MONTHLY_INCOME_PER_MEMBER", "hardship_standard_text": "HARDSHIP_STANDARD_TEXT",
    "objection_period_days": "OBJECTION_PERIOD_DAYS",
}
FIELDS = ("code", "name", "address", "phone", "districts", "is_city", *[k for k in OVERRIDES if k not in ("name", "address", "phone")])
DISTRICT_RE = re.compile(r"^\d{6}$")
PLACE_BASES = {"organ": "办案机关所在地（法院或其他办案机关）", "event": "争议处理机关所在地或事由发生地"}


def get(centre_id: int | None) -> Centre | None:
    if centre_id is None:
        return None
    with _bypass():
        return db.session.get(Centre, centre_id)


def all_centres() -> list[Centre]:
    with _bypass():
        return list(db.session.scalars(sa.select(Centre).order_by(Centre.is_city.desc(), Centre.code)))


def by_code(code: str) -> Centre | None:
    with _bypass():
        return db.session.scalar(sa.select(Centre).where(Centre.code == code))


def city_centre() -> Centre | None:
    with _bypass():
        return db.session.scalar(sa.select(Centre).where(Centre.is_city.is_(True)).order_by(Centre.id).limit(1))


def default_centre() -> Centre:
    """The city centre; on a platform without any centre (a fresh test database), one made from the settings."""
    c = city_centre()
    if c is None:
        cfg = current_app.config
        values = {"name": cfg["CENTRE_NAME"]}  # the rest stays empty: it reads as the province default
        now = utcnow()
        with _bypass():  # a Core insert: this may run inside a flush (a new row's centre)
            db.session.execute(sa.insert(Centre.__table__).values(code="city", is_city=True, districts=[],
                                                                  created_at=now, updated_at=now, **values))
        c = city_centre()
    return c


def settings(centre_id: int | None) -> dict:
    """The process settings of a centre: its overrides over the province's defaults (app/config.py)."""
    cfg = current_app.config
    out = {key: cfg[key] for key in OVERRIDES.values()}
    c = get(centre_id) or city_centre()
    if c is not None:
        for col, key in OVERRIDES.items():
            value = getattr(c, col)
            if value not in (None, ""):
                out[key] = value
    return out


def config_of(centre_id: int | None) -> dict:
    """The whole configuration as a centre sees it (its overrides over app/config.py)."""
    return {**current_app.config, **settings(centre_id)}


def config_of_code(code: str | None) -> dict:
    """As `config_of`, for a centre named by code; the province's defaults for none or an unknown code."""
    c = by_code(code) if code else None
    return config_of(c.id) if c is not None else dict(current_app.config)


def for_district(district: str | None) -> Centre | None:
    """The centre serving a GB/T 2260 county code, else the city centre."""
    if district:
        for c in all_centres():
            if district in (c.districts or []):
                return c
    return default_centre()


def suggest_district(id_number: str | None) -> str | None:
    """The applicant's own district from the first six digits of the resident ID number (its region code)."""
    if id_number and len(id_number) >= 6 and id_number[:6].isdigit():
        code = id_number[:6]
        if any(code in (c.districts or []) for c in all_centres()):
            return code
    return None


def district_choices() -> list[dict]:
    """The district picker: every county code any centre serves, with its centre."""
    return [{"district": d, "centre_code": c.code, "centre_name": c.name}
            for c in all_centres() for d in (c.districts or [])]


def _clean(data: dict, existing: Centre | None) -> dict:
    out, errs = {}, {}
    for key in FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = value.strip() or None
        if key == "districts":
            if isinstance(value, str):
                value = [v for v in re.split(r"[,，\s]+", value) if v]
            value = list(value or [])
            bad = [d for d in value if not DISTRICT_RE.match(str(d))]
            if bad:
                errs[key] = [f"区县代码应为 6 位 GB/T 2260 代码：{'、'.join(map(str, bad))}"]
        elif key == "objection_period_days" and value is not None:
            try:
                value = int(value)
                if not 1 <= value <= 365:
                    raise ValueError
            except (TypeError, ValueError):
                errs[key] = ["异议期限应为 1 至 365 的整数（日）"]
        elif key == "code" and (not value or not re.match(r"^[A-Za-z0-9_-]{1,16}$", value)):
            errs[key] = ["中心编码应为 1 至 16 位字母、数字"]
        elif key == "name" and not value:
            errs[key] = ["请填写中心名称"]
        elif key == "is_city":
            value = bool(value) and value not in ("0", "false")
        out[key] = value
    others = [c for c in all_centres() if existing is None or c.id != existing.id]
    for d in out.get("districts") or []:
        taken = next((c for c in others if d in (c.districts or [])), None)
        if taken:
            errs.setdefault("districts", []).append(f"区县 {d} 已由{taken.name}受理")
    for key in ("letter_prefix_decision", "letter_prefix_notice", "letter_prefix_assignment"):
        if out.get(key) and any(out[key] in (c.letter_prefix_decision, c.letter_prefix_notice,
                                             c.letter_prefix_assignment) for c in others):
            errs[key] = [f"文号字头「{out[key]}」已被其他中心使用（文号须全省唯一）"]
    if "code" in out and any(c.code == out["code"] for c in others):
        errs["code"] = ["中心编码已存在"]
    if errs:
        raise errors.ValidationFailed("中心信息有误", details={"fields": errs})
    return out


def create(data: dict) -> Centre:
    if not data.get("name"):
        data = {**data, "name": data.get("name")}
    values = _clean({"districts": [], **data}, None)
    if not values.get("code") or not values.get("name"):
        raise errors.ValidationFailed("请填写中心编码和名称", details={"fields": {"code": ["必填"], "name": ["必填"]}})
    c = Centre(**values)
    with _bypass():
        db.session.add(c)
        db.session.flush()
    return c


def update(centre: Centre, data: dict) -> Centre:
    for key, value in _clean(data, centre).items():
        setattr(centre, key, value)
    with _bypass():
        db.session.flush()
    return centre


# --- the centre of a new centre-owned row ------------------------------------------------------------
# Called where such a row is created (applications.create_draft, consultations.record_call, the switch's
# first event, cdr.create_import, callbacks.open_task, alerts.raise_alert, supervision.create_sample).

def _acting_staff(staff):
    """The member of staff creating the row: the one given, else the request's (API or console)."""
    if staff is not None:
        return staff
    return (g.get("staff") or g.get("console_staff")) if has_request_context() else None


def centre_for_application(staff, place_district: str | None, id_number: str | None) -> int | None:
    """The centre of a new application: a phone intake by centre staff stays with that member of staff's
    centre (it may transfer); a citizen's draft, or an intake by a city-level role, goes to the competent
    centre (Art. 38) of the place of the matter, else of the applicant's own district (the ID number's
    region), else the city centre."""
    staff = _acting_staff(staff)
    if staff is not None and getattr(staff, "role", None) not in CITY_LEVEL:
        return staff.centre_id
    chosen = for_district(place_district or suggest_district(id_number))
    return chosen.id if chosen else None


def centre_for_new(staff=None, *, application_id: int | None = None, consultation_id: int | None = None) -> int:
    """The centre of a new call, call import, callback, alert or sample: the centre of what it is about (its
    application, else its call), else the centre of the member of staff creating it, else the city
    centre (the shared hotline)."""
    cid = None
    if application_id:
        cid = _centre_of("applications", application_id)
    if cid is None and consultation_id:
        cid = _centre_of("consultations", consultation_id)
    if cid is None:
        cid = getattr(_acting_staff(staff), "centre_id", None)
    return cid if cid is not None else default_centre().id


def _centre_of(table: str, row_id: int) -> int | None:
    t = db.metadata.tables[table]
    with _bypass():
        return db.session.execute(sa.select(t.c.centre_id).where(t.c.id == row_id)).scalar()
