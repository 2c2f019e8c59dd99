"""Start the backend on loopback for the mini-program's end-to-end test.

The embedded default: SQLite in a temporary folder (built by the Alembic migrations), local-folder
storage, WeChat dev mode (login code `dev:<name>`), background work inline (TASKS_MODE=sync) and
OCR on. Creates one manager, one duty lawyer and one aid lawyer, writes two generated ID-card
photos (the project's photo generator), then prints one JSON line {"port", "photos", "truth",
"staff"} and serves until killed.

Usage: python server.py TMPDIR
"""
from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository (miniprogram/tests/e2e/server.py)
sys.path.insert(0, str(ROOT))


def _photo_generator():
    """The project's photo generator (`make_sample(kind, level, seed)`), wherever it lives."""
    for candidate in ("ocr.testing.synth", "ocr.synth", "tests.ocr.synth"):
        try:
            return importlib.import_module(candidate).make_sample
        except ImportError:
            continue
    for path in sorted(ROOT.glob("**/*.py")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "\ndef make_sample(" in text:  # imported as a package module (it may use relative imports)
            return importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts)).make_sample
    raise SystemExit("photo generator (make_sample) not found")


def main() -> None:
    tmp = Path(sys.argv[1]).resolve()
    tmp.mkdir(parents=True, exist_ok=True)
    for key in ("WECHAT_APPID", "WECHAT_SECRET", "REDIS_URL", "APP_ENV"):
        os.environ.pop(key, None)
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{tmp / 'app.sqlite3'}",
        "STORAGE_URL": f"file://{tmp / 'storage'}",
        "INSTANCE_DIR": str(tmp),
        "TASKS_MODE": "sync",
        "SECRET_KEY": "e2e-secret-key-not-for-production",
    })

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.auth.service import create_staff
    from app.extensions import db

    app = create_app({"OCR_ENABLED": True, "TESTING": False})
    staff = {}
    with app.app_context():
        upgrade()
        for username, role, name in (("e2e-manager", "manager", "王主任"), ("e2e-duty", "duty_lawyer", "赵律师"),
                                     ("e2e-aid", "aid_lawyer", "李律师")):
            user = create_staff(username, "e2e-password-123", role, full_name=name)
            staff[role] = {"id": user.id, "username": username, "password": "e2e-password-123"}
        db.session.commit()

    make_sample = _photo_generator()
    photos, truth = {}, {}
    for kind, seed in (("id_front", 31), ("id_back", 31)):
        sample = make_sample(kind, "clean", seed)
        path = tmp / f"{kind}.jpg"
        path.write_bytes(sample["image"])
        photos[kind] = str(path)
        truth[kind] = sample["truth"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(json.dumps({"port": server.server_port, "photos": photos, "truth": truth, "staff": staff},
                     ensure_ascii=False), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
