"""Declared once and used everywhere: the pages' allowed actions agree with the state machine for every
role and state; every staff action has its API route; the work queues come from one registry."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import errors
from app.applications import actions
from app.applications.models import STATUSES
from app.applications.service import check_transition
from app.common.permissions import STAFF_ROLES
from app.casework import queues

ROOT = Path(__file__).resolve().parents[2]


def test_allowed_actions_agree_with_the_state_machine():
    for role in STAFF_ROLES:
        staff = SimpleNamespace(role=role, id=1)
        for status in STATUSES:
            app_ = SimpleNamespace(status=status, status_label=status, citizen_id=None)
            allowed = set(actions.allowed_actions(staff, app_))
            for name in actions.STAFF_TRANSITIONS:
                try:
                    check_transition(staff, app_, name)
                    ok = True
                except (errors.Forbidden, errors.InvalidTransition):
                    ok = False
                assert (name in allowed) == ok, (role, status, name)


def test_every_staff_action_has_its_route(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    for name in actions.STAFF_TRANSITIONS:
        assert f"/api/v1/staff/applications/<int:application_id>/{actions.ACTIONS[name].api_path}" in rules


def test_queues_come_from_the_registry():
    builders = {name for name, fn in inspect.getmembers(queues, inspect.isfunction) if name.startswith("_queue_")}
    assert {q.build.__name__ for q in queues.QUEUE_REGISTRY.values()} == builders
    assert "globals()" not in inspect.getsource(queues.queues_for)


@pytest.mark.parametrize("event", ["progress_note", "internal_note"])
def test_internal_events_are_declared_internal(event):
    assert actions.citizen_sees(event) is False


# --- no import-time registries ------------------------------------------------------------------

_REGISTRY_CALLS = {"append", "extend", "insert", "add", "update", "setdefault", "connect", "register_scanner",
                   "declare_input"}


def _module_aliases(tree) -> set[str]:
    """Names a module binds to other app modules (import app.x as y, from app.x import service as y)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app"):
            names |= {a.asname or a.name for a in node.names if not a.name[:1].isupper()}
        elif isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("app")}
    return names


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def import_time_registrations(root: Path) -> list[str]:
    """Statements that run when a module is imported and fill another module's registry: a call such as
    `other.HOOKS.append(fn)` / `other.register_scanner(fn)`, an assignment `other.TABLE[key] = fn`, or a
    function decorated with `@other.signal.connect`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _module_aliases(tree)
        where = str(path.relative_to(root.parent))
        for node in tree.body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                f = node.value.func
                if isinstance(f, ast.Attribute) and f.attr in _REGISTRY_CALLS and _root(f) in aliases:
                    found.append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Subscript) and _root(t) in aliases for t in node.targets):
                    found.append(f"{where}:{node.lineno}")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for d in node.decorator_list:
                    d = d.func if isinstance(d, ast.Call) else d
                    if isinstance(d, ast.Attribute) and d.attr == "connect" and _root(d) in aliases:
                        found.append(f"{where}:{node.lineno}")
    return found


def test_no_module_fills_another_modules_registry_at_import():
    """What a domain adds to a lower one is given explicitly by the app factory (an `init_app` per domain,
    kept on `app.extensions`), never by importing a module; no blinker signal carries a rule."""
    assert import_time_registrations(ROOT / "app") == []
    for name in ("ON_PHONE_BOUND", "ON_LINKED_TO_CITIZEN", "SUBJECT_DESCRIBERS", "SCANNERS"):
        assert not any(name in p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py")), name
    assert not [p for p in (ROOT / "app").rglob("*.py") if "blinker" in p.read_text(encoding="utf-8")]


def test_the_registry_check_sees_a_registration(tmp_path):
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "a.py").write_text("from app.auth import service as auth_service\nfrom app import callbacks\n"
                              "from app.applications import service as applications\n\n"
                              "auth_service.ON_PHONE_BOUND.append(print)\n"
                              "callbacks.SUBJECT_DESCRIBERS['x'] = print\n\n\n"
                              "@applications.before_commit.connect\ndef f(sender):\n    pass\n", encoding="utf-8")
    assert import_time_registrations(pkg) == ["app/a.py:5", "app/a.py:6", "app/a.py:10"]


def test_the_domains_are_wired_by_the_factory(app):
    from app.casework import console as casework_pages
    from app.consultations import service as consultations
    from app.documents import flows
    from app.procedure import delivery, scan
    assert app.extensions["auth"]["on_phone_bound"] is flows.phone_bound
    assert app.extensions["callbacks"]["describers"] == {"consultation": consultations.describe_call,
                                                         "application": casework_pages.describe_application}
    assert app.extensions["alerts"]["scanners"] == (scan.scan, delivery.scan)


_FLUSH_HOOK = re.compile(r"""\b(listens_for|listen)\(.*["'](before_flush|after_flush|after_flush_postexec|before_insert|init)["']""")


def flush_hooks(root: Path) -> list[str]:
    """ORM events that would fill in a new row behind the code that makes it (`before_flush`, `before_insert`…)."""
    return [f"{path.relative_to(root.parent)}:{n}" for path in sorted(root.rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if _FLUSH_HOOK.search(line)]


# The one flush hook allowed, and why: it decides nothing — it keeps derived, indexed copies of the clocks
# (applications.next_due / urgent_due / clock_due: the queues' order and the scan's filter) in step with the
# stored facts they are computed from, registered by app.procedure.due.init_app (issue 21).
DERIVED_ONLY = ["app/procedure/due.py:176"]


def test_no_flush_hook_decides_a_new_rows_values(tmp_path):
    """The centre of a new application, call, callback, alert or sample is asked of app.centres where the row
    is made (centre_for_application / centre_for_new), not filled in by a Session listener at flush."""
    assert flush_hooks(ROOT / "app") == DERIVED_ONLY
    planted = tmp_path / "app"
    planted.mkdir()
    (planted / "a.py").write_text('@event.listens_for(Session, "before_flush")\ndef f(s, c, i):\n    pass\n'
                                  'sa.event.listen(Model, "before_insert", g)\n', encoding="utf-8")
    assert flush_hooks(planted) == ["app/a.py:1", "app/a.py:4"]
