"""From recognised lines to fields: kind detection, label anchors, geometry.

Lines are cut into label and value atoms (a recognised line often holds "性别男" or
"性别男民族汉"); each value atom is given to the label on its left in the same row
(tolerating values printed off their cells), wrapped continuation lines are given to the
multi-line field above them, then every field is normalised and validated by type.
Nothing depends on pixel positions of a particular template.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from . import normalize as N

# field key -> label variants (normalised: no spaces, ASCII parentheses)
LABELS: dict[str, dict[str, list[str]]] = {
    "id_front": {
        "name": ["姓名"],
        "sex": ["性别"],
        "ethnicity": ["民族"],
        "birth_date": ["出生", "出生日期"],
        "address": ["住址", "住所"],
        "id_number": ["公民身份号码", "公民身份证件编号", "公民身份证号码", "身份证号码", "身份证件编号", "公民身份证号"],
    },
    "id_back": {
        "issuing_authority": ["签发机关"],
        "valid": ["有效期限", "有效期"],
        "_ignore": ["中华人民共和国", "居民身份证"],
    },
    "hukou_home": {
        "household_type": ["户别"],
        "householder_name": ["户主姓名"],
        "household_number": ["户号"],
        "address": ["住址"],
        "issue_date": ["签发日期"],
        "_ignore": ["常住人口登记簿", "户口簿", "户口登记机关", "承办人签章", "户口专用章", "户籍专用章", "登记机关", "承办人", "居民户口簿"],
    },
    "hukou_member": {
        "name": ["姓名"],
        "relationship": ["户主或与户主关系", "与户主关系"],
        "former_name": ["曾用名"],
        "sex": ["性别"],
        "birth_place": ["出生地"],
        "ethnicity": ["民族"],
        "native_place": ["籍贯"],
        "birth_date": ["出生日期"],
        "other_address": ["本市(县)其他住址", "本市(县)其它住址", "其他住址"],
        "religion": ["宗教信仰"],
        "id_number": ["公民身份号码", "公民身份证件编号", "公民身份证号码", "身份证号码", "身份证件编号"],
        "height": ["身高"],
        "blood_type": ["血型"],
        "education": ["文化程度"],
        "marital_status": ["婚姻状况"],
        "veteran_status": ["兵役状况"],
        "employer": ["服务处所"],
        "occupation": ["职业"],
        "moved_to_city": ["何时由何地迁来本市(县)", "何时由何地迁来本市"],
        "moved_to_address": ["何时由何地迁来本址"],
        "registration_date": ["登记日期"],
        "_ignore": ["常住人口登记卡", "承办人签章", "户口专用章", "户籍专用章", "登记事项变更和更正记载", "承办人"],
    },
}

FIELDS = {
    "id_front": ["name", "sex", "ethnicity", "birth_date", "address", "id_number"],
    "id_back": ["issuing_authority", "valid_from", "valid_to"],
    "hukou_home": ["household_type", "householder_name", "household_number", "address", "issue_date"],
    "hukou_member": ["name", "relationship", "former_name", "sex", "birth_place", "ethnicity", "native_place",
                     "birth_date", "other_address", "religion", "id_number", "height", "blood_type", "education",
                     "marital_status", "veteran_status", "employer", "occupation", "moved_to_city",
                     "moved_to_address", "registration_date"],
}

MULTILINE = {"address", "birth_place", "native_place", "other_address", "employer", "moved_to_city",
             "moved_to_address", "issuing_authority", "household_type"}

# ---------------------------------------------------------------- kind detection
_KIND_KEYS = {
    "hukou_member": ["常住人口登记卡", "户主或与户主关系", "曾用名", "出生地", "籍贯", "宗教信仰", "身高", "血型",
                     "文化程度", "婚姻状况", "兵役状况", "服务处所", "职业", "迁来本市", "迁来本址", "登记日期", "其他住址"],
    "hukou_home": ["常住人口登记簿", "户口簿", "户别", "户主姓名", "户号", "户口登记机关", "承办人签章", "签发日期"],
    "id_back": ["中华人民共和国", "居民身份证", "签发机关", "有效期限"],
    "id_front": ["姓名", "性别", "民族", "出生", "住址", "公民身份号码"],
}


def detect_kind(lines) -> tuple[str, float]:
    text = N.label_norm("".join(l.text for l in lines))
    scores = {}
    for kind, keys in _KIND_KEYS.items():
        hit = sum(1 for k in keys if k in text or (len(k) >= 4 and _fuzzy_in(k, text)))
        scores[kind] = hit / len(keys)
    # id_front labels are a subset of the member card's; the card has many more lines
    if scores["hukou_member"] >= 0.25:
        scores["id_front"] *= 0.5
    if scores["hukou_home"] >= 0.35 and "户主或与户主关系" not in text:
        scores["hukou_member"] *= 0.6
    if "签发机关" in text or "有效期限" in text:
        scores["id_front"] *= 0.5
    if re.search(r"\d{17}[\dXx]", text):
        scores["id_front"] += 0.1
    best = max(scores, key=scores.get)
    if scores[best] < 0.3:
        return "other", scores[best]
    return best, min(1.0, scores[best])


def _fuzzy_in(key: str, text: str) -> bool:
    n = len(key)
    for i in range(0, max(0, len(text) - n) + 1):
        seg = text[i:i + n]
        if sum(a != b for a, b in zip(seg, key)) <= 1:
            return True
    return False


# ---------------------------------------------------------------- atoms
@dataclass
class Atom:
    text: str
    score: float
    x0: float
    x1: float
    cy: float  # deskewed centre y
    h: float
    quad: np.ndarray
    key: str | None = None  # label atoms: field key
    red: bool = False
    owner: str | None = None  # value atoms: assigned field

    @property
    def is_label(self):
        return self.key is not None


def _deskew_angle(lines) -> float:
    angs, ws = [], []
    for l in lines:
        q = l.quad
        dx, dy = q[1] - q[0]
        w = math.hypot(dx, dy)
        if w > 2.5 * np.linalg.norm(q[3] - q[0]):
            angs.append(math.atan2(dy, dx))
            ws.append(w)
    if not angs:
        return 0.0
    order = np.argsort(angs)
    cum = np.cumsum(np.array(ws)[order])
    return float(np.array(angs)[order][np.searchsorted(cum, cum[-1] / 2)])


def _find_labels(t: str, variants: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Label spans in the normalised text t: [(start, end, key)], longest variants first, fuzzy for long ones."""
    taken = [False] * len(t)
    spans = []
    for exact in (True, False):
        for label, key in variants:
            n = len(label)
            if not exact and n < 4:
                continue
            i = 0
            while i + n - (0 if exact or n < 4 else 1) <= len(t):
                if any(taken[i:i + n]):
                    i += 1
                    continue
                seg = t[i:i + n]
                ok = len(seg) == n and (seg == label if exact else sum(a != b for a, b in zip(seg, label)) <= (1 if n < 7 else 2))
                if not ok and not exact and n >= 4:
                    # first or last character lost (under a seal, cut by a cell line)
                    seg = t[i:i + n - 1]
                    if seg == label[1:] or seg == label[:-1]:
                        if not any(taken[i:i + n - 1]):
                            spans.append((i, i + n - 1, key))
                            for j in range(i, i + n - 1):
                                taken[j] = True
                            i += n - 1
                            continue
                if ok:
                    spans.append((i, i + n, key))
                    for j in range(i, i + n):
                        taken[j] = True
                    i += n
                else:
                    i += 1
    spans.sort()
    return spans


def _is_red(img, quad) -> bool:
    """Is the ink of this box red (a seal), not black/blue?"""
    if img is None:
        return False
    x0, y0 = max(0, int(quad[:, 0].min())), max(0, int(quad[:, 1].min()))
    x1, y1 = int(quad[:, 0].max()), int(quad[:, 1].max())
    crop = img[y0:y1, x0:x1]
    if crop.size == 0:
        return False
    c = crop.reshape(-1, 3).astype(np.int32)
    lum = c.sum(1)
    bg = np.percentile(lum, 90)
    ink = c[lum < bg - 90]
    if len(ink) < 10:
        return False
    b, g, r = ink[:, 0], ink[:, 1], ink[:, 2]
    reddish = ((r - np.maximum(g, b)) > 35).mean()
    # black print, even under a translucent seal, has pixels dark in every channel
    dark = (ink.max(1) < 110).mean()
    return bool(reddish > 0.25 and dark < 0.04)


def build_atoms(lines, kind: str, img=None) -> tuple[list[Atom], float]:
    ang = _deskew_angle(lines)
    ca, sa = math.cos(-ang), math.sin(-ang)
    variants = []
    for key, labs in LABELS.get(kind, {}).items():
        for lab in labs:
            variants.append((N.label_norm(lab), key))
    variants.sort(key=lambda v: -len(v[0]))
    atoms = []
    exact_keys = set()
    for l in lines:
        t0 = N.label_norm(l.text)
        for lab, key in variants:
            if lab in t0:
                exact_keys.add(key)
    short = [(lab, key) for lab, key in variants if len(lab) in (2, 3) and key not in exact_keys and not key.startswith("_")]
    for l in lines:
        q = l.quad
        rq = np.stack([q[:, 0] * ca - q[:, 1] * sa, q[:, 0] * sa + q[:, 1] * ca], 1)
        X0, X1 = float(rq[:, 0].min()), float(rq[:, 0].max())
        cy = float(rq[:, 1].mean())
        h = float(max(4.0, (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2))
        raw = l.text
        t, idx = N.label_norm_map(raw)
        red = _is_red(img, q)
        spans = _find_labels(t, variants)
        if not spans and len(t) == 2 or (not spans and len(t) == 3):
            # a lone cell label with one misread character (精贯 -> 籍贯)
            for lab, key in short:
                if len(lab) == len(t) and sum(a != b for a, b in zip(lab, t)) == 1:
                    spans = [(0, len(t), key)]
                    break
        n = max(1, len(raw))

        def piece(a, b, key=None):
            # character span in t -> x-range by proportion of the raw string
            ra, rb = idx[a] if a < len(idx) else n, (idx[b - 1] + 1) if b - 1 < len(idx) else n
            xa = X0 + (X1 - X0) * ra / n
            xb = X0 + (X1 - X0) * rb / n
            seg = raw[ra:rb]
            fa, fb = ra / n, rb / n
            pq = np.array([q[0] + (q[1] - q[0]) * fa, q[0] + (q[1] - q[0]) * fb,
                           q[3] + (q[2] - q[3]) * fb, q[3] + (q[2] - q[3]) * fa], np.float32)
            return Atom(seg, l.score, xa, xb, cy, h, pq, key=key,
                        red=red if (fa <= 0.01 and fb >= 0.99) else _is_red(img, pq))

        spans = [sp for sp in spans]
        pos = 0
        for a, b, key in spans:
            if a > pos and t[pos:a].strip(":：.，, "):
                atoms.append(piece(pos, a))
            atoms.append(piece(a, b, key))
            pos = b
        if pos < len(t) and t[pos:].strip(":：.，, "):
            atoms.append(piece(pos, len(t)))
    return atoms, ang


def assign(atoms: list[Atom]) -> dict[str, list[Atom]]:
    labels = [a for a in atoms if a.is_label and not a.key.startswith("_")]
    values = [a for a in atoms if not a.is_label and not a.red
              and re.search(r"[0-9A-Za-z\u3400-\u9fff]", a.text)]
    out: dict[str, list[Atom]] = {}

    def left_labels(v, tol):
        res = []
        for lab in labels:
            hh = max(lab.h, v.h)
            dy = abs(lab.cy - v.cy)
            gap = v.x0 - lab.x1
            if dy <= tol * hh and gap > -0.6 * hh:
                res.append((lab, dy / hh, gap / hh))
        return res

    # pass 1: same row, nearest label on the left
    pending = []
    for v in values:
        c = left_labels(v, 0.75)
        if c:
            lab = min(c, key=lambda x: (x[2] + 2.0 * x[1]))[0]
            v.owner = lab.key
            out.setdefault(lab.key, []).append(v)
        else:
            pending.append(v)
    # pass 2: continuation lines of multi-line fields, top to bottom
    pending.sort(key=lambda a: a.cy)
    rest = []
    for v in pending:
        best = None
        for key, vs in out.items():
            if key not in MULTILINE and key != "valid":
                continue
            last = max(vs, key=lambda a: a.cy)
            dy = v.cy - last.cy
            x_ok = v.x0 < max(a.x1 for a in vs) and v.x1 > min(a.x0 for a in vs) - v.h
            if 0.3 * last.h < dy <= 1.9 * last.h and x_ok and 0.6 < v.h / last.h < 1.6:
                left_start = abs(v.x0 - min(a.x0 for a in vs))
                if best is None or (dy, left_start) < best[0]:
                    best = ((dy, left_start), key)
        if best:
            v.owner = best[1]
            out[best[1]].append(v)
        else:
            rest.append(v)
    # pass 3: values printed far off their row
    for v in rest:
        c = left_labels(v, 1.7)
        c = [x for x in c if (x[0].key not in out or x[0].key in MULTILINE) and 0.5 < v.h / x[0].h < 1.8]
        if c:
            lab = min(c, key=lambda x: (x[2] * 0.3 + 2.0 * x[1]))[0]
            v.owner = lab.key
            out.setdefault(lab.key, []).append(v)
    return out


def join_atoms(vs: list[Atom]) -> tuple[str, float, list[float]]:
    """Reading order: rows (by centre y) then x."""
    vs = sorted(vs, key=lambda a: a.cy)
    rows: list[list[Atom]] = []
    for a in vs:
        if rows and abs(rows[-1][-1].cy - a.cy) < 0.5 * a.h:
            rows[-1].append(a)
        else:
            rows.append([a])
    text = "".join("".join(x.text for x in sorted(r, key=lambda a: a.x0)) for r in rows)
    conf = float(min(a.score for a in vs)) if vs else 0.0
    qs = np.concatenate([a.quad for a in vs]) if vs else np.zeros((1, 2))
    box = [float(qs[:, 0].min()), float(qs[:, 1].min()), float(qs[:, 0].max()), float(qs[:, 1].max())]
    return text, conf, box
