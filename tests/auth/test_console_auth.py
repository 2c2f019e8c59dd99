"""Console login, sessions, CSRF, cookie flags, lockout and the audit of logins."""
import datetime as dt

import sqlalchemy as sa

from app.audit import AuditLog
from app.console.models import ConsoleSession
from app.extensions import db
from tests.support import PASSWORD, console_login, csrf_from


def _set_cookie(resp, name):
    return next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_login_sets_session_cookie_and_audits(app, client, staff):
    page = client.get("/console/login")
    assert page.status_code == 200 and "工作人员登录" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/console/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/")
    cookie = _set_cookie(r, "console_session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # test mode
    raw = cookie.split(";")[0].split("=", 1)[1]
    with app.app_context():
        row = db.session.scalar(sa.select(ConsoleSession))
        assert row.token_hash != raw and len(row.token_hash) == 64  # stored hashed
        log = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "auth.login"))
        assert log.actor_name == "duty1" and log.ip == "10.1.2.3" and log.details == {"channel": "console"}
    home = client.get("/console/")
    assert "张值班" in home.get_data(as_text=True)


def test_cookie_secure_outside_test_mode(make_app, staff):
    app = make_app(CONSOLE_COOKIE_SECURE=True)
    client = app.test_client()
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token})
    assert "Secure" in _set_cookie(r, "console_session")


def test_wrong_password_lockout_and_failed_login_audit(app, client, staff):
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    for _ in range(5):
        r = client.post("/console/login", data={"username": "duty1", "password": "wrong-password!", "csrf_token": token})
        assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    r = client.post("/console/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "锁定" in r.get_data(as_text=True)
    assert "console_session" not in r.headers.get("Set-Cookie", "")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "auth.login_failed")) == 6


def test_login_and_forms_require_csrf(app, client, staff):
    client.get("/console/login")
    r = client.post("/console/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    csrf = console_login(client, "manager1")
    r = client.post("/console/logout")  # no token
    assert r.status_code == 403 and "页面已过期" in r.get_data(as_text=True)
    assert client.get("/console/").status_code == 200  # still logged in
    r = client.post("/console/logout", data={"csrf_token": csrf})
    assert r.status_code == 302
    assert client.get("/console/").status_code == 302  # session revoked


def test_anonymous_redirects_to_login_with_safe_next(client, staff):
    r = client.get("/console/applications?status=submitted")
    assert r.status_code == 302 and "/console/login?next=" in r.headers["Location"]
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login", data={"username": "duty1", "password": PASSWORD, "csrf_token": token,
                                            "next": "https://evil.example/x"})
    assert r.headers["Location"].endswith("/console/")


def test_idle_sessions_and_disabled_accounts_end(app, client, staff):
    console_login(client, "duty1")
    with app.app_context():
        row = db.session.scalar(sa.select(ConsoleSession))
        row.last_seen_at = row.last_seen_at - dt.timedelta(hours=1)
        db.session.commit()
    assert client.get("/console/").status_code == 302
    console_login(client, "duty1")
    from app.auth.models import StaffUser
    with app.app_context():
        db.session.get(StaffUser, staff["duty1"]["id"]).is_active = False
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_admin_audit_page_filters_and_export_is_audited(app, client, staff):
    console_login(client, "duty1")
    console_login(client, "admin1")
    r = client.get("/console/audit?actor=duty1&action=auth.login")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "共 1 条" in html
    r = client.get("/console/audit.csv?action=auth.login")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    body = r.get_data(as_text=True)
    assert body.startswith("\ufeff时间") and "duty1" in body and "admin1" in body
    with app.app_context():
        exp = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "audit.export"))
        assert exp.actor_name == "admin1" and exp.details["rows"] == 2
