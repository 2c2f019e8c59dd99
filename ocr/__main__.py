"""python -m ocr IMAGE [IMAGE ...] [--kind KIND] [--expected-kind KIND]

Loads the models once and prints one JSON object per image per line:
{"path", "kind", "fields": {key: {"value", "confidence", "box"}}, "warnings": [...], "checks": {...}}
A file that cannot be read as an image gives {"path", "error"} and the others still run.
Exit status: 0 if every image was analysed, 1 if some failed, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import json
import sys

from . import KINDS


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ocr", description="OCR prefill for hukou pages and ID cards")
    ap.add_argument("images", nargs="+", metavar="IMAGE")
    ap.add_argument("--kind", choices=KINDS, help="parse as this kind instead of detecting it")
    ap.add_argument("--expected-kind", choices=KINDS, help="warn (wrong_kind) if the photo is another kind")
    a = ap.parse_args(argv)

    from .api import analyze

    failed = 0
    for path in a.images:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            res = analyze(data, kind=a.kind, expected_kind=a.expected_kind)
            out = {"path": path, **res}
        except (OSError, ValueError) as e:
            failed += 1
            out = {"path": path, "error": str(e), "kind": None, "fields": {}, "warnings": ["unreadable"], "checks": {}}
        except Exception as e:  # keep going with the other files
            failed += 1
            out = {"path": path, "error": f"{type(e).__name__}: {e}", "kind": None, "fields": {},
                   "warnings": ["failed"], "checks": {}}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
