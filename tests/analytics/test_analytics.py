import io

import sqlalchemy as sa

from app.audit import AuditLog
from app.extensions import db
from tests.support import local, log_call

D = "2026-03-"


def _q(client, staff, chart, **params):
    params.setdefault("date_from", "2026-03-01")
    params.setdefault("date_to", "2026-03-31")
    r = client.get(f"/api/v1/analytics/{chart}", query_string=params, headers=staff.role("manager")["headers"])
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _seed(client, staff):
    h = staff.role("duty_lawyer")["headers"]
    # 2026-03-02 is a Monday. 23:59:30 local Monday and 00:00:30 local Tuesday (= 16:00:30 UTC Monday)
    log_call(client, h, caller="13907141234", ring=local(2026, 3, 2, 23, 59, 30), answer_after=2, talk=100, topic="婚姻家庭")
    log_call(client, h, caller="13907141235", ring=local(2026, 3, 3, 0, 0, 30), answer_after=5, talk=200, topic="劳动争议")
    log_call(client, h, caller="075512345678", ring=local(2026, 3, 3, 9, 0, 0), answer_after=None, topic=None)
    log_call(client, staff["duty2"]["headers"], caller="13907141236", ring=local(2026, 3, 20, 10), answer_after=1, talk=60,
             topic="劳动争议")


def test_heatmap_hour_of_day_across_midnight_in_shanghai(client, staff):
    _seed(client, staff)
    hm = _q(client, staff, "heatmap")
    assert hm["timezone"] == "Asia/Shanghai"
    assert hm["matrix"][0][23] == 1  # Monday 23h local
    assert hm["matrix"][1][0] == 1  # Tuesday 00h local, although it is still Monday 16h in UTC
    assert hm["matrix"][0][16] == 0 and hm["matrix"][1][9] == 1
    # the day filter also follows local dates
    only_tue = _q(client, staff, "overview", date_from="2026-03-03", date_to="2026-03-03")
    assert only_tue["calls"] == 2 and only_tue["answered"] == 1


def test_dashboard_figures_and_filters(client, staff):
    _seed(client, staff)
    ov = _q(client, staff, "overview")
    assert ov["calls"] == 4 and ov["answered"] == 3 and ov["missed"] == 1
    assert ov["answered_within_target"] == 2 and ov["share_within_target"] == round(2 / 3, 4)
    assert ov["avg_duration_seconds"] == 120.0 and ov["avg_answer_seconds"] == round(8 / 3, 2)
    regions = _q(client, staff, "regions")
    assert regions["regions"][0] == {"region": "湖北省武汉市", "calls": 3, "answered": 3}
    assert {"province": "广东省", "calls": 1} in regions["provinces"]
    assert _q(client, staff, "overview", region="广东省")["calls"] == 1
    assert _q(client, staff, "overview", region="湖北省武汉市", topic="劳动争议")["calls"] == 2
    topics = _q(client, staff, "topics")
    assert topics["share"][0] == {"topic": "劳动争议", "calls": 2, "share": 0.5}
    assert topics["weekly"]["weeks"] == ["2026-03-02", "2026-03-16"]
    wl = _q(client, staff, "workload")
    assert {(x["lawyer_name"], x["calls"], x["answered"]) for x in wl["lawyers"]} == {("张值班", 3, 2), ("周值班", 1, 1)}
    assert _q(client, staff, "workload", region="湖北省")["lawyers"][0]["calls"] == 2
    dur = _q(client, staff, "durations")
    assert [s["day"] for s in dur["series"]] == ["2026-03-02", "2026-03-03", "2026-03-20"]
    for chart in ("satisfaction", "sla", "repeat-callers"):
        _q(client, staff, chart)


def test_rising_topics_week_over_week_with_min_support(client, staff):
    h = staff.role("duty_lawyer")["headers"]
    n = 0
    for day, topic, count in ((9, "农民工欠薪", 2), (17, "农民工欠薪", 6), (17, "婚姻家庭", 2), (10, "婚姻家庭", 1)):
        for i in range(count):
            n += 1
            log_call(client, h, caller=f"1390000{n:04d}", ring=local(2026, 3, day, 10, i), topic=topic)
    r = _q(client, staff, "rising-topics", date_to="2026-03-19", min_support=3)
    assert r["this_week"] == ["2026-03-13", "2026-03-19"]
    assert [x["topic"] for x in r["rising"]] == ["农民工欠薪"]
    top = r["topics"][0]
    assert (top["this_week"], top["last_week"], top["growth"]) == (6, 2, 2.0)
    marriage = next(x for x in r["topics"] if x["topic"] == "婚姻家庭")
    assert marriage["rising"] is False  # grew, but below the minimum support


def test_analytics_roles_and_validation(client, staff):
    for role in ("duty_lawyer", "aid_lawyer", "admin"):
        assert client.get("/api/v1/analytics/overview", headers=staff.role(role)["headers"]).status_code == 403
        assert client.get("/api/v1/analytics/export", headers=staff.role(role)["headers"]).status_code == 403
    assert client.get("/api/v1/analytics/overview").status_code == 401
    assert client.get("/api/v1/analytics/overview", headers=staff.role("supervisor")["headers"]).status_code == 200
    r = client.get("/api/v1/analytics/overview?date_from=2026-03-05&date_to=2026-03-01", headers=staff.role("manager")["headers"])
    assert r.status_code == 422 and r.get_json()["code"] == "validation_error"


def test_xlsx_and_csv_export_audited(client, app, staff):
    from openpyxl import load_workbook
    _seed(client, staff)
    r = client.get("/api/v1/analytics/export?format=xlsx&date_from=2026-03-01&date_to=2026-03-31",
                   headers=staff.role("manager")["headers"])
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames[:3] == ["筛选条件", "总体指标", "来电地区"]
    rows = list(wb["来电地区"].iter_rows(values_only=True))
    assert rows[0] == ("地区", "来电量", "接通量") and rows[1] == ("湖北省武汉市", 3, 3)
    heat = list(wb["时段分布"].iter_rows(values_only=True))
    assert heat[1][0] == "周一" and heat[1][24] == 1 and heat[2][1] == 1
    r = client.get("/api/v1/analytics/export?format=csv&chart=regions&date_from=2026-03-01&date_to=2026-03-31",
                   headers=staff.role("supervisor")["headers"])
    text = r.data.decode("utf-8-sig")
    assert text.splitlines()[:2] == ["地区,来电量,接通量", "湖北省武汉市,3,3"]
    with app.app_context():
        logs = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "analytics.export")).all()
        assert [(l.details["format"], l.actor_id) for l in logs] == [
            ("xlsx", staff.role("manager")["id"]), ("csv", staff.role("supervisor")["id"])]


def test_rebuild_matches_incremental_rollups(client, app, staff):
    from app.consultations.rollup_models import MEASURES, ROLLUPS
    _seed(client, staff)

    def snapshot():
        out = {}
        for g, t in ROLLUPS.items():
            out[g] = sorted(tuple(r) for r in db.session.execute(sa.select(t)).all())
        return out
    with app.app_context():
        before = snapshot()
        r = app.test_cli_runner().invoke(args=["analytics", "rebuild-rollups"])
        assert r.exit_code == 0, r.output
        db.session.expire_all()
        assert snapshot() == before
        assert len(MEASURES) == 29


def test_demo_generator_small(app):
    r = app.test_cli_runner().invoke(args=["demo", "calls", "--count", "300", "--days", "30", "--lawyers", "5"])
    assert r.exit_code == 0, r.output
    from app.consultations.rollup_models import ROLLUPS
    from app.consultations.models import Consultation
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 300
        assert db.session.scalar(sa.select(sa.func.sum(ROLLUPS["day"].c.calls))) == 300
        assert db.session.scalar(sa.select(sa.func.sum(ROLLUPS["lawyer"].c.calls))) == 300
