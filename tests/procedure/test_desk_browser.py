"""The review desk and the bureau's objection desk in a real browser (Debian's chromium through
Playwright), at 1366 px and on a phone (360 px): the duty lawyer's notice composer keeps what was typed
after an error, then sends the one-time notice; the manager refuses with a ground by article; the
citizen objects; the bureau's reviewer orders a correction, and the refusal becomes a grant. Every
irreversible decision asks for confirmation first (a dismissed one sends nothing)."""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from app.common.timeutil import local_today
from tests.support import PASSWORD, citizen_case, make_case

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _login(browser, base, username, width=1366):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    # every irreversible decision asks first: the dialogs are recorded and accepted (or dismissed once)
    page.dialogs, page.dismiss_next = [], [False]

    def _dialog(d):
        page.dialogs.append(d.message)
        if page.dismiss_next[0]:
            page.dismiss_next[0] = False
            d.dismiss()
        else:
            d.accept()
    page.on("dialog", _dialog)
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")
    return page


def _no_horizontal_scroll(page):
    """Nothing on the page reaches past the viewport's right edge."""
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
        > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' +
        Math.round(e.getBoundingClientRect().right))""")
    assert not wide, wide
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _error_at_field(page, form: str, name: str, text: str):
    """A refusal is shown at its field (not only as a banner at the top): the message next to the
    control, the control marked invalid and described by it, focus on the first invalid control."""
    field = page.locator(f"{form} [name={name}]").first
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    assert f"err-{name}" in described.split()
    msg = page.locator(f"{form} #err-{name}")
    assert text in msg.inner_text()
    assert page.evaluate(f"document.activeElement === document.querySelector('{form} [name={name}]')")
    # the message is next to its field, not a screen away
    fb, mb = field.bounding_box(), msg.bounding_box()
    assert abs(mb["y"] - fb["y"]) < 300, (fb, mb)


def test_review_desk_and_objection_desk(app, client, fake_wechat, staff, live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    s, app_id, _ = citizen_case(client, fake_wechat)
    with app.app_context():  # the font cut is built once per instance folder (~20 s): not inside a click
        from app.procedure import letters
        letters._common_font(app.config["LETTER_FONT"])

    # the duty lawyer: the review queue, the desk, a notice with a past date (kept input), then a good one
    duty = _login(browser, live_server, "duty1")
    duty.goto(f"{live_server}/console/review")
    assert "审查台" in duty.locator("h1").inner_text()
    duty.locator("#review-queue").get_by_role("link", name="审查").first.click()
    duty.wait_for_url(f"**/console/review/{app_id}")
    review_due = duty.locator("#deadlines").inner_text()
    assert "审查期限" in review_due and "第三十一条第（五）项" in duty.locator("#screen").inner_text()
    form = duty.locator("#form-notice")
    form.locator("input[value=hukou_member]").check()
    form.locator("input[value=employment_proof]").check()
    form.locator("textarea[name=note]").fill("请补充工资欠条")
    past = (local_today() - dt.timedelta(days=1)).isoformat()
    duty.evaluate(f"document.querySelector('#form-notice input[name=due_date]').removeAttribute('min')")
    form.locator("input[name=due_date]").fill(past)
    form.locator("button[type=submit]").click()
    _error_at_field(duty, "#form-notice", "due_date", "截止日期应晚于今天")
    duty.screenshot(path=str(ARTIFACTS / "review-desk-notice-error.png"), full_page=True)
    form = duty.locator("#form-notice")  # the page came back with what was typed
    assert form.locator("input[value=hukou_member]").is_checked() and form.locator("input[value=employment_proof]").is_checked()
    assert form.locator("textarea[name=note]").input_value() == "请补充工资欠条"
    due = (local_today() + dt.timedelta(days=10)).isoformat()
    form.locator("input[name=due_date]").fill(due)
    duty.dismiss_next[0] = True  # "no" to the confirmation: nothing is sent
    form.locator("button[type=submit]").click()
    assert "一次性告知只能发出一次" in duty.dialogs[-1]
    assert duty.locator("#clock-stopped").count() == 0
    asked = len(duty.dialogs)
    form.locator("button[type=submit]").click()
    duty.wait_for_url(f"**/console/review/{app_id}")
    assert len(duty.dialogs) == asked + 1
    assert "补充材料通知书" in duty.locator(".flash").inner_text()
    assert "暂停" in duty.locator("#clock-stopped").inner_text()
    assert "剩余的 7 日" in duty.locator("#clock-stopped").inner_text()  # nothing used: the notice came the same day
    duty.screenshot(path=str(ARTIFACTS / "review-desk.png"), full_page=True)
    # everything arrives (registered at the counter): the clock runs again
    duty.locator("#form-receive input[value=hukou_member]").check()
    duty.locator("#form-receive input[value=employment_proof]").check()
    duty.locator("#form-receive button[type=submit]").click()
    duty.wait_for_url(f"**/console/review/{app_id}")
    assert duty.locator("#clock-stopped").count() == 0
    duty.locator("#desk-start_review button[type=submit]").click()
    duty.wait_for_url(f"**/console/review/{app_id}")

    # the manager on a phone: refuse without a ground (kept input), then with one; the letter opens
    mgr = _login(browser, live_server, "manager1", width=360)
    mgr.goto(f"{live_server}/console/review/{app_id}")
    assert _no_horizontal_scroll(mgr)
    for act in ("approve", "reject"):  # every decision on the desk asks first
        assert mgr.locator(f"#desk-{act} button[data-confirm]").count() == 1, act
    mgr.locator("#desk-reject textarea[name=reason]").fill("家庭人均月收入高于本市标准")
    mgr.locator("#desk-reject button[type=submit]").click()
    _error_at_field(mgr, "#desk-reject", "grounds", "至少选择一项")
    mgr.screenshot(path=str(ARTIFACTS / "review-desk-reject-error-360.png"), full_page=False)
    assert mgr.locator("#desk-reject textarea[name=reason]").input_value() == "家庭人均月收入高于本市标准"
    mgr.locator("#desk-reject input[value=not_in_hardship]").check()
    mgr.locator("#desk-reject button[type=submit]").click()
    mgr.wait_for_url(f"**/console/review/{app_id}")
    assert "不予法律援助决定书" in mgr.dialogs[-1]
    assert "不予法律援助" in mgr.locator("h1").inner_text()
    mgr.screenshot(path=str(ARTIFACTS / "review-desk-360.png"), full_page=True)
    mgr.goto(f"{live_server}/console/applications/{app_id}/letters")
    assert "不予法律援助决定书" in mgr.locator("#letters").inner_text()
    href = mgr.locator("#letters a.button").last.get_attribute("href")
    pdf = mgr.request.get(f"{live_server}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.body(), capture_output=True, check=True).stdout.decode()
    assert "不予法律援助决定书" in text and "第三十四条" in text

    # the citizen objects through the API
    r = client.post(f"/api/v1/applications/{app_id}/objections", json={"reasons": "我家四口人，只有我有收入"},
                    headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    objection_id = r.get_json()["id"]

    # the bureau's reviewer, on a phone: an empty note is refused with the choice kept; then order a correction
    bureau = _login(browser, live_server, "bureau1", width=360)
    bureau.goto(f"{live_server}/console/objections")
    assert _no_horizontal_scroll(bureau)
    assert "不予法律援助决定" in bureau.locator("#objections").inner_text()
    bureau.locator("#objections").get_by_role("link", name="审查").first.click()
    bureau.wait_for_url(f"**/console/objections/{objection_id}")
    assert "只有我有收入" in bureau.locator("#objection-reasons").inner_text()
    bureau.locator("#form-decide input[value=correct]").check()
    bureau.locator("#form-decide button[type=submit]").click()
    _error_at_field(bureau, "#form-decide", "note", "审查意见")
    bureau.screenshot(path=str(ARTIFACTS / "objection-error-360.png"), full_page=False)
    assert bureau.locator("#form-decide input[value=correct]").is_checked()
    bureau.locator("#form-decide textarea[name=note]").fill("家庭人口应按四人计算，请重新审查")
    bureau.locator("#form-decide button[type=submit]").click()
    bureau.wait_for_url(f"**/console/objections/{objection_id}")
    assert "只能作出一次" in bureau.dialogs[-1]
    assert "责令改正" in bureau.locator("#objection-status").inner_text()
    assert bureau.locator("#form-decide").count() == 0  # decided once
    bureau.screenshot(path=str(ARTIFACTS / "objection-desk-360.png"), full_page=True)

    body = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"]).get_json()
    # the refusal became a grant: the assignment clock runs
    assert body["status"] == "approved" and body["deadlines"]["assign_due"]


def test_staff_record_a_delivery_by_post_and_confirm_a_grant(app, client, staff, live_server, browser):
    """A phone applicant's 收件回执 (no WeChat, no SMS gateway) is delivered by post and recorded on the letters
    tab, after a confirmation; the case page's grant asks first too."""
    app_id = make_case(app, "under_review", by_phone=True, phone="13907140009")
    duty = _login(browser, live_server, "duty1", width=360)
    duty.goto(f"{live_server}/console/applications/{app_id}/letters")
    assert "未送达" in duty.locator("#letters").inner_text()
    form = duty.locator("form[id^=deliver-]").first
    form.locator("input[name=date]").fill(local_today().isoformat())
    form.locator("input[name=note]").fill("EMS 1100000000")
    form.locator("button[type=submit]").click()
    duty.wait_for_url(f"**/console/applications/{app_id}/letters")
    assert "登记后不能更改" in duty.dialogs[-1]
    assert "已送达" in duty.locator("#letters").inner_text() and "邮寄送达" in duty.locator("#letters").inner_text()
    assert duty.locator("form[id^=deliver-]").count() == 0
    assert _no_horizontal_scroll(duty)
    mgr = _login(browser, live_server, "manager1")
    mgr.goto(f"{live_server}/console/applications/{app_id}")
    assert mgr.locator("#form-approve[data-confirm]").count() == 1
