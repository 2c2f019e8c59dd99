"""An independent photo generator for the OCR parsers (dev/testing only; the library never imports it).

ocr/testing/synth.py is what the parsers were tuned on. This one deliberately differs in every
rendering choice so that it shows what the parsers rely on: other page geometry, margins and
cell proportions, labels with wide gaps ("姓　名", "籍  贯") or wrapped over two lines inside
their cell, label variants of other editions (公民身份证件编号, 本市（县）其他住址, 何时由何地迁来
本市（县）), values at other offsets (left-aligned, centred, touching the next cell), other ink
colours, oval or double-ring seals in crimson/orange-red at other positions, other font pairs,
and other camera effects: barrel distortion, a page small in the frame on a coloured table,
a soft shadow band, motion blur, JPEG at other qualities.

Only the truth values come from ocr (identities from ocr.testing.synth.make_identity, GB/T 2260 names
from ocr.regions); no rendering code is shared.

    from ocr.testing.alt_synth import make
    s = make("hukou_member", "moderate", 3)   # {"kind", "level", "seed", "image": JPEG bytes, "truth"}
"""
from __future__ import annotations

import datetime as dt
import io
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr import regions
from ocr.testing.synth import BLOOD_PRINTED, make_identity


def _nrng(ident, what):
    """A second random stream for the notation cases, so the main stream's photos stay as they were."""
    return random.Random(f"alt-notation/{what}/{ident['id_number']}")

KINDS = ("id_front", "id_back", "hukou_home", "hukou_member")
LEVELS = ("easy", "moderate")

_FONTS = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
]
_cache: dict = {}


def _avail():
    return [f for f in _FONTS if os.path.exists(f[0])]


def font(spec, size):
    k = (spec, int(size))
    if k not in _cache:
        _cache[k] = ImageFont.truetype(spec[0], int(size), index=spec[1])
    return _cache[k]


def _spaced(rng, label, p=0.5):
    """'姓名' -> '姓　名' / '姓  名' (2-char labels often have wide gaps)."""
    if len(label) == 2 and rng.random() < p:
        return label[0] + rng.choice(["　", "  ", "   ", "　　"]) + label[1]
    if len(label) == 3 and rng.random() < p * 0.5:
        return " ".join(label)
    return label


def _date_cn(d, rng):
    return rng.choice([f"{d.year}年{d.month}月{d.day}日", f"{d.year}年{d.month:02d}月{d.day:02d}日"])


class Page:
    def __init__(self, w, h, paper):
        self.img = Image.new("RGB", (w, h), paper)
        self.d = ImageDraw.Draw(self.img)

    def tl(self, s, f):
        return self.d.textlength(s, font=f)

    def put(self, x, y, s, f, fill):
        self.d.text((x, y), s, font=f, fill=fill)

    def lines_for(self, s, f, max_w):
        out, cur = [], ""
        for ch in s:
            if cur and self.tl(cur + ch, f) > max_w:
                out.append(cur)
                cur = ch
            else:
                cur += ch
        return out + ([cur] if cur else [])

    def label_in(self, box, text, f, fill, rng, align="spread"):
        """A label inside a cell; wraps into two lines when too long for the cell."""
        x0, y0, x1, y1 = box
        w = x1 - x0 - 12
        lines = [text]
        if self.tl(text, f) > w:
            # two lines, split where a printed form would: after 迁来 / 户主, else in the middle
            t = text.replace(" ", "").replace("　", "")
            k = next((t.index(m) + len(m) for m in ("迁来", "户主或与") if m in t[:-1]), (len(t) + 1) // 2)
            lines = [t[:k], t[k:]]
            while max(self.tl(x, f) for x in lines) > w and f.size > 12:
                f = font((f.path, f.index), f.size - 2)
        lh = f.size * 1.2
        ty = (y0 + y1) / 2 - lh * len(lines) / 2
        for i, ln in enumerate(lines):
            tw = self.tl(ln, f)
            x = x0 + 6 if align == "left" else (x0 + x1 - tw) / 2
            self.put(x, ty + i * lh, ln, f, fill)

    def value_in(self, box, text, f, fill, rng, level):
        x0, y0, x1, y1 = box
        if not text:
            return
        w = x1 - x0
        pad = rng.uniform(0.03, 0.12 if level == "easy" else 0.25) * min(w, 200)
        lines = self.lines_for(text, f, w - pad - 8)
        lh = f.size * 1.15
        if len(lines) == 1 and rng.random() < 0.35:
            pad = max(pad, (w - self.tl(text, f)) / 2)  # centred
        dy = rng.uniform(-0.08, 0.08 if level == "easy" else 0.3) * (y1 - y0)
        ty = (y0 + y1) / 2 - lh * len(lines) / 2 + dy
        for i, ln in enumerate(lines):
            self.put(x0 + pad, ty + i * lh, ln, f, fill)


def _label_ink(rng):
    return rng.choice([(20, 60, 120), (0, 90, 90), (110, 40, 90), (70, 70, 70), (130, 90, 20), (30, 110, 60)])


def _val_ink(rng):
    return rng.choice([(10, 10, 10), (25, 25, 60), (40, 30, 30), (0, 20, 80)])


def _seal(rng, w, h, text, strong=0.8):
    """Oval or double-ring seal, crimson/orange-red, text along the top; RGBA."""
    col = rng.choice([(200, 20, 70), (225, 70, 40), (190, 35, 35), (215, 40, 100)])
    a = int(255 * strong)
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    lw = max(2, w // 45)
    d.ellipse((lw, lw, w - lw, h - lw), outline=col + (a,), width=lw)
    if rng.random() < 0.5:
        d.ellipse((lw * 4, lw * 4, w - lw * 4, h - lw * 4), outline=col + (a,), width=max(1, lw // 2))
    f = font(rng.choice(_avail()), max(10, int(min(w, h) * 0.13)))
    n = len(text)
    cx, cy = w / 2, h / 2
    span = math.radians(rng.uniform(200, 240))
    for i, ch in enumerate(text):
        t = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
        x, y = cx + (w / 2 - lw * 6 - f.size / 2) * math.cos(t), cy + (h / 2 - lw * 6 - f.size / 2) * math.sin(t)
        g = Image.new("RGBA", (f.size + 4, f.size + 4), (0, 0, 0, 0))
        ImageDraw.Draw(g).text((2, 0), ch, font=f, fill=col + (a,))
        g = g.rotate(-math.degrees(t) - 90, expand=True, resample=Image.BICUBIC)
        im.alpha_composite(g, (int(x - g.width / 2), int(y - g.height / 2)))
    sub = rng.choice(["户口登记专用章", "户口专用章", "★"])
    f2 = font(rng.choice(_avail()), max(9, int(min(w, h) * (0.09 if len(sub) > 1 else 0.25))))
    tw = d.textlength(sub, font=f2)
    d.text((cx - tw / 2, cy - f2.size / 2 + (h * 0.12 if len(sub) > 1 else 0)), sub, font=f2, fill=col + (a,))
    return im


def _stamp(img, seal, xy):
    """Darken-blend (like ink on paper, text below stays visible)."""
    base = np.asarray(img).astype(np.float32)
    lay = Image.new("RGBA", img.size, (255, 255, 255, 0))
    lay.alpha_composite(seal, (int(xy[0]), int(xy[1])))
    la = np.asarray(lay).astype(np.float32)
    m = la[..., 3:] / 255.0
    out = np.minimum(base, base * (1 - m) + la[..., :3] * m)
    img.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)))


def _station(ident):
    return (ident["city"] or ident["province"]) + "公安局" + ident["county"][:-1] + "派出所"


def _authority(ident, rng):
    c = ident["county"]
    if c.endswith("区") and ident["city"]:
        return ident["city"] + "公安局" + c[:-1] + "分局"
    return c + "公安局"


def _long_address(ident, rng):
    a = ident["address"]
    if rng.random() < 0.5 and len(a) < 26:
        a += f"{rng.randint(1, 9)}栋{rng.randint(1, 4)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}号"
    return a


# ------------------------------------------------------------------ documents
def _id_front(rng, ident, level):
    W, H = 1284, 810  # card 85.6 x 54 at 15 px/mm
    p = Page(W, H, (rng.randint(238, 250), rng.randint(240, 250), rng.randint(230, 246)))
    for k in range(30):  # fine wavy security pattern
        y = rng.randint(0, H)
        p.d.line([(x, y + 10 * math.sin(x / 37 + k)) for x in range(0, W, 12)], fill=(220, 228, 236), width=1)
    lfs, vfs = rng.sample(_avail(), 2)
    lf, vf = font(lfs, rng.randint(32, 38)), font(vfs, rng.randint(40, 46))
    lab, ink = _label_ink(rng), _val_ink(rng)
    x0 = rng.randint(80, 110)
    gap = rng.randint(28, 60)
    addr = _long_address(ident, rng)
    b = ident["birth"]
    y = rng.randint(80, 110)
    rows = [("姓名", ident["name"]), (("性别", ident["sex"]), ("民族", ident["ethnicity"])), ("出生", None), ("住址", addr)]
    step = rng.randint(100, 112)
    for row in rows:
        if isinstance(row[0], tuple):
            (l1, v1), (l2, v2) = row
            s1 = _spaced(rng, l1, 0.7)
            p.put(x0, y, s1, lf, lab)
            vx = x0 + p.tl(s1, lf) + gap
            p.put(vx, y - 6, v1, vf, ink)
            x2 = vx + rng.randint(130, 200)
            s2 = _spaced(rng, l2, 0.7)
            p.put(x2, y, s2, lf, lab)
            p.put(x2 + p.tl(s2, lf) + gap, y - 6, v2, vf, ink)
        elif row[0] == "出生":
            s = _spaced(rng, "出生", 0.7)
            p.put(x0, y, s, lf, lab)
            x = x0 + p.tl(s, lf) + gap
            for part, is_lab in ((str(b.year), 0), ("年", 1), (str(b.month), 0), ("月", 1), (str(b.day), 0), ("日", 1)):
                f = lf if is_lab else vf
                p.put(x, y + (2 if is_lab else -6), part, f, lab if is_lab else ink)
                x += p.tl(part, f) + rng.randint(8, 22)
        else:
            s = _spaced(rng, row[0], 0.7)
            p.put(x0, y, s, lf, lab)
            vx = x0 + p.tl(s, lf) + gap
            if row[0] == "住址":
                lines = p.lines_for(row[1], vf, rng.randint(520, 600))
                for i, ln in enumerate(lines):
                    p.put(vx, y - 6 + i * (vf.size + rng.randint(8, 14)), ln, vf, ink)
                y += (len(lines) - 1) * (vf.size + 10)
            else:
                p.put(vx, y - 6, row[1], vf, ink)
        y += step
    idl = rng.choice(["公民身份号码", "公民身份号码", "公民身份证件编号"])
    yid = H - rng.randint(120, 150)
    p.put(x0, yid, idl, lf, lab)
    nf = font(rng.choice([f for f in _avail() if "arphic" not in f[0]]), rng.randint(44, 50))
    p.put(x0 + p.tl(idl, lf) + rng.randint(40, 90), yid - 8, " ".join([ident["id_number"]]) if rng.random() < 0.6
          else ident["id_number"][:6] + " " + ident["id_number"][6:14] + " " + ident["id_number"][14:], nf, ink)
    # portrait on the right
    px = W - rng.randint(380, 420)
    p.d.rounded_rectangle((px, 120, px + 300, 520), 20, fill=(210, 214, 222))
    p.d.ellipse((px + 80, 160, px + 220, 330), fill=(150, 130, 120))
    p.d.chord((px + 20, 320, px + 280, 640), 180, 360, fill=(70, 80, 90))
    truth = {"name": ident["name"], "sex": ident["sex"], "ethnicity": ident["ethnicity"], "birth_date": b.isoformat(),
             "address": addr, "id_number": ident["id_number"]}
    return p.img, truth


def _id_back(rng, ident, level):
    W, H = 1284, 810
    p = Page(W, H, (rng.randint(236, 248), rng.randint(238, 250), rng.randint(240, 252)))
    for k in range(20):
        x = rng.randint(0, W)
        p.d.arc((x - 500, -300, x + 500, H + 300), 90, 270, fill=(222, 226, 236), width=1)
    # emblem (simplified) top-left, title on the right
    p.d.ellipse((90, 70, 290, 270), fill=(215, 30, 40))
    p.d.regular_polygon((190, 150, 45), 5, fill=(250, 215, 70))
    tspec = rng.choice([f for f in _avail() if "Bold" in f[0] or "zenhei" in f[0]] or _avail())
    p.put(rng.randint(360, 400), 100, "中华人民共和国", font(tspec, 70), (15, 15, 15))
    p.put(rng.randint(400, 450), 230, "居 民 身 份 证" if rng.random() < 0.5 else "居民身份证", font(tspec, 90), (15, 15, 15))
    lfs, vfs = rng.sample(_avail(), 2)
    lf, vf = font(lfs, rng.randint(32, 38)), font(vfs, rng.randint(38, 44))
    lab, ink = _label_ink(rng), _val_ink(rng)
    born = ident["birth"]
    start = dt.date(rng.randint(max(2005, born.year + 16), 2025), rng.randint(1, 12), rng.randint(1, 28))
    if start > dt.date(2025, 5, 1):
        start = dt.date(2024, start.month, start.day)
    age = start.year - born.year
    yrs = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
    sep = rng.choice([".", ".", "-"])
    dash = rng.choice(["-", "—", " - ", "－"])
    fmt = lambda d: f"{d.year}{sep}{d.month:02d}{sep}{d.day:02d}"  # noqa: E731
    if yrs is None:
        end_s, end_v = "长期", "长期"
    else:
        end = start.replace(year=start.year + yrs)
        end_s, end_v = fmt(end), end.isoformat()
    auth = _authority(ident, rng)
    x0 = rng.randint(230, 300)
    y1 = H - rng.randint(240, 270)
    for lbl, val, y in (("签发机关", auth, y1), ("有效期限", fmt(start) + dash + end_s, y1 + rng.randint(95, 115))):
        s = lbl if rng.random() < 0.6 else " ".join(lbl)
        p.put(x0, y, s, lf, lab)
        p.put(x0 + p.tl(s, lf) + rng.randint(30, 70), y - 4, val, vf, ink)
    return p.img, {"issuing_authority": auth, "valid_from": start.isoformat(), "valid_to": end_v}


def _hukou_home(rng, ident, level):
    W, H = 1240, 1000
    p = Page(W, H, (rng.randint(244, 252), rng.randint(240, 248), rng.randint(236, 246)))
    lfs, vfs = rng.sample(_avail(), 2)
    lf, vf = font(lfs, rng.randint(28, 34)), font(vfs, rng.randint(32, 38))
    lab, ink = _label_ink(rng), _val_ink(rng)
    title = rng.choice(["常住人口登记簿", "居民户口簿", "常 住 人 口 登 记 簿"])
    tf = font(lfs, 50)
    p.put((W - p.tl(title, tf)) / 2, rng.randint(30, 60), title, tf, lab)
    L, R = rng.randint(50, 70), W - rng.randint(50, 70)
    ys = [150, 150 + rng.randint(90, 110)]
    ys.append(ys[1] + rng.randint(150, 180))
    ys += [ys[2] + rng.randint(130, 160), ys[2] + rng.randint(270, 300)]
    cx = [L, L + rng.randint(150, 180), L + rng.randint(520, 560), L + rng.randint(720, 760), R]
    for y in ys:
        p.d.line((L, y, R, y), fill=lab, width=2)
    for x in (L, R):
        p.d.line((x, ys[0], x, ys[-1]), fill=lab, width=2)
    for x in cx[1:-1]:
        p.d.line((x, ys[0], x, ys[2]), fill=lab, width=2)
    p.d.line((cx[1], ys[2], cx[1], ys[-1]), fill=lab, width=2)
    htype = rng.choice(["家庭户", "集体户", "居民家庭户", "家庭户口"])
    head = ident["name"]
    hnum = str(rng.randint(100000000, 999999999))
    addr = _long_address(ident, rng)
    one_line = _nrng(ident, "home").random() < 0.4
    cells = [("户别", htype, (cx[0], ys[0], cx[1], ys[1]), (cx[1], ys[0], cx[2], ys[1])),
             ("户主姓名", head, (cx[2], ys[0], cx[3], ys[1]), (cx[3], ys[0], cx[4], ys[1])),
             ("户号", hnum, (cx[0], ys[1], cx[1], ys[2]), (cx[1], ys[1], cx[2], ys[2])),
             ("住址", addr, (cx[2], ys[1], cx[3], ys[2]), (cx[3], ys[1], cx[4], ys[2]))]
    if one_line:
        # "家庭户 户号：123456789" on the 户别 line, all in the value's ink; the 户号 row left blank
        cells[0] = ("户别", f"{htype} 户号：{hnum}", cells[0][2], (cx[1], ys[0], cx[2] + 40, ys[1]))
        cells[2] = ("", "", cells[2][2], cells[2][3])
    for lbl, val, lb, vb in cells:
        if not lbl:
            continue
        if one_line and lbl == "户别":
            p.label_in(lb, _spaced(rng, lbl, 0.6), lf, lab, rng)
            p.put(vb[0] + 10, (vb[1] + vb[3]) / 2 - vf.size * 0.6, val, font((vf.path, vf.index), int(vf.size * 0.8)), ink)
            continue
        p.label_in(lb, _spaced(rng, lbl, 0.6), lf, lab, rng)
        p.value_in(vb, val, vf, ink, rng, level)
    p.label_in((cx[0], ys[2], cx[1], ys[3]), "户口登记机关", lf, lab, rng)
    p.label_in((cx[0], ys[3], cx[1], ys[4]), "承办人签章", lf, lab, rng)
    issue = dt.date(rng.randint(2006, 2024), rng.randint(1, 12), rng.randint(1, 28))
    yd = ys[-1] + rng.randint(40, 70)
    xd = R - rng.randint(430, 520)
    p.put(xd, yd, "签发日期", lf, lab)
    p.put(xd + p.tl("签发日期", lf) + rng.randint(20, 50), yd - 3, _date_cn(issue, rng), vf, ink)
    sw = rng.randint(230, 300)
    seal = _seal(rng, sw, int(sw * rng.uniform(0.68, 0.8)), _station(ident)[-13:], rng.uniform(0.7, 0.9))
    _stamp(p.img, seal, (cx[1] + rng.randint(80, 300), ys[2] + rng.randint(-10, 40)))
    return p.img, {"household_type": htype, "householder_name": head, "household_number": hnum, "address": addr,
                   "issue_date": issue.isoformat()}


_REL = ["户主", "妻", "夫", "长子", "次女", "女", "儿子", "之子", "孙女", "母", "父", "兄", "妹"]


def _hukou_member(rng, ident, level):
    W, H = 1060, 1500
    p = Page(W, H, (rng.randint(244, 252), rng.randint(242, 250), rng.randint(234, 246)))
    lfs, vfs = rng.sample(_avail(), 2)
    lsz = rng.randint(22, 26)
    lf, vf = font(lfs, lsz), font(vfs, rng.randint(25, 29))
    lab, ink = _label_ink(rng), _val_ink(rng)
    tf = font(lfs, 46)
    title = rng.choice(["常住人口登记卡", "常 住 人 口 登 记 卡"])
    p.put((W - p.tl(title, tf)) / 2, 45, title, tf, lab)
    born = ident["birth"]
    bi = regions.lookup(ident["code"]) or {}
    birth_place = (bi.get("province") or "") + (bi.get("city") or "") + (bi.get("county") or "")
    native = (bi.get("province") or "") + (bi.get("city") or bi.get("county") or "")
    other = regions.county_codes()[rng.randrange(len(regions.county_codes()))]
    oi = regions.lookup(other) or {}
    md = dt.date(rng.randint(max(born.year, 1985), 2023), rng.randint(1, 12), rng.randint(1, 28))
    moved_city = ""
    if rng.random() < 0.6:
        moved_city = f"{md.year}年{md.month}月{md.day}日由{(oi.get('province') or '')}{(oi.get('city') or '')}{(oi.get('county') or '')}迁来"
    moved_addr = f"{md.year}年{md.month}月由本市{ident['county']}迁来" if rng.random() < 0.4 else ""
    other_addr = ""
    if rng.random() < 0.3:
        other_addr = ident["county"] + rng.choice(["建设路", "迎宾大道", "滨江路"]) + f"{rng.randint(1, 200)}号"
    reg = dt.date(rng.randint(max(born.year, 2001), 2024), rng.randint(1, 12), rng.randint(1, 28))
    truth = {"name": ident["name"], "relationship": rng.choice(_REL), "former_name": "", "sex": ident["sex"],
             "birth_place": birth_place, "ethnicity": ident["ethnicity"], "native_place": native,
             "birth_date": born.isoformat(), "other_address": other_addr,
             "religion": rng.choice(["", "", "", "无", "佛教"]), "id_number": ident["id_number"],
             "height": rng.choice(["", "", str(rng.randint(150, 188))]), "blood_type": rng.choice(["", "A型", "O型", "AB型"]),
             "education": rng.choice(["大学", "大专", "高中", "初中", "硕士研究生", "小学"]),
             "marital_status": rng.choice(["已婚", "未婚", "离婚"]), "veteran_status": rng.choice(["", "未服兵役"]),
             "employer": rng.choice(["", (ident["city"] or ident["province"]) + "恒达机械有限公司", "县第一中学"]),
             "occupation": rng.choice(["", "工人", "教师", "职员", "农民"]), "moved_to_city": moved_city,
             "moved_to_address": moved_addr, "registration_date": reg.isoformat()}
    disp = dict(truth, birth_date=_date_cn(born, rng), registration_date=_date_cn(reg, rng))
    nr = _nrng(ident, "member")
    if nr.random() < 0.35:
        disp["blood_type"] = nr.choice(["不详", "B型", "AB", "O", "其他", "A"])
    truth["blood_type"] = BLOOD_PRINTED[disp["blood_type"]]
    id_label = rng.choice(["公民身份号码", "公民身份证件编号"])
    # grid: a label column of one width on the left, paired cells of another width on the right
    rows = [[("姓名", "name"), ("户主或与户主关系", "relationship")],
            [("曾用名", "former_name"), ("性别", "sex")],
            [("出生地", "birth_place"), ("民族", "ethnicity")],
            [("籍贯", "native_place"), ("出生日期", "birth_date")],
            [("本市（县）其他住址", "other_address")],
            [("宗教信仰", "religion"), (id_label, "id_number")],
            [("身高", "height"), ("血型", "blood_type")],
            [("文化程度", "education"), ("婚姻状况", "marital_status"), ("兵役状况", "veteran_status")],
            [("服务处所", "employer"), ("职业", "occupation")],
            [("何时由何地迁来本市（县）", "moved_to_city")],
            [("何时由何地迁来本址", "moved_to_address")]]
    L, R = rng.randint(40, 60), W - rng.randint(40, 60)
    top = rng.randint(125, 145)
    rh = rng.randint(84, 96)
    lw1 = rng.randint(120, 140)   # left label column
    lw2 = rng.randint(120, 150)   # second label column
    mid = L + lw1 + rng.randint(290, 330)
    y = top
    for row in rows:
        p.d.line((L, y, R, y), fill=lab, width=2)
        if len(row) == 1:
            lwid = rng.randint(170, 200)
            segs = [(row[0], (L, y, L + lwid, y + rh), (L + lwid, y, R, y + rh))]
        elif len(row) == 2:
            segs = [(row[0], (L, y, L + lw1, y + rh), (L + lw1, y, mid, y + rh)),
                    (row[1], (mid, y, mid + lw2, y + rh), (mid + lw2, y, R, y + rh))]
        else:
            w3 = (R - L) / 3
            segs = [(c, (L + i * w3, y, L + i * w3 + lw1 * 0.85, y + rh), (L + i * w3 + lw1 * 0.85, y, L + (i + 1) * w3, y + rh))
                    for i, c in enumerate(row)]
        for (lbl, key), lb, vb in segs:
            for x in (lb[0], lb[2], vb[2]):
                p.d.line((x, y, x, y + rh), fill=lab, width=2)
            p.label_in(lb, _spaced(rng, lbl, 0.6), lf, lab, rng)
            p.value_in(vb, disp[key], vf, ink, rng, level)
        y += rh
    p.d.line((L, y, R, y), fill=lab, width=2)
    yb = y + rng.randint(40, 70)
    p.put(L + 30, yb, "承办人签章", lf, lab)
    xr = R - rng.randint(400, 460)
    p.put(xr, yb, "登记日期", lf, lab)
    p.put(xr + p.tl("登记日期", lf) + rng.randint(20, 40), yb - 3, disp["registration_date"], vf, ink)
    sw = rng.randint(210, 260)
    seal = _seal(rng, sw, int(sw * rng.uniform(0.7, 1.0)), _station(ident)[-13:], rng.uniform(0.65, 0.85))
    _stamp(p.img, seal, (L + rng.randint(150, 300), yb - rng.randint(60, 120)))
    return p.img, truth


_DOC = {"id_front": _id_front, "id_back": _id_back, "hukou_home": _hukou_home, "hukou_member": _hukou_member}


# ------------------------------------------------------------------ camera
def _camera(doc, rng, level):
    import cv2

    P = {"easy": dict(fill=(0.7, 0.85), tilt=2.0, k=0.03, persp=0.015, shadow=0.15, motion=0, noise=2, q=(80, 92), long=(1500, 1900)),
         "moderate": dict(fill=(0.55, 0.72), tilt=4.0, k=0.07, persp=0.035, shadow=0.35, motion=7, noise=4, q=(62, 80), long=(1500, 1900))}[level]
    src = np.asarray(doc)[:, :, ::-1].astype(np.float32)
    h, w = src.shape[:2]
    fill = rng.uniform(*P["fill"])
    long = rng.randint(*P["long"])
    landscape = w >= h
    FW, FH = (long, int(long * 0.75)) if landscape else (int(long * 0.75), long)
    s = fill * min(FW / w, FH / h)
    # table: a solid colour with grain
    table = np.array(rng.choice([(60, 90, 140), (40, 70, 45), (150, 110, 70), (120, 120, 125), (35, 35, 90), (170, 160, 140)]), np.float32)
    g = np.random.default_rng(rng.randint(0, 2**31))
    frame = np.empty((FH, FW, 3), np.float32)
    frame[:] = table
    grain = cv2.GaussianBlur(g.normal(0, 14, (FH, FW)).astype(np.float32), (0, 0), 3)
    frame += grain[..., None]
    cx, cy = FW / 2 + rng.uniform(-0.05, 0.05) * FW, FH / 2 + rng.uniform(-0.05, 0.05) * FH
    t = math.radians(rng.uniform(-P["tilt"], P["tilt"]))
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    c = (corners - [w / 2, h / 2]) * s
    c = c @ np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]], np.float32)
    # keystone: one edge shorter than the opposite one
    ks = rng.uniform(-P["persp"], P["persp"]) * 2
    c[:, 0] *= 1 + ks * np.sign(c[:, 1]) / 2
    c += g.normal(0, P["persp"] * 0.3 * w * s, c.shape)
    c += [cx, cy]
    M = cv2.getPerspectiveTransform(corners, c.astype(np.float32))
    page = cv2.warpPerspective(src, M, (FW, FH), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), M, (FW, FH))
    mask = cv2.GaussianBlur(mask, (0, 0), 0.8)[..., None]
    out = frame * (1 - mask) + page * mask
    # barrel distortion of the whole frame
    k = rng.uniform(0.3, 1.0) * P["k"]
    yy, xx = np.mgrid[0:FH, 0:FW].astype(np.float32)
    nx, ny = (xx - FW / 2) / (FW / 2), (yy - FH / 2) / (FH / 2)
    r2 = nx * nx + ny * ny
    f = 1 + k * r2
    mx, my = nx * f * FW / 2 / (1 + k) + FW / 2, ny * f * FH / 2 / (1 + k) + FH / 2
    out = cv2.remap(out, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # soft shadow band (a hand/phone) and a warm or cool colour cast
    if P["shadow"]:
        a0 = rng.uniform(0, math.pi)
        d = (xx - FW * rng.uniform(0.2, 0.8)) * math.cos(a0) + (yy - FH * rng.uniform(0.2, 0.8)) * math.sin(a0)
        sh = 1 - rng.uniform(0.5, 1.0) * P["shadow"] / (1 + np.exp(-d / (0.04 * FW)))
        out *= sh[..., None]
    out *= np.array([rng.uniform(0.93, 1.0), 1.0, rng.uniform(0.95, 1.05)], np.float32)
    if P["motion"]:
        n = rng.randint(3, P["motion"])
        ker = np.zeros((n, n), np.float32)
        ker[n // 2, :] = 1
        ker = cv2.warpAffine(ker, cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1), (n, n))
        out = cv2.filter2D(out, -1, ker / max(ker.sum(), 1e-6))
    out += g.normal(0, P["noise"], out.shape).astype(np.float32)
    img = Image.fromarray(out.clip(0, 255).astype(np.uint8)[:, :, ::-1])
    if level == "easy":
        img = img.filter(ImageFilter.UnsharpMask(radius=1.5, percent=60))
    return img, rng.randint(*P["q"])


def make(kind: str, level: str, seed: int) -> dict:
    rng = random.Random(f"alt|{kind}|{level}|{seed}")
    ident = make_identity(random.Random(f"alt-id|{seed}|{kind}"))
    flags = {}
    nr = _nrng(ident, "surname")
    if kind in ("id_front", "hukou_member") and nr.random() < 0.15:
        # a surname misread as a look-alike that is no surname (龚 -> 奠): the name must come back flagged
        ident = dict(ident, name=nr.choice("奠贯候") + ident["name"][1:])
        flags = {"name": "surname_unknown"}
    doc, truth = _DOC[kind](rng, ident, level)
    img, q = _camera(doc, rng, level)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q, subsampling=rng.choice([0, 2]))
    return {"kind": kind, "level": level, "seed": seed, "image": buf.getvalue(), "truth": truth, "flags": flags}


if __name__ == "__main__":
    import json
    import sys

    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "truth.jsonl"), "w", encoding="utf-8") as fh:
        for kind in KINDS:
            for lv in LEVELS:
                for i in range(n):
                    s = make(kind, lv, i)
                    name = f"{kind}_{lv}_{i}.jpg"
                    open(os.path.join(out, name), "wb").write(s["image"])
                    fh.write(json.dumps({"path": name, "kind": kind, "level": lv, "truth": s["truth"]}, ensure_ascii=False) + "\n")
