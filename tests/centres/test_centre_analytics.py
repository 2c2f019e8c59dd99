"""The dashboard per centre (issue 19): the rollups carry the centre, so a district centre's manager sees only
its calls, a city-level role the sum over the centres (or one, with `?centre=`); the exports likewise; a
rebuild gives the same per-centre rows as the incremental upkeep."""
from __future__ import annotations

import io

import sqlalchemy as sa

from app.extensions import db
from tests.support import console_login, local, log_call

Q = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
CHARTS = ("overview", "heatmap", "durations", "topics", "regions", "workload", "rising-topics")


def _seed(client, staff, centres):
    city, hs = staff["duty1"]["headers"], centres["twins"]["duty1"]["headers"]
    log_call(client, city, caller="13907141234", ring=local(2026, 3, 2, 9, 0), answer_after=2, talk=100, topic="婚姻家庭")
    log_call(client, city, caller="13907141235", ring=local(2026, 3, 3, 10, 0), answer_after=5, talk=200, topic="劳动争议")
    log_call(client, city, caller="075512345678", ring=local(2026, 3, 3, 11, 0), answer_after=None)
    log_call(client, hs, caller="13907141236", ring=local(2026, 3, 3, 10, 30), answer_after=1, talk=60, topic="劳动争议")
    log_call(client, hs, caller="13907141237", ring=local(2026, 3, 20, 15, 0), answer_after=None)


def _get(client, headers, chart, **params):
    r = client.get(f"/api/v1/analytics/{chart}", query_string={**Q, **params}, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _figures(client, headers, **params) -> dict:
    out = {c: _get(client, headers, c, **params) for c in CHARTS}
    return {
        "calls": out["overview"]["calls"], "answered": out["overview"]["answered"],
        "heatmap": out["heatmap"]["matrix"],
        "days": {s["day"]: s["calls"] for s in out["durations"]["series"]},
        "topics": {x["topic"]: x["calls"] for x in out["topics"]["share"]},
        "regions": {x["region"]: x["calls"] for x in out["regions"]["regions"]},
        "lawyers": {x["lawyer_name"]: x["calls"] for x in out["workload"]["lawyers"]},
        "rising": {x["topic"]: x["this_week"] + x["last_week"] for x in out["rising-topics"]["topics"]},
    }


def _add(a: dict, b: dict) -> dict:
    out = {}
    for k in a.keys() | b.keys():
        x, y = a.get(k), b.get(k)
        if isinstance(x, dict) or isinstance(y, dict):
            out[k] = {kk: (x or {}).get(kk, 0) + (y or {}).get(kk, 0) for kk in (x or {}).keys() | (y or {}).keys()}
            out[k] = {kk: v for kk, v in out[k].items() if v}
        elif isinstance(x, list):
            out[k] = [[p + q for p, q in zip(rx, ry)] for rx, ry in zip(x, y)]
        else:
            out[k] = (x or 0) + (y or 0)
    return out


def test_dashboard_per_centre_and_the_city_sum(app, client, staff, centres):
    _seed(client, staff, centres)
    city_mgr, hs_mgr = staff["manager1"]["headers"], centres["twins"]["manager1"]["headers"]
    city_level = centres["city_manager"]["headers"]
    own_city, own_hs = _figures(client, city_mgr), _figures(client, hs_mgr)
    assert (own_city["calls"], own_city["answered"], own_hs["calls"], own_hs["answered"]) == (3, 2, 2, 1)
    assert own_hs["lawyers"] == {"洪张值班": 2} and own_hs["days"] == {"2026-03-03": 1, "2026-03-20": 1}
    assert "张值班" not in own_hs["lawyers"] and own_city["lawyers"] == {"张值班": 3}
    # the city level: every centre, summed; with the filter, exactly that centre's figures
    everything = _figures(client, city_level)
    assert everything["calls"] == 5
    assert everything == _add(own_city, own_hs)
    assert _figures(client, city_level, centre="hongshan") == own_hs
    assert _figures(client, city_level, centre=centres["city"]["code"]) == own_city
    # a district manager's `?centre=` names nothing it may not see
    assert _figures(client, hs_mgr, centre=centres["city"]["code"]) == own_hs
    # the console's dashboard data are the same queries, scoped by the console session
    console = app.test_client()
    console_login(console, centres["twins"]["manager1"]["username"])
    r = console.get("/console/dashboard/data/overview", query_string=Q)
    assert r.status_code == 200 and r.get_json()["calls"] == 2
    cm = app.test_client()
    console_login(cm, "city1")
    assert cm.get("/console/dashboard/data/overview", query_string=Q).get_json()["calls"] == 5
    assert cm.get("/console/dashboard/data/overview", query_string={**Q, "centre": "hongshan"}).get_json()["calls"] == 2
    page = cm.get("/console/dashboard", query_string={**Q, "centre": "hongshan"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<input type="hidden" name="centre" value="hongshan">' in html  # the filter form keeps the centre
    assert "centre=hongshan" in html.split('id="dash-filters"')[1].split("</form>")[0]  # and the export links
    # the rollups rebuilt from the calls keep the centres apart (the same figures)
    with app.app_context():
        r = app.test_cli_runner().invoke(args=["analytics", "rebuild-rollups"])
        assert r.exit_code == 0, r.output
    assert _figures(client, hs_mgr) == own_hs and _figures(client, city_level) == everything


def test_exports_per_centre(app, client, staff, centres):
    from openpyxl import load_workbook

    from app.audit import AuditLog
    _seed(client, staff, centres)
    hs_mgr, city_level = centres["twins"]["manager1"]["headers"], centres["city_manager"]["headers"]

    def overview_csv(headers, **params):
        r = client.get("/api/v1/analytics/export", query_string={**Q, "format": "csv", "chart": "overview", **params},
                       headers=headers)
        assert r.status_code == 200
        return dict(line.split(",", 1) for line in r.data.decode("utf-8-sig").splitlines()[1:])

    assert overview_csv(hs_mgr)["calls"] == "2"
    assert overview_csv(staff["manager1"]["headers"])["calls"] == "3"
    assert overview_csv(city_level)["calls"] == "5"
    assert overview_csv(city_level, centre="hongshan")["calls"] == "2"
    r = client.get("/api/v1/analytics/export", query_string={**Q, "format": "xlsx"}, headers=hs_mgr)
    wb = load_workbook(io.BytesIO(r.data))
    assert ("中心", "洪山区法律援助中心") in list(wb["筛选条件"].iter_rows(values_only=True))
    assert ("calls", 2) in list(wb["总体指标"].iter_rows(values_only=True))
    rows = list(wb["律师工作量"].iter_rows(values_only=True))
    assert [r[:2] for r in rows[1:]] == [("洪张值班", 2)]
    r = client.get("/api/v1/analytics/export", query_string={**Q, "format": "xlsx"}, headers=city_level)
    assert ("中心", "全部中心") in list(load_workbook(io.BytesIO(r.data))["筛选条件"].iter_rows(values_only=True))
    assert ("calls", 5) in list(load_workbook(io.BytesIO(r.data))["总体指标"].iter_rows(values_only=True))
    with app.app_context():
        logs = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "analytics.export")
                                  .order_by(AuditLog.id)).all()
        assert [l.details["centre"] for l in logs][-2:] == ["洪山区法律援助中心", "全部中心"]
