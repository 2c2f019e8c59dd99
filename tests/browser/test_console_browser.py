"""The console in a real browser (Debian's chromium through Playwright), against the app served on
a loopback port: a duty lawyer verifies a photo and asks for 特事特办; the manager approves it with a
backfill and assigns the suggested lawyer; the citizen's API then shows the lawyer's name."""
from __future__ import annotations

import datetime as dt
from pathlib import Path


from app.common.timeutil import local_today
from tests.support import PASSWORD, citizen_case

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _login(browser, base, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.accept()))  # confirmations are accepted
    page.goto(f"{base}/console/")
    assert "/console/login" in page.url  # anonymous: the login page
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")
    return page


def test_expedite_and_assignment_in_the_browser(app, client, fake_wechat, staff, live_server, browser):
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    s, app_id, (doc_id,) = citizen_case(client, fake_wechat, legal_deadline=tomorrow, urgency_reason="明天上诉期届满")

    # the duty lawyer: verify the ID photo, then ask for 特事特办
    duty = _login(browser, live_server, "duty1")
    queue = duty.locator("#q-documents")
    assert "身份证人像面" in queue.inner_text() and "紧急" in queue.inner_text()
    queue.get_by_role("link", name="审核").first.click()
    duty.wait_for_url(f"**/console/documents/{doc_id}")
    duty.wait_for_function("document.getElementById('doc-photo').naturalWidth > 0")  # the signed URL serves it
    duty.click("#verify-btn")
    duty.wait_for_url(f"**/console/applications/{app_id}")
    assert "已审核通过" in duty.locator(".flash").inner_text()
    duty.fill("#form-request_expedite textarea[name=reason]", "上诉期明日届满，户口本尚在老家")
    assert "由中心主任决定" in duty.locator("#form-request_expedite").inner_text()  # the duty lawyer is told
    duty.click("#form-request_expedite button[type=submit]")
    assert "特事特办申请中" in duty.locator("h1").inner_text()
    assert any("中心主任决定" in m for m in duty.dialogs) and "由中心主任决定" in duty.locator(".flash").inner_text()

    # the manager: the queue (screenshot), approve with a backfill, assign the suggested lawyer
    mgr = _login(browser, live_server, "manager1")
    expedite = mgr.locator("#q-expedite")
    assert "上诉期明日届满" in expedite.inner_text() and "剩余" in expedite.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    mgr.screenshot(path=str(ARTIFACTS / "manager-queue.png"), full_page=True)
    expedite.get_by_role("link", name="处理").first.click()
    mgr.wait_for_url(f"**/console/applications/{app_id}")
    form = mgr.locator("#form-approve_expedite")
    assert form.locator("input[value=hukou_home]").is_checked()  # missing photos pre-selected
    assert not form.locator("input[value=id_front]").is_checked()  # already handed in
    form.locator("button[type=submit]").click()
    assert "特事特办已批准" in mgr.locator("h1").inner_text()
    assert "尚缺：户口本首页" in mgr.locator("#backfill").inner_text()
    assign = mgr.locator("#form-assign")
    recommended = assign.locator("input[name=lawyer_id]:checked")
    assert recommended.get_attribute("value") == str(staff["aid1"]["id"])  # 李援助: 农民工欠薪 is his field
    assign.locator("button[type=submit]").click()
    mgr.wait_for_url(f"{live_server}/console/")
    mgr.goto(f"{live_server}/console/applications/{app_id}")
    assert "李援助" in mgr.locator("#assigned-lawyer").inner_text()
    mgr.screenshot(path=str(ARTIFACTS / "manager-application.png"), full_page=True)

    # the citizen's API: assigned, the lawyer's name, and what to upload
    body = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"]).get_json()
    assert body["status"] == "assigned" and body["assigned_lawyer"]["name"] == "李援助"
    assert [m["kind"] for m in body["backfill"]["missing"]] == ["hukou_home", "hukou_member", "id_back"]
