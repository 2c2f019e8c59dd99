"""The dashboard in a real Chromium: log in through the console and see every chart drawn.
A missing Chromium fails this test (it is not skipped)."""
from tests.support import log_call, recent

PASSWORD = "correct-horse-battery"
CHARTS = ("regions", "heatmap", "durations", "topics", "topics-weekly", "rising-topics", "satisfaction", "sla",
          "repeat-callers", "workload")
EMPTY = ("satisfaction", "sla", "repeat-callers")


def test_dashboard_charts_drawn_in_chromium(app, client, staff, live_server, browser, monkeypatch):
    from argon2 import PasswordHasher

    from app.auth import service
    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with app.app_context():
        service.create_staff("browser-manager", PASSWORD, "manager", full_name="浏览器主任")
    for i, (caller, topic) in enumerate((("13907141234", "婚姻家庭"), ("075512345678", "劳动争议"), ("13907141234", "工伤"))):
        log_call(client, staff.role("duty_lawyer")["headers"], caller=caller, ring=recent(i + 0.5), topic=topic)

    from playwright.sync_api import expect
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server}/console/dashboard")
    page.fill("input[name=username]", "browser-manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/dashboard**")
    expect(page.locator('[data-rendered]')).to_have_count(len(CHARTS), timeout=15000)
    # no ratings, no SLA cases and no third call from one number yet: those say so instead of empty axes
    for name in EMPTY:
        expect(page.locator(f'[data-chart="{name}"]')).to_have_attribute("data-rendered", "empty")
        expect(page.locator(f'[data-chart="{name}"] .chart-empty')).to_contain_text("暂无数据")
    for name in set(CHARTS) - set(EMPTY):
        box = page.locator(f'[data-chart="{name}"] canvas').first
        assert box.count() == 1, name
        w, h = box.evaluate("c => [c.width, c.height]")
        assert w > 100 and h > 100, name
    # the heatmap really holds data, not just axes: ECharts instance has the 168 cells
    cells = page.evaluate("echarts.getInstanceByDom(document.querySelector('[data-chart=heatmap]'))"
                          ".getOption().series[0].data.length")
    assert cells == 7 * 24
    expect(page.locator('[data-kpi="calls"]')).to_have_text("3")
    assert not problems, problems
