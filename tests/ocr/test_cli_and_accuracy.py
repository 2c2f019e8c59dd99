"""CLI behaviour (subprocess) and accuracy floors on a small fixed synthetic subset."""
import json
import os
import subprocess
import sys

import pytest

from ocr.testing import synth

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (kind, level, seed) - a fixed subset of the benchmark
SUBSET = [(k, lv, 7000 + i) for k in synth.KINDS for lv in synth.LEVELS for i in range(2)]
FLOORS = {"clean": 0.93, "moderate": 0.88, "hard": 0.7}


def test_cli_bad_files_and_good_one(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not an image")
    s = synth.make_sample("id_front", "clean", 1)
    good = tmp_path / "good.jpg"
    good.write_bytes(s["image"])
    trunc = tmp_path / "trunc.jpg"
    trunc.write_bytes(s["image"][:2000])
    p = subprocess.run([sys.executable, "-m", "ocr", str(bad), str(trunc), str(good), str(tmp_path / "missing.jpg")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(lines) == 4, p.stderr
    assert lines[0]["path"] == str(bad) and "error" in lines[0]
    assert "error" in lines[1] and "error" in lines[3]
    r = lines[2]
    assert "error" not in r and r["kind"] == "id_front"
    assert set(r) == {"path", "kind", "fields", "warnings", "checks"}
    assert r["fields"]["id_number"]["value"] == s["truth"]["id_number"]
    for f in r["fields"].values():
        assert set(f) == {"value", "confidence", "box"}
    assert p.returncode == 1
    assert "张" in json.dumps(r, ensure_ascii=False) or "\\u" not in p.stdout  # ensure_ascii=False


def test_cli_kind_option(tmp_path):
    s = synth.make_sample("id_back", "clean", 2)
    f = tmp_path / "b.jpg"
    f.write_bytes(s["image"])
    p = subprocess.run([sys.executable, "-m", "ocr", str(f), "--kind", "id_back", "--expected-kind", "id_front"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    r = json.loads(p.stdout.splitlines()[0])
    assert r["kind"] == "id_back" and "wrong_kind" in r["warnings"]
    assert r["fields"]["valid_to"]["value"] == s["truth"]["valid_to"]
    assert p.returncode == 0


@pytest.fixture(scope="module")
def subset_results():
    import ocr

    out = []
    for kind, level, seed in SUBSET:
        s = synth.make_sample(kind, level, seed)
        out.append((s, ocr.analyze(s["image"], expected_kind=kind)))
    return out


def test_kind_detection(subset_results):
    ok = sum(r["kind"] == s["kind"] for s, r in subset_results)
    assert ok / len(subset_results) >= 0.95
    assert all("wrong_kind" not in r["warnings"] for s, r in subset_results if r["kind"] == s["kind"])


@pytest.mark.parametrize("level", synth.LEVELS)
def test_field_accuracy_floor(subset_results, level):
    ok = n = 0
    for s, r in subset_results:
        if s["level"] != level:
            continue
        for key, want in s["truth"].items():
            n += 1
            ok += ((r["fields"].get(key) or {}).get("value") or "") == want
    assert ok / n >= FLOORS[level], f"{level}: {ok}/{n}"


def test_id_numbers_clean_moderate(subset_results):
    pairs = [(s["truth"]["id_number"], r["fields"].get("id_number", {}).get("value"))
             for s, r in subset_results if "id_number" in s["truth"] and s["level"] != "hard"]
    assert sum(a == b for a, b in pairs) >= len(pairs) - 1


def test_analyze_accepts_pil_and_rejects_garbage():
    import io

    from PIL import Image

    import ocr

    s = synth.make_sample("id_front", "clean", 3)
    r = ocr.analyze(Image.open(io.BytesIO(s["image"])))
    assert r["kind"] == "id_front" and "path" not in r
    with pytest.raises(ValueError):
        ocr.analyze(b"garbage")
