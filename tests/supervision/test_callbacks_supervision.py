import datetime as dt

from app.extensions import db
from app.callbacks.models import CallbackTask
from tests.factories import login
from tests.support import city_centre_id, log_call, recent


def _citizen_call(client, fake_wechat, app, staff, **extra):
    me = login(client, fake_wechat, "caller")
    call = log_call(client, staff.role("duty_lawyer")["headers"], citizen_id=me["user"]["id"], **extra)
    return me, call


def test_citizen_rates_own_consultation_bad_rating_opens_callback_loop(client, app, staff, fake_wechat):
    me, call = _citizen_call(client, fake_wechat, app, staff)
    other = login(client, fake_wechat, "stranger")
    r = client.post(f"/api/v1/consultations/{call['id']}/rating", json={"stars": 1}, headers=other["headers"])
    assert r.status_code == 404
    r = client.post(f"/api/v1/consultations/{call['id']}/rating", json={"stars": 1}, headers=staff.role("manager")["headers"])
    assert r.status_code == 403
    r = client.post(f"/api/v1/consultations/{call['id']}/rating", json={"stars": 2, "comment": "没听懂"},
                    headers=me["headers"])
    assert r.status_code == 201 and r.get_json()["callback_opened"] is True
    m, d = staff.role("manager")["headers"], staff.role("duty_lawyer")["headers"]
    tasks = client.get("/api/v1/callbacks?status=open", headers=m).get_json()["items"]
    assert len(tasks) == 1 and tasks[0]["reason"] == "bad_rating" and tasks[0]["overdue"] is False
    tid = tasks[0]["id"]
    assert client.get("/api/v1/callbacks", headers=staff.role("supervisor")["headers"]).status_code == 403
    r = client.post(f"/api/v1/callbacks/{tid}/attempts", json={"result": "no_answer"}, headers=d)
    assert r.status_code == 201
    r = client.post(f"/api/v1/callbacks/{tid}/attempts", json={"result": "reached", "note": "已重新解释"}, headers=m)
    assert r.status_code == 201
    assert client.post(f"/api/v1/callbacks/{tid}/satisfied", json={}, headers=d).status_code == 403  # manager only
    detail = client.get(f"/api/v1/callbacks/{tid}", headers=m).get_json()
    assert [a["result"] for a in detail["attempts"]] == ["no_answer", "reached"]
    # the citizen's new rating >= 4 closes the loop
    r = client.post(f"/api/v1/consultations/{call['id']}/rating", json={"stars": 5}, headers=me["headers"])
    assert r.status_code == 201
    assert client.get(f"/api/v1/callbacks/{tid}", headers=m).get_json()["status"] == "satisfied"
    r = client.post(f"/api/v1/callbacks/{tid}/attempts", json={"result": "busy"}, headers=m)
    assert r.status_code == 409


def test_overdue_callbacks_first_and_manager_closes(client, app, staff):
    from app.common.timeutil import utcnow
    with app.app_context():
        now = utcnow()
        db.session.add_all([
            CallbackTask(reason="alert", status="open", due_at=now + dt.timedelta(hours=5), created_at=now,
                         centre_id=city_centre_id()),
            CallbackTask(reason="repeat_caller", status="open", due_at=now - dt.timedelta(hours=1), created_at=now,
                         centre_id=city_centre_id())])
        db.session.commit()
    m = staff.role("manager")["headers"]
    items = client.get("/api/v1/callbacks", headers=m).get_json()["items"]
    assert [i["overdue"] for i in items] == [True, False]
    assert client.get("/api/v1/callbacks?overdue=true", headers=m).get_json()["total"] == 1
    r = client.post(f"/api/v1/callbacks/{items[0]['id']}/escalate", json={"note": "转中心主任"}, headers=m)
    assert r.status_code == 200 and r.get_json()["status"] == "escalated"
    r = client.post(f"/api/v1/callbacks/{items[1]['id']}/satisfied", json={}, headers=m)
    assert r.status_code == 200 and r.get_json()["status"] == "satisfied"


def test_sampling_is_reproducible_stratified_and_scored(client, app, staff):
    d1, d2 = staff.role("duty_lawyer"), staff["duty2"]
    for i in range(10):
        log_call(client, d1["headers"], caller=f"1390714{i:04d}", ring=recent(1 + i * 0.1))
    for i in range(4):
        log_call(client, d2["headers"], caller=f"1380714{i:04d}", ring=recent(1 + i * 0.1))
    log_call(client, d1["headers"], caller="13907149998", ring=recent(1), answer_after=None)  # missed: never sampled
    s = staff.role("supervisor")["headers"]
    day_from = (recent(3)).date().isoformat()
    day_to = recent(0).date().isoformat()
    body = {"period_start": day_from, "period_end": day_to, "rate": 0.25, "min_per_lawyer": 2, "seed": "2026-W48"}
    assert client.post("/api/v1/supervision/samples", json=body, headers=staff.role("manager")["headers"]).status_code == 403
    r = client.post("/api/v1/supervision/samples", json=body, headers=s)
    assert r.status_code == 201
    reviews = r.get_json()["reviews"]
    per = {}
    for rv in reviews:
        per.setdefault(rv["lawyer_id"], []).append(rv["consultation_id"])
    assert len(per[d1["id"]]) == 3 and len(per[d2["id"]]) == 2  # ceil(0.25*10)=3, max(2, ceil(1))=2
    # same parameters: same batch; the pure draw gives the same calls
    again = client.post("/api/v1/supervision/samples", json=body, headers=s)
    assert again.status_code == 200 and again.get_json()["id"] == r.get_json()["id"]
    with app.app_context():
        from app.supervision.service import draw
        d = draw(dt.date.fromisoformat(day_from), dt.date.fromisoformat(day_to), 0.25, 2, "2026-W48")
        assert sorted(d[d1["id"]]) == sorted(per[d1["id"]])
        other = draw(dt.date.fromisoformat(day_from), dt.date.fromisoformat(day_to), 0.25, 2, "other-seed")
        assert len(other[d1["id"]]) == 3
    # scoring form with the recording at hand
    rid = reviews[0]["id"]
    from app.storage_bridge import get_storage
    with app.app_context():
        from app.consultations.models import Consultation
        c = db.session.get(Consultation, reviews[0]["consultation_id"])
        c.recording_key = "recordings/test/r1.wav"
        db.session.commit()
        get_storage().put("recordings/test/r1.wav", b"RIFF....WAVE", "audio/wav")
    detail = client.get(f"/api/v1/supervision/reviews/{rid}", headers=s).get_json()
    assert detail["recording_url"] and detail["consultation"]["caller_masked"].count("*") == 4
    bad = {"attitude": 26, "professionalism": 20, "language": 20, "accuracy": 20}
    assert client.post(f"/api/v1/supervision/reviews/{rid}/score", json=bad, headers=s).status_code == 422
    good = {"attitude": 24, "professionalism": 20, "language": 22, "accuracy": 18, "comment": "解答清楚"}
    assert client.post(f"/api/v1/supervision/reviews/{rid}/score", json=good,
                       headers=staff.role("manager")["headers"]).status_code == 403
    r = client.post(f"/api/v1/supervision/reviews/{rid}/score", json=good, headers=s)
    assert r.status_code == 200 and r.get_json()["total"] == 84
    cards = client.get("/api/v1/supervision/scorecards?period=month", headers=staff.role("manager")["headers"]).get_json()
    lawyer = next(l for l in cards["lawyers"] if l["lawyer_id"] == reviews[0]["lawyer_id"])
    assert lawyer["periods"][0]["total"] == 84 and lawyer["periods"][0]["reviews"] == 1
    # a duty lawyer sees only their own scorecard; aid lawyers nothing
    mine = client.get("/api/v1/supervision/scorecards", headers=staff["duty2"]["headers"]).get_json()
    assert all(l["lawyer_id"] == d2["id"] for l in mine["lawyers"])
    assert client.get("/api/v1/supervision/scorecards", headers=staff.role("aid_lawyer")["headers"]).status_code == 403


def test_scorecard_trend_across_periods(app, staff):
    from app.supervision.models import Review, SampleBatch
    from app.supervision.service import scorecards
    from app.consultations.models import Consultation
    from app.auth.models import StaffUser
    from app.common.timeutil import utcnow
    import app.consultations.phones as phones
    from app.consultations.service import build_row
    with app.app_context():
        b = SampleBatch(period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), rate=0.1, seed="s",
                        min_per_lawyer=1, created_at=utcnow(), centre_id=city_centre_id())
        db.session.add(b)
        db.session.flush()
        lid = staff.role("duty_lawyer")["id"]
        for i, (day, total) in enumerate(((dt.date(2026, 1, 5), 70), (dt.date(2026, 2, 5), 80), (dt.date(2026, 2, 6), 90))):
            ring = dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.timezone.utc)
            c = Consultation(**build_row(phones.normalise("13907141234"), ring, ring, ring, call_id=f"T{i}",
                                         duty_lawyer_id=lid, centre_id=city_centre_id()))
            db.session.add(c)
            db.session.flush()
            q = total // 4
            db.session.add(Review(sample_id=b.id, consultation_id=c.id, lawyer_id=lid, period_day=day, status="scored",
                                  attitude=q, professionalism=q, language=q, accuracy=total - 3 * q, total=total))
        db.session.commit()
        me = db.session.get(StaffUser, staff.role("supervisor")["id"])
        cards = scorecards(me, "month")["lawyers"][0]["periods"]
        assert [(c["period"], c["total"], c["trend"]) for c in cards] == [("2026-01", 70, None), ("2026-02", 85, 15)]
