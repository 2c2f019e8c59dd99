"""ocr.analyze: one photo -> kind, fields, warnings, checks."""
from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np

from . import checks as C
from . import idnumber, regions
from . import normalize as N

KINDS = ("hukou_home", "hukou_member", "id_front", "id_back", "other")

MIN_SIDE = 480          # px after EXIF rotation
MIN_TEXT_HEIGHT = 11     # median recognised line height, px
BLUR_THRESHOLD = 100.0   # variance of Laplacian, contrast-stretched, at 1000 px long side
DARK_MEAN = 70
BRIGHT_MEAN = 235
SATURATED_FRACTION = 0.3


def load_image(image):
    """bytes / PIL image -> upright RGB PIL image (EXIF orientation applied). Raises ValueError."""
    from PIL import Image, ImageOps

    if isinstance(image, (bytes, bytearray, memoryview)):
        try:
            im = Image.open(io.BytesIO(bytes(image)))
            im.load()
        except Exception as e:  # PIL raises many kinds for bad data
            raise ValueError(f"not a readable image: {type(e).__name__}: {str(e).split(' <')[0]}") from None
    elif isinstance(image, Image.Image):
        im = image
    else:
        raise TypeError("image must be bytes or a PIL.Image.Image")
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:
        pass
    return im.convert("RGB")


def quality(bgr: np.ndarray) -> tuple[list[str], dict]:
    import cv2

    h, w = bgr.shape[:2]
    warn = []
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    s = 1000 / max(h, w)
    g = cv2.resize(gray, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
    lo, hi = np.percentile(g, (2, 98))
    stretched = ((g.astype(np.float32) - lo) * (255.0 / max(hi - lo, 16.0))).clip(0, 255).astype(np.float32)
    lap = float(cv2.Laplacian(stretched, cv2.CV_32F).var())
    mean = float(g.mean())
    sat = float((g >= 250).mean())
    if min(h, w) < MIN_SIDE:
        warn.append("image_too_small")
    if lap < BLUR_THRESHOLD:
        warn.append("blurred")
    if mean < DARK_MEAN:
        warn.append("too_dark")
    if mean > BRIGHT_MEAN or sat > SATURATED_FRACTION:
        warn.append("overexposed")
    return warn, {"width": w, "height": h, "sharpness": round(lap, 1), "brightness": round(mean, 1)}


def _box_to_list(box):
    return [int(round(v)) for v in box] if box else None


def _field(value, conf, box):
    return {"value": value, "confidence": round(float(conf), 3), "box": _box_to_list(box)}


def extract(kind: str, lines, img=None) -> tuple[dict, dict]:
    """Fields of one kind from recognised lines. Returns (fields, extraction notes)."""
    from . import parse as P

    notes: dict = {}
    if kind not in P.FIELDS:
        return {}, notes
    atoms, _ang = P.build_atoms(lines, kind, img)
    groups = P.assign(atoms)
    raw: dict[str, tuple[str, float, list]] = {}
    for key, vs in groups.items():
        raw[key] = P.join_atoms(vs)
    sealish = {key for key, vs in groups.items() if any(a.seal for a in vs) or _seal_words(key, raw[key][0])}
    fields: dict = {}

    def put(key, value, conf, box):
        fields[key] = _field(value, conf, box)

    # ID number first: its region code and birth date guide the others
    idn = None
    if "id_number" in P.FIELDS[kind]:
        text, conf, box = raw.get("id_number", ("", 0.0, None))
        cand = N.label_norm(text)
        val, factor, how = N.correct_id(cand) if len(re.sub(r"[^0-9A-Za-z]", "", cand)) >= 15 else (None, 0, "")
        if how != "ok":
            # anywhere on the page: a run of 18 ID-like characters
            best = None
            for l in lines:
                t = re.sub(r"[^0-9A-Za-z×]", "", N.label_norm(l.text))
                m = re.search(r"[0-9A-Za-z×]{17,19}", t)
                if m and sum(ch.isdigit() for ch in m.group()) >= 14:
                    v2, f2, h2 = N.correct_id(m.group()[:18] if len(m.group()) >= 18 else m.group())
                    if h2 != "invalid" and (best is None or f2 * l.score > best[1]):
                        box2 = [l.x0, l.y0, l.x1, l.y1]
                        best = (v2, f2 * l.score, h2, box2)
            if best and (how == "invalid" or not val):
                val, conf, how, box = best[0], best[1], best[2], best[3]
                factor = 1.0
        if val:
            put("id_number", val, conf * factor, box)
            notes["id_how"] = how
            if how in ("ok", "corrected"):
                idn = val
    region_code = idn[:6] if idn else None

    for key in P.FIELDS[kind]:
        if key in fields:
            continue
        src = "valid" if key in ("valid_from", "valid_to") else key
        text, conf, box = raw.get(src, ("", 0.0, None))
        value = None
        if key in ("name", "householder_name", "former_name"):
            value = N.parse_name(text)
        elif key == "sex":
            value = N.parse_sex(text)
            if value is None and idn:
                value, conf, box = idnumber.sex(idn), 0.3, box
        elif key == "ethnicity":
            value = N.parse_ethnicity(text)
        elif key in ("birth_date", "issue_date", "registration_date"):
            value = N.parse_date(text)
            if value is None and key == "birth_date" and idn:
                value, conf = idnumber.birth_date(idn).isoformat(), 0.3
        elif key in ("valid_from", "valid_to"):
            frm, to = N.parse_period(text)
            value = frm if key == "valid_from" else to
        elif key == "household_number":
            value = re.sub(r"[^0-9A-Za-z]", "", N.digits_fix(N.label_norm(text)))
        elif key in ("address", "birth_place", "native_place", "other_address"):
            value = N.clean_text(text)
            if value:
                value, _found = regions.reconcile_place(value, region_code if key in ("address",) else None)
        elif key == "issuing_authority":
            value = N.clean_text(text)
            if value:
                value = regions.reconcile_authority(value, region_code)
        elif key == "blood_type":
            value = N.parse_blood_type(text)
        elif key == "household_type":
            if not text:
                # the 户别 label itself unread: a household type word anywhere on the page
                for l in lines:
                    t = N.label_norm(l.text)
                    hit = next((h for h in N.HOUSEHOLD_TYPES if h in t), None)
                    if hit:
                        text, conf, box = hit, l.score * 0.8, [l.x0, l.y0, l.x1, l.y1]
                        break
            value, number = N.split_household_type(text)
            if number and not raw.get("household_number", ("",))[0].strip():
                # 户号 printed on the 户别 line: its number went with the type
                raw["household_number"] = (number, conf, box)
        else:
            value = N.clean_text(text)
        put(key, value or "", conf if value else 0.0, box if value else None)
    _flag_names(fields, notes)
    for key in sealish:
        if key != "valid":
            _flag(fields, notes, key, "seal_text")
    return fields, notes


# Words of the registration seals (…公安局…派出所 户口专用章) that no other field of a page holds
_SEAL_WORDS = re.compile(r"安局|公安|派出|出所|专用|用章|户口专|登记专")
_SEAL_WORDS_OK = {"issuing_authority", "address", "other_address", "employer", "moved_to_city", "moved_to_address"}


def _seal_words(key: str, text: str) -> bool:
    return key not in _SEAL_WORDS_OK and bool(_SEAL_WORDS.search(N.label_norm(text)))


FLAG_FACTOR = 0.5  # confidence of a flagged value: below the console's "check this" threshold


def _flag(fields: dict, notes: dict, key: str, reason: str) -> None:
    f = fields.get(key)
    if not f or not f["value"]:
        return
    reasons = notes.setdefault("flags", {}).setdefault(key, [])
    if reason not in reasons:
        reasons.append(reason)
        f["confidence"] = round(f["confidence"] * FLAG_FACTOR, 3)


def _flag_names(fields: dict, notes: dict) -> None:
    """Person names whose surname is not a Chinese surname (龚 read as 奠) are flagged."""
    from . import names

    eth = (fields.get("ethnicity") or {}).get("value") or None
    for key in ("name", "householder_name", "former_name"):
        v = (fields.get(key) or {}).get("value")
        if v and names.surname_known(v, eth) is False:
            _flag(fields, notes, key, "surname_unknown")


def analyze_array(bgr: np.ndarray, kind: str | None = None, expected_kind: str | None = None,
                  today: dt.date | None = None, engine=None) -> dict:
    from . import engine as E
    from . import parse as P

    warnings, qinfo = quality(bgr)
    lines, rot, upright = E.read_lines(bgr, engine=engine)
    if lines:
        hs = sorted(float(np.linalg.norm(l.quad[3] - l.quad[0])) for l in lines)
        if hs[len(hs) // 2] < MIN_TEXT_HEIGHT and "image_too_small" not in warnings:
            warnings.append("image_too_small")
    detected, kconf = P.detect_kind(lines)
    use_kind = kind or detected
    if expected_kind and detected != expected_kind:
        warnings.append("wrong_kind")
    if not lines:
        warnings.append("no_text")
    fields, notes = extract(use_kind, lines, upright)
    chk: dict = {"detected_kind": detected, "kind_confidence": round(kconf, 3), "rotation": rot}
    if use_kind in ("id_front", "hukou_member"):
        chk.update(C.id_checks(fields, notes.get("id_how"), today=today))
    if use_kind == "id_back":
        chk.update(C.expiry_check(fields, today=today))
        if chk.get("expired"):
            warnings.append("expired")
    if rot:
        # boxes are given in the upright image; tell the caller how it was turned
        chk["upright_size"] = [int(upright.shape[1]), int(upright.shape[0])]
    chk["image"] = qinfo
    flags = notes.get("flags") or {}
    if flags:
        # values to check by eye: the field's confidence is lowered, the photo gets a warning
        chk["flagged_fields"] = flags
        for reasons in flags.values():
            for r in reasons:
                if r not in warnings:
                    warnings.append(r)
    return {"kind": use_kind, "fields": fields, "warnings": warnings, "checks": chk}


def analyze(image, kind: str | None = None, expected_kind: str | None = None, engine=None) -> dict:
    """Recognise one photo of a household register page or ID card side.

    image: encoded bytes (JPEG/PNG/...) or a PIL image. kind: skip detection and parse as
    this kind. expected_kind: the upload slot; a different detected kind adds the
    "wrong_kind" warning. Returns {"kind", "fields": {key: {"value", "confidence",
    "box"}}, "warnings": [...], "checks": {...}}; boxes are [x0, y0, x1, y1] in the upright
    image (EXIF applied, then turned by checks["rotation"] degrees counter-clockwise).
    Raises ValueError for data that is not a readable image. engine: an `ocr.engine.Engine`
    (default: the process-wide one).
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    im = load_image(image)
    bgr = np.ascontiguousarray(np.asarray(im)[:, :, ::-1])
    del im
    return analyze_array(bgr, kind=kind, expected_kind=expected_kind, engine=engine)
