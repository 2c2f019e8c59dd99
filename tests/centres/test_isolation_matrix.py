"""The generated isolation matrix (issue 19): every console page and staff API route of the role matrix
(walked from app.url_map by tests/platform/test_role_matrix.py, which fails on a route without an entry),
tried by every staff role that the route admits, as that role's twin in ANOTHER centre, on objects of the
city centre: a route naming an object answers 404 and changes nothing (read and write); a list answers
without any of the other centre's applications or calls. As a control, the same object is found by a
city-level role. The matrix is generated: a new route joins it by getting its role-matrix entry."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.common.permissions import P
from app.extensions import db
from tests.platform.test_role_matrix import (Builder, STAFF_ROLES, _fingerprint, _send, all_api_cases,
                                             all_console_cases)
from tests.support import ROLE_USER, console_login

OBJECT_URL = re.compile(r"/\d+(/|$|\.)")
# routes about the platform itself rather than a centre's things (the admin's centres page)
PLATFORM = {"console.centres_page", "console.centre_create", "console.centre_update"}
# known gaps: endpoints tried like the others that must fail exactly as known (a new leak still fails the test);
# none now (the subsidy batches became a centre's in migration 0018)
KNOWN_GAPS: set[str] = set()


def _city_markers(app) -> list[str]:
    """Strings that would betray the city centre's things in a list: application references, call ids."""
    from app.applications.models import Application
    from app.consultations.models import Consultation
    with app.app_context():
        refs = db.session.scalars(sa.select(Application.reference).where(Application.reference.is_not(None))).all()
        calls = db.session.scalars(sa.select(Consultation.call_id)).all()
    return [m for m in refs + calls if m]


def test_other_centres_things_are_404_and_unchanged(app, client, fake_wechat, staff, centres):
    builder = Builder(app, staff)
    builder._other_centre = "hongshan"  # transfers go there (role_matrix.other_centre)
    flips = iter(range(10_000))
    builder.flip = lambda: next(flips) % 2 == 0
    twins = centres["twins"]
    roles = tuple(r for r in STAFF_ROLES if r not in P.see_all_centres)  # the city level sees every centre
    tokens = {role: twins[ROLE_USER[role]]["headers"] for role in roles}
    consoles, csrfs = {}, {}
    for role in roles:
        consoles[role] = app.test_client()
        csrfs[role] = console_login(consoles[role], twins[ROLE_USER[role]]["username"])
    city = app.test_client()
    console_login(city, "city1")

    failures, tried, known = [], {"object": 0, "list": 0}, set()
    for api, cases in ((False, all_console_cases(builder, staff)), (True, all_api_cases(builder, staff))):
        for case in cases:
            if case.endpoint in PLATFORM:
                continue
            for role in sorted(set(case.allowed) & set(roles)):
                url = case.url(builder)
                body = case.body(builder) if case.body else {}
                if not OBJECT_URL.search(url):
                    if case.method != "GET":
                        continue  # creating something in one's own centre
                    c = client if api else consoles[role]
                    r = _send(c, case, url, body, tokens[role] if api else {}, api)
                    if r.mimetype == "text/event-stream":  # long-lived (10 min): its status only, as in the role matrix
                        r.close()
                        tried["list"] += 1
                        if r.status_code != 200:
                            failures.append(f"STREAM {r.status_code}: {role} GET {url}")
                        continue
                    text = r.get_data(as_text=True)
                    leaked = [m for m in _city_markers(app) if m in text]
                    tried["list"] += 1
                    if r.status_code != 200 or leaked:
                        failures.append(f"LIST {r.status_code} leaked={leaked[:3]}: {role} GET {url}")
                    continue
                if api:
                    c, headers = client, tokens[role]
                else:
                    c, headers = consoles[role], {}
                    if case.method != "GET":
                        body = {**body, "csrf_token": csrfs[role]}
                before = _fingerprint(app)
                r = _send(c, case, url, body, headers, api)
                after = _fingerprint(app)
                changed = before.changed_tables(after)
                tried["object"] += 1
                if (r.status_code != 404 or changed) and case.endpoint in KNOWN_GAPS:
                    known.add(case.endpoint)
                elif r.status_code != 404 or changed:
                    failures.append(f"{r.status_code} changed={changed}: {role} ({twins[ROLE_USER[role]]['username']}) "
                                    f"{case.method} {url} {r.get_data()[:120]!r}")
    assert not failures, "\n".join(failures)
    assert known <= KNOWN_GAPS
    assert tried["object"] >= 60 and tried["list"] >= 15, tried  # the matrix is not empty


def test_other_centres_calls_and_audit_entries_count_nowhere(app, client, staff, centres):
    """Figures and logs, generated the same way: every analytics chart and export (API and console) for every
    role that may see them, and the audit log (API, page, CSV) for every role that may read it, answer the
    other centre's twin exactly as before the city centre's calls, case and audit entries existed."""
    from app.analytics.queries import CHARTS
    from tests.support import local, log_call
    q = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    twins = centres["twins"]
    roles = lambda p: sorted(r for r in p.roles if r not in P.see_all_centres)  # noqa: E731
    consoles = {}
    for role in set(roles(P.view_analytics)) | set(roles(P.view_audit)):
        consoles[role] = app.test_client()
        console_login(consoles[role], twins[ROLE_USER[role]]["username"])

    def audit_view():
        out = {}
        for role in roles(P.view_audit):
            h = twins[ROLE_USER[role]]["headers"]
            out[(role, "api")] = [e["id"] for e in client.get("/api/v1/staff/audit?page_size=100", headers=h).get_json()["items"]]
            page = consoles[role].get("/console/audit").get_data(as_text=True)
            out[(role, "page")] = page[page.index("<main"):] if "<main" in page else page
        return out

    def figures():
        out = {}
        for role in roles(P.view_analytics):
            h = twins[ROLE_USER[role]]["headers"]
            for chart in CHARTS:
                out[(role, "api", chart)] = client.get(f"/api/v1/analytics/{chart}", query_string=q, headers=h).get_json()
                out[(role, "console", chart)] = consoles[role].get(f"/console/dashboard/data/{chart}", query_string=q).get_json()
            if P.export_data.allows(role):
                out[(role, "csv")] = client.get("/api/v1/analytics/export", query_string={**q, "format": "csv"},
                                                headers=h).data
        return out

    figures_before = figures()
    audit_before = audit_view()  # after the twins' own exports (their centre's entries)
    city = staff["duty1"]["headers"]
    for i in range(4):  # a repeat caller too
        log_call(client, city, caller="13907141234", ring=local(2026, 3, 2 + i, 9, 0), answer_after=2, talk=100,
                 topic="婚姻家庭")
    log_call(client, city, caller="075512345678", ring=local(2026, 3, 3, 11, 0), answer_after=None)
    from tests.support import make_case
    make_case(app, "assigned", by_phone=True)
    assert client.get("/api/v1/analytics/overview", query_string=q,
                      headers=staff["manager1"]["headers"]).get_json()["calls"] == 5  # the control: they count
    with app.app_context():
        from app.audit import AuditLog
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) > len(audit_before[("admin", "api")])
    assert audit_view() == audit_before
    figures_after = figures()
    assert len(figures_after) >= 2 * len(CHARTS)
    for key, before in figures_before.items():
        assert figures_after[key] == before, key
