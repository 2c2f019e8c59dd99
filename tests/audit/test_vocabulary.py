"""One vocabulary of audit actions: every action the code writes (read from the source with `ast`,
f-strings expanded over what they are built from) and every object type has a Chinese label in
app/audit/labels.py, in the one `<object>.<verb>` form."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from app.applications.service import TRANSITIONS
from app.audit.labels import ACTION_LABELS, OBJECT_LABELS, action_label, object_label

ROOT = Path(__file__).resolve().parents[2]
WRITERS = {"audit", "record", "audit_record"}
# how the f-string actions are built, and what they can become
EXPANSIONS = {"application.{action}": [f"application.{a}" for a in TRANSITIONS],
              "callback.{status}": ["callback.satisfied", "callback.escalated"]}


def _written():
    actions, objects = set(), set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in WRITERS and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                actions.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                template = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                                   for v in first.values)
                assert template in EXPANSIONS, f"{path}: audit action {template} not known to this test"
                actions.update(EXPANSIONS[template])
            for kw in node.keywords:
                if kw.arg == "object_type" and isinstance(kw.value, ast.Constant):
                    objects.add(kw.value.value)
    return actions, objects


def test_every_written_action_and_object_type_has_a_chinese_label():
    actions, objects = _written()
    assert len(actions) > 20 and "document.view" in actions and "consultation.reveal_number" in actions
    assert actions <= set(ACTION_LABELS), sorted(actions - set(ACTION_LABELS))
    assert objects <= set(OBJECT_LABELS), sorted(objects - set(OBJECT_LABELS))
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert all(cjk.search(label) for label in [*ACTION_LABELS.values(), *OBJECT_LABELS.values()])


def test_one_form_for_every_action():
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", a) for a in ACTION_LABELS), "actions are <object>.<verb>"
    assert action_label("document.view") == "查看材料" and object_label("document") == "申请材料"
    assert action_label("unknown.thing") == "unknown.thing"
