"""Every console page and staff API route (and the hotline's API: calls, callbacks, supervision,
analytics), tried anonymously, with a citizen token and as every staff role: only the allowed ones
succeed; the others answer 401/403/404 (anonymous pages: a redirect to the login page) and change
nothing. Routes are enumerated from app.url_map: a new route without an entry here (or in a package's
tests/<package>/role_matrix.py) fails the test."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
from typing import Callable


from app.common.permissions import STAFF_ROLES as TABLE_STAFF_ROLES, P, Role
from app.common.timeutil import LOCAL_TZ, utcnow
from app.extensions import db
from tests.support import ROLE_USER, api_login, console_login, make_case, user
from tests.factories import jpeg_bytes, login

ROLES = ("anonymous", *(r.value for r in Role))  # every role of the permission table, and nobody
STAFF_ROLES = tuple(r.value for r in TABLE_STAFF_ROLES)


def R(*permissions) -> set[str]:
    """The roles the permission table (app/common/permissions.py) admits for any of `permissions`; what
    each permission admits is pinned in tests/architecture/test_permissions.py."""
    return {r.value for p in permissions for r in p.roles}


CASE = R(P.view_case)


@dataclasses.dataclass
class Case:
    endpoint: str
    method: str
    allowed: set
    url: Callable  # (builder) -> path
    body: Callable | None = None  # (builder) -> form dict (console) or JSON (API)
    fresh: bool = True  # build new objects for each allowed try (state-changing routes)
    changes: bool | None = None  # must an allowed try change the state? (default: yes for all but GET)


class Builder:
    """Makes the objects a request needs. Cases assigned to a lawyer go to aid1 (the aid_lawyer tried)."""

    def __init__(self, app, staff):
        self.app, self.staff = app, staff
        self.dirty = True  # set by every method that writes: the state fingerprint must be taken again

    def __getattribute__(self, name):
        if name in ("case", "doc", "visit", "alert", "throwaway_staff", "flip"):
            object.__setattr__(self, "dirty", True)
        return object.__getattribute__(self, name)

    def case(self, status="under_review", **fields):
        return make_case(self.app, status, by_phone=True, **fields)

    def doc(self, status="in_progress"):
        from app.documents import service as documents
        app_id = self.case(status)
        with self.app.app_context():
            return documents.upload(user(self.app, "duty1"), app_id, "id_front", jpeg_bytes(), "id.jpg").id

    def visit(self):
        from app.visits import service as visits
        app_id = self.case("in_progress", home_visit_requested=True, home_visit_address="江岸区某路1号",
                           home_visit_reason="行动不便")
        with self.app.app_context():
            from app.applications.models import Application
            a = db.session.get(Application, app_id)
            return visits.schedule_home_visit(user(self.app, "manager1"), a, self.staff["aid1"]["id"],
                                                utcnow() + dt.timedelta(days=1)).id

    def alert(self):
        from app.alerts.service import raise_alert
        with self.app.app_context():
            return raise_alert("sla_breach", message="测试预警", dedupe_key=f"t:{utcnow().timestamp()}").id

    def throwaway_staff(self):
        from app.auth.service import create_staff
        with self.app.app_context():
            return create_staff(f"tmp{utcnow().timestamp():.6f}".replace(".", ""), "x" * 12, "duty_lawyer").id


def _local(minutes):
    return (dt.datetime.now(LOCAL_TZ) + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _iso(minutes):
    return (utcnow() + dt.timedelta(minutes=minutes)).isoformat()


# a visit scheduled with aid1: its lawyer, and who manages every visit
VISIT_DONE = ({Role.aid_lawyer.value} & R(P.do_home_visits)) | R(P.manage_home_visits)
HV = dict(home_visit_requested=True, home_visit_address="江岸区某路1号", home_visit_reason="行动不便")
A = "/api/v1/staff"


def console_cases(staff):
    c = "/console"
    act = "console.application_action"
    return [
        Case("console.home", "GET", R(P.use_console), lambda b: f"{c}/", fresh=False),
        Case("console.queue", "GET", R(P.review_case, P.watch_centre_queues), lambda b: f"{c}/queues/review", fresh=False),
        Case("console.queue", "GET", R(P.work_case), lambda b: f"{c}/queues/my_cases", fresh=False),
        Case("console.queue", "GET", R(P.view_objections), lambda b: f"{c}/queues/objections", fresh=False),
        Case("console.applications", "GET", CASE, lambda b: f"{c}/applications", fresh=False),
        Case("console.new_application", "GET", R(P.take_phone_intake), lambda b: f"{c}/applications/new", fresh=False),
        Case("console.create_application", "POST", R(P.take_phone_intake), lambda b: f"{c}/applications",
             lambda b: {"applicant_name": "来电人", "phone": "13800000000", "description": "来电咨询欠薪问题"}),
        Case("console.application_detail", "GET", CASE, lambda b: f"{c}/applications/{b.case('in_progress')}", fresh=False),
        Case("console.application_detail", "GET", CASE - {"aid_lawyer"}, lambda b: f"{c}/applications/{b.case()}", fresh=False),
        Case(act, "POST", R(P.review_case), lambda b: f"{c}/applications/{b.case('submitted')}/actions/start_review"),
        Case(act, "POST", R(P.decide_case), lambda b: f"{c}/applications/{b.case()}/actions/approve"),
        Case(act, "POST", R(P.decide_case), lambda b: f"{c}/applications/{b.case()}/actions/reject",
             lambda b: {"reason": "不符合条件", "grounds": "not_in_hardship"}),
        Case(act, "POST", R(P.request_expedite), lambda b: f"{c}/applications/{b.case()}/actions/request_expedite",
             lambda b: {"reason": "期限紧迫", "ground": "other"}),
        Case(act, "POST", R(P.decide_expedite), lambda b: f"{c}/applications/{b.case('expedite_requested')}/actions/approve_expedite",
             lambda b: {"backfill_kinds": "hukou_home", "backfill_due_at": _local(600)}),
        Case(act, "POST", R(P.decide_expedite), lambda b: f"{c}/applications/{b.case('expedite_requested')}/actions/deny_expedite",
             lambda b: {"reason": "不紧急"}),
        Case(act, "POST", R(P.assign_lawyer), lambda b: f"{c}/applications/{b.case('approved')}/actions/assign",
             lambda b: {"lawyer_id": str(staff["aid2"]["id"])}),
        Case(act, "POST", R(P.work_case), lambda b: f"{c}/applications/{b.case('assigned')}/actions/start_work"),
        Case("console.reveal_phone", "POST", R(P.reveal_phone),
             lambda b: f"{c}/applications/{b.case('in_progress')}/phone", lambda b: {"back": "/console/"}),
        Case("console.application_note", "POST", R(P.record_progress),
             lambda b: f"{c}/applications/{b.case('in_progress')}/notes", lambda b: {"note": "进展"}),
        Case("console.upload_document", "POST", R(P.verify_documents),
             lambda b: f"{c}/applications/{b.case('in_progress')}/documents",
             lambda b: {"kind": "other", "file": (io.BytesIO(jpeg_bytes()), "x.jpg")}),
        Case("console.request_home_visit", "POST", R(P.arrange_home_visits),
             lambda b: f"{c}/applications/{b.case()}/home-visit", lambda b: {"address": "某地"}),
        Case("console.schedule_home_visit", "POST", R(P.arrange_home_visits),
             lambda b: f"{c}/applications/{b.case('under_review', **HV)}/home-visit/schedule",
             lambda b: {"lawyer_id": str(staff["aid1"]["id"]), "scheduled_at": _local(600)}),
        Case("console.home_visits", "GET", R(P.view_home_visits), lambda b: f"{c}/home-visits", fresh=False),
        Case("console.complete_home_visit", "POST", VISIT_DONE,
             lambda b: f"{c}/home-visits/{b.visit()}/complete", lambda b: {"result_note": "已上门"}),
        Case("console.document_detail", "GET", CASE, lambda b: f"{c}/documents/{b.doc()}"),
        Case("console.verify_document", "POST", R(P.verify_documents), lambda b: f"{c}/documents/{b.doc()}/verify"),
        Case("console.reject_document", "POST", R(P.verify_documents), lambda b: f"{c}/documents/{b.doc()}/reject",
             lambda b: {"reason": "blurry"}),
        Case("console.lawyers", "GET", R(P.manage_roster), lambda b: f"{c}/lawyers", fresh=False),
        Case("console.lawyer_availability", "POST", R(P.manage_roster), lambda b: f"{c}/lawyers/{staff['aid2']['id']}/availability",
             lambda b: {"available": "0" if b.flip() else "1"}),
        Case("console.alerts_page", "GET", R(P.handle_alerts), lambda b: f"{c}/alerts", fresh=False),
        Case("console.alert_action", "POST", R(P.handle_alerts), lambda b: f"{c}/alerts/{b.alert()}/acknowledge"),
        Case("console.alert_action", "POST", R(P.handle_alerts), lambda b: f"{c}/alerts/{b.alert()}/resolve"),
        Case("console.staff_page", "GET", R(P.manage_staff), lambda b: f"{c}/staff", fresh=False),
        Case("console.staff_create", "POST", R(P.manage_staff), lambda b: f"{c}/staff",
             lambda b: {"username": f"new{utcnow().timestamp():.0f}", "password": "y" * 12, "role": "supervisor"}),
        Case("console.staff_active", "POST", R(P.manage_staff), lambda b: f"{c}/staff/{b.throwaway_staff()}/active",
             lambda b: {"active": "0"}),
        Case("console.audit_page", "GET", R(P.view_audit), lambda b: f"{c}/audit", fresh=False),
        Case("console.audit_export", "GET", R(P.view_audit), lambda b: f"{c}/audit.csv", fresh=False),
    ]


def api_cases(staff):
    return [
        Case("staff.queue", "GET", CASE, lambda b: f"{A}/queue", fresh=False),
        Case("staff.list_applications", "GET", CASE, lambda b: f"{A}/applications", fresh=False),
        Case("staff.create_application", "POST", R(P.take_phone_intake), lambda b: f"{A}/applications",
             lambda b: {"applicant_name": "来电人", "phone": "13800000000", "description": "来电咨询"}),
        Case("staff.get_application", "GET", CASE, lambda b: f"{A}/applications/{b.case('in_progress')}", fresh=False),
        Case("staff.get_application", "GET", CASE - {"aid_lawyer"}, lambda b: f"{A}/applications/{b.case()}", fresh=False),
        Case("staff.reveal_phone", "GET", R(P.reveal_phone),
             lambda b: f"{A}/applications/{b.case('in_progress')}/phone", fresh=False),
        Case("staff.action_start_review", "POST", R(P.review_case),
             lambda b: f"{A}/applications/{b.case('submitted')}/start-review", lambda b: {}),
        Case("staff.action_approve", "POST", R(P.decide_case), lambda b: f"{A}/applications/{b.case()}/approve", lambda b: {}),
        Case("staff.action_reject", "POST", R(P.decide_case), lambda b: f"{A}/applications/{b.case()}/reject",
             lambda b: {"reason": "不符合条件", "grounds": ["not_in_hardship"]}),
        Case("staff.action_request_expedite", "POST", R(P.request_expedite),
             lambda b: f"{A}/applications/{b.case()}/request-expedite",
             lambda b: {"reason": "期限紧迫", "ground": "other"}),
        Case("staff.action_approve_expedite", "POST", R(P.decide_expedite),
             lambda b: f"{A}/applications/{b.case('expedite_requested')}/approve-expedite",
             lambda b: {"backfill_kinds": ["hukou_home"], "backfill_due_at": _iso(600)}),
        Case("staff.action_deny_expedite", "POST", R(P.decide_expedite),
             lambda b: f"{A}/applications/{b.case('expedite_requested')}/deny-expedite", lambda b: {"reason": "不紧急"}),
        Case("staff.action_assign", "POST", R(P.assign_lawyer), lambda b: f"{A}/applications/{b.case('approved')}/assign",
             lambda b: {"lawyer_id": staff["aid2"]["id"]}),
        Case("staff.action_start_work", "POST", R(P.work_case),
             lambda b: f"{A}/applications/{b.case('assigned')}/start-work", lambda b: {}),
        Case("staff.add_note", "POST", R(P.record_progress),
             lambda b: f"{A}/applications/{b.case('in_progress')}/notes", lambda b: {"note": "进展"}),
        Case("staff.lawyer_suggestions", "GET", R(P.manage_roster),
             lambda b: f"{A}/applications/{b.case('approved')}/lawyer-suggestions", fresh=False),
        Case("staff.request_home_visit", "POST", R(P.arrange_home_visits),
             lambda b: f"{A}/applications/{b.case()}/home-visit", lambda b: {"address": "某地"}),
        Case("staff.schedule_home_visit", "POST", R(P.arrange_home_visits),
             lambda b: f"{A}/applications/{b.case('under_review', **HV)}/home-visit/schedule",
             lambda b: {"lawyer_id": staff["aid1"]["id"], "scheduled_at": _iso(600)}),
        Case("staff.list_home_visits", "GET", R(P.view_home_visits), lambda b: f"{A}/home-visits", fresh=False),
        Case("staff.complete_home_visit", "POST", VISIT_DONE,
             lambda b: f"{A}/home-visits/{b.visit()}/complete", lambda b: {"result_note": "已上门"}),
        Case("staff.verify_document", "POST", R(P.verify_documents), lambda b: f"{A}/documents/{b.doc()}/verify"),
        Case("staff.reject_document", "POST", R(P.verify_documents), lambda b: f"{A}/documents/{b.doc()}/reject",
             lambda b: {"reason": "blurry"}),
        Case("staff.lawyers", "GET", R(P.manage_roster), lambda b: f"{A}/lawyers", fresh=False),
        Case("staff.update_lawyer", "PATCH", R(P.manage_roster), lambda b: f"{A}/lawyers/{staff['aid2']['id']}",
             lambda b: {"available": not b.flip()}),
        Case("alerts.list_alerts", "GET", R(P.handle_alerts), lambda b: f"{A}/alerts", fresh=False),
        Case("alerts.acknowledge_alert", "POST", R(P.handle_alerts), lambda b: f"{A}/alerts/{b.alert()}/acknowledge"),
        Case("alerts.resolve_alert", "POST", R(P.handle_alerts), lambda b: f"{A}/alerts/{b.alert()}/resolve"),
        Case("staff.sla_summary", "GET", R(P.view_sla), lambda b: f"{A}/sla", fresh=False),
        Case("auditlog.audit_log", "GET", R(P.view_audit), lambda b: f"{A}/audit", fresh=False),
    ]


PUBLIC = {("console.login", "GET"), ("console.login", "POST"), ("console.logout", "POST"), ("console.static", "GET")}


APPEND_ONLY = {"audit_log", "application_events", "notifications", "auth_tokens"}


class Fingerprint(dict):
    """Each table's digest (what a request could change, except session bookkeeping: last_seen); two compare
    equal when nothing changed, and `changed_tables` names what did (for the failure message)."""

    def changed_tables(self, other: "Fingerprint") -> list[str]:
        return sorted(t for t in set(self) | set(other) if self.get(t) != other.get(t))


def _fingerprint(app) -> Fingerprint:
    out = Fingerprint()
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name == "console_sessions":
                continue
            if table.name in APPEND_ONLY:  # rows are only ever added: their count and last id say it all
                sql = f'SELECT count(*), max(id) FROM "{table.name}"'
            else:
                cols = ", ".join(f'"{c.name}"' for c in table.columns if c.name != "last_login_at")
                order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
                sql = f'SELECT {cols} FROM "{table.name}" ORDER BY {order}'
            out[table.name] = hashlib.sha256(repr(conn.exec_driver_sql(sql).fetchall()).encode()).hexdigest()
    return out


def _send(client, case, url, body, headers, api):
    kwargs = {"headers": headers}
    if api:
        if case.method != "GET":
            kwargs["json"] = body or {}
        if any(isinstance(v, tuple) for v in (body or {}).values()):  # a file upload
            kwargs["data"], kwargs["content_type"] = kwargs.pop("json"), "multipart/form-data"
    elif case.method != "GET":
        kwargs["data"] = body or {}
        if any(isinstance(v, tuple) for v in (body or {}).values()):
            kwargs["content_type"] = "multipart/form-data"
    return client.open(url, method=case.method, **kwargs)


def _package_matrices():
    """Every `tests/<package>/role_matrix.py` (other packages' console pages and API routes)."""
    import importlib
    import pkgutil

    import tests
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg and info.name != "platform":
            try:
                yield importlib.import_module(f"tests.{info.name}.role_matrix")
            except ModuleNotFoundError as exc:
                if exc.name != f"tests.{info.name}.role_matrix":
                    raise


def all_console_cases(builder, staff):
    """This file's cases, plus those of every `tests/<package>/role_matrix.py` that defines
    `console_cases(Case, builder, staff)` (other packages' /console pages), plus matrix_extra."""
    from tests.platform import matrix_extra
    cases = console_cases(staff) + matrix_extra.console_cases(Case, builder, staff)
    for mod in _package_matrices():
        if hasattr(mod, "console_cases"):
            cases += mod.console_cases(Case, builder, staff)
    return cases


def all_api_cases(builder, staff):
    """This file's staff-API cases, plus `api_cases(Case, builder, staff)` of every package's
    role_matrix.py (their API routes; a case may allow "citizen", tried with the citizen's token)."""
    cases = api_cases(staff)
    for mod in _package_matrices():
        if hasattr(mod, "api_cases"):
            cases += mod.api_cases(Case, builder, staff)
    return cases


# URL prefixes whose every route must have an entry (the hotline's API: issue 5)
MATRIX_PREFIXES = ("/console", "/api/v1/staff", "/api/v1/consultations", "/api/v1/callbacks", "/api/v1/supervision",
                   "/api/v1/analytics")


def test_every_route_has_a_matrix_entry(app, staff):
    builder = Builder(app, staff)
    cases = all_console_cases(builder, staff) + all_api_cases(builder, staff)
    covered = {(c.endpoint, c.method) for c in cases} | PUBLIC
    missing = []
    for rule in app.url_map.iter_rules():
        if not any(rule.rule == p or rule.rule.startswith(p + "/") for p in MATRIX_PREFIXES):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without a role-matrix entry: " + ", ".join(missing)


def test_role_matrix(app, client, fake_wechat, staff):
    builder = Builder(app, staff)
    flips = iter(range(10_000))
    builder.flip = lambda: next(flips) % 2 == 0
    citizen_login = login(client, fake_wechat)
    citizen = citizen_login["headers"]
    builder.citizen_id = citizen_login["user"]["id"]  # for cases the citizen is allowed (their own objects)
    tokens = {role: api_login(client, ROLE_USER[role]) for role in STAFF_ROLES}
    consoles = {}
    csrfs = {}
    for role in STAFF_ROLES:
        consoles[role] = app.test_client()
        csrfs[role] = console_login(consoles[role], ROLE_USER[role])
    anon_console = app.test_client()
    anon_console.get("/console/login")  # has a login CSRF cookie, but no session

    failures = []
    last = None
    for api, cases in ((False, all_console_cases(builder, staff)), (True, all_api_cases(builder, staff))):
        for case in cases:
            shared_url = case.url(builder)
            for role in ROLES:
                allowed = role in case.allowed
                url = case.url(builder) if (allowed and case.fresh) else shared_url
                body = case.body(builder) if case.body else {}
                if api:
                    c = client
                    headers = {} if role == "anonymous" else citizen if role == "citizen" else tokens[role]
                else:
                    c = anon_console if role in ("anonymous", "citizen") else consoles[role]
                    headers = citizen if role == "citizen" else {}
                    if case.method != "GET":
                        body = {**body, "csrf_token": csrfs.get(role, "no-session")}
                before = _fingerprint(app) if builder.dirty or last is None else last
                builder.dirty = False
                r = _send(c, case, url, body, headers, api)
                if r.mimetype == "text/event-stream":  # stays open for minutes: closed now, not whenever it is collected
                    r.close()
                last = _fingerprint(app)
                changed = last != before
                label = f"{role} {case.method} {url}"
                if allowed:
                    ok = r.status_code == 200 if case.method == "GET" else r.status_code in (200, 201, 202, 302)
                    must_change = case.method != "GET" if case.changes is None else case.changes
                    if must_change and not changed:
                        ok = False
                    if not api and case.method != "GET" and r.status_code == 302:
                        ok = ok and "/console/login" not in r.headers["Location"]
                    if not ok:
                        failures.append(f"ALLOWED but {r.status_code} changed={changed}: {label} "
                                        f"{r.get_data(as_text=True)[:200]}")
                else:
                    anon_page = (not api and role in ("anonymous", "citizen") and r.status_code == 302
                                 and "/console/login" in r.headers.get("Location", ""))
                    if not (r.status_code in (401, 403, 404) or anon_page) or changed:
                        failures.append(f"DENIED but {r.status_code} changed={changed}: {label} "
                                        f"{before.changed_tables(last) if changed else ''}")
    assert not failures, "\n".join(failures)


def test_public_console_routes(client):
    assert client.get("/console/login").status_code == 200
    assert client.get("/console/static/console.css").status_code == 200
    assert client.post("/console/logout").status_code == 403  # no CSRF token, no session
