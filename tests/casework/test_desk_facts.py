"""Issue 18, desks: one rule per desk fact. Phone intake validates the legal deadline as the citizen
API does; each date on a queue is named by its step; grounds in article order with "请选择"; the duty
lawyer is told that the manager decides; labels, not placeholders, on the review desk."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.applications.models import Application
from app.common.timeutil import local_today
from app.extensions import db
from tests.support import citizen_case, console_login, make_case


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Application))


def test_phone_intake_refuses_a_past_legal_deadline_like_the_citizen_api(app, client, fake_wechat, staff):
    yesterday = (local_today() - dt.timedelta(days=1)).isoformat()
    # the citizen API: refused at submit, with the field
    from tests.factories import full_application, login
    s = login(client, fake_wechat)
    r = client.post("/api/v1/applications", json=full_application(legal_deadline=yesterday), headers=s["headers"])
    app_id = r.get_json()["id"]
    r = client.post(f"/api/v1/applications/{app_id}/submit", headers=s["headers"])
    assert r.status_code == 422 and r.get_json()["details"]["fields"]["legal_deadline"] == ["法定期限已过，请核对日期"]

    duty = app.test_client()
    csrf = console_login(duty, "duty1")
    before = _count(app)
    form = {"csrf_token": csrf, "applicant_name": "王秀兰", "phone": "13812345678",
            "description": "上诉期已过才来电，儿子不给赡养费", "legal_deadline": yesterday}
    r = duty.post("/console/applications", data=form, headers={"Referer": "http://localhost/console/applications/new"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "法定期限已过，请核对日期" in html and '"legal_deadline"' in html  # at its field (form_state)
    assert _count(app) == before  # nothing created: no urgent case, no Art. 44 ground preselected
    # the page tells the browser too
    assert f'name="legal_deadline" min="{local_today().isoformat()}"' in duty.get("/console/applications/new").get_data(as_text=True)
    # today is still accepted
    form["legal_deadline"] = local_today().isoformat()
    r = duty.post("/console/applications", data=form)
    assert r.status_code == 302 and _count(app) == before + 1


def test_each_date_on_a_queue_is_named_by_its_step(app, client, fake_wechat, staff):
    far = (local_today() + dt.timedelta(days=30)).isoformat()
    citizen_case(client, fake_wechat, legal_deadline=far)  # submitted: its review clock runs
    duty = app.test_client()
    console_login(duty, "duty1")
    html = duty.get("/console/").get_data(as_text=True)
    spans = re.findall(r'<span class="law-due[^"]*">([^<]+)</span>', html)
    assert spans and all(s.startswith(("审查期限", "补正期限", "指派期限", "异议期限", "异议审查期限")) for s in spans), spans
    assert not any(s.startswith("法定期限") for s in spans)
    # the applicant's own legal deadline keeps its name, in its own column
    assert 'data-label="法定期限"' in html


def _options(html: str, form_id: str, name: str) -> list[tuple[str, str, bool]]:
    form = html[html.index(f'id="{form_id}"'):]
    form = form[:form.index("</form>")]
    select = form[form.index(f'<select name="{name}"'):]
    select = select[:select.index("</select>")]
    return [(v, t.strip(), bool(sel.strip())) for v, sel, t in
            re.findall(r'<option value="([^"]*)"\s*([^>]*)>([^<]*)</option>', select)]


def test_termination_grounds_in_article_order_with_nothing_preselected(app, staff):
    app_id = make_case(app, "assigned")
    mgr = app.test_client()
    console_login(mgr, "manager1")
    for page, form_id in ((f"/console/applications/{app_id}", "form-terminate"),
                          (f"/console/review/{app_id}", "desk-terminate")):
        html = mgr.get(page).get_data(as_text=True)
        opts = _options(html, form_id, "ground")
        assert opts[0][:2] == ("", "请选择")
        assert not any(selected for _, _, selected in opts), opts
        items = [t for _, t, _ in opts[1:9]]
        numerals = "一二三四五六七八"
        assert [t.split("：")[0] for t in items] == [f"第四十八条第（{n}）项" for n in numerals], items
        assert opts[9][0] == "ineligible_after_expedite"
        assert re.search(r'<select name="ground" required>', html[html.index(f'id="{form_id}"'):])


def test_refusal_grounds_in_article_order_none_ticked(app, staff):
    app_id = make_case(app, "under_review")
    mgr = app.test_client()
    console_login(mgr, "manager1")
    for page, form_id in ((f"/console/applications/{app_id}", "form-reject"), (f"/console/review/{app_id}", "desk-reject")):
        html = mgr.get(page).get_data(as_text=True)
        form = html[html.index(f'id="{form_id}"'):]
        form = form[:form.index("</form>")]
        boxes = re.findall(r'<input type="checkbox" name="grounds" value="(\w+)"\s*([^>]*)>\s*([^<]+)</label>', form)
        assert [v for v, _, _ in boxes] == ["matter_not_covered", "not_in_hardship", "untrue_statement", "other"]
        assert not any("checked" in extra for _, extra, _ in boxes)
        assert [t.split("：")[0] for _, _, t in boxes[:3]] == ["第三十一条、第三十三条", "第三十四条", "第四十一条"]


def test_the_duty_lawyer_is_told_that_the_manager_decides(app, staff):
    app_id = make_case(app, "submitted")
    duty = app.test_client()
    csrf = console_login(duty, "duty1")
    for page, form_id in ((f"/console/applications/{app_id}", "form-request_expedite"),
                          (f"/console/review/{app_id}", "desk-request_expedite")):
        html = duty.get(page).get_data(as_text=True)
        form = html[html.index(f'id="{form_id}"'):]
        form = form[:form.index("</form>")]
        assert "由中心主任决定" in form and "data-confirm" in html[html.index(f'id="{form_id}"') - 400:html.index(f'id="{form_id}"') + 300]
        assert _options(html, form_id, "ground")[0][:2] == ("", "请选择")
    r = duty.post(f"/console/applications/{app_id}/actions/request_expedite",
                  data={"csrf_token": csrf, "reason": "明日开庭，需要律师", "ground": "other"}, follow_redirects=True)
    assert r.status_code == 200 and "由中心主任决定" in r.get_data(as_text=True)


def test_every_control_on_the_review_desk_has_a_visible_label(app, staff):
    for status in ("submitted", "under_review", "assigned"):
        app_id = make_case(app, status)
        mgr = app.test_client()
        console_login(mgr, "manager1")
        html = mgr.get(f"/console/review/{app_id}").get_data(as_text=True)
        main = html[html.index("<main"):]
        assert "placeholder=" not in main, re.findall(r"<[^>]*placeholder=[^>]*>", main)
        # every textarea, select and visible input sits inside a <label>
        depth, unlabelled = 0, []
        for m in re.finditer(r"<(/?)(label|textarea|select|input)\b([^>]*)>", main):
            closing, tag, attrs = m.groups()
            if tag == "label":
                depth += -1 if closing else 1
            elif not closing and depth == 0 and 'type="hidden"' not in attrs:
                unlabelled.append(m.group(0))
        assert not unlabelled, (status, unlabelled)
