"""Caller numbers: normalise (mobile / landline with area code, +86 or leading 0), region from the
number's prefix (phonenumbers' Chinese geocoder; landlines by area code), masked display, keyed hash."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import geocoder

from app.consultations import regions

from app.common.crypto import phone_hash
from app.common.phone import mask  # noqa: F401  (re-exported: callers mask with phones.mask)

PROVINCE_RE = re.compile(r"^(.+?(?:省|自治区|特别行政区)|北京市|天津市|上海市|重庆市)")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
UNKNOWN = "未知"


class InvalidNumber(ValueError):
    pass


@dataclass(frozen=True)
class Caller:
    number: str  # national form: 13812345678 or 02785551234
    kind: str  # mobile | landline | other
    region: str
    province: str

    @property
    def masked(self) -> str:
        return mask(self.number)

    @property
    def hash(self) -> str:
        return phone_hash(self.number)


def normalise(raw: str, default_area_code: str = "027") -> Caller:
    """'+86 138-1234-5678', '013812345678', '027-8555 1234', '85551234' -> Caller. Raises InvalidNumber."""
    if raw is None:
        raise InvalidNumber("号码为空")
    s = re.sub(r"[\s\-()（）.]", "", str(raw))
    if not s:
        raise InvalidNumber("号码为空")
    if s.startswith("+"):
        if not s.startswith("+86"):
            raise InvalidNumber("仅支持中国大陆号码")
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13 and _MOBILE_RE.match(s[2:]):
        s = s[2:]
    if not s.isdigit():
        raise InvalidNumber("号码含有非数字字符")
    if s.startswith("0") and _MOBILE_RE.match(s[1:]):  # outside-line prefix before a mobile
        s = s[1:]
    if _MOBILE_RE.match(s):
        kind = "mobile"
    elif s.startswith("0") and 10 <= len(s) <= 12:
        kind = "landline"
    elif len(s) in (7, 8) and s[0] not in "01":
        s = default_area_code + s  # local landline without area code
        kind = "landline"
    elif s.startswith(("400", "800")) and len(s) == 10:
        kind = "other"
    else:
        raise InvalidNumber("号码位数不正确")
    region, province = region_of(s, kind)
    if region is None:
        raise InvalidNumber("号码无效（号段或区号不存在）")
    return Caller(s, kind, region, province)


def region_of(number: str, kind: str) -> tuple[str | None, str]:
    if kind == "other":
        return UNKNOWN, UNKNOWN
    # mobile region depends on the first 7 digits; landline on the area code (+ first digit)
    prefix = number[:7] if kind == "mobile" else number
    return _region_cached(prefix if kind == "mobile" else number, kind)


@functools.lru_cache(maxsize=65536)
def _region_cached(key: str, kind: str) -> tuple[str | None, str]:
    sample = key + "0000" if kind == "mobile" else key
    try:
        pn = phonenumbers.parse("+86" + sample.lstrip("0"))
    except phonenumbers.NumberParseException:
        return None, UNKNOWN
    if not phonenumbers.is_valid_number(pn):
        return None, UNKNOWN
    desc = geocoder.description_for_number(pn, "zh") or ""
    if not desc or desc == "中国":
        return UNKNOWN, UNKNOWN
    named = regions.current(desc)  # today's names (襄樊 → 襄阳), one form per city
    if named is not None:
        return named
    m = PROVINCE_RE.match(desc)
    province = m.group(1) if m else desc
    return desc[:32], province[:16]


def is_province(region: str) -> bool:
    m = PROVINCE_RE.match(region)
    return bool(m) and m.group(1) == region


def region_cond(region_col, province_col, region: str):
    """Region filter: a province (湖北省) or a full region (湖北省武汉市); equality, so indexed."""
    if is_province(region) and province_col is not None:
        return province_col == region
    return region_col == region
