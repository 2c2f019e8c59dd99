"""Person names: is the first character (or the first two) a Chinese surname?

A recognised name whose surname is not in the list (ocr/data/surnames.txt) is most likely a
misread (龚 read as 奠): the field keeps its value but is flagged with lowered confidence.
Names of ethnic groups that do not use Han surnames, and transliterated names with "·", are
not checked.
"""
from __future__ import annotations

import functools
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "surnames.txt"

# ethnic groups whose names usually carry no Han surname (GB 3304 names, without 族)
NO_SURNAME_ETHNICITIES = frozenset({"藏", "维吾尔", "蒙古", "哈萨克", "柯尔克孜", "塔吉克", "乌孜别克", "塔塔尔",
                                    "俄罗斯", "门巴", "珞巴", "裕固", "鄂温克", "鄂伦春", "达斡尔", "赫哲", "独龙"})


@functools.lru_cache(maxsize=1)
def surnames() -> tuple[frozenset, frozenset]:
    """(single-character surnames, two-character surnames)."""
    words = set()
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(w for w in words if len(w) == 1), frozenset(w for w in words if len(w) == 2)


def surname_known(name: str, ethnicity: str | None = None) -> bool | None:
    """True/False for a name that should start with a surname; None when not checked."""
    if not name or len(name) < 2 or "·" in name or (ethnicity and ethnicity in NO_SURNAME_ETHNICITIES):
        return None
    single, double = surnames()
    return name[0] in single or name[:2] in double
