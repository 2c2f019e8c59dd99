"""Detection-size sweep for the OCR resize policy: field exact match per kind and level on photos
from both generators (ocr/testing/synth.py and the independent ocr/testing/alt_synth.py), and p50 latency.

    python bench/ocr_sizes.py [--sizes 960,1280] [-n 4]

Each size runs in its own process (the size is read when the engine loads).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one(n: int) -> None:
    sys.path.insert(0, ROOT)
    import ocr
    from ocr.testing import alt_synth, synth
    ocr.warm_up()
    lat, rows = [], []
    for gen, kinds, levels, make in (("ours", synth.KINDS, ("clean", "moderate", "hard"), synth.make_sample),
                                      ("alt", alt_synth.KINDS, ("easy", "moderate"), alt_synth.make)):
        for kind in kinds:
            for lv in levels:
                ok = total = 0
                for seed in range(n):
                    s = make(kind, lv, 100 + seed)
                    t = time.perf_counter()
                    r = ocr.analyze(s["image"])
                    lat.append(time.perf_counter() - t)
                    for key, want in s["truth"].items():
                        total += 1
                        ok += ((r["fields"].get(key) or {}).get("value") or "") == want
                rows.append(f"{gen}:{kind}/{lv}={100 * ok / total:.0f}%")
    print(f"OCR_DET_LONG_SIDE={os.environ.get('OCR_DET_LONG_SIDE')}  p50 {statistics.median(lat) * 1000:.0f} ms")
    print("  " + "  ".join(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="960,1280")
    ap.add_argument("-n", type=int, default=4, help="photos per kind, level and generator")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        one(a.n)
        return
    for size in a.sizes.split(","):
        env = {**os.environ, "OCR_DET_LONG_SIDE": size}
        out = subprocess.run([sys.executable, __file__, "--one", "-n", str(a.n)], env=env, capture_output=True,
                             text=True, check=True).stdout
        print(out, end="", flush=True)


if __name__ == "__main__":
    main()
