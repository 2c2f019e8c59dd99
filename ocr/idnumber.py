"""Resident ID numbers (GB 11643-1999): check digit (ISO 7064 MOD 11-2), birth date, sex.

Pure Python, no dependencies: imported by the app for form validation and by the OCR checks.
"""
from __future__ import annotations

import datetime as _dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalize(value: str) -> str:
    """Upper-case, strip spaces; does not validate."""
    return re.sub(r"\s+", "", value or "").upper()


def check_digit(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def birth_date(id_number: str) -> _dt.date | None:
    s = normalize(id_number)
    if not _SHAPE.match(s):
        return None
    try:
        return _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None


def sex(id_number: str) -> str | None:
    """'男' or '女' from the 17th digit (odd = male)."""
    s = normalize(id_number)
    if not _SHAPE.match(s):
        return None
    return "男" if int(s[16]) % 2 else "女"


def region_code(id_number: str) -> str | None:
    s = normalize(id_number)
    return s[:6] if _SHAPE.match(s) else None


def is_valid(id_number: str, *, today: _dt.date | None = None) -> bool:
    """Shape, check digit and a plausible birth date (not in the future, after 1900)."""
    s = normalize(id_number)
    if not _SHAPE.match(s):
        return False
    if check_digit(s[:17]) != s[17]:
        return False
    born = birth_date(s)
    if born is None:
        return False
    today = today or _dt.date.today()
    return _dt.date(1900, 1, 1) <= born <= today


def mask(id_number: str | None) -> str | None:
    """110105********1234 style: region and last four only."""
    if not id_number:
        return id_number
    s = normalize(id_number)
    if len(s) < 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]
