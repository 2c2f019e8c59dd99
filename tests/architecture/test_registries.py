"""Declared once and used everywhere: the pages' allowed actions agree with the state machine for every
role and state; every staff action has its API route; the work queues come from one registry."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from app import errors
from app.applications import actions
from app.applications.models import STATUSES
from app.applications.service import check_transition
from app.auth.models import STAFF_ROLES
from app.casework import queues


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
