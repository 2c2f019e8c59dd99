"""Imports between app/* packages go one way, read from the source with `ast` (scripts/arch_report.py):
no cycle between domain packages, and at most 10 imports inside functions outside the app factory,
each with a one-line reason on its line."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("arch_report", ROOT / "scripts" / "arch_report.py")
arch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(arch)


def test_no_cycle_between_app_packages():
    edges, _ = arch.graph()
    assert arch.mutual_pairs(edges) == []
    assert arch.cycles(edges) == [], "app/* packages import each other in a cycle"


def test_cycle_detection_sees_a_cycle():
    """The checker itself: a planted cycle (and a longer one) is found."""
    assert arch.cycles({("a", "b"): [], ("b", "a"): []}) == [["a", "b"]]
    assert arch.cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [["a", "b", "c"]]
    assert arch.cycles({("a", "b"): [], ("b", "c"): []}) == []


def test_few_imports_inside_functions_each_with_a_reason():
    _, inner = arch.graph()
    outside_factory = [(f, line, name) for f, line, _func, name in inner if f != "app/__init__.py"]
    assert len(outside_factory) <= 10, outside_factory
    for f, line, name in outside_factory:
        text = (ROOT / f).read_text(encoding="utf-8").splitlines()[line - 1]
        assert "#" in text, f"{f}:{line} imports {name} inside a function without a one-line reason"


def test_framework_free_libraries_import_nothing_of_app():
    for lib in ("wechat", "storage", "ocr", "sms"):
        for path in (ROOT / lib).rglob("*.py"):
            for name, line, _ in arch.imports(path):
                assert not (name == "app" or name.startswith("app.")), f"{path}:{line} imports {name}"
