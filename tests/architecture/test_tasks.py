"""One explicit list of task modules (app.tasks.TASK_MODULES): the Celery app registers exactly the
tasks those modules declare, and every @task in app/ lives in a listed module."""
from __future__ import annotations

import ast
from pathlib import Path

from app import tasks

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> dict[str, str]:
    """{task name: module} for every `@task("name")` in app/, read from the source."""
    found = {}
    for path in (ROOT / "app").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for dec in node.decorator_list:
                    if (isinstance(dec, ast.Call) and getattr(dec.func, "id", None) == "task"
                            and dec.args and isinstance(dec.args[0], ast.Constant)):
                        found[dec.args[0].value] = module
    return found


def test_every_task_module_is_listed():
    declared = _declared()
    assert declared, "no @task found: the scan is broken"
    assert set(declared.values()) == set(tasks.TASK_MODULES)


def test_celery_registers_exactly_the_declared_tasks(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:6379/15", TASKS_MODE="celery")  # no broker connection is made
    celery = app.extensions["celery"]
    registered = {name for name in celery.tasks if not name.startswith("celery.")}
    assert registered == set(_declared())
    # the periodic schedule names registered tasks only
    assert {entry["task"] for entry in celery.conf.beat_schedule.values()} == {name for name, _ in tasks.PERIODIC}
