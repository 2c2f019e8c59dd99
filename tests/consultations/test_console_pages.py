"""Console pages (session + CSRF) for the dashboard, call logging and the CDR upload."""
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from app.consultations.models import Consultation
from app.extensions import db
from tests.support import PASSWORD, console_login
from tests.support import recent


def test_dashboard_page_and_data_roles(client, app, staff):
    console_login(client, "aid1", PASSWORD)
    assert client.get("/console/dashboard").status_code == 403
    assert client.get("/console/dashboard/data/overview").status_code == 403
    console_login(client, "manager1", PASSWORD)
    page = client.get("/console/dashboard")
    assert page.status_code == 200 and "热线数据分析" in page.get_data(as_text=True)
    assert "vendor/echarts.min.js" in page.get_data(as_text=True)
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    for chart in ("overview", "regions", "heatmap", "workload"):
        assert client.get(f"/console/dashboard/data/{chart}").status_code == 200
    assert client.get("/console/dashboard/data/nope").status_code == 404
    r = client.get("/console/dashboard/export?format=csv&chart=overview")
    assert r.status_code == 200 and r.data.decode("utf-8-sig").startswith("指标,数值")


def test_log_call_from_console_with_csrf(client, app, staff):
    csrf = console_login(client, "duty1", PASSWORD)
    form = {"caller": "13907141234", "ring_at": recent(0.01).strftime("%Y-%m-%dT%H:%M"),
            "wait_seconds": "2", "duration_seconds": "240", "summary": "单位拖欠加班费，想申请劳动仲裁"}
    assert client.post("/console/calls", data=form).status_code == 403  # no CSRF token
    r = client.post("/console/calls", data={**form, "csrf_token": csrf})
    assert r.status_code == 302
    page = client.get("/console/calls").get_data(as_text=True)
    assert "139****1234" in page and "劳动争议" in page and "13907141234" not in page
    with app.app_context():
        c = db.session.scalars(sa.select(Consultation)).one()
        assert c.duty_lawyer_id == staff["duty1"]["id"] and c.duration_seconds == 240 and c.wait_seconds == 2
        assert c.ended_at - c.answered_at == dt.timedelta(seconds=240)


def test_cdr_upload_page_progress(client, app, staff):
    csrf = console_login(client, "manager1", PASSWORD)
    t = recent(1).strftime("%Y-%m-%d %H:%M:%S")
    raw = f"呼叫ID,主叫号码,振铃时间,应答时间,结束时间,坐席工号\nK1,13907141234,{t},{t},{t},S000\nK2,1,{t},,,\n".encode("utf-8-sig")
    r = client.post("/console/calls/import", data={"csrf_token": csrf, "file": (io.BytesIO(raw), "cdr.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<progress" in page and "主叫号码无效" in page
    status_url = page.split('data-status-url="')[1].split('"')[0]
    st = client.get(status_url).get_json()
    assert st["status"] == "done" and st["inserted"] == 1 and st["errors"] == [{"line": 3, "reason": "主叫号码无效：号码位数不正确"}]
    console_login(client, "duty1", PASSWORD)
    assert client.get("/console/calls/import").status_code == 403
    assert client.get(status_url).status_code == 403
