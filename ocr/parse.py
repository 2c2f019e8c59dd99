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
    # the printed titles name the page outright ("登记卡" vs "登记簿" differ in one character: exact only)
    if "登记卡" in text:
        scores["hukou_member"] += 0.15
    if "登记簿" in text or "户口簿" in text:
        scores["hukou_home"] += 0.15
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
    seal: bool = False  # value atoms that look like seal text kept by the colour test (tilted, reddish)

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


def _ink(img, quad) -> tuple[float, float] | None:
    """(share of reddish ink pixels, share of ink dark in every channel) in a box, None if no ink."""
    if img is None:
        return None
    x0, y0 = max(0, int(quad[:, 0].min())), max(0, int(quad[:, 1].min()))
    x1, y1 = int(quad[:, 0].max()), int(quad[:, 1].max())
    crop = img[y0:y1, x0:x1]
    if crop.size == 0:
        return None
    c = crop.reshape(-1, 3).astype(np.int32)
    lum = c.sum(1)
    bg = np.percentile(lum, 90)
    ink = c[lum < bg - 90]
    if len(ink) < 10:
        return None
    b, g, r = ink[:, 0], ink[:, 1], ink[:, 2]
    red = (r - np.maximum(g, b)) > 35
    # black print, even under a translucent seal, has pixels dark in every channel
    dark = ink.max(1) < 110
    return float(red.mean()), float(dark.mean()), float((dark & ~red).mean())


def _is_red(img, quad) -> bool:
    """Is the ink of this box red (a seal), not black/blue?"""
    ink = _ink(img, quad)
    if ink is None:
        return False
    reddish, dark, _neutral = ink
    # a box of seal text that also caught a cell line or a stroke of the print beside it
    return bool((reddish > 0.25 and dark < 0.04) or (reddish > 0.6 and dark < 0.13))


SEAL_TILT_DEG = 12.0


def _seal_like(img, quad, ang: float) -> bool:
    """Text kept as print that may still be a seal's: a line tilted against the page (seal text
    runs along a ring) or red ink without black print under it although the colour test kept it (a
    seal inked dark red counts its strokes as dark: here only dark pixels that are not red count)."""
    dx, dy = quad[1] - quad[0]
    w = math.hypot(dx, dy)
    if w > 1.5 * np.linalg.norm(quad[3] - quad[0]):
        tilt = abs(math.degrees(math.atan2(dy, dx) - ang))
        if min(tilt, 360 - tilt) > SEAL_TILT_DEG:
            return True
    ink = _ink(img, quad)
    return bool(ink and ink[0] > 0.25 and ink[2] < 0.03)


@dataclass
class _LineInfo:
    q: np.ndarray
    X0: float
    X1: float
    cy: float
    h: float
    raw: str
    t: str
    idx: list
    score: float
    spans: list


def _join_allowed(n: int) -> int:
    return 0 if n < 5 else 1 if n < 8 else 2


def _x_range(li: _LineInfo, a: int, b: int) -> tuple[float, float]:
    n = max(1, len(li.raw))
    ra = li.idx[a] if a < len(li.idx) else n
    rb = (li.idx[b - 1] + 1) if 0 < b <= len(li.idx) else n
    return li.X0 + (li.X1 - li.X0) * ra / n, li.X0 + (li.X1 - li.X0) * rb / n


def _split_labels(infos: list[_LineInfo], variants, exact_keys) -> list[tuple[int, int, int, int, str]]:
    """Labels the detector cut into two boxes, read together as one label variant:
    - printed over two lines inside their cell ("户主或与" above "户主关系", "何时由何地迁来"
      above "本市（县）", "公民身份" above "证件编号"): the end of one line and the start of the
      line just below, in the same column;
    - printed with wide gaps ("职　　业", "姓　　名"): the end of one box and the start of the
      next box in the same row.
    Returns [(first line, chars at its end, second line, chars at its start, key)], longest labels first."""
    cands = []
    long_vars = [(lab, key) for lab, key in variants if len(lab) >= 4 and not key.startswith("_")]
    short_vars = [(lab, key) for lab, key in variants if len(lab) in (2, 3) and not key.startswith("_")
                  and key not in exact_keys]
    for iu, U in enumerate(infos):
        for idn, D in enumerate(infos):
            if iu == idn:
                continue
            hh = max(U.h, D.h)
            dy = D.cy - U.cy
            if not (0.6 < U.h / D.h < 1.6):
                continue
            if abs(dy) < 0.45 * hh and -0.3 * hh < D.X0 - U.X1 < 3.5 * hh:
                # same row, D to the right of U: exact short labels only
                for lab, key in short_vars + long_vars:
                    n = len(lab)
                    for k in range(1, n):
                        if U.t.endswith(lab[:k]) and D.t.startswith(lab[k:]):
                            a_u = len(U.t) - k
                            if any(b > a_u for a, b, _k in U.spans) or any(a < n - k for a, b, _k in D.spans):
                                continue
                            cands.append((n, 0.0, iu, k, idn, n - k, key))
                continue
            if not (0.45 * min(U.h, D.h) < dy < 2.0 * hh):
                continue
            if D.X1 < U.X0 or D.X0 > U.X1:
                continue
            for lab, key in long_vars:
                n = len(lab)
                for k in range(1, n):
                    if k > len(U.t) or n - k > len(D.t):
                        continue
                    up, dn = U.t[len(U.t) - k:], D.t[:n - k]
                    # both pieces must read at least partly right
                    if not any(a == b for a, b in zip(up, lab[:k])) or not any(a == b for a, b in zip(dn, lab[k:])):
                        continue
                    if up[-1] != lab[k - 1] and dn[0] != lab[k]:
                        continue
                    miss = sum(a != b for a, b in zip(up + dn, lab))
                    # two boxes that hold nothing but the two halves may have one more misread character
                    whole = k == len(U.t) and n - k == len(D.t) and not U.spans and not D.spans
                    if miss > _join_allowed(n) + (1 if whole else 0):
                        continue
                    # a label already read whole on one line wins over the join
                    a_u, b_d = len(U.t) - k, n - k
                    if any(b - a >= n for a, b, _k in U.spans if b > a_u) or any(b - a >= n for a, b, _k in D.spans if a < b_d):
                        continue
                    ux0, ux1 = _x_range(U, a_u, len(U.t))
                    dx0, dx1 = _x_range(D, 0, b_d)
                    if min(ux1, dx1) - max(ux0, dx0) <= 0:
                        continue
                    cands.append((n - 2 * miss, -dy, iu, k, idn, n - k, key))
    cands.sort(key=lambda c: c[:2], reverse=True)
    out, used_u, used_d = [], set(), set()
    for n, _dy, iu, k, idn, j, key in cands:
        if iu in used_u or idn in used_d:
            continue
        used_u.add(iu)
        used_d.add(idn)
        out.append((iu, k, idn, j, key))
    return out


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
    infos: list[_LineInfo] = []
    for l in lines:
        q = l.quad
        rq = np.stack([q[:, 0] * ca - q[:, 1] * sa, q[:, 0] * sa + q[:, 1] * ca], 1)
        X0, X1 = float(rq[:, 0].min()), float(rq[:, 0].max())
        cy = float(rq[:, 1].mean())
        h = float(max(4.0, (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2))
        t, idx = N.label_norm_map(l.text)
        spans = _find_labels(t, variants)
        if not spans and len(t) == 2 or (not spans and len(t) == 3):
            # a lone cell label with one misread character (精贯 -> 籍贯)
            for lab, key in short:
                if len(lab) == len(t) and sum(a != b for a, b in zip(lab, t)) == 1:
                    spans = [(0, len(t), key)]
                    break
        infos.append(_LineInfo(q, X0, X1, cy, h, l.text, t, idx, l.score, spans))
    # labels cut into two boxes: replace what each box read there by one joined label
    joins: dict[int, int] = {}  # line index -> join id
    for jid, (iu, k, idn, j, key) in enumerate(_split_labels(infos, variants, exact_keys)):
        U, D = infos[iu], infos[idn]
        a_u = len(U.t) - k
        U.spans = sorted([sp for sp in U.spans if sp[1] <= a_u] + [(a_u, len(U.t), key, jid, 0)])
        D.spans = sorted([sp for sp in D.spans if sp[0] >= j] + [(0, j, key, jid, 1)])
    joined: dict[int, list[Atom]] = {}
    for li in infos:
        q, X0, X1, cy, h, raw, t, idx = li.q, li.X0, li.X1, li.cy, li.h, li.raw, li.t, li.idx
        red = _is_red(img, q)
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
            whole = fa <= 0.01 and fb >= 0.99
            at = Atom(seg, li.score, xa, xb, cy, h, pq, key=key, red=red if whole else _is_red(img, pq))
            if key is None and not at.red:
                at.seal = _seal_like(img, q if whole else pq, ang)
            return at

        pos = 0
        for sp in li.spans:
            a, b, key = sp[:3]
            if a > pos and t[pos:a].strip(":：.，, "):
                atoms.append(piece(pos, a))
            at = piece(a, b, key)
            if len(sp) > 3:
                joined.setdefault(sp[3], []).append((sp[4], at))
            else:
                atoms.append(at)
            pos = b
        if pos < len(t) and t[pos:].strip(":：.，, "):
            atoms.append(piece(pos, len(t)))
    for parts in joined.values():
        parts = [a for _o, a in sorted(parts, key=lambda p: p[0])]
        qs = np.concatenate([a.quad for a in parts])
        x0, y0 = qs.min(0)
        x1, y1 = qs.max(0)
        atoms.append(Atom("".join(a.text for a in parts), min(a.score for a in parts),
                          min(a.x0 for a in parts), max(a.x1 for a in parts),
                          float(np.mean([a.cy for a in parts])), float(np.mean([a.h for a in parts])),
                          np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32), key=parts[0].key))
    return atoms, ang


def assign(atoms: list[Atom]) -> dict[str, list[Atom]]:
    labels = [a for a in atoms if a.is_label and not a.key.startswith("_")]
    values = [a for a in atoms if not a.is_label and not a.red
              and re.search(r"[0-9A-Za-z\u3400-\u9fff]", a.text)]
    out: dict[str, list[Atom]] = {}

    def blocked(lab, v):
        # another label printed between this label and the value, level with the value
        # (a wrapped value that rises above its own label's row must not reach the label before it)
        for o in labels:
            if o is lab or o.key == lab.key:
                continue
            if o.x0 >= lab.x1 - 0.2 * o.h and o.x1 <= v.x0 + 0.6 * o.h and abs(o.cy - v.cy) < (o.h + v.h) / 2:
                return True
        return False

    def left_labels(v, tol):
        res = []
        for lab in labels:
            hh = max(lab.h, v.h)
            dy = abs(lab.cy - v.cy)
            gap = v.x0 - lab.x1
            if dy <= tol * hh and gap > -0.6 * hh and not blocked(lab, v):
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
