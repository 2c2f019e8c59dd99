"""One input path per action: a console page loads what a form posts with the API's marshmallow schema
(`app.console.form_input`), never field by field from `request.form`. The few reads left are named here,
each with why it is not an action's input; a new one fails this test until it is loaded by a schema or
named below with its reason."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = {
    # plumbing: the CSRF token, the idempotency key's body hash, the login limiter's key
    ("app/console/auth.py", 'request.form.get("csrf_token")'): "CSRF check",
    ("app/common/idempotency.py", "sorted(request.form)"): "idempotency: a hash of the whole body",
    ("app/common/idempotency.py", "request.form.getlist(k)"): "idempotency: a hash of the whole body",
    ("app/common/limits.py", 'request.form.get("username", "")'): "the login limiter's key",
    # the loaders themselves, and the refused form's values shown again (display only)
    ("app/console/views.py", "request.form if form is None else form"): "form_input",
    ("app/console/views.py", "request.form.getlist(k)"): "keep_form_state: the typed values shown again",
    ("app/procedure/console.py", "f = request.form"): "_typed: the typed values shown again on the desk",
    # the login form answers one 401 message for any bad input (no field errors that tell which was wrong)
    ("app/auth/console.py", 'request.form.get("username")'): "console login",
    ("app/auth/console.py", 'request.form.get("password")'): "console login",
    # navigation after an action, not its input
    ("app/consultations/console.py", 'request.form.get("back")'): "where to go back to",
    ("app/casework/console.py", 'request.form.get("back")'): "where to go back to",
    ("app/supervision/console.py", 'request.form.get("then")'): "score, then the next call",
    # the page's own second confirmation of an irreversible act (the API's caller confirms on its side)
    ("app/handling/console.py", 'request.form.get("confirm")'): "the confirmation tick",
    # the administrator's centres form: no API takes it; app.centres.service._clean is its one validator
    ("app/console/centres.py", "f = request.form"): "centres admin form",
}

READ = re.compile(r"request\.form\b")


def _reads():
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if READ.search(line):
                yield rel, n, line.strip()


def test_console_forms_are_loaded_by_the_api_schemas():
    unnamed = [f"{rel}:{n}: {line}" for rel, n, line in _reads()
               if not any(rel == path and snippet in line for path, snippet in ALLOWED)]
    assert not unnamed, "load the form with form_input(<the API's schema>) instead:\n" + "\n".join(unnamed)


def test_every_named_read_still_exists():
    found = list(_reads())
    stale = [key for key in ALLOWED if not any(rel == key[0] and key[1] in line for rel, _, line in found)]
    assert not stale, f"named here but gone from the code (remove the entry): {stale}"
