"""A hotline shift in a real browser (Debian's chromium via Playwright), at 1366 px and on a 360 px
phone, on the demo data (`flask demo load`): every role's main flow, a screenshot of each step in
test-artifacts/, and axe-core (tests/browser/node_modules, `npm ci` there) on every role's main pages:
no serious or critical violation.

- duty lawyer: intake with a wrong ID check digit (the form comes back filled, the message at the
  field), then corrected; verification of a photo (checks shown by outcome).
- manager: the urgent list first; expedite approval refused once (past due date: boxes, note and
  date kept), then approved; the suggested lawyer assigned; a callback attempt logged.
- supervisor: the sample to score from the home page, the recording plays and seeks (206), a score.
- admin: the audit log as sentences, its CSV.
- aid lawyer: the home with their cases and no meaningless SLA badge."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support import PASSWORD
from tests.fakes.browser import CHROMIUM  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1366, 900), "phone": (360, 740)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def demo(app, fast_argon2):  # noqa: F811
    """The demo data, every demo account's password set to the test password. Returns ids of interest."""
    from app import demo as demo_data
    from app.applications.models import Application
    from app.auth.models import StaffUser
    from app.auth.service import hash_password
    from app.extensions import db
    with app.app_context():
        demo_data.load(echo=lambda *_a, **_k: None)
        for u in db.session.scalars(sa.select(StaffUser).where(StaffUser.password_hash != "!")):
            u.password_hash = hash_password(PASSWORD)
        db.session.commit()
        expedite = db.session.scalar(sa.select(Application.id).where(Application.status == "expedite_requested"))
    return {"expedite": expedite}


class Shift:
    """One browser context per role at one width; screenshots and axe checks collected as it goes."""

    def __init__(self, browser, base: str, width: str):
        self.browser, self.base, self.width = browser, base, width
        self.violations: list[str] = []
        self.problems: list[str] = []
        ARTIFACTS.mkdir(exist_ok=True)

    def login(self, username: str):
        w, h = WIDTHS[self.width]
        ctx = self.browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN", bypass_csp=True,
                                       timezone_id="Asia/Shanghai")
        page = ctx.new_page()
        page.set_default_timeout(30_000)  # the machine may be busy; nothing here takes long alone
        page.on("dialog", lambda d: d.accept())
        page.on("pageerror", lambda e: self.problems.append(f"{username}: {e}"))
        page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}")
                if r.status >= 500 or (r.status == 404 and "/console" in r.url) else None)
        page.goto(f"{self.base}/console/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "wrong-password-1")
        page.click("button[type=submit]")
        assert page.input_value("input[name=username]") == username  # a failed login keeps the username
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/console/")
        return page

    def shot(self, page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{self.width}-{name}.png"), full_page=True)

    def check(self, page, name: str) -> None:
        """No horizontal page overflow, then axe-core: no serious or critical violation."""
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name}: the page is {overflow} px wider than the {self.width} screen"
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                nodes = "; ".join(n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"])
                                  for n in v["nodes"][:5])
                self.violations.append(f"{self.width} {name}: {v['id']} ({v['impact']}) {v['help']} — {nodes}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_shift_in_the_browser(app, demo, live_server, browser, width):
    assert AXE.exists(), "axe-core is missing: run `npm ci` in tests/browser"
    s = Shift(browser, live_server, width)
    base = live_server

    # --- duty lawyer -------------------------------------------------------------------------------
    duty = s.login("duty1")
    s.shot(duty, "duty-home")
    s.check(duty, "duty-home")
    if width == "phone":  # the menu collapses behind a button, which opens it
        nav = duty.locator("#main-nav")
        assert not nav.is_visible()
        duty.click(".nav-toggle")
        assert nav.is_visible() and duty.get_attribute(".nav-toggle", "aria-expanded") == "true"
        duty.locator("#main-nav a", has_text="电话受理").click()
    else:
        duty.locator("#main-nav a", has_text="电话受理").click()
    duty.wait_for_url("**/console/applications/new")
    s.check(duty, "intake")
    duty.fill("input[name=applicant_name]", "王秀兰")
    duty.fill("input[name=phone]", "13812345678")
    duty.fill("textarea[name=description]", "儿子三个月不给赡养费，本人七十岁独居，生活困难")
    duty.select_option("select[name=category]", "婚姻家庭")
    duty.fill("input[name=id_number]", "420102195403120011")  # wrong check digit
    duty.check("input[name=home_visit_requested]")
    duty.fill("input[name=home_visit_address]", "武汉市江岸区解放大道1号")
    duty.click("form button[type=submit].primary")
    duty.wait_for_selector("#err-id_number")  # console.js has put the message at the field
    # refused: the same form, everything kept, the message at the field
    assert duty.input_value("input[name=applicant_name]") == "王秀兰"
    assert "七十岁独居" in duty.input_value("textarea[name=description]")
    assert duty.input_value("select[name=category]") == "婚姻家庭"
    assert duty.is_checked("input[name=home_visit_requested]")
    assert duty.get_attribute("input[name=id_number]", "aria-invalid") == "true"
    assert "校验" in duty.locator("#err-id_number").inner_text()
    assert duty.evaluate("document.activeElement.name") == "id_number"  # focus where the fix is needed
    s.shot(duty, "intake-error")
    s.check(duty, "intake-error")
    duty.fill("input[name=id_number]", "420102195403120015")
    duty.click("form button[type=submit].primary")
    duty.wait_for_url(re.compile(r".*/console/applications/\d+$"))
    assert "已受理并提交申请" in duty.locator(".flash").inner_text()
    assert "王秀兰" in duty.locator("#applicant-name").inner_text()
    s.shot(duty, "intake-done")
    s.check(duty, "application")

    # verification: the first photo in the queue; checks are shown by their outcome
    duty.goto(f"{base}/console/")
    duty.locator("#q-documents").get_by_role("link", name=re.compile("^审核")).first.click()
    duty.wait_for_url("**/console/documents/*")
    duty.wait_for_function("document.getElementById('doc-photo').naturalWidth > 0")
    s.shot(duty, "verify")
    s.check(duty, "verify")
    duty.click("#verify-btn")
    duty.wait_for_url(re.compile(r".*/console/applications/\d+$"))
    assert "已审核通过" in duty.locator(".flash").inner_text()

    # --- manager -----------------------------------------------------------------------------------
    mgr = s.login("manager1")
    first_section = mgr.locator("main section").first
    assert first_section.get_attribute("id") in ("urgent-now", "q-expedite")  # what cannot wait comes first
    assert mgr.locator("#q-expedite").bounding_box()["y"] < mgr.locator("#q-documents").bounding_box()["y"]
    assert "分钟内指派" not in mgr.locator("#q-documents").inner_text()  # no SLA badge where it means nothing
    s.shot(mgr, "manager-home")
    s.check(mgr, "manager-home")
    mgr.goto(f"{base}/console/applications/{demo['expedite']}")
    form = mgr.locator("#form-approve_expedite")
    actions = mgr.locator(".actions-card form")
    assert actions.first.get_attribute("id") == "form-approve_expedite"  # the main action before 驳回
    form.locator("input[value=hardship_proof]").check()
    form.locator("input[name=backfill_due_at]").fill("2020-01-01T10:00")
    form.locator("textarea[name=note]").fill("先行指派，材料随后补交")
    form.locator("button[type=submit]").click()
    mgr.wait_for_selector("#form-approve_expedite .field-error")
    form = mgr.locator("#form-approve_expedite")
    assert form.locator("input[value=hardship_proof]").is_checked()
    assert form.locator("input[name=backfill_due_at]").input_value() == "2020-01-01T10:00"
    assert form.locator("textarea[name=note]").input_value() == "先行指派，材料随后补交"
    assert form.locator(".field-error").count() >= 1
    s.shot(mgr, "expedite-error")
    due = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form.locator("input[name=backfill_due_at]").fill(due)
    form.locator("button[type=submit]").click()
    assert "特事特办已批准" in mgr.locator("h1").inner_text()
    assign = mgr.locator("#form-assign")
    assert assign.locator("input[name=lawyer_id]:checked").count() == 1
    s.shot(mgr, "assign")
    s.check(mgr, "application-manager")
    assign.locator("button[type=submit]").click()
    mgr.wait_for_url(f"{base}/console/")

    for path in ("/console/applications?q=1390714", "/console/home-visits", "/console/lawyers", "/console/alerts",
                 "/console/calls", "/console/calls/import", "/console/callbacks", "/console/supervision/scorecards"):
        mgr.goto(f"{base}{path}")
        s.check(mgr, path.strip("/").replace("/", "-").split("?")[0])
    mgr.goto(f"{base}/console/dashboard")
    mgr.wait_for_function("document.querySelectorAll('[data-rendered]').length === 10")
    assert mgr.locator('[data-rendered="empty"]').count() == 0  # the demo data fills every chart
    s.shot(mgr, "dashboard")
    s.check(mgr, "dashboard")

    # --- supervisor --------------------------------------------------------------------------------
    sup = s.login("supervisor1")
    s.check(sup, "supervisor-home")
    sup.locator("#q-reviews").get_by_role("link", name="去评分").first.click()
    sup.wait_for_url("**/console/supervision/samples/*")
    s.check(sup, "sample")
    sup.locator("#reviews").get_by_role("link", name="评分").first.click()
    sup.wait_for_url("**/console/supervision/reviews/*")
    sup.wait_for_function("document.getElementById('recording').readyState >= 1", timeout=10_000)
    src = sup.get_attribute("#recording", "src")
    ranged = sup.evaluate("""src => fetch(src, {headers: {Range: 'bytes=1000-1999'}})
        .then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-type'), b.byteLength]))""", src)
    assert ranged == [206, "audio/wav", 1000]
    assert sup.evaluate("document.getElementById('recording').duration") > 3
    s.check(sup, "review")
    for name in ("attitude", "professionalism", "language", "accuracy"):
        sup.fill(f"#score-form input[name={name}]", "22")
    sup.fill("#score-form textarea[name=comment]", "解答准确，用语规范")
    sup.locator("#score-form button[type=submit]").first.click()
    assert "已保存评分：88 分" in sup.locator(".flash").inner_text()
    s.shot(sup, "review")
    sup.goto(f"{base}/console/supervision")
    s.shot(sup, "supervision")
    s.check(sup, "supervision")
    sup.click("#draw-form button[type=submit]")  # last month again: the existing sample opens, no empty twin
    sup.wait_for_url("**/console/supervision/samples/*")
    assert "已为您打开" in sup.locator(".flash").inner_text() and sup.locator("#reviews tbody tr").count() > 0

    # --- admin -------------------------------------------------------------------------------------
    adm = s.login("admin")
    adm.goto(f"{base}/console/audit")
    text = adm.locator("table.audit").inner_text()
    assert "登录" in text and "{" not in text and "staff_user" not in text
    s.shot(adm, "audit")
    s.check(adm, "audit")
    with adm.expect_download() as dl:
        adm.get_by_role("link", name="导出 CSV").click()
    csv_text = Path(dl.value.path()).read_text("utf-8-sig")
    assert "陈主任" in csv_text and "{'" not in csv_text and "staff_user" not in csv_text
    adm.goto(f"{base}/console/staff")
    s.check(adm, "staff")

    # --- aid lawyer --------------------------------------------------------------------------------
    aid = s.login("aid1")
    assert "分钟内指派" not in aid.locator("main").inner_text()
    s.shot(aid, "aid-home")
    s.check(aid, "aid-home")

    # --- manager again: a callback: who to call and on which number, then the attempt
    mgr.goto(f"{base}/console/")
    mgr.locator("#q-callbacks").get_by_role("link", name=re.compile("回访")).first.click()
    mgr.wait_for_url("**/console/callbacks/*")
    subject = mgr.locator("#callback-subject").inner_text()
    assert re.search(r"1\d{2}\*{4}\d{4}|1\d{10}", subject), subject  # a phone number to call
    s.check(mgr, "callback")
    mgr.select_option("#attempt-form select[name=result]", "reached_pending")
    mgr.fill("#attempt-form textarea[name=note]", "已联系，律师今天下午回电")
    mgr.click("#attempt-form button[type=submit]")
    assert "已联系，律师今天下午回电" in mgr.locator("#attempts").inner_text()
    s.shot(mgr, "callback")

    assert not s.problems, s.problems
    assert not s.violations, "\n".join(s.violations)
