"""OCR prefill: suggestions for the application form from the recognised photos.

Suggestions never overwrite what the citizen typed or confirmed: the form's own values are
shown beside them, and only an explicit confirmation copies a suggestion into the draft.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ocr
from app import errors
from app.applications import service as applications
from app.common.timeutil import utcnow
from app.documents.models import OCR_KINDS, Document
from app.extensions import db

# application field <- (document kind, OCR field key), in order of preference
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "applicant_name": (("id_front", "name"), ("hukou_member", "name")),
    "sex": (("id_front", "sex"), ("hukou_member", "sex")),
    "ethnicity": (("id_front", "ethnicity"), ("hukou_member", "ethnicity")),
    "birth_date": (("id_front", "birth_date"), ("hukou_member", "birth_date")),
    "id_number": (("id_front", "id_number"), ("hukou_member", "id_number")),
    "hukou_address": (("hukou_home", "address"), ("id_front", "address")),
    "occupation": (("hukou_member", "occupation"),),
}
READY = ("ocr_done", "verified")


def _value_str(v) -> str | None:
    if v is None:
        return None
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def prefill(citizen, application_id: int) -> dict:
    app_ = applications.get_for_citizen(citizen, application_id)
    docs = db.session.scalars(sa.select(Document).where(
        Document.application_id == app_.id, Document.kind.in_(OCR_KINDS),
        Document.status.in_(READY + ("ocr_pending", "ocr_failed"))).order_by(Document.id)).all()
    ready = [d for d in docs if d.status in READY and d.ocr_result]
    confirmed = app_.prefill_confirmed or {}

    fields = {}
    for field, sources in SOURCES.items():
        suggestions = []
        for kind, key in sources:
            for d in ready:
                if d.kind != kind:
                    continue
                f = (d.ocr_result.get("fields") or {}).get(key)
                if f and f.get("value"):
                    suggestions.append({"value": f["value"], "confidence": f.get("confidence"),
                                        "document_id": d.id, "kind": d.kind, "source_field": key})
        if not suggestions:
            continue
        best = suggestions[0]
        current = _value_str(getattr(app_, field))
        if field in confirmed:
            state = "confirmed"
        elif current is None:
            state = "suggested"
        elif current == best["value"]:
            state = "same"
        else:
            state = "differs"  # the citizen typed something else: shown, never applied
        values = {s["value"] for s in suggestions}
        fields[field] = {"current": current, "suggestion": best, "alternatives": suggestions[1:],
                         "state": state, "documents_disagree": len(values) > 1}

    results = [dict(d.ocr_result, document_id=d.id) for d in ready]
    return {
        "application_id": app_.id,
        "fields": fields,
        "cross_check": ocr.cross_check(results) if len(results) > 1 else {},
        "documents": [{"id": d.id, "kind": d.kind, "status": d.status,
                       "detected_kind": (d.ocr_result or {}).get("kind"),
                       "warnings": d.warnings, "checks": (d.ocr_result or {}).get("checks")} for d in docs],
        "pending": [d.id for d in docs if d.status == "ocr_pending"],
    }


def confirm(citizen, application_id: int, accepted: list[str]) -> dict:
    """Copy the accepted suggestions into the draft and remember them as confirmed."""
    app_ = applications.get_for_citizen(citizen, application_id)
    if app_.status != "draft":
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，只有草稿可以采用识别结果")
    current = prefill(citizen, application_id)["fields"]
    unknown = [f for f in accepted if f not in current]
    if unknown:
        raise errors.ValidationFailed("以下字段没有可采用的识别结果", details={"fields": {f: ["无识别结果"] for f in unknown}})
    data, record = {}, dict(app_.prefill_confirmed or {})
    for f in accepted:
        s = current[f]["suggestion"]
        value = s["value"]
        if f == "birth_date":
            value = dt.date.fromisoformat(value)
        data[f] = value
        record[f] = {"value": s["value"], "document_id": s["document_id"], "confirmed_at": utcnow().isoformat()}
    applications.update_draft(citizen, app_, data)  # same validation as typed input (ID checksum...)
    app_.prefill_confirmed = record
    db.session.commit()
    return prefill(citizen, application_id)
