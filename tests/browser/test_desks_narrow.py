"""Issue 18's desks in a real browser (Debian's chromium via Playwright) on the demo data, at 1366 px
and on a 360 px phone, a screenshot of every page in test-artifacts/ (desks-<width>-<page>.png):

- the callbacks, calls, supervision and lawyers tables keep their only action on screen at 360 px;
- the dashboard passes axe's colour-contrast (its "暂无数据" text included), an inverted range keeps the
  page with the message at the field and focus on it, the weekly trend marks its partial weeks;
- the CDR import history refreshes an unfinished row by itself (no "导入中 0 0 0" until a reload);
- the calls list searches and opens a call; the callback list names whom to call, masked."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.browser.test_console_shift import ARTIFACTS, AXE, WIDTHS, Shift, demo  # noqa: F401  (fixture)
from tests.fakes.browser import CHROMIUM  # noqa: F401
from tests.support import city_centre_id

TABLES = {  # page → the table whose rows each carry one action
    "/console/callbacks?filter=all": "#callback-list",
    "/console/calls": "#calls",
    "/console/supervision": "#batches",
    "/console/lawyers": "#lawyers",
}


def _action_on_screen(page, table: str, width: int) -> None:
    box = page.locator(f"{table} tbody tr td.actions a, {table} tbody tr td.actions button").first
    assert box.count() == 1 or box.is_visible(), table
    b = box.bounding_box()
    assert b is not None, table
    assert b["x"] >= 0 and b["x"] + b["width"] <= width + 0.5, f"{table}: action at x={b['x']:.0f}..{b['x'] + b['width']:.0f}"
    # it is not hidden in a box scrolled sideways either
    clipped = page.evaluate("""sel => { const el = document.querySelector(sel); let p = el.parentElement;
        const r = el.getBoundingClientRect();
        while (p) { const s = getComputedStyle(p); if (s.overflowX !== 'visible') { const q = p.getBoundingClientRect();
          if (r.right > q.right + 0.5 || r.left < q.left - 0.5) return true; } p = p.parentElement; } return false; }""",
                            f"{table} tbody tr td.actions a, {table} tbody tr td.actions button")
    assert not clipped, f"{table}: the action is cut off by a scrolling box"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_desks_at_both_widths(app, demo, live_server, browser, width):  # noqa: F811
    assert AXE.exists(), "axe-core is missing: run `npm ci` in tests/browser"
    w = WIDTHS[width][0]
    s = Shift(browser, live_server, width)
    base = live_server

    def shot(page, name):
        page.screenshot(path=str(ARTIFACTS / f"desks-{width}-{name}.png"), full_page=True)

    # --- manager: the tables with their action, the dashboard, the calls, the import page ------------------
    mgr = s.login("manager1")
    for path, table in TABLES.items():
        mgr.goto(f"{base}{path}")
        assert mgr.locator(f"{table} tbody tr").count() >= 1, path
        _action_on_screen(mgr, table, w)
        name = path.strip("/").split("?")[0].replace("/", "-")
        shot(mgr, name)
        s.check(mgr, name)
    # the callback list names whom to call, masked
    mgr.goto(f"{base}/console/callbacks?filter=all")
    who = mgr.locator("#callback-list td.who").first.inner_text()
    assert "****" in who

    # the calls list: search by the masked number of the first row, open it
    mgr.goto(f"{base}/console/calls")
    masked = mgr.locator("#calls tbody tr td[data-label=号码]").first.inner_text().strip()
    mgr.fill("#call-search input[name=caller]", masked)
    mgr.click("#call-search button[type=submit]")
    assert masked in mgr.locator("#calls").inner_text()
    assert "共" in mgr.locator("#calls-total").inner_text()
    mgr.locator("#calls tbody tr td.actions a").first.click()
    mgr.wait_for_url("**/console/calls/*")
    assert masked in mgr.locator("h1").inner_text()
    shot(mgr, "call")
    s.check(mgr, "call")

    # the dashboard: contrast (an empty range shows 暂无数据 everywhere), the partial-week note
    mgr.goto(f"{base}/console/dashboard?date_from=2001-01-01&date_to=2001-01-31")
    mgr.wait_for_function("document.querySelectorAll('[data-rendered]').length === 10")
    assert mgr.locator('[data-rendered="empty"]').count() >= 5
    if not mgr.evaluate("typeof window.axe !== 'undefined'"):
        mgr.add_script_tag(path=str(AXE))
    contrast = mgr.evaluate("() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})")
    assert not contrast["violations"], [n["target"] for v in contrast["violations"] for n in v["nodes"]]
    shot(mgr, "dashboard-empty")
    today = dt.date.today()
    start = today - dt.timedelta(days=40)
    while start.weekday() in (0, 6):  # a range starting mid-week: its first week is partial
        start += dt.timedelta(days=1)
    mgr.goto(f"{base}/console/dashboard?date_from={start.isoformat()}&date_to={today.isoformat()}")
    mgr.wait_for_function("document.querySelectorAll('[data-rendered]').length === 10")
    assert "不满 7 天的周" in mgr.locator("#weekly-note").inner_text()
    shot(mgr, "dashboard")
    s.check(mgr, "dashboard")
    # an inverted range: the page and the filters stay, the message at the field, focus on it
    mgr.fill("#dash-filters input[name=date_from]", today.isoformat())
    mgr.fill("#dash-filters input[name=date_to]", (today - dt.timedelta(days=7)).isoformat())
    mgr.select_option("#dash-filters select[name=region]", "湖北省武汉市")
    mgr.click("#dash-filters button[type=submit]")
    mgr.wait_for_selector("#err-date_from")
    assert "开始日期不能晚于结束日期" in mgr.locator("#err-date_from").inner_text()
    assert mgr.evaluate("document.activeElement.name") == "date_from"
    assert mgr.input_value("#dash-filters select[name=region]") == "湖北省武汉市"
    assert mgr.input_value("#dash-filters input[name=date_from]") == today.isoformat()
    shot(mgr, "dashboard-bad-range")
    s.check(mgr, "dashboard-bad-range")

    # the import page: columns and agent numbers documented; an unfinished import refreshes by itself
    from app.consultations.models import CallImport
    from app.extensions import db
    with app.app_context():
        imp = CallImport(filename="refresh.csv", status="running", total_rows=10, processed_rows=3,
                         centre_id=city_centre_id())
        db.session.add(imp)
        db.session.commit()
        imp_id = imp.id
    mgr.goto(f"{base}/console/calls/import")
    assert "坐席工号" in mgr.locator("#cdr-columns").inner_text()
    assert mgr.locator("#cdr-agents").inner_text().strip()
    row = mgr.locator(f'#import-history tr[data-import-id="{imp_id}"]')
    assert "导入中（3 / 10 行）" in row.inner_text()
    shot(mgr, "import")
    s.check(mgr, "import")
    with app.app_context():
        db.session.execute(sa.update(CallImport).where(CallImport.id == imp_id).values(
            status="done", processed_rows=10, inserted=8, duplicates=1, error_count=1))
        db.session.commit()
    mgr.wait_for_function(f"""document.querySelector('#import-history tr[data-import-id="{imp_id}"] [data-field=status]')
        .textContent.trim() === '已完成'""", timeout=15_000)
    cells = [row.locator(f"[data-field={f}]").inner_text().strip() for f in ("inserted", "duplicates", "error_count")]
    assert cells == ["8", "1", "1"]

    # the callback page: the number masked, the audited reveal
    mgr.goto(f"{base}/console/callbacks?filter=all")
    mgr.locator("#callback-list tbody tr td.actions a").first.click()
    mgr.wait_for_url("**/console/callbacks/*")
    shot(mgr, "callback")
    s.check(mgr, "callback")

    # --- duty lawyer: the home with repeat-caller callbacks; phone intake refuses a past deadline ----------
    duty = s.login("duty1")
    shot(duty, "duty-home")
    assert duty.locator("#q-repeat_callbacks").count() == 1
    duty.goto(f"{base}/console/applications/new")
    duty.fill("input[name=applicant_name]", "王秀兰")
    duty.fill("input[name=phone]", "13812345678")
    duty.fill("textarea[name=description]", "上诉期已过才来电，儿子不给赡养费")
    duty.evaluate("document.querySelector('input[name=legal_deadline]').removeAttribute('min')")
    duty.fill("input[name=legal_deadline]", (today - dt.timedelta(days=2)).isoformat())
    duty.click("main form button[type=submit]")
    duty.wait_for_selector("#err-legal_deadline")
    assert "法定期限已过" in duty.locator("#err-legal_deadline").inner_text()
    assert duty.evaluate("document.activeElement.name") == "legal_deadline"
    assert duty.input_value("input[name=applicant_name]") == "王秀兰"
    shot(duty, "intake-past-deadline")
    s.check(duty, "intake-past-deadline")

    assert not s.problems, s.problems
    assert not s.violations, "\n".join(s.violations)
