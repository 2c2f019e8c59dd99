"""OCR prefill for household-register pages and resident ID cards (framework-free).

    import ocr
    result = ocr.analyze(jpeg_bytes, expected_kind="id_front")
    summary = ocr.cross_check([front, back, hukou_member])

Importing this package does not load rapidocr/onnxruntime; the engine is loaded on the
first `analyze` call or by `warm_up()` (once per process, thread-safe).
"""
from __future__ import annotations

KINDS = ("hukou_home", "hukou_member", "id_front", "id_back", "other")


def analyze(image, kind=None, expected_kind=None) -> dict:
    from .api import analyze as _analyze

    return _analyze(image, kind=kind, expected_kind=expected_kind)


def cross_check(results: list) -> dict:
    from .checks import cross_check as _cc

    return _cc(results)


def warm_up() -> None:
    """Load everything the first photo would otherwise wait for (e.g. in a worker's start-up):
    the models (with one tiny run each), the parsers, the GB/T 2260 tables, the surname list."""
    from . import api, names, parse, regions  # noqa: F401
    from .engine import get_engine

    get_engine()
    regions.lookup("110101")
    regions._history()
    names.surnames()


__all__ = ["KINDS", "analyze", "cross_check", "warm_up"]
