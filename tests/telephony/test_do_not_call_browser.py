"""勿回拨 on the call's page in a real browser (Debian's chromium), at 1366 px and on a phone (360 px): the
duty lawyer marks the number with a reason, the page says so, nothing runs off the screen; then undoes it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.common.timeutil import utcnow
from tests.procedure.test_desk_browser import _login, _no_horizontal_scroll
from tests.support import user

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.parametrize("width", [1366, 360])
def test_mark_and_undo_do_not_call(app, staff, browser, live_server, width):
    from app.consultations import service as calls
    ring = utcnow() - dt.timedelta(hours=1)
    with app.app_context():
        cid = calls.record_call(user(app, "duty1"), {
            "caller": "13907101234", "ring_at": ring, "answered_at": ring + dt.timedelta(seconds=3),
            "ended_at": ring + dt.timedelta(minutes=5), "topic": "劳动争议", "summary": "咨询欠薪",
            "outcome": "answered"}).id
    ARTIFACTS.mkdir(exist_ok=True)
    page = _login(browser, live_server, "duty1", width=width)
    page.goto(f"{live_server}/console/calls/{cid}")
    card = page.locator("#do-not-call")
    assert "标记勿回拨" in card.inner_text()
    card.get_by_label("原因（可选，弹屏中显示）").fill("本人要求不再回拨")
    card.get_by_role("button", name="标记勿回拨").click()
    page.wait_for_url(f"**/console/calls/{cid}")
    assert "已标记「勿回拨」" in page.locator(".flash").inner_text()
    assert "已标记勿回拨" in card.inner_text() and "本人要求不再回拨" in card.inner_text()
    assert _no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"call-do-not-call-{width}.png"), full_page=True)
    card.get_by_role("button", name="取消勿回拨").click()
    page.wait_for_url(f"**/console/calls/{cid}")
    assert "已取消「勿回拨」" in page.locator(".flash").inner_text()
    assert "标记勿回拨" in card.inner_text() and "已标记勿回拨" not in card.inner_text()
