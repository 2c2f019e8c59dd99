"""Console pages for callbacks (回访) and supervision (抽检/评分/评分卡): roles per page, CSRF, and the
changes going through the services; plus the lawyer x region rollups and the monthly regions rollup."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.audit import AuditLog
from app.extensions import db
from app.callbacks.models import CallbackAttempt
from app.callbacks.models import CallbackTask
from app.supervision.models import Review, SampleBatch
from tests.support import PASSWORD, ROLE_USER, console_login
from tests.support import city_centre_id, local, recent

ROLES = ("duty_lawyer", "aid_lawyer", "supervisor", "manager", "admin")


def _tasks(app):
    from app.common.timeutil import utcnow
    with app.app_context():
        now = utcnow()
        later = CallbackTask(reason="bad_rating", status="open", due_at=now + dt.timedelta(hours=5), created_at=now,
                             note="评价 2 星", centre_id=city_centre_id())
        late = CallbackTask(reason="repeat_caller", status="open", due_at=now - dt.timedelta(hours=1), created_at=now,
                            centre_id=city_centre_id())
        db.session.add_all([later, late])
        db.session.commit()
        return late.id, later.id


def _attempts(app, task_id=None):
    with app.app_context():
        stmt = sa.select(CallbackAttempt)
        if task_id:
            stmt = stmt.where(CallbackAttempt.task_id == task_id)
        return db.session.scalars(stmt.order_by(CallbackAttempt.id)).all()


def _status(app, task_id):
    with app.app_context():
        return db.session.get(CallbackTask, task_id).status


def test_callback_pages_forbidden_roles_change_nothing(client, app, staff):
    late, _ = _tasks(app)
    r = client.get("/console/callbacks")
    assert r.status_code == 302 and "/console/login" in r.headers["Location"]
    for role in ("aid_lawyer", "supervisor", "admin"):
        csrf = console_login(client, ROLE_USER[role])
        if role == "supervisor":  # follows callbacks read-only: no form to record or close
            page = client.get(f"/console/callbacks/{late}").get_data(as_text=True)
            assert client.get("/console/callbacks").status_code == 200 and 'id="attempt-form"' not in page
        else:
            assert client.get("/console/callbacks").status_code == 403
            assert client.get(f"/console/callbacks/{late}").status_code == 403
        r = client.post(f"/console/callbacks/{late}/attempts", data={"csrf_token": csrf, "result": "busy"})
        assert r.status_code == 403
        for op in ("satisfied", "escalate"):
            assert client.post(f"/console/callbacks/{late}/{op}", data={"csrf_token": csrf}).status_code == 403
    # a duty lawyer works the task but may not close it
    csrf = console_login(client, "duty1")
    for op in ("satisfied", "escalate"):
        assert client.post(f"/console/callbacks/{late}/{op}", data={"csrf_token": csrf}).status_code == 403
    assert _attempts(app) == [] and _status(app, late) == "open"


def test_duty_lawyer_logs_attempt_through_the_page(client, app, staff):
    late, later = _tasks(app)
    csrf = console_login(client, "duty1")
    page = client.get("/console/callbacks").get_data(as_text=True)
    # overdue first and highlighted
    assert page.index(f'data-task-id="{late}"') < page.index(f'data-task-id="{later}"')
    assert f'class="overdue-row" data-task-id="{late}"' in page and "1 项已逾期" in page
    only = client.get("/console/callbacks?filter=overdue").get_data(as_text=True)
    assert f'data-task-id="{late}"' in only and f'data-task-id="{later}"' not in only
    assert "回访" in page and 'href="/console/callbacks"' in page  # nav entry
    detail = client.get(f"/console/callbacks/{late}").get_data(as_text=True)
    assert 'id="attempt-form"' in detail and "群众已满意" not in detail  # manager-only forms hidden
    at = recent(0.05).replace(second=0)
    form = {"at": at.strftime("%Y-%m-%dT%H:%M"), "result": "no_answer", "note": "  第一次未接  "}
    assert client.post(f"/console/callbacks/{late}/attempts", data=form).status_code == 403  # no CSRF token
    assert _attempts(app) == []
    r = client.post(f"/console/callbacks/{late}/attempts", data={**form, "csrf_token": csrf})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/console/callbacks/{late}")
    (a,) = _attempts(app, late)
    assert a.result == "no_answer" and a.note == "第一次未接" and a.staff_id == staff["duty1"]["id"]
    assert a.at == at.astimezone(dt.timezone.utc)
    detail = client.get(f"/console/callbacks/{late}").get_data(as_text=True)
    assert "无人接听" in detail and "第一次未接" in detail and at.strftime("%Y-%m-%d %H:%M") in detail
    # a bad result value is refused with a message, nothing stored
    r = client.post(f"/console/callbacks/{late}/attempts", data={"csrf_token": csrf, "result": "nope"})
    assert r.status_code == 302 and len(_attempts(app)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "callback.attempt")) == 1


def test_manager_marks_satisfied_and_escalates_through_the_page(client, app, staff):
    late, later = _tasks(app)
    csrf = console_login(client, "manager1")
    detail = client.get(f"/console/callbacks/{later}").get_data(as_text=True)
    assert "群众已满意" in detail and "升级处理" in detail
    r = client.post(f"/console/callbacks/{later}/attempts", data={"csrf_token": csrf, "result": "reached",
                                                                 "note": "已重新解释"})
    assert r.status_code == 302
    r = client.post(f"/console/callbacks/{later}/satisfied", data={"csrf_token": csrf, "note": "群众表示满意"})
    assert r.status_code == 302 and _status(app, later) == "satisfied"
    r = client.post(f"/console/callbacks/{late}/escalate", data={"csrf_token": csrf, "note": "转中心主任"})
    assert r.status_code == 302 and _status(app, late) == "escalated"
    # closed: a further attempt is refused (the page again with the message), nothing stored
    r = client.post(f"/console/callbacks/{late}/attempts", data={"csrf_token": csrf, "result": "busy"},
                    headers={"Referer": f"http://localhost/console/callbacks/{late}"})
    assert r.status_code == 409 and _attempts(app, late) == []
    assert "该回访任务已结束" in r.get_data(as_text=True)
    closed = client.get("/console/callbacks?filter=closed").get_data(as_text=True)
    assert f'data-task-id="{late}"' in closed and f'data-task-id="{later}"' in closed
    assert client.get("/console/callbacks/999999").status_code == 404


def _calls(app, staff):
    """12 answered calls for the first duty lawyer, 3 for the second, 1 missed (never sampled)."""
    from app.consultations import rollups
    import app.consultations.phones as phones
    from app.consultations.models import Consultation
    from app.consultations.service import build_row
    with app.app_context():
        made = []
        for i in range(16):
            ring = recent(1 + i * 0.05).astimezone(dt.timezone.utc)
            lawyer = staff["duty1"]["id"] if i < 12 else staff["duty2"]["id"]
            answered = None if i == 15 else ring + dt.timedelta(seconds=2)
            c = Consultation(**build_row(phones.normalise(f"1390714{i:04d}"), ring, answered,
                                         (answered or ring) + dt.timedelta(seconds=120), call_id=f"S{i}",
                                         duty_lawyer_id=lawyer, topic="劳动争议", centre_id=city_centre_id()))
            db.session.add(c)
            made.append(c)
        db.session.flush()
        rollups.apply(made)
        db.session.commit()


def _draw_form(csrf):
    return {"csrf_token": csrf, "period_start": recent(3).date().isoformat(), "period_end": recent(0).date().isoformat(),
            "rate": "0.25", "min_per_lawyer": "2", "seed": "page-seed"}


def test_supervision_pages_forbidden_roles_change_nothing(client, app, staff):
    _calls(app, staff)
    for role in ("duty_lawyer", "aid_lawyer", "admin", "manager"):
        csrf = console_login(client, ROLE_USER[role])
        assert client.post("/console/supervision/samples", data=_draw_form(csrf)).status_code == 403
        if role != "manager":
            assert client.get("/console/supervision").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SampleBatch)) == 0
    csrf = console_login(client, "supervisor1")
    r = client.post("/console/supervision/samples", data=_draw_form(csrf))
    assert r.status_code == 302
    with app.app_context():
        rid = db.session.scalars(sa.select(Review.id)).first()
    for role in ("duty_lawyer", "aid_lawyer", "admin", "manager"):
        csrf = console_login(client, ROLE_USER[role])
        good = {"csrf_token": csrf, "attitude": "20", "professionalism": "20", "language": "20", "accuracy": "20"}
        assert client.post(f"/console/supervision/reviews/{rid}/score", data=good).status_code == 403
        if role in ("aid_lawyer", "admin"):
            assert client.get("/console/supervision/scorecards").status_code == 403
        if role != "manager":
            assert client.get(f"/console/supervision/reviews/{rid}").status_code == 403
    # the manager looks on: pages open, no scoring form
    console_login(client, "manager1")
    assert client.get("/console/supervision").status_code == 200
    page = client.get(f"/console/supervision/reviews/{rid}").get_data(as_text=True)
    assert 'id="score-form"' not in page and "尚未评分" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Review).where(Review.status == "scored")) == 0


def test_supervisor_draws_sample_and_scores_with_recording(client, app, staff):
    _calls(app, staff)
    csrf = console_login(client, "supervisor1")
    page = client.get("/console/supervision").get_data(as_text=True)
    assert 'id="draw-form"' in page and 'href="/console/supervision"' in page
    assert client.post("/console/supervision/samples", data={**_draw_form(csrf), "csrf_token": ""}).status_code == 403
    r = client.post("/console/supervision/samples", data=_draw_form(csrf))
    assert r.status_code == 302
    sample_url = r.headers["Location"]
    again = client.post("/console/supervision/samples", data=_draw_form(csrf))
    assert again.headers["Location"] == sample_url  # same parameters: same batch
    with app.app_context():
        assert db.session.scalars(sa.select(SampleBatch)).one() is not None  # one batch, not two
        per = dict(db.session.execute(sa.select(Review.lawyer_id, sa.func.count()).group_by(Review.lawyer_id)).all())
        assert per == {staff["duty1"]["id"]: 3, staff["duty2"]["id"]: 2}
        review = db.session.scalars(sa.select(Review).order_by(Review.id)).first()
        review.consultation.recording_key = "recordings/test/page.wav"
        rid, cid = review.id, review.consultation_id
        db.session.commit()
        from app.storage_bridge import get_storage
        get_storage().put("recordings/test/page.wav", b"RIFF....WAVE", "audio/wav")
    listing = client.get(sample_url).get_data(as_text=True)
    assert listing.count("待评分</span>") == 5 and "周值班" in listing and "13907140" not in listing
    page = client.get(f"/console/supervision/reviews/{rid}").get_data(as_text=True)
    assert "<audio controls" in page and "signature=" in page and 'id="score-form"' in page
    for key in ("服务态度", "专业水平", "规范用语", "解答准确"):
        assert key in page
    with app.app_context():
        views = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "consultation.recording_view")).all()
        assert [(v.object_id, v.actor_id) for v in views] == [(str(cid), staff["supervisor1"]["id"])]
    bad = {"csrf_token": csrf, "attitude": "26", "professionalism": "20", "language": "20", "accuracy": "20"}
    r = client.post(f"/console/supervision/reviews/{rid}/score", data=bad,
                    headers={"Referer": f"http://localhost/console/supervision/reviews/{rid}"})
    assert r.status_code == 422  # the review page again, the scores typed kept for correction
    assert '"attitude": ["26"]' in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Review, rid).status == "pending"
    good = {"csrf_token": csrf, "attitude": "24", "professionalism": "20", "language": "22", "accuracy": "18",
            "comment": "解答清楚", "then": "next"}
    r = client.post(f"/console/supervision/reviews/{rid}/score", data=good)
    loc = r.headers["Location"]
    assert r.status_code == 302 and "/console/supervision/reviews/" in loc and not loc.endswith(f"/{rid}")  # next call
    with app.app_context():
        rv = db.session.get(Review, rid)
        assert (rv.status, rv.total, rv.comment, rv.reviewer_id) == ("scored", 84, "解答清楚", staff["supervisor1"]["id"])
        lawyer = rv.lawyer_id
    cards = client.get("/console/supervision/scorecards?period=month").get_data(as_text=True)
    assert f'data-lawyer-id="{lawyer}"' in cards and "<strong>84.0</strong>" in cards
    # a duty lawyer sees only their own scorecard
    console_login(client, "duty2" if lawyer == staff["duty1"]["id"] else "duty1")
    mine = client.get("/console/supervision/scorecards").get_data(as_text=True)
    assert f'data-lawyer-id="{lawyer}"' not in mine and "暂无评分" in mine


def test_lawyer_region_rollups_rebuild_equals_incremental_and_queries(client, app, staff):
    """Incremental maintenance (insert, CDR-like batch, topic edit) of the day x lawyer x region (x topic)
    and month x region rollups equals `flask analytics rebuild-rollups`; the filtered workload and the
    long-range regions chart read them and agree with the calls."""
    from app.analytics import queries
    from app.consultations import rollups
    from app.consultations.rollup_models import ROLLUPS
    import app.consultations.phones as phones
    from app.auth.models import StaffUser
    from app.consultations.models import Consultation
    from app.consultations.service import build_row, update_call
    numbers = ["13907141234", "13807141234", "075512345678", "02712345678", "13307221234"]
    topics = ["劳动争议", "婚姻家庭", None]
    lawyers = [staff["duty1"]["id"], staff["duty2"]["id"], None]
    with app.app_context():
        batch = []
        for i in range(40):
            ring = local(2026, 1 + i % 3, 1 + (i * 7) % 28, 8 + i % 12).astimezone(dt.timezone.utc)
            answered = None if i % 9 == 0 else ring + dt.timedelta(seconds=i % 6)
            c = Consultation(**build_row(phones.normalise(numbers[i % 5]), ring, answered,
                                         (answered or ring) + dt.timedelta(seconds=30 * i), call_id=f"R{i}",
                                         duty_lawyer_id=lawyers[i % 3] if answered else None, topic=topics[i % 3],
                                         centre_id=city_centre_id()))
            db.session.add(c)
            batch.append(c)
        db.session.flush()
        rollups.apply(batch[:5])
        rollups.apply(batch[5:])
        db.session.commit()
        manager = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == "manager"))
        update_call(manager, batch[1].id, {"topic": "工伤"})
        update_call(manager, batch[4].id, {"topic": "婚姻家庭"})

        def snapshot():
            return {g: sorted(tuple(r) for r in db.session.execute(sa.select(t)).all()) for g, t in ROLLUPS.items()}
        before = snapshot()
        assert before["lawyer_region"] and before["lawyer_region_topic"] and len(before["region_month"]) >= 3
        assert all(r[-len(rollups.MEASURES)] > 0 for rows in before.values() for r in rows)  # no empty rows
        r = app.test_cli_runner().invoke(args=["analytics", "rebuild-rollups"])
        assert r.exit_code == 0, r.output
        db.session.expire_all()
        assert snapshot() == before
        # a partial rebuild (cutting through a month) gives the same again
        rollups.rebuild(dt.date(2026, 2, 10), dt.date(2026, 2, 20))
        db.session.expire_all()
        assert snapshot() == before

        calls = db.session.scalars(sa.select(Consultation)).all()
        for region, topic in (("湖北省武汉市", None), ("湖北省", None), ("湖北省武汉市", "劳动争议"), ("广东省深圳市", None)):
            f = queries.Filters(dt.date(2026, 1, 10), dt.date(2026, 3, 20), region, topic)
            got = {x["lawyer_id"]: (x["calls"], x["answered"]) for x in queries.workload(f)["lawyers"]}
            want: dict = {}
            for c in calls:
                if f.date_from <= c.local_date <= f.date_to and region in (c.region, c.province) \
                        and (topic is None or c.topic == topic):
                    n, a = want.get(c.duty_lawyer_id, (0, 0))
                    want[c.duty_lawyer_id] = (n + 1, a + (c.answered_at is not None))
            assert got == want and want
        for lo, hi in ((dt.date(2026, 1, 10), dt.date(2026, 3, 20)), (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
                       (dt.date(2026, 2, 1), dt.date(2026, 2, 27))):
            for region in (None, "湖北省"):
                f = queries.Filters(lo, hi, region)
                assert sorted(queries._region_rows(f)) == sorted(tuple(r) for r in queries._region_rows_daily(f))
                assert queries.regions(f)["regions"]
