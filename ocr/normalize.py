"""Normalisation of recognised values: dates, sex, ethnicity, ID numbers (with
confusable-character correction), text clean-up."""
from __future__ import annotations

import datetime as dt
import itertools
import re

from . import idnumber

_FW = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "。": ".", "－": "-", "—": "-", "–": "-", "～": "-",
                     "〜": "-", "~": "-", "　": " ", "﹣": "-"})
_FW.update({0xFF10 + i: ord("0") + i for i in range(10)})


# Traditional / variant forms the recogniser sometimes returns for simplified print.
_T2S = str.maketrans(dict(zip(
    "黃漢區縣號條東門陽長廣華興鎮莊橋灣龍鳳園國寶為陳劉張楊趙吳鄭維爾滿壯蘭遼寧廈漳慶雲貴陝師湧臺灣"
    "軍紅麗偉傑濤輝剛強愛書鵬飛閆蘇韓馮鄧許謝羅葉蔣盧錢孫馬學滬鄉樓單組島嶺團鐵遠達進開傳鳴",
    "黄汉区县号条东门阳长广华兴镇庄桥湾龙凤园国宝为陈刘张杨赵吴郑维尔满壮兰辽宁厦漳庆云贵陕师涌台湾"
    "军红丽伟杰涛辉刚强爱书鹏飞闫苏韩冯邓许谢罗叶蒋卢钱孙马学沪乡楼单组岛岭团铁远达进开传鸣")))


def to_simplified(s: str) -> str:
    return (s or "").translate(_T2S)


def label_norm(s: str) -> str:
    return re.sub(r"\s+", "", to_simplified((s or "").translate(_FW)))


def label_norm_map(s: str) -> tuple[str, list[int]]:
    """Normalised text and, per normalised char, its index in the raw string."""
    raw = to_simplified((s or "").translate(_FW))
    out, idx = [], []
    for i, ch in enumerate(raw):
        if ch.isspace():
            continue
        out.append(ch)
        idx.append(i)
    return "".join(out), idx


def clean_text(s: str) -> str:
    s = label_norm(s)
    return s.strip(":,.;·、 ")


# --------------------------------------------------------------- digits
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1",
                            "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6", "g": "9",
                            "q": "9", "T": "7", "A": "4"})


def digits_fix(s: str) -> str:
    return s.translate(_DIGIT_FIX)


# --------------------------------------------------------------- dates
def parse_date(s: str) -> str | None:
    """'1990年3月7日', '1990.03.07', '19900307' -> '1990-03-07'."""
    if not s:
        return None
    t = digits_fix(label_norm(s))
    m = re.search(r"(\d{4})\D{0,3}?(\d{1,2})\D{1,3}?(\d{1,2})", t)
    if not m:
        m = re.search(r"(\d{4})(\d{2})(\d{2})", t)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def parse_period(s: str) -> tuple[str | None, str | None]:
    """'2015.03.07-2035.03.07' / '2015.03.07-长期' -> (from, to)."""
    t = digits_fix(label_norm(s)).replace("长朝", "长期").replace("长斯", "长期")
    dates = re.findall(r"(\d{4})\D{0,2}?(\d{2})\D{0,2}?(\d{2})", t)
    vals = []
    for y, m, d in dates:
        try:
            vals.append(dt.date(int(y), int(m), int(d)).isoformat())
        except ValueError:
            vals.append(None)
    frm = vals[0] if vals else None
    to = None
    if "长期" in t or ("长" in t and len(vals) == 1):
        to = "长期"
    elif len(vals) > 1:
        to = vals[1]
    return frm, to


# --------------------------------------------------------------- sex / ethnicity
def parse_sex(s: str) -> str | None:
    t = label_norm(s)
    if "男" in t and "女" not in t:
        return "男"
    if "女" in t and "男" not in t:
        return "女"
    return None


# GB 3304 ethnic group names (without the 族 suffix).
ETHNIC = ["汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家",
          "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜",
          "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒",
          "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴",
          "珞巴", "基诺"]


def parse_ethnicity(s: str) -> str | None:
    t = label_norm(s).rstrip("族")
    t = re.sub(r"[^\u4e00-\u9fff]", "", t)
    if not t:
        return None
    if t in ETHNIC:
        return t
    for e in sorted(ETHNIC, key=len, reverse=True):
        if len(e) >= 2 and e in t:
            return e
    # one-char misread of a multi-char name
    for e in ETHNIC:
        if len(e) == len(t) and len(e) >= 2 and sum(a != b for a, b in zip(e, t)) == 1:
            return e
    if len(t) == 1 and t in ETHNIC:
        return t
    return t[:1] if t[:1] in ETHNIC else t


# Blood type as the form's picker offers it (the register prints "A型", "AB型", "不详", ...)
BLOOD_TYPES = ("A", "B", "O", "AB", "其他", "不明")


def parse_blood_type(s: str) -> str | None:
    """'A型' -> 'A', 'AB 型' -> 'AB', '0型' -> 'O', 'RH阴性'/'其它' -> '其他', '不详'/'未知'/'不明' -> '不明'."""
    t = label_norm(s).upper().replace("血型", "")
    if not t:
        return None
    if re.search(r"不[明详祥]|未[知明详]|待查", t):
        return "不明"
    m = re.search(r"AB|BA|A8|[AB8O0Q口][型形至]?|[AB][型形至]?", t)
    if m:
        v = m.group().rstrip("型形至")
        v = {"BA": "AB", "A8": "AB", "8": "B", "0": "O", "Q": "O", "口": "O"}.get(v, v)
        if v in BLOOD_TYPES:
            return v
    if re.search(r"其[他它]|RH|熊猫", t):
        return "其他"
    return None


# Household types printed in 户别 (editions differ); the longest match wins
HOUSEHOLD_TYPES = ("非农业家庭户口", "农业家庭户口", "非农业集体户口", "农业集体户口", "居民家庭户口", "居民集体户口",
                   "家庭户口", "集体户口", "居民家庭户", "居民集体户", "家庭户", "集体户", "居民户口", "居民户")


def split_household_type(s: str) -> tuple[str, str]:
    """户别 and 户号 printed on one line come out as one value ('家庭户户号：123456789', '家庭户 123456789'):
    returns (household type, household number found after it or '')."""
    t = clean_text(s)
    m = re.search(r"(户号|戶号|户號)?[:：]?\s*([0-9OoDIlSZB]{5,})$", t)
    number = ""
    if m:
        number = re.sub(r"[^0-9]", "", digits_fix(m.group(2)))
        t = t[:m.start()]
    t = re.sub(r"(户号|户號)[:：]?$", "", t).strip(":：,. ")
    for known in HOUSEHOLD_TYPES:
        if known in t:
            return known, number
    for known in HOUSEHOLD_TYPES:
        if known.startswith(t) and len(known) == len(t) + 1:  # "家庭户号": the two 户 read as one
            return known, number
    return t, number


def parse_name(s: str) -> str:
    t = label_norm(s)
    t = re.sub(r"[^\u3400-\u9fff·•]", "", t).replace("•", "·")
    return t


# --------------------------------------------------------------- ID numbers
_CONFUSE = {
    "0": "ODQU8", "1": "IlLT7|", "2": "Z", "3": "8", "4": "A", "5": "S6", "6": "GB5b8", "7": "T1", "8": "B3690", "9": "gq6",
    "X": "xK×Y",
}
# reverse: what a misread character may really be
_ALTS: dict[str, str] = {}
for real, looks in _CONFUSE.items():
    for ch in looks:
        _ALTS.setdefault(ch, "")
        if real not in _ALTS[ch]:
            _ALTS[ch] += real
for d in "0123456789":
    _ALTS.setdefault(d, "")
_ALTS["0"] += "86"
_ALTS["8"] += "036"
_ALTS["6"] += "85"
_ALTS["5"] += "6"
_ALTS["3"] += "8"
_ALTS["1"] += "7"
_ALTS["7"] += "1"
_ALTS["9"] += "8"


def correct_id(raw: str, today: dt.date | None = None) -> tuple[str | None, float, str]:
    """Best ID number for a recognised string.

    Returns (value, confidence factor, how): 'ok' when valid as read, 'corrected' when one
    or two confusable characters were replaced so that the check digit and the embedded
    birth date hold (confidence lowered), 'invalid' when nothing fits (value upper-cased as
    read, digits fixed where obvious).
    """
    t = label_norm(raw).upper().replace("×", "X")
    t = re.sub(r"[^0-9A-Z|]", "", t)
    if len(t) == 18 and idnumber.is_valid(t, today=today):
        return t, 1.0, "ok"
    if len(t) != 18:
        base = digits_fix(t[:-1]) + (t[-1:] if t[-1:] == "X" else digits_fix(t[-1:]))
        return (base or None), 0.3, "invalid"
    # direct fix of non-digits in the first 17
    fixed = digits_fix(t[:17]) + (t[17] if t[17] in "0123456789X" else digits_fix(t[17]).replace("K", "X"))
    if t[17] in "KYx×":
        fixed = fixed[:17] + "X"
    if idnumber.is_valid(fixed, today=today) and fixed != t:
        return fixed, 0.85, "corrected"
    # substitutions of confusable characters, 1 then 2 positions
    cands = []
    for npos in (1, 2):
        for pos in itertools.combinations(range(18), npos):
            opts = []
            for p in pos:
                ch = t[p]
                alts = _ALTS.get(ch, "") + (_ALTS.get(fixed[p], "") if fixed[p] != ch else "")
                if p == 17:
                    alts = "".join(a for a in alts if a in "0123456789X") + ("X" if ch in "K×Y4" else "")
                else:
                    alts = "".join(a for a in alts if a.isdigit())
                opts.append(sorted(set(alts) - {fixed[p]}))
            for combo in itertools.product(*opts):
                s = list(fixed)
                for p, c in zip(pos, combo):
                    s[p] = c
                s = "".join(s)
                if idnumber.is_valid(s, today=today):
                    cands.append(s)
        if cands:
            break
    cands = sorted(set(cands))
    if len(cands) == 1:
        return cands[0], 0.7 if npos == 1 else 0.5, "corrected"
    if len(cands) > 1:
        # prefer a candidate whose region code exists
        from . import regions

        good = [c for c in cands if regions.lookup(c[:6])]
        if len(good) == 1:
            return good[0], 0.5, "corrected"
    return fixed, 0.3, "invalid"
