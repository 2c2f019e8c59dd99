"""After assignment in a real browser (Debian's chromium through Playwright), at 1366 px and on a phone
(360 px): the lawyer uploads a copy of the judgment and submits the closing file (the browser's confirmation
and the required checkbox); the manager returns it once, then accepts it on the rubric; archives it; makes
and approves the month's subsidy batch. Every page is photographed at both widths (test-artifacts/) and
must not scroll sideways on the phone."""
from __future__ import annotations

from pathlib import Path

from app.common.timeutil import local_today
from tests.factories import jpeg_bytes
from tests.support import PASSWORD, make_case

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _login(browser, base, username, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda d: d.accept())  # every irreversible form asks; the user says yes
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")
    return page


def _fits(page):
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
        > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' +
        Math.round(e.getBoundingClientRect().right))""")
    assert not wide, wide


def _shoot(page, name, width):
    if width == 360:
        _fits(page)
    page.screenshot(path=str(ARTIFACTS / f"handling-{name}-{width}.png"), full_page=True)


def test_closing_review_archive_and_batch_in_the_browser(app, staff, live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    with app.app_context():  # the font cut is built once per instance folder: not inside a click
        from app.procedure import letters
        letters._common_font(app.config["LETTER_FONT"])
    for width in (1366, 360):
        app_id = make_case(app, "in_progress", by_phone=True)
        base = live_server

        lawyer = _login(browser, base, "aid1", width)
        lawyer.goto(f"{base}/console/handling")
        _shoot(lawyer, "lawyer-desk", width)
        lawyer.goto(f"{base}/console/applications/{app_id}/handling")
        assert "李援助" in lawyer.locator("#lawyer").inner_text()
        lawyer.locator("#form-progress textarea[name=note]").fill("已约见受援人，收集证据")
        lawyer.locator("#form-progress input[name=visible]").check()
        lawyer.locator("#form-progress button[type=submit]").click()
        lawyer.wait_for_selector("text=已约见受援人，收集证据")
        lawyer.locator("#form-upload input[type=file]").set_input_files(
            {"name": "判决书.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()})
        lawyer.locator("#form-upload button[type=submit]").click()
        lawyer.wait_for_selector("#form-closing input[name=document_ids]")
        form = lawyer.locator("#form-closing")
        form.locator("select[name=outcome]").select_option("judgment")
        form.locator("input[name=matter_ended_on]").fill(local_today().isoformat())
        form.locator("input[name=document_ids]").first.check()
        form.locator("select[name=stage]").select_option("first_instance")
        assert "一审（含仲裁） 3000.00 元" in lawyer.locator("#subsidy-preview").inner_text()
        form.locator("textarea[name=report]").fill("一审判决支持受援人全部诉讼请求，判决书已送达，双方均未上诉。")
        _shoot(lawyer, "lawyer-closing", width)
        form.locator("input[name=confirm]").check()
        form.locator("button[type=submit]").click()
        lawyer.wait_for_selector("#closing-file")
        assert "待结案审查" in lawyer.locator("#closing-file").inner_text()
        assert "3000.00 元" in lawyer.locator("#closing-subsidy").inner_text()

        mgr = _login(browser, base, "manager1", width)
        mgr.goto(f"{base}/console/handling")
        _shoot(mgr, "manager-desk", width)
        mgr.locator("#closings").get_by_role("link", name="审查").first.click()
        mgr.wait_for_selector("#form-review")
        review = mgr.locator("#form-review")
        for key, value in (("timeliness", "18"), ("communication", "16"), ("legal_work", "27"), ("outcome", "18"),
                           ("file", "6")):
            review.locator(f"input[name='scores.{key}']").fill(value)
        review.locator("input[value=return]").check()
        review.locator("textarea[name=reasons]").fill("请补充判决书生效证明")
        _shoot(mgr, "manager-review", width)
        review.locator("input[name=confirm]").check()
        review.locator("button[type=submit]").click()
        mgr.wait_for_selector(".review-return")
        assert "请补充判决书生效证明" in mgr.locator("#closing-card").inner_text()

        lawyer.reload()
        form = lawyer.locator("#form-closing")
        assert "重新提交结案材料" in form.inner_text()
        form.locator("input[name=matter_ended_on]").fill(local_today().isoformat())
        form.locator("select[name=stage]").select_option("first_instance")
        form.locator("input[name=confirm]").check()
        form.locator("button[type=submit]").click()
        lawyer.wait_for_selector("text=已提交结案材料")

        mgr.reload()
        review = mgr.locator("#form-review")
        for key, value in (("timeliness", "18"), ("communication", "16"), ("legal_work", "27"), ("outcome", "18"),
                           ("file", "9")):
            review.locator(f"input[name='scores.{key}']").fill(value)
        review.locator("input[value=accept]").check()
        review.locator("input[name=confirm]").check()
        review.locator("button[type=submit]").click()
        mgr.wait_for_selector("#form-archive")
        mgr.locator("#form-archive input[name=confirm]").check()
        mgr.locator("#form-archive button[type=submit]").click()
        mgr.wait_for_selector("#archive-facts")
        assert len(mgr.locator("#archive-facts .mono").inner_text().strip()) == 64
        _shoot(mgr, "manager-archived", width)

        mgr.goto(f"{base}/console/subsidy")
        if width == 1366:
            assert "1 件" in mgr.locator("#pending").inner_text()
            mgr.locator("#form-batch button[type=submit]").click()
            mgr.wait_for_selector("#form-approve")
            assert mgr.locator("#batch-total").inner_text() == "3000.00"
            _shoot(mgr, "subsidy-batch", width)
            mgr.locator("#form-approve input[name=confirm]").check()
            mgr.locator("#form-approve button[type=submit]").click()
            mgr.wait_for_selector("text=已审批")
            with mgr.expect_download() as dl:
                mgr.get_by_role("link", name="XLSX").click()
            assert dl.value.suggested_filename.endswith(".xlsx")
        else:  # the month's batch exists: this case waits for next month's; the batch page on a phone
            assert "1 件" in mgr.locator("#pending").inner_text()
            mgr.locator("#batches").get_by_role("link", name="查看").first.click()
            mgr.wait_for_selector("#batch-items")
            _shoot(mgr, "subsidy-batch", width)
        mgr.goto(f"{base}/console/subsidy")
        _shoot(mgr, "subsidy", width)
        lawyer.context.close()
        mgr.context.close()
