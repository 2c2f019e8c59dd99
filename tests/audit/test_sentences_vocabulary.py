"""Audit sentences show no English keys: the test walks the whole vocabulary (every action and object
type of app/audit/labels.py) and every detail key the code writes with an audit record (read from the
source with `ast`), and reads each sentence for Latin words."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

from app.audit.labels import ACTION_LABELS, OBJECT_LABELS

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"audit", "record", "audit_record"}
# Latin words allowed in a Chinese sentence: abbreviations every reader knows
ALLOWED = {"IP", "CSV", "XLSX", "SLA", "ID", "PDF", "Excel"}
REJECT = next(iter(__import__("app.documents.models", fromlist=["REJECT_REASONS"]).REJECT_REASONS))
RESULT = next(iter(__import__("app.callbacks.models", fromlist=["RESULTS"]).RESULTS))


def _written_details() -> dict[str, set[str]]:
    """action → the detail keys written with it (constant actions and dict literals only)."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in WRITERS and node.args):
                continue
            first = node.args[0]
            action = first.value if isinstance(first, ast.Constant) else None
            for kw in node.keywords:
                if kw.arg == "details" and isinstance(kw.value, ast.Dict):
                    keys = {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
                    out.setdefault(action or "*", set()).update(keys)
    return out


def _sample(key: str, action: str):
    if action in ("application.transfer", "centres.scope_bypass") and key == "reason":
        return "样例"  # free text here (a document's refusal reason is a code)
    if action.startswith("application.eligibility"):
        return {"result": "likely_eligible", "means_test": "exempt", "from": "likely_eligible",
                "to": "needs_review"}.get(key, "样例")
    return {"against": "refusal", "format": "xlsx", "application_id": 1, "lawyer_id": 1, "suggested": [1], "channel": "console", "from": "submitted",
            "to": "under_review", "available": True, "is_active": True, "role": "manager", "total": 90,
            "rows": 3, "kind": "id_front", "reason": REJECT, "result": RESULT, "filters": {"date_from": "2026-01-01"},
            "decision": "corrected", "items": ["hukou_home"], "grounds": ["not_in_hardship"]}.get(key, "样例")


def _latin(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z_]{2,}", text) if w not in ALLOWED]


def test_every_action_and_object_reads_as_a_chinese_sentence(app):
    from app.auditlog import sentences
    details = _written_details()
    bad = []
    with app.app_context():
        for action in ACTION_LABELS:
            for object_type in [*OBJECT_LABELS, None]:
                keys = details.get(action, set())
                r = SimpleNamespace(action=action, actor_type="staff", actor_id=None, actor_name="陈主任",
                                    object_type=object_type, object_id="7" if object_type else None,
                                    details={k: _sample(k, action) for k in keys}, at=dt.datetime(2026, 3, 2, 9, 0),
                                    ip="127.0.0.1")
                names = sentences.Names([])
                text = sentences.sentence(r, names)
                if _latin(text):
                    bad.append(f"{action} / {object_type}: {text}")
    assert not bad, "\n".join(bad[:40])


def test_every_detail_key_written_has_a_chinese_label(app):
    from app.auditlog import sentences
    keys = set().union(*_written_details().values())
    assert {"application_id", "lawyer_id", "kind"} <= keys  # the walk finds what the code writes
    bad = []
    with app.app_context():
        for key in sorted(keys):
            r = SimpleNamespace(action="application.note", actor_type="staff", actor_id=None, actor_name="陈主任",
                                object_type="application", object_id="7", details={key: "样例"},
                                at=dt.datetime(2026, 3, 2, 9, 0), ip="127.0.0.1")
            text = sentences.how(r, sentences.Names([]))
            if _latin(text):
                bad.append(f"{key}: {text}")
    assert not bad, bad
