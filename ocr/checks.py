"""Checks on extracted fields (one document) and across the documents of one application."""
from __future__ import annotations

import datetime as dt

from . import idnumber, regions


def id_checks(fields: dict, id_how: str | None, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    out: dict = {}
    idv = (fields.get("id_number") or {}).get("value") or ""
    if not idv:
        return out
    s = idnumber.normalize(idv)
    shape_ok = len(s) == 18 and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")
    out["id_check_digit"] = bool(shape_ok and idnumber.check_digit(s[:17]) == s[17])
    out["id_valid"] = idnumber.is_valid(s, today=today)
    out["id_corrected"] = id_how == "corrected"
    born = idnumber.birth_date(s) if out["id_valid"] else None
    bd = (fields.get("birth_date") or {}).get("value")
    if born and bd:
        out["birth_date_matches_id"] = bd == born.isoformat()
    sx = (fields.get("sex") or {}).get("value")
    if out["id_valid"] and sx:
        out["sex_matches_id"] = sx == idnumber.sex(s)
    if out["id_valid"]:
        out["region"] = regions.lookup(s[:6])
    return out


def expiry_check(fields: dict, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    to = (fields.get("valid_to") or {}).get("value")
    frm = (fields.get("valid_from") or {}).get("value")
    out: dict = {}
    if to == "长期":
        out["expired"] = False
    elif to:
        try:
            out["expired"] = dt.date.fromisoformat(to) < today
        except ValueError:
            pass
    if frm:
        try:
            out["not_yet_valid"] = dt.date.fromisoformat(frm) > today
        except ValueError:
            pass
    return out


_COMPARE = ("name", "id_number", "sex", "birth_date", "ethnicity", "address")


def cross_check(results: list[dict]) -> dict:
    """Disagreements between the documents of one application.

    `results` are `ocr.analyze` outputs (ID card front/back, hukou home page, member page).
    Returns {"consistent": bool, "values": {field: value agreed}, "mismatches": [{field,
    values: [{kind, value}]}], "expired": bool|None, "notes": [...]}. The hukou home page's
    householder name is compared only when the member page says the person is the householder.
    """
    seen: dict[str, list[dict]] = {}
    notes = []
    expired = None
    member_is_head = any(
        r.get("kind") == "hukou_member" and ((r.get("fields") or {}).get("relationship") or {}).get("value") == "户主"
        for r in results
    )
    for r in results:
        kind = r.get("kind")
        f = r.get("fields") or {}
        if kind == "id_back":
            e = (r.get("checks") or {}).get("expired")
            if e is not None:
                expired = bool(e)
        for key in _COMPARE:
            if key == "address" and kind not in ("id_front",):
                continue  # hukou addresses may legitimately differ from the card's
            v = (f.get(key) or {}).get("value")
            if v:
                seen.setdefault(key, []).append({"kind": kind, "value": idnumber.normalize(v) if key == "id_number" else v})
        if kind == "hukou_home" and member_is_head:
            v = (f.get("householder_name") or {}).get("value")
            if v:
                seen.setdefault("name", []).append({"kind": "hukou_home", "value": v})
        idv = (f.get("id_number") or {}).get("value")
        if idv and idnumber.is_valid(idv):
            born = idnumber.birth_date(idv).isoformat()
            seen.setdefault("birth_date", []).append({"kind": f"{kind}:id_number", "value": born})
            seen.setdefault("sex", []).append({"kind": f"{kind}:id_number", "value": idnumber.sex(idv)})
    mismatches = []
    values = {}
    for key, vals in seen.items():
        distinct = {v["value"] for v in vals}
        if len(distinct) > 1:
            mismatches.append({"field": key, "values": vals})
        else:
            values[key] = next(iter(distinct))
    kinds = [r.get("kind") for r in results]
    if "id_front" in kinds and not any(k and k.startswith("hukou") for k in kinds):
        notes.append("no household register page to compare with")
    return {"consistent": not mismatches and not expired, "values": values, "mismatches": mismatches,
            "expired": expired, "notes": notes}
