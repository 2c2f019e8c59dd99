"""Centres (issue 19): the competent centre of an application (Art. 38), isolation by the query layer,
transfer (移送), letters per centre and year, the city level with its filter, the shared hotline, the CLI."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.common.timeutil import LOCAL_TZ
from tests.factories import full_application, login, valid_id
from tests.support import make_case

A = "/api/v1/staff"
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=LOCAL_TZ)


def _centre_of(app, app_id):
    from app.applications.models import Application
    from app.extensions import db
    with app.app_context():
        return db.session.execute(sa.select(Application.__table__.c.centre_id)
                                  .where(Application.__table__.c.id == app_id)).scalar()


def test_the_place_names_the_competent_centre_before_submission(app, client, fake_wechat, centres):
    s = login(client, fake_wechat, "transfer-citizen")
    # no place given: the applicant's own district from the ID number's region code (420111 → 洪山)
    r = client.post("/api/v1/applications", json=full_application(id_number=valid_id("420111")), headers=s["headers"])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["centre"] == {"code": "hongshan", "name": "洪山区法律援助中心"}
    # the court sits in 武昌 (420106, served by the city centre): the place decides, not the ID number
    r = client.patch(f"/api/v1/applications/{body['id']}", json={"place_district": "420106", "place_basis": "organ"},
                   headers=s["headers"])
    assert r.status_code == 200, r.get_json()
    detail = client.get(f"/api/v1/applications/{body['id']}", headers=s["headers"]).get_json()
    assert detail["centre"]["code"] == centres["city"]["code"]
    assert detail["place_district"] == "420106" and detail["place_basis"] == "organ"
    # a district no centre serves: a clear Chinese error, nothing changed
    r = client.patch(f"/api/v1/applications/{body['id']}", json={"place_district": "110101"}, headers=s["headers"])
    assert r.status_code == 422 and "受理范围" in str(r.get_json())
    assert _centre_of(app, body["id"]) == centres["city"]["id"]
    # the picker with the suggestion
    r = client.get(f"/api/v1/centres/districts?id_number={valid_id('420111')}")
    assert r.get_json()["suggested"] == "420111"
    assert {"district": "420111", "centre_code": "hongshan", "centre_name": "洪山区法律援助中心"} in r.get_json()["districts"]


def test_another_centres_application_is_404_and_absent_from_lists(app, client, centres, staff):
    city_case = make_case(app, "under_review", by_phone=True)
    r = client.get(f"{A}/applications/{city_case}", headers=staff["duty1"]["headers"])
    assert r.status_code == 200
    twin = centres["twins"]["duty1"]["headers"]
    assert client.get(f"{A}/applications/{city_case}", headers=twin).status_code == 404
    assert client.post(f"{A}/applications/{city_case}/notes", json={"note": "x"}, headers=twin).status_code == 404
    assert client.get(f"{A}/applications", headers=twin).get_json()["total"] == 0
    assert client.get(f"{A}/applications", headers=staff["duty1"]["headers"]).get_json()["total"] == 1


def test_transfer_moves_the_case_tells_the_applicant_and_restarts_the_clock(app, client, fake_wechat, centres, staff):
    from app.extensions import db
    from app.notifications.models import Notification
    from app.procedure.models import ApplicationProcedure
    with time_machine.travel(MONDAY, tick=False):
        s = login(client, fake_wechat, "transfer-citizen")
        r = client.post("/api/v1/applications", json=full_application(place_district="420106"), headers=s["headers"])
        app_id = r.get_json()["id"]
        assert client.post(f"/api/v1/applications/{app_id}/submit", headers=s["headers"]).status_code == 200
    duty = staff["duty1"]["headers"]
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):  # Wed 2026-11-18
        # a reason is required; nothing changes without it
        r = client.post(f"{A}/applications/{app_id}/transfer", json={"centre": "hongshan", "reason": " "}, headers=duty)
        assert r.status_code == 422 and _centre_of(app, app_id) == centres["city"]["id"]
        r = client.post(f"{A}/applications/{app_id}/transfer", json={"centre": "nowhere", "reason": "x"}, headers=duty)
        assert r.status_code == 422
        r = client.post(f"{A}/applications/{app_id}/transfer",
                        json={"centre": "hongshan", "reason": "案件由洪山区人民法院审理"}, headers=duty)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["centre"] == {"code": "hongshan", "name": "洪山区法律援助中心"}
    # the sender lost it; the receiver has it, with the review clock counting from the day after receipt
    assert client.get(f"{A}/applications/{app_id}", headers=duty).status_code == 404
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        got = client.get(f"{A}/applications/{app_id}", headers=centres["twins"]["duty1"]["headers"])
    assert got.status_code == 200
    detail = got.get_json()
    assert detail["centre"]["code"] == "hongshan"
    assert detail["deadlines"]["review_due"] == "2026-11-25"  # Thu 19 is day 1 of the seven 日 (Wed 25 a working day)
    with app.app_context():
        assert db.session.get(ApplicationProcedure, app_id).review_clock_from == dt.date(2026, 11, 18)
        n = db.session.scalars(sa.select(Notification).where(Notification.application_id == app_id)
                               .order_by(Notification.id.desc())).first()
        assert "洪山区法律援助中心" in str(n.data)
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        s = login(client, fake_wechat, "transfer-citizen")  # the same citizen, a fresh token (two days passed)
        got = client.get(f"/api/v1/applications/{app_id}", headers=s["headers"]).get_json()
        assert "timeline" in got, got
        timeline = got["timeline"]
    assert timeline[-1]["action"] == "transferred" and "案件由洪山区人民法院审理" in timeline[-1]["note"]
    # the receiver's duty lawyer sees it in the review queue
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        queues = client.get(f"{A}/queue", headers=centres["twins"]["duty1"]["headers"]).get_json()
    assert any(it.get("application_id") == app_id or it.get("id") == app_id
               for q in queues for it in q["items"])


def test_letters_are_numbered_per_centre_and_year_and_name_the_centre_and_its_bureau(app, centres):
    from app.applications.models import Application
    from app.extensions import db
    from app.procedure import letters
    with app.app_context():
        nums = [letters.next_number("refusal", 2026, centres["city"]["id"])[2],
                letters.next_number("refusal", 2026, centres["hs"]["id"])[2],
                letters.next_number("refusal", 2026, centres["hs"]["id"])[2],
                letters.next_number("refusal", 2027, centres["hs"]["id"])[2]]
        db.session.rollback()
    assert nums == ["武法援决字〔2026〕第0001号", "洪法援决字〔2026〕第0001号", "洪法援决字〔2026〕第0002号",
                    "洪法援决字〔2027〕第0001号"]
    case = make_case(app, "under_review", place_district="420111")
    with app.app_context():
        from app.auth.models import StaffUser
        from app.procedure import flows
        from app.procedure.models import Letter, read_state
        a = db.session.get(Application, case)
        assert a.centre_id == centres["hs"]["id"]  # the place (洪山) decides a citizen's application
        manager = db.session.get(StaffUser, centres["twins"]["manager1"]["id"])
        with time_machine.travel(MONDAY, tick=False):
            flows.refuse(manager, a, {"reason": "家庭收入高于标准", "grounds": ["not_in_hardship"]})
        row = db.session.scalar(sa.select(Letter).where(Letter.application_id == case, Letter.kind == "refusal"))
        assert row.number == "洪法援决字〔2026〕第0001号"  # the reservations above were rolled back
        assert row.data["centre"] == "洪山区法律援助中心" and row.data["bureau"] == "武汉市洪山区司法局"
        text = "".join(row.data["paragraphs"])
        assert "武汉市洪山区司法局" in text and "15日" in text.replace(" ", "")  # the centre's own objection period
        assert read_state(a).objection_due is None  # the period runs from delivery
        from app.procedure import delivery
        with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
            delivery.record_by_staff(manager, a, row, "post", dt.date(2026, 11, 16))
        assert read_state(a).objection_due == dt.date(2026, 12, 1)  # delivered Mon 16: day 1 is 17, day 15 is Tue 1


def test_city_manager_sees_every_centre_and_filters_by_one(app, client, centres, staff):
    make_case(app, "under_review", by_phone=True)
    hs_case = make_case(app, "under_review", by_phone=True)
    with app.app_context():
        from app.applications.models import Application
        from app.extensions import db
        db.session.get(Application, hs_case).centre_id = centres["hs"]["id"]
        db.session.commit()
    cm = centres["city_manager"]["headers"]
    every = client.get(f"{A}/applications", headers=cm).get_json()["total"]
    per = [client.get(f"{A}/applications?centre={code}", headers=cm).get_json()["total"]
           for code in (centres["city"]["code"], "hongshan")]
    assert every == 2 and per == [1, 1] and sum(per) == every
    assert client.get(f"{A}/applications/{hs_case}?centre={centres['city']['code']}", headers=cm).status_code == 404
    assert client.get(f"{A}/applications/{hs_case}", headers=cm).status_code == 200


def test_a_call_belongs_to_the_centre_of_its_application_else_the_city(app, client, centres, staff):
    from tests.support import log_call
    hs_case = make_case(app, "under_review", by_phone=True)
    with app.app_context():
        from app.applications.models import Application
        from app.extensions import db
        db.session.get(Application, hs_case).centre_id = centres["hs"]["id"]
        db.session.commit()
    linked = log_call(client, centres["twins"]["duty1"]["headers"], application_id=hs_case)
    unknown = log_call(client, staff["duty1"]["headers"], caller="13907140000")
    from app.consultations.models import Consultation
    from app.extensions import db
    with app.app_context():
        assert db.session.get(Consultation, linked["id"]).centre_id == centres["hs"]["id"]
        assert db.session.get(Consultation, unknown["id"]).centre_id == centres["city"]["id"]
    assert client.get(f"/api/v1/consultations/{linked['id']}", headers=staff["duty1"]["headers"]).status_code == 404


def test_cli_creates_lists_and_updates_centres(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["centres", "create", "jiangan", "--name", "江岸区法律援助中心", "--districts", "420102",
                            "--letter-prefix-decision", "岸法援决字", "--objection-period-days", "20"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["centres", "update", "jiangan", "--phone", "027-82760000"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["centres", "list"])
    assert "jiangan\t江岸区法律援助中心" in r.output and "027-82760000" in r.output and "420102" in r.output
    r = runner.invoke(args=["centres", "create", "bad", "--name", "X", "--districts", "4201"])
    assert r.exit_code != 0 and "6 位" in r.output
    r = runner.invoke(args=["centres", "create", "dup", "--name", "Y", "--letter-prefix-decision", "岸法援决字"])
    assert r.exit_code != 0 and "已被其他中心使用" in r.output


def test_the_admin_page_puts_an_account_in_a_centre(app, centres):
    from app.auth.models import StaffUser
    from app.extensions import db
    from tests.support import console_login
    city_admin = app.test_client()
    token = console_login(city_admin, "admin1")
    r = city_admin.post("/console/staff", data={"csrf_token": token, "username": "duty_hs_new", "password": "y" * 12,
                                                "role": "duty_lawyer", "centre": "hongshan"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    district_admin = app.test_client()
    token = console_login(district_admin, "admin1_hs")
    r = district_admin.post("/console/staff", data={"csrf_token": token, "username": "sneaky", "password": "y" * 12,
                                                    "role": "manager", "centre": centres["city"]["code"]})
    shown = district_admin.get(r.headers["Location"]).get_data(as_text=True) if r.status_code == 302 else r.get_data(as_text=True)
    assert "只能为本中心创建账号" in shown
    with app.app_context():
        made = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "duty_hs_new"))
        assert made.centre_id == centres["hs"]["id"]
        assert db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "sneaky")) is None
    page = district_admin.get("/console/staff").get_data(as_text=True)
    assert "duty_hs_new" in page and "duty1_hs" in page and ">duty1<" not in page  # another centre's staff are not listed
    assert client_ok(city_admin.get("/console/centres"))


def client_ok(r):
    return r.status_code == 200 and "洪山区法律援助中心" in r.get_data(as_text=True)


@time_machine.travel(MONDAY, tick=False)
def test_each_new_row_is_given_its_centre_where_it_is_made(app, client, centres, staff):
    """No flush hook: the services that make an application, a call, a callback, an alert or a sample ask
    app.centres for its centre. A phone intake stays with the duty lawyer's centre whatever the ID number
    says; a call goes with its application, else with the member of staff logging it, else (the switch, a
    background task) to the city centre; a callback or an alert follows its call or application."""
    from app.alerts import service as alerts
    from app.alerts.models import Alert
    from app.callbacks import service as callbacks
    from app.consultations.models import Consultation
    from app.extensions import db
    from app.supervision import service as supervision
    from app.supervision.models import SampleBatch
    from app.auth.models import StaffUser
    from tests.support import log_call
    intake = {"applicant_name": "王芳", "phone": "13871234567", "description": "工资被拖欠三个月",
              "id_number": valid_id("420111")}  # an applicant from 洪山
    made = {}
    for who, headers in (("city", staff["duty1"]["headers"]), ("hs", centres["twins"]["duty1"]["headers"])):
        r = client.post(f"{A}/applications", json=intake, headers=headers)
        assert r.status_code == 201, r.get_json()
        made[who] = r.get_json()["id"]
    assert _centre_of(app, made["city"]) == centres["city"]["id"]  # not moved to 洪山 by the ID number
    assert _centre_of(app, made["hs"]) == centres["hs"]["id"]
    hs_call = log_call(client, centres["twins"]["duty1"]["headers"], caller="13907140001", ring=MONDAY - dt.timedelta(hours=1))
    linked = log_call(client, staff["duty1"]["headers"], caller="13907140002", ring=MONDAY - dt.timedelta(hours=1),
                      application_id=made["city"])
    with app.app_context():
        assert db.session.get(Consultation, hs_call["id"]).centre_id == centres["hs"]["id"]  # the logging lawyer's
        assert db.session.get(Consultation, linked["id"]).centre_id == centres["city"]["id"]
        # no request (a background task): only what the row is about decides, else the city centre
        assert callbacks.open_task("repeat_caller", subject_type="consultation", subject_id=hs_call["id"]).centre_id \
            == centres["hs"]["id"]
        assert callbacks.open_task("alert", subject_type="application", subject_id=made["hs"]).centre_id == centres["hs"]["id"]
        assert callbacks.open_task("alert").centre_id == centres["city"]["id"]
        a = alerts.raise_alert("sla_near_breach", message="即将超时", application_id=made["hs"])
        assert db.session.get(Alert, a.id).centre_id == centres["hs"]["id"]
        hs_supervisor = db.session.get(StaffUser, centres["twins"]["supervisor1"]["id"])
        batch, created = supervision.create_sample(hs_supervisor, dt.date(2026, 11, 16), dt.date(2026, 11, 16), 1.0, 1, "centre")
        assert created and db.session.get(SampleBatch, batch.id).centre_id == centres["hs"]["id"]
