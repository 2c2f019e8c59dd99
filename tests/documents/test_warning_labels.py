"""Every photo warning the server can send has words in the console and in the mini-program, so a
citizen never sees a generic "照片质量不佳" for a warning that asks them to check a name."""
from pathlib import Path

from app.documents.console import WARNING_LABELS

ROOT = Path(__file__).resolve().parents[2]


def test_the_mini_program_labels_every_photo_warning():
    text = (ROOT / "miniprogram" / "utils" / "labels.js").read_text(encoding="utf-8")
    block = text.split("const PHOTO_WARNINGS = {", 1)[1].split("}", 1)[0]
    missing = [code for code in WARNING_LABELS if code != "blurry" and f"{code}:" not in block]
    assert missing == []
