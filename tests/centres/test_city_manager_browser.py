"""As a city manager would, in chromium at 1366 and 360 px: filter the application list by centre,
transfer a case (confirming the dialog), and the receiving district's duty lawyer finds it in the review
queue. Screenshots go to test-artifacts/ (centres-*.png)."""
from __future__ import annotations

from pathlib import Path

from tests.factories import PASSWORD
from tests.support import make_case

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _login(browser, base, username, width):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")
    return page


def test_city_manager_filters_transfers_and_the_district_picks_it_up(app, staff, centres, live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    app_id = make_case(app, "submitted", by_phone=True)
    with app.app_context():
        from app.applications.models import Application
        from app.extensions import db
        ref = db.session.get(Application, app_id).reference

    for width in (1366, 360):
        page = _login(browser, live_server, "city1", width)
        page.goto(f"{live_server}/console/applications")
        assert ref in page.content()
        page.select_option("select[name=centre]", "hongshan")  # submits the filter form
        page.wait_for_url("**centre=hongshan**")
        assert ref not in page.content()
        page.screenshot(path=str(ARTIFACTS / f"centres-filter-{width}.png"), full_page=True)
        if width == 360:
            assert page.evaluate("document.documentElement.scrollWidth") <= 362  # no sideways scrolling
        page.select_option("select[name=centre]", centres["city"]["code"])
        page.wait_for_url(f"**centre={centres['city']['code']}**")
        assert ref in page.content()
        page.context.close()

    page = _login(browser, live_server, "city1", 360)
    page.goto(f"{live_server}/console/applications/{app_id}")
    assert "受理机构" in page.content()
    page.select_option("#transfer-card select[name=centre]", "hongshan")
    page.fill("#transfer-card textarea[name=reason]", "案件由洪山区人民法院审理，应由洪山区法律援助中心受理")
    page.screenshot(path=str(ARTIFACTS / "centres-transfer-360.png"), full_page=True)
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.click("#transfer-card button[type=submit]")
    page.wait_for_selector(".flash")
    assert dialogs and "移送" in dialogs[0]
    assert "已将申请" in page.locator(".flash").first.inner_text()
    assert "洪山区法律援助中心" in page.content()
    page.context.close()

    duty = _login(browser, live_server, centres["twins"]["duty1"]["username"], 1366)
    assert ref in duty.locator("#q-review").inner_text()
    duty.screenshot(path=str(ARTIFACTS / "centres-receiving-queue-1366.png"), full_page=True)
    sender = _login(browser, live_server, "duty1", 1366)
    resp = sender.goto(f"{live_server}/console/applications/{app_id}")
    assert resp.status == 404
