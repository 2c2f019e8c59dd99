"""Every setting lives in app/config.py, read from the environment with its default, and is listed
in the configuration table (docs/configuration.md); no code reads a setting Config does not define; the CDR upload
limit is reachable (its requests get their own limit, above the photo's)."""
from __future__ import annotations

import ast
import importlib.util
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("arch_report", ROOT / "scripts" / "arch_report.py")
arch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(arch)
READERS = {"_env", "_int", "_bool", "_json", "_dates", "_float", "_int_or_none"}


def _from_environment() -> set[str]:
    tree = ast.parse((ROOT / "app" / "config.py").read_text(encoding="utf-8"))
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in READERS
            and node.args and isinstance(node.args[0], ast.Constant)}


def _readme_table() -> set[str]:
    section = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_readme_lists_every_setting_and_only_those():
    env, readme = _from_environment(), _readme_table()
    assert len(env) > 40
    assert env - readme == set(), f"settings missing from docs/configuration.md: {sorted(env - readme)}"
    assert readme - env == set(), f"docs/configuration.md lists settings Config does not read: {sorted(readme - env)}"


def test_no_setting_read_outside_config():
    assert arch.settings_outside_config() == {}


def test_a_setting_comes_from_the_environment(monkeypatch):
    from app.config import Config
    monkeypatch.setenv("REPEAT_CALLER_THRESHOLD", "5")
    monkeypatch.setenv("SLA_TARGET_MINUTES", '{"urgent": 45}')
    monkeypatch.setenv("CONSOLE_IDLE_MINUTES", "10")
    c = Config()
    assert (c.REPEAT_CALLER_THRESHOLD, c.SLA_TARGET_MINUTES, c.CONSOLE_IDLE_MINUTES) == (5, {"urgent": 45}, 10)


def test_cdr_upload_limit_is_reachable_and_photos_keep_theirs(make_app, fake_wechat):
    """A CDR file above the photo limit but under MAX_CDR_BYTES is accepted; the same body to the photo
    upload is refused with 413; a CDR file above MAX_CDR_BYTES is refused with 413."""
    from app.config import REQUEST_MARGIN
    from tests.factories import login
    app = make_app(MAX_UPLOAD_BYTES=64 * 1024, MAX_CDR_BYTES=512 * 1024)
    client = app.test_client()
    token = _manager_token(app)
    header = "呼叫ID,主叫号码,振铃时间,应答时间,结束时间,坐席工号\n".encode()
    row = b"C%06d,13800138000,2026-11-30 10:00:00,2026-11-30 10:00:02,2026-11-30 10:05:00,S001\n"
    body = header + b"".join(row % i for i in range(5000))  # ~425 KB: above the photo request limit
    assert 64 * 1024 + REQUEST_MARGIN < len(body) < 512 * 1024
    r = client.post("/api/v1/consultations/imports", headers={"Authorization": f"Bearer {token}"},
                    data={"file": (io.BytesIO(body), "cdr.csv")}, content_type="multipart/form-data")
    assert r.status_code == 202, r.get_json()
    s = login(client, fake_wechat)
    r = client.post("/api/v1/documents", headers=s["headers"], content_type="multipart/form-data",
                    data={"file": (io.BytesIO(body), "p.jpg"), "kind": "id_front", "application_id": "1"})
    assert r.status_code == 413
    big = header + b"".join(row % i for i in range(14000))  # ~1.2 MB: above the CDR request limit
    assert len(big) > 512 * 1024 + REQUEST_MARGIN
    r = client.post("/api/v1/consultations/imports", headers={"Authorization": f"Bearer {token}"},
                    data={"file": (io.BytesIO(big), "cdr.csv")}, content_type="multipart/form-data")
    assert r.status_code == 413


def _manager_token(app) -> str:
    from app.auth.models import StaffUser
    from app.auth.service import issue_tokens
    from app.extensions import db
    with app.app_context():
        user = StaffUser(username="mgr-limit", password_hash="x", role="manager", full_name="负责人")
        db.session.add(user)
        db.session.flush()
        token = issue_tokens("staff", user.id)["access_token"]
        db.session.commit()
        return token


_INLINE_DEFAULT = re.compile(r"""config\.get\(\s*["']([A-Z][A-Z0-9_]+)["']\s*,""")


def test_no_setting_read_with_an_inline_default():
    """A setting's default lives in Config only (OCR_ENABLED and OCR_LEASE_SECONDS had a second one)."""
    found = [f"{p.relative_to(ROOT)}: {m.group(1)}" for p in sorted((ROOT / "app").rglob("*.py"))
             for m in _INLINE_DEFAULT.finditer(p.read_text(encoding="utf-8"))]
    assert found == []
    assert _INLINE_DEFAULT.search('lease = float(app.config.get("OCR_LEASE_SECONDS", 30))')
