"""The permission table (app/common/permissions.py) is the one place that names roles: what each
permission admits is written out here (a change to the table is a change to this file too), no role
name appears as a string anywhere else in app/ (templates included), and the guards, the console's
navigation, the CLI and the administrator's staff page read the table."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.common import permissions
from app.common.permissions import PERMISSIONS, STAFF_ROLES, Permission, Role

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TABLE = APP / "common" / "permissions.py"

ROLE_NAMES = {"citizen", "duty_lawyer", "aid_lawyer", "supervisor", "manager", "admin", "bureau_reviewer",
              "city_manager"}

# What SPEC.md "People and roles" gives each role, permission by permission.
EXPECTED = {
    "use_console": ROLE_NAMES - {"citizen"},
    "view_case": {"duty_lawyer", "aid_lawyer", "supervisor", "manager", "city_manager"},
    "view_review_desk": {"duty_lawyer", "supervisor", "manager"},
    "take_phone_intake": {"duty_lawyer"},
    "submit_application": {"citizen", "duty_lawyer"},
    "withdraw_application": {"citizen"},
    "review_case": {"duty_lawyer", "manager"},
    "decide_case": {"manager"},
    "request_explanation": {"manager"},
    "request_expedite": {"duty_lawyer"},
    "decide_expedite": {"manager"},
    "assign_lawyer": {"manager"},
    "work_case": {"aid_lawyer"},
    "view_handling": {"duty_lawyer", "aid_lawyer", "supervisor", "manager"},
    "handle_cases": {"aid_lawyer", "manager"},
    "report_as_lawyer": {"aid_lawyer"},
    "upload_case_documents": {"aid_lawyer"},
    "decide_after_assignment": {"manager"},
    "manage_subsidies": {"manager"},
    "record_progress": {"duty_lawyer", "aid_lawyer", "manager"},
    "reveal_phone": {"duty_lawyer", "aid_lawyer", "manager"},
    "note_after_end": {"manager"},
    "verify_documents": {"duty_lawyer", "manager"},
    "arrange_home_visits": {"duty_lawyer", "manager"},
    "view_home_visits": {"duty_lawyer", "aid_lawyer", "manager"},
    "do_home_visits": {"duty_lawyer", "aid_lawyer"},
    "manage_home_visits": {"manager"},
    "manage_roster": {"manager"},
    "view_sla": {"duty_lawyer", "supervisor", "manager"},
    "record_delivery": {"duty_lawyer", "manager"},
    "view_objections": {"bureau_reviewer", "manager", "city_manager"},
    "decide_objection": {"bureau_reviewer"},
    "log_calls": {"duty_lawyer", "manager"},
    "view_calls": {"duty_lawyer", "supervisor", "manager"},
    "view_all_calls": {"supervisor", "manager"},
    "import_calls": {"manager", "admin"},
    "work_callbacks": {"duty_lawyer", "manager"},
    "follow_repeat_callers": {"duty_lawyer"},
    "view_callbacks": {"duty_lawyer", "supervisor", "manager"},
    "close_callbacks": {"manager"},
    "rate_again": {"citizen"},
    "view_supervision": {"supervisor", "manager"},
    "score_calls": {"supervisor"},
    "view_scorecards": {"duty_lawyer", "supervisor", "manager"},
    "view_wallboard": {"supervisor", "manager"},
    "view_analytics": {"supervisor", "manager", "city_manager"},
    "export_data": {"supervisor", "manager", "city_manager"},
    "handle_alerts": {"manager", "city_manager"},
    "manage_staff": {"admin"},
    "see_all_centres": {"city_manager"},
    "see_bureau_centres": {"bureau_reviewer"},
    "transfer_case": {"duty_lawyer", "manager", "city_manager"},
    "watch_centre_queues": {"city_manager"},
    "view_centres": {"admin", "city_manager"},
    "edit_centres": {"admin"},
    "view_audit": {"admin"},
    "view_system_health": {"admin"},
}

# string literals equal to a role name that are not roles
NOT_ROLES = {("app/demo.py", "admin"): "the demo administrator's username"}


def test_every_role_once_with_its_chinese_name():
    assert {r.value for r in Role} == ROLE_NAMES
    assert all(r.name == r.value and re.fullmatch(r"[\u4e00-\u9fff]+", r.label) for r in Role)
    assert [r.value for r in STAFF_ROLES] == [r.value for r in Role if r is not Role.citizen]
    assert permissions.ROLE_LABELS["bureau_reviewer"] == "司法局审查人员"


def test_each_permission_names_its_roles():
    assert {name: {r.value for r in p.roles} for name, p in PERMISSIONS.items()} == EXPECTED


def _literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ROLE_NAMES:
            yield node.lineno, node.value


_QUOTED = re.compile(r"""(['"])(%s)\1""" % "|".join(sorted(ROLE_NAMES)))


def role_literals_outside_the_table(root: Path = APP) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == TABLE:
            continue
        rel = str(path.relative_to(ROOT))
        found += [f"{rel}:{line} {value!r}" for line, value in _literals(path) if (rel, value) not in NOT_ROLES]
    for path in sorted(root.rglob("*.html")):
        rel = str(path.relative_to(ROOT))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{rel}:{i} {m.group(2)!r}" for m in _QUOTED.finditer(line)]
    return found


def test_no_role_name_outside_the_table():
    """Guards, pages, services and templates name a permission (or a Role member), never a role string.
    Migrations keep their own copy of the role check on purpose (they must not change later)."""
    assert role_literals_outside_the_table() == []


def test_the_check_sees_a_role_literal(tmp_path):
    (tmp_path / "a.py").write_text('ALLOWED = ("manager", "x")\n', encoding="utf-8")
    (tmp_path / "t.html").write_text("{% if me.role == 'supervisor' %}{% endif %}\n", encoding="utf-8")
    global ROOT
    old, ROOT = ROOT, tmp_path
    try:
        assert role_literals_outside_the_table(tmp_path) == ["a.py:1 'manager'", "t.html:1 'supervisor'"]
    finally:
        ROOT = old


# --- the readers ------------------------------------------------------------------------------

def test_guards_and_navigation_take_permissions(app):
    """Every console page and staff API route is guarded by permissions of the table (a guard given
    anything else fails when the view is declared); the navigation shows a page to its permission's roles."""
    from app.console import views
    assert views._NAV and all(isinstance(p, Permission) and p.name in PERMISSIONS for *_, p in views._NAV)
    from app.auth.guards import staff_required
    from app.console import console_required
    for guard in (staff_required, console_required):
        with pytest.raises(TypeError):
            guard("manager")(lambda: None)  # noqa: the check under test


def test_navigation_follows_the_table(app, client, staff):
    from tests.support import console_login
    from app.console import views
    for role in (Role.manager, Role.city_manager, Role.admin):
        c = app.test_client()
        console_login(c, staff.role(role)["username"])
        html = c.get("/console/").get_data(as_text=True)
        for _order, endpoint, label, permission in views._NAV:
            with app.test_request_context():
                from flask import url_for
                href = f'href="{url_for(endpoint)}"'
            assert (href in html) == permission.allows(role), (role, endpoint, label)


def test_cli_offers_every_staff_role(app):
    from app.cli import create_user
    choices = next(p for p in create_user.params if p.name == "role").type.choices
    assert list(choices) == [r.value for r in STAFF_ROLES]
    runner = app.test_cli_runner()
    for role in (Role.bureau_reviewer, Role.city_manager):
        r = runner.invoke(args=["users", "create", f"cli_{role}", "--role", role.value, "--password", "long-enough-pw"])
        assert r.exit_code == 0, r.output
    from app.auth.models import StaffUser
    from app.extensions import db
    with app.app_context():
        assert db.session.scalar(sa.select(StaffUser.role).where(StaffUser.username == "cli_city_manager")) == "city_manager"


def test_admin_page_offers_every_staff_role(app, staff):
    from tests.support import console_login
    c = app.test_client()
    console_login(c, staff.role(Role.admin)["username"])
    html = c.get("/console/staff").get_data(as_text=True)
    select = re.search(r'<select name="role">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', select) == [(r.value, r.label) for r in STAFF_ROLES]


def test_admin_page_creates_every_staff_role_and_refuses_others(app, staff):
    from tests.support import console_login
    from app.auth.models import StaffUser
    from app.extensions import db
    c = app.test_client()
    csrf = console_login(c, staff.role(Role.admin)["username"])
    for role in (Role.bureau_reviewer, Role.city_manager):
        r = c.post("/console/staff", data={"csrf_token": csrf, "username": f"page_{role}", "password": "y" * 12,
                                           "role": role.value})
        assert r.status_code == 302, r.get_data(as_text=True)
    r = c.post("/console/staff", data={"csrf_token": csrf, "username": "page_janitor", "password": "y" * 12,
                                       "role": "janitor"}, headers={"Referer": "http://localhost/console/staff"})
    assert r.status_code == 422 and '"role"' in r.get_data(as_text=True)  # refused at the role field
    with app.app_context():
        made = dict(db.session.execute(sa.select(StaffUser.username, StaffUser.role)
                                       .where(StaffUser.username.like("page_%"))).all())
    assert made == {"page_bureau_reviewer": "bureau_reviewer", "page_city_manager": "city_manager"}
