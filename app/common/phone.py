"""Phone numbers shown masked (138****1234; landlines keep their area code)."""
from __future__ import annotations


def mask(number: str) -> str:
    if len(number) <= 7:
        return number[:2] + "*" * max(len(number) - 2, 0)
    head = 4 if number.startswith("0") and len(number) >= 11 and number[1] not in "12" else 3
    return number[:head] + "****" + number[-4:]
