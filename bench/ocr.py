"""OCR benchmark on synthetic photos (ocr.testing.synth): accuracy, kind detection, latency, memory.

    python bench/ocr.py -n 10            # 10 images per kind per level
    python bench/ocr.py -n 3 --no-baseline

Prints per-field exact-match accuracy by kind and level, ID-number accuracy, kind
detection accuracy and p50 latency of ocr.analyze per image; with the baselines (default):

- memory: the same photos read by two fresh worker-like processes, one with our engine
  (`ocr.engine.Engine(lean=True)`, what workers run) and one with the engine as it was before
  the memory work (`lean=False`: rapidocr's session options with the memory pattern, fixed
  recognition batches of 6); each prints its peak RSS and its field accuracy;
- speed: a pass that times, on each image in turn, ocr.analyze with our engine, ocr.analyze
  with the `lean=False` engine and a default `rapidocr.RapidOCR()` call (so load from anything
  else on the machine falls on all three alike), with the ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ocr.testing import synth  # noqa: E402


def rss_mb() -> float:
    """Peak resident set of this process so far (VmHWM: unlike ru_maxrss it does not carry a
    parent's peak into a spawned child)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _make(job):
    return synth.make_sample(*job)


def _accuracy(samples, results) -> tuple[int, int]:
    ok = n = 0
    for s, r in zip(samples, results):
        for key, want in s["truth"].items():
            n += 1
            ok += ((r["fields"].get(key) or {}).get("value") or "") == want
    return ok, n


def _memory_child(lean: bool, samples, conn) -> None:
    """A fresh process that loads one engine and reads every photo: peak RSS, as a worker has it."""
    from ocr import engine
    from ocr.api import analyze

    before = rss_mb()
    eng = engine.Engine(lean=lean)
    loaded = rss_mb()
    results = [analyze(s["image"], engine=eng) for s in samples]
    ok, n = _accuracy(samples, results)
    conn.send({"before": before, "loaded": loaded, "peak": rss_mb(), "ok": ok, "n": n})
    conn.close()


def memory_pair(samples) -> dict:
    """Peak RSS of a process with our engine and of one with the old (lean=False) engine; the two
    run side by side (memory does not depend on the machine's load)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    out, procs = {}, []
    for lean in (True, False):
        a, b = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_memory_child, args=(lean, samples, b))
        p.start()
        procs.append((lean, p, a))
    for lean, p, a in procs:
        out["lean" if lean else "old"] = a.recv()
        p.join()
    return out


def run(n: int, seed: int, levels, kinds, baseline: bool, verbose: bool, dump: str | None) -> dict:
    import ocr
    from ocr.api import analyze

    # render in a child process so that rendering memory does not count in our peak RSS
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(k, lv, seed + i) for k in kinds for lv in levels for i in range(n)]
    with ProcessPoolExecutor(max_workers=1) as ex:
        samples = list(ex.map(_make, jobs))
    base_rss = rss_mb()
    ocr.warm_up()
    loaded_rss = rss_mb()
    stats: dict = {}
    kind_ok = 0
    flag_stats = {"expected": 0, "caught": 0, "other": []}
    lat = []
    failures = []
    for s in samples:
        t = time.perf_counter()
        r = analyze(s["image"])
        lat.append(time.perf_counter() - t)
        kind_ok += r["kind"] == s["kind"]
        got_flags = (r["checks"].get("flagged_fields") or {})
        for key, reason in s.get("flags", {}).items():
            flag_stats["expected"] += 1
            flag_stats["caught"] += reason in got_flags.get(key, [])
        for key, reasons in got_flags.items():
            for reason in reasons:
                if reason not in s.get("flags", {}).get(key, ""):
                    flag_stats["other"].append((s["kind"], s["level"], s["seed"], key, reason))
        st = stats.setdefault((s["kind"], s["level"]), {"ok": 0, "n": 0, "id_ok": 0, "id_n": 0, "per": {}})
        for key, want in s["truth"].items():
            got = (r["fields"].get(key) or {}).get("value") or ""
            ok = got == want
            st["ok"] += ok
            st["n"] += 1
            pk = st["per"].setdefault(key, [0, 0])
            pk[0] += ok
            pk[1] += 1
            if key == "id_number":
                st["id_ok"] += ok
                st["id_n"] += 1
            if not ok:
                failures.append({"kind": s["kind"], "level": s["level"], "seed": s["seed"], "field": key,
                                 "want": want, "got": got})
    peak_rss = rss_mb()
    base_lat, old_lat, pair_lat, mem = [], [], [], None
    if baseline:
        from rapidocr import RapidOCR

        from ocr import engine as E

        mem = memory_pair(samples)
        eng = RapidOCR()
        eng(samples[0]["image"])  # load models outside the timing
        old = E.Engine(lean=False)
        analyze(samples[0]["image"], engine=old)
        # Interleaved pass: ours, the old engine and the default call on each image in turn, so
        # that load from anything else on the machine falls on all alike
        for s in samples:
            t = time.perf_counter()
            analyze(s["image"])
            pair_lat.append(time.perf_counter() - t)
            t = time.perf_counter()
            analyze(s["image"], engine=old)
            old_lat.append(time.perf_counter() - t)
            t = time.perf_counter()
            eng(s["image"])
            base_lat.append(time.perf_counter() - t)

    def pct(x):
        return f"{100.0 * x:.1f}%"

    print(f"images: {len(samples)} ({n} per kind per level, seed {seed})")
    print("field exact match by kind and level:")
    header = f"  {'kind':14s}" + "".join(f"{lv:>11s}" for lv in levels)
    print(header)
    for k in kinds:
        row = f"  {k:14s}"
        for lv in levels:
            st = stats[(k, lv)]
            row += f"{pct(st['ok'] / st['n']):>11s}"
        print(row)
    summary = {}
    for lv in levels:
        ok = sum(stats[(k, lv)]["ok"] for k in kinds)
        tot = sum(stats[(k, lv)]["n"] for k in kinds)
        idok = sum(stats[(k, lv)]["id_ok"] for k in kinds)
        idn = sum(stats[(k, lv)]["id_n"] for k in kinds)
        summary[lv] = {"fields": ok / tot, "id_number": (idok / idn) if idn else None}
        print(f"  all fields {lv:9s} {pct(ok / tot)}   id_number {pct(idok / idn) if idn else '-'} ({idok}/{idn})")
    print(f"kind detection: {pct(kind_ok / len(samples))} ({kind_ok}/{len(samples)})")
    blood = [(st["per"].get("blood_type", [0, 0])) for (k, lv), st in stats.items() if k == "hukou_member"]
    if blood:
        print(f"blood type (A/B/O/AB/其他/不明): {sum(b[0] for b in blood)}/{sum(b[1] for b in blood)}"
              f";  household number: {sum(st['per'].get('household_number', [0, 0])[0] for st in stats.values())}"
              f"/{sum(st['per'].get('household_number', [0, 0])[1] for st in stats.values())}")
    print(f"misread surnames flagged: {flag_stats['caught']}/{flag_stats['expected']};"
          f" other flags raised: {len(flag_stats['other'])} {flag_stats['other'][:6]}")
    p50 = statistics.median(lat)
    print(f"latency p50 ocr.analyze: {p50 * 1000:.0f} ms (p90 {sorted(lat)[int(0.9 * (len(lat) - 1))] * 1000:.0f} ms)")
    if base_lat:
        b50, o50, d50 = statistics.median(base_lat), statistics.median(pair_lat), statistics.median(old_lat)
        print(f"interleaved pass: p50 ocr.analyze {o50 * 1000:.0f} ms, with the old engine {d50 * 1000:.0f} ms"
              f" (ratio {o50 / d50:.2f}x), default RapidOCR() {b50 * 1000:.0f} ms   ratio {o50 / b50:.2f}x")
    print(f"peak RSS with engine loaded: {peak_rss:.0f} MB (before load {base_rss:.0f} MB, after load {loaded_rss:.0f} MB)")
    if mem:
        ln, od = mem["lean"], mem["old"]
        for name, m in (("our engine", ln), ("old engine", od)):
            print(f"  fresh process, {name}: peak RSS {m['peak']:.0f} MB (before load {m['before']:.0f},"
                  f" after load {m['loaded']:.0f}); fields {m['ok']}/{m['n']}")
        print(f"  peak RSS ratio ours / old: {ln['peak'] / od['peak']:.2f}x   (goal: ours <= 400 MB)")
    if verbose:
        for (k, lv), st in sorted(stats.items()):
            bad = {f: f"{a}/{b}" for f, (a, b) in st["per"].items() if a < b}
            if bad:
                print(f"  misses {k}/{lv}: {bad}")
    if dump:
        with open(dump, "w", encoding="utf-8") as fh:
            for f in failures:
                fh.write(json.dumps(f, ensure_ascii=False) + "\n")
    return {"summary": summary, "kind_accuracy": kind_ok / len(samples), "p50": p50,
            "baseline_p50": statistics.median(base_lat) if base_lat else None, "peak_rss_mb": peak_rss,
            "old_engine_p50": statistics.median(old_lat) if old_lat else None, "memory": mem,
            "stats": stats, "failures": failures}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10, help="images per kind per level")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--levels", default=",".join(synth.LEVELS))
    ap.add_argument("--kinds", default=",".join(synth.KINDS))
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--dump", help="write failures as JSON lines here")
    a = ap.parse_args(argv)
    run(a.n, a.seed, a.levels.split(","), a.kinds.split(","), not a.no_baseline, a.verbose, a.dump)


if __name__ == "__main__":
    main()
