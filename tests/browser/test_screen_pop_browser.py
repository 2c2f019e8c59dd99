"""The screen pop in a real browser (Debian's chromium via Playwright): two duty lawyers logged in, a call
rings for one of them through the signed webhook; the caller shows on that lawyer's page within a second
and never on the other's; the manager's home shows the wallboard's figures pushed by the same stream."""
from __future__ import annotations

import json
import time

from app.telephony.bus import get_bus
from app.telephony.webhook import sign
from tests.support import PASSWORD

SECRET = "whsec-browser"


def _login(browser, base, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console/")
    return page, errors


def _post(client, events):
    body = json.dumps(events).encode()
    ts = str(int(time.time()))
    return client.post("/api/v1/telephony/events", data=body, headers={
        "Content-Type": "application/json", "X-Telephony-Timestamp": ts, "X-Telephony-Signature": sign(SECRET, ts, body)})


def _wait_text(page, selector, text, timeout=5.0):
    """The wallboard is pushed at least every 2 s: the figure changes within that (plus margin)."""
    deadline = time.monotonic() + timeout
    while page.inner_text(selector).strip() != text:
        assert time.monotonic() < deadline, f"{selector} shows {page.inner_text(selector)!r}, not {text!r}"
        time.sleep(0.1)


def _wait_subscribed(app, topic, timeout=10.0):
    bus = get_bus(app)
    deadline = time.monotonic() + timeout
    while bus.subscribers(topic) < 1:
        assert time.monotonic() < deadline, f"no page listens on {topic}"
        time.sleep(0.05)


def test_screen_pop_on_the_ringing_lawyers_page_only(make_app, fast_argon2, browser):
    from tests.factories import make_staff
    from werkzeug.serving import make_server
    import threading

    app = make_app(TELEPHONY_WEBHOOK_SECRET=SECRET)
    staff = make_staff(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        duty1, err1 = _login(browser, base, "duty1")
        duty2, err2 = _login(browser, base, "duty2")
        manager, err3 = _login(browser, base, "manager1")
        _wait_subscribed(app, f"pop:{staff['duty1']['id']}")
        _wait_subscribed(app, f"pop:{staff['duty2']['id']}")
        assert duty1.is_hidden("#screen-pop") and duty2.is_hidden("#screen-pop")

        now = time.time()
        client = app.test_client()
        r = _post(client, [
            {"call_id": "b-1", "event": "ringing", "at": now - 3, "caller": "13907101234"},
            {"call_id": "b-1", "event": "queued", "at": now - 2, "caller": "13907101234", "queue": "12348"},
        ])
        assert r.status_code == 200
        sent = time.time()
        r = _post(client, [{"call_id": "b-1", "event": "agent_ringing", "at": now, "caller": "13907101234",
                            "agent": staff["duty1"]["staff_no"]}])
        assert r.status_code == 200 and r.json["stored"] == 1
        duty1.wait_for_selector("#screen-pop:not([hidden])", timeout=5_000)
        shown_at = float(duty1.get_attribute("#screen-pop", "data-shown-at"))
        assert shown_at - sent < 1.0, f"the pop took {shown_at - sent:.2f} s"
        text = duty1.inner_text("#screen-pop")
        assert "139****1234" in text and "湖北省" in text and "近 7 天 0 次" in text
        assert "13907101234" not in text  # masked only
        assert duty2.is_hidden("#screen-pop"), "the other lawyer's page shows nothing"

        # the manager's home: the wallboard's figures, pushed (one caller is waiting for duty1's answer)
        _wait_text(manager, "#wallboard [data-fig=waiting]", "1")
        _post(client, [{"call_id": "b-1", "event": "answered", "at": now + 2, "agent": staff["duty1"]["staff_no"]}])
        _wait_text(manager, "#wallboard [data-fig=waiting]", "0")
        assert manager.inner_text("[data-fig='agents.on_call']") == "1"
        # then a call rings duty2: had duty1's pop reached duty2's stream, it would have come first (one queue,
        # in order), so duty2's page shows exactly one pop, its own caller's
        r = _post(client, [{"call_id": "b-2", "event": "agent_ringing", "at": now + 1, "caller": "13871205678",
                            "agent": staff["duty2"]["staff_no"]}])
        assert r.status_code == 200 and r.json["stored"] == 1
        duty2.wait_for_selector("#screen-pop:not([hidden])", timeout=5_000)
        assert duty2.get_attribute("#screen-pop", "data-pops") == "1"
        assert "138****5678" in duty2.inner_text("#screen-pop") and "139****1234" not in duty2.content()
        assert duty1.get_attribute("#screen-pop", "data-pops") == "1"  # and duty1 did not get duty2's
        assert not (err1 or err2 or err3), err1 + err2 + err3
    finally:
        server.shutdown()
