"""Fast unit tests: ID numbers, normalisation, GB/T 2260 lookups, checks, lazy import."""
import datetime as dt
import subprocess
import sys

from ocr import checks, idnumber, normalize as N, regions


def _make_id(code="411502", born="19900307", seq="123"):
    first = code + born + seq
    return first + idnumber.check_digit(first)


def test_idnumber_basics():
    s = _make_id()
    assert idnumber.is_valid(s)
    assert idnumber.birth_date(s) == dt.date(1990, 3, 7)
    assert idnumber.sex(s) == "男"
    assert idnumber.mask(s) == s[:6] + "********" + s[-4:]


def test_correct_id_valid_and_confusables():
    good = _make_id("420104", "19850612", "246")
    assert N.correct_id(good) == (good, 1.0, "ok")
    # letters that look like digits
    bad = good.replace("0", "O", 1)
    val, conf, how = N.correct_id(bad)
    assert (val, how) == (good, "corrected") and conf < 1.0
    bad = good[:3] + "I" + good[4:] if good[3] == "1" else good[:8] + "S" + good[9:] if good[8] == "5" else good.replace("8", "B", 1)
    val, conf, how = N.correct_id(bad)
    assert val == good and how == "corrected" and conf < 1.0
    # lower-case x check digit
    x = next(_make_id("110101", "19700101", f"{i:03d}") for i in range(1000) if _make_id("110101", "19700101", f"{i:03d}").endswith("X"))
    assert N.correct_id(x.lower()) [0] == x


def test_correct_id_digit_misread_uses_checksum_and_date():
    good = _make_id("411502", "19900307", "123")
    # a digit misread as a similar digit (8 -> 3) in the sequence part
    i = 15
    wrong = good[:i] + ("3" if good[i] != "3" else "8") + good[i + 1:]
    val, conf, how = N.correct_id(wrong)
    assert how in ("corrected", "invalid")
    if how == "corrected":
        assert idnumber.is_valid(val) and conf < 1.0
    # garbage stays invalid
    assert N.correct_id("12345")[2] == "invalid"


def test_dates_and_period():
    assert N.parse_date("1990年3月7日") == "1990-03-07"
    assert N.parse_date("2015年03月 12日") == "2015-03-12"
    assert N.parse_date("2O15.O3.O7") == "2015-03-07"
    assert N.parse_date("nonsense") is None
    assert N.parse_period("2015.03.07-2035.03.07") == ("2015-03-07", "2035-03-07")
    assert N.parse_period("2010.01.02-长期") == ("2010-01-02", "长期")
    assert N.parse_period("2010.01.02—2020.01.02") == ("2010-01-02", "2020-01-02")


def test_sex_ethnicity_name():
    assert N.parse_sex("男") == "男" and N.parse_sex("性别女") == "女" and N.parse_sex("x") is None
    assert N.parse_ethnicity("汉族") == "汉"
    assert N.parse_ethnicity("漢") == "汉"
    assert N.parse_ethnicity("维吾尔") == "维吾尔"
    assert N.parse_name("张 三:") == "张三"


def test_regions_lookup_and_history():
    r = regions.lookup("411502")
    assert (r["province"], r["city"], r["county"]) == ("河南省", "信阳市", "浉河区")
    assert regions.lookup("420104")["county"] == "硚口区"
    assert regions.lookup("110101")["province"] == "北京市"
    assert regions.lookup("999999") is None
    # a code only found in older revisions still resolves
    assert regions.lookup("110103") is not None  # 崇文区, merged in 2010


def test_reconcile_rare_characters():
    fixed, found = regions.reconcile_place("河南省信阳市师河区东方红大道12号", "411502")
    assert fixed == "河南省信阳市浉河区东方红大道12号" and found["county"] == "浉河区"
    fixed, _ = regions.reconcile_place("湖北省武汉市桥口区解放大道1号", "420104")
    assert fixed.startswith("湖北省武汉市硚口区")
    fixed, _ = regions.reconcile_place("湖北省武汉市硚口区解放大道1号")
    assert fixed.startswith("湖北省武汉市硚口区")
    assert regions.reconcile_authority("信阳市公安局师河分局", "411502") == "信阳市公安局浉河分局"


def test_id_checks_and_expiry():
    s = _make_id()
    f = {"id_number": {"value": s}, "birth_date": {"value": "1990-03-07"}, "sex": {"value": "女"}}
    c = checks.id_checks(f, "ok")
    assert c["id_check_digit"] and c["id_valid"] and c["birth_date_matches_id"]
    assert c["sex_matches_id"] is False
    assert c["region"]["county"] == "浉河区"
    bad = s[:-1] + ("0" if s[-1] != "0" else "1")
    assert checks.id_checks({"id_number": {"value": bad}}, "invalid")["id_check_digit"] is False
    today = dt.date(2025, 6, 1)
    assert checks.expiry_check({"valid_to": {"value": "2020-01-01"}}, today)["expired"] is True
    assert checks.expiry_check({"valid_to": {"value": "长期"}}, today)["expired"] is False


def test_cross_check():
    s = _make_id()
    front = {"kind": "id_front", "fields": {"name": {"value": "张三"}, "id_number": {"value": s},
                                             "sex": {"value": "男"}, "birth_date": {"value": "1990-03-07"}}, "checks": {}}
    member = {"kind": "hukou_member", "fields": {"name": {"value": "张三"}, "id_number": {"value": s},
                                                  "sex": {"value": "男"}, "birth_date": {"value": "1990-03-07"}}, "checks": {}}
    back = {"kind": "id_back", "fields": {}, "checks": {"expired": False}}
    r = checks.cross_check([front, back, member])
    assert r["consistent"] and not r["mismatches"] and r["values"]["name"] == "张三"
    member2 = {**member, "fields": {**member["fields"], "name": {"value": "张山"}}}
    r = checks.cross_check([front, member2])
    assert not r["consistent"] and [m["field"] for m in r["mismatches"]] == ["name"]


def test_import_is_light():
    code = ("import sys, ocr, ocr.idnumber, ocr.checks; "
            "assert 'rapidocr' not in sys.modules and 'onnxruntime' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_library_never_imports_the_photo_generators():
    """The generators (ocr/testing) are dev/testing code: no library module imports them, and
    running the whole pipeline (CLI included) leaves them unloaded."""
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "ocr"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                names = [mod] + [f"{mod}.{a.name}" for a in node.names]
            for n in names:
                assert "testing" not in n and "synth" not in n, (path.name, n)
    code = ("import sys, io, numpy as np; from PIL import Image; import ocr, ocr.__main__; "
            "buf = io.BytesIO(); Image.fromarray(np.full((600, 800, 3), 255, np.uint8)).save(buf, 'JPEG'); "
            "ocr.analyze(buf.getvalue()); "
            "assert not [m for m in sys.modules if m.startswith('ocr.testing')], sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root.parent)


def test_quality_warnings():
    import cv2
    import numpy as np

    from ocr import api
    from ocr.testing import synth

    s = synth.make_sample("id_front", "clean", 0)
    bgr = np.asarray(api.load_image(s["image"]))[:, :, ::-1].copy()
    assert api.quality(bgr)[0] == []
    assert "blurred" in api.quality(cv2.GaussianBlur(bgr, (0, 0), 3))[0]
    assert "too_dark" in api.quality((bgr * 0.25).astype(np.uint8))[0]
    assert "overexposed" in api.quality(np.clip(bgr.astype(int) * 2.2, 0, 255).astype(np.uint8))[0]
    assert "image_too_small" in api.quality(cv2.resize(bgr, (400, 250)))[0]


def test_exif_orientation_applied():
    import io

    from PIL import Image

    from ocr import api

    im = Image.new("RGB", (200, 100), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 on display
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes())
    assert api.load_image(buf.getvalue()).size == (100, 200)


def test_blood_type_as_the_picker_expects():
    for printed, want in [("A型", "A"), ("B型", "B"), ("AB型", "AB"), ("AB 型", "AB"), ("O型", "O"), ("0型", "O"),
                          ("不详", "不明"), ("未知", "不明"), ("其它", "其他"), ("RH阴性", "其他")]:
        assert N.parse_blood_type(printed) == want, printed
    assert N.parse_blood_type("") is None
    assert set(N.BLOOD_TYPES) == {"A", "B", "O", "AB", "其他", "不明"}


def test_household_type_and_number_printed_on_one_line():
    assert N.split_household_type("家庭户户号：123456789") == ("家庭户", "123456789")
    assert N.split_household_type("家庭户口 户号 0O1234567") == ("家庭户口", "001234567")
    assert N.split_household_type("集体户 123456789") == ("集体户", "123456789")
    assert N.split_household_type("家庭户号123456") == ("家庭户", "123456")  # the two 户 read as one
    assert N.split_household_type("非农业家庭户口") == ("非农业家庭户口", "")


def test_surnames_from_the_shipped_list():
    from ocr import names
    from ocr.testing import synth

    single, double = names.surnames()
    assert len(single) > 400 and {"欧阳", "诸葛", "司马"} <= double
    assert "龚" in single and "奠" not in single
    assert all(names.surname_known(s + "明") for s in synth._SURNAMES)  # every generator surname is known
    assert names.surname_known("奠明") is False  # 龚 misread as 奠
    assert names.surname_known("扎西多吉", "藏") is None  # no Han surname expected
    assert names.surname_known("买买提·艾力") is None


def test_flagged_fields_lower_confidence_and_warn():
    from ocr import api

    fields = {"name": {"value": "奠明", "confidence": 0.94, "box": [0, 0, 1, 1]},
              "ethnicity": {"value": "汉", "confidence": 0.99, "box": [0, 0, 1, 1]},
              "relationship": {"value": "安局片", "confidence": 0.94, "box": [0, 0, 1, 1]}}
    notes = {}
    api._flag_names(fields, notes)
    for key in ("relationship",):
        if api._seal_words(key, fields[key]["value"]):
            api._flag(fields, notes, key, "seal_text")
    assert notes["flags"] == {"name": ["surname_unknown"], "relationship": ["seal_text"]}
    assert fields["name"]["confidence"] == 0.47 and fields["relationship"]["confidence"] == 0.47
    assert fields["ethnicity"]["confidence"] == 0.99
    # words of a seal are fine where they belong
    assert not api._seal_words("issuing_authority", "武汉市公安局江岸分局")


def test_seal_like_text_by_tilt_and_ink():
    import math

    import numpy as np

    from ocr import parse as P

    img = np.full((100, 300, 3), 255, np.uint8)
    flat = np.array([[10, 40], [210, 40], [210, 70], [10, 70]], np.float32)
    img[45:65, 20:200] = (20, 20, 20)  # black print
    assert not P._seal_like(img, flat, 0.0)
    img[45:65, 20:200] = (60, 40, 150)  # dark red ink (BGR) with no black print under it: a seal's
    assert P._seal_like(img, flat, 0.0)
    img[45:65, 20:200] = (20, 20, 20)
    a = math.radians(25)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], np.float32)
    tilted = (flat - flat.mean(0)) @ rot.T + flat.mean(0)  # text along a seal's ring
    assert P._seal_like(img, tilted.astype(np.float32), 0.0)


def test_engine_session_options_are_lean():
    from ocr import engine

    so = engine.session_options(lean=True)
    assert so.enable_cpu_mem_arena is False and so.enable_mem_pattern is False and so.inter_op_num_threads == 1
    assert engine.session_options(lean=False).enable_mem_pattern is True
