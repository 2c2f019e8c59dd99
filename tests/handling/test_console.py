"""The console's after-assignment forms: every irreversible act is refused without its confirmation
checkbox (nothing changes, the reason is said), and goes through with it; another lawyer's case is a 404
on every page; the pages show what the service allows."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from tests.support import console_login, make_case, user


def _status(app, app_id):
    from app.applications.models import Application
    with app.app_context():
        return db.session.get(Application, app_id).status


def test_irreversible_forms_need_their_confirmation(app, staff):
    from app.handling import service
    from app.handling.models import LawyerChange, TerminationReport
    from app.subsidy.models import SubsidyBatch
    mgr = app.test_client()
    csrf = console_login(mgr, "manager1")

    # change of lawyer
    app_id = make_case(app, "in_progress", by_phone=True)
    with app.app_context():
        from app.applications.models import Application
        change_id = service.withdraw_as_lawyer(user(app, "aid1"), db.session.get(Application, app_id), "执业利益冲突").id
    page = mgr.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    assert 'id="form-change"' in page and "data-confirm=" in page
    form = {"csrf_token": csrf, "decision": "approve", "lawyer_id": str(staff["aid2"]["id"])}
    assert mgr.post(f"/console/lawyer-changes/{change_id}", data=form).status_code == 302
    assert "请勾选确认后再作出决定" in mgr.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LawyerChange, change_id).status == "open"
    assert mgr.post(f"/console/lawyer-changes/{change_id}", data={**form, "confirm": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(LawyerChange, change_id).status == "approved"
    assert _status(app, app_id) == "assigned"

    # termination report
    app_id = make_case(app, "in_progress", by_phone=True)
    with app.app_context():
        report_id = service.report_termination(user(app, "aid1"), db.session.get(Application, app_id), "own_lawyer",
                                               "受援人已自行委托律师").id
    form = {"csrf_token": csrf, "decision": "terminate", "ground": "own_lawyer", "note": "受援人已自行委托律师"}
    mgr.post(f"/console/termination-reports/{report_id}", data=form)
    assert _status(app, app_id) == "in_progress"
    mgr.post(f"/console/termination-reports/{report_id}", data={**form, "confirm": "1"})
    assert _status(app, app_id) == "terminated"
    with app.app_context():
        assert db.session.get(TerminationReport, report_id).status == "terminated"

    # archive, then the subsidy batch
    app_id = make_case(app, "closed", by_phone=True)
    mgr.post(f"/console/applications/{app_id}/handling/archive", data={"csrf_token": csrf})
    assert _status(app, app_id) == "closed"
    mgr.post(f"/console/applications/{app_id}/handling/archive", data={"csrf_token": csrf, "confirm": "1"})
    assert _status(app, app_id) == "archived"
    page = mgr.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    assert 'id="archive-facts"' in page and "下载归档案卷" in page
    z = mgr.get(f"/console/applications/{app_id}/handling/archive.zip")
    assert z.status_code == 200 and z.mimetype == "application/zip"

    from app.common.timeutil import local_today
    month = local_today().strftime("%Y-%m")
    assert mgr.post("/console/subsidy", data={"csrf_token": csrf, "month": month}).status_code == 302
    with app.app_context():
        batch_id = db.session.scalar(sa.select(SubsidyBatch.id).where(SubsidyBatch.month == month))
    mgr.post(f"/console/subsidy/{batch_id}/approve", data={"csrf_token": csrf})
    with app.app_context():
        assert db.session.get(SubsidyBatch, batch_id).status == "draft"
    page = mgr.get(f"/console/subsidy/{batch_id}").get_data(as_text=True)
    assert "data-confirm=" in page and "1500.00" in page
    assert mgr.get(f"/console/subsidy/{batch_id}/export.csv").status_code == 409  # not approved yet
    mgr.post(f"/console/subsidy/{batch_id}/approve", data={"csrf_token": csrf, "confirm": "1"})
    with app.app_context():
        assert db.session.get(SubsidyBatch, batch_id).status == "approved"
    r = mgr.get(f"/console/subsidy/{batch_id}/export.csv")
    assert r.status_code == 200 and "1500.0" in r.get_data().decode("utf-8-sig")


def test_another_lawyers_case_is_not_found(app, staff):
    app_id = make_case(app, "in_progress", by_phone=True)  # assigned to aid1
    other = app.test_client()
    csrf = console_login(other, "aid2")
    assert other.get(f"/console/applications/{app_id}/handling").status_code == 404
    for path, data in (("progress", {"note": "x"}), ("withdrawal", {"reasons": "冲突冲突冲突"}),
                       ("termination-report", {"ground": "own_lawyer", "facts": "已自行委托律师"}),
                       ("closing", {"confirm": "1", "outcome": "mediation"})):
        assert other.post(f"/console/applications/{app_id}/handling/{path}",
                          data={"csrf_token": csrf, **data}).status_code == 404, path
    assert _status(app, app_id) == "in_progress"
    own = app.test_client()
    console_login(own, "aid1")
    page = own.get("/console/handling").get_data(as_text=True)
    assert f"/console/applications/{app_id}/handling" in page
    detail = own.get(f"/console/applications/{app_id}").get_data(as_text=True)
    assert 'id="to-handling"' in detail
    # the lawyer opens their 指派通知书 from the case page (audited); another lawyer cannot
    page = own.get(f"/console/applications/{app_id}/handling").get_data(as_text=True)
    import re
    link = re.search(r'href="(/console/applications/\d+/handling/letters/\d+)">指派通知书', page).group(1)
    r = own.get(link)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.get_data().startswith(b"%PDF")
    assert other.get(link).status_code == 404
    from app.audit import AuditLog
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "letter.view")) == 1
