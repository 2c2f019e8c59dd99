"""Role-matrix entries for the hotline (issue 5), picked up by tests/platform/test_role_matrix.py:

- `console_cases`: every /console page of app/analytics/console.py (dashboard, calls, CDR import,
  callbacks 回访, supervision 质量监管);
- `api_cases`: every route under /api/v1/consultations, /api/v1/callbacks, /api/v1/supervision and
  /api/v1/analytics, including the citizen-only rating of a consultation.

The allowed roles are read from the permission table (app/common/permissions.py, through `R`); what
each permission admits is written out in tests/architecture/test_permissions.py, so a role change in
the code still fails a test. The builders write through the services and set `b.dirty` (the state fingerprint is taken
again after any write)."""
from __future__ import annotations

import datetime as dt
import io
import itertools

import sqlalchemy as sa

from app.common.permissions import P
from app.common.timeutil import LOCAL_TZ, utcnow
from tests.platform.test_role_matrix import R

_seq = itertools.count(1)

VIEWERS = R(P.view_analytics)  # dashboard / analytics
EXPORTERS = R(P.export_data)
LOGGERS = R(P.log_calls)  # log and edit calls
READERS = R(P.view_calls)  # read calls (a duty lawyer: own calls only)
IMPORTERS = R(P.import_calls)  # CDR import
WORKERS = R(P.work_callbacks)  # callback tasks; only the manager closes them
CALLBACK_VIEWERS = R(P.view_callbacks)  # supervisors follow callbacks, read-only
CLOSERS = R(P.close_callbacks)
SUPERVISION = R(P.view_supervision)  # supervision pages; only the supervisor draws and scores
SCORERS = R(P.score_calls)
SCORECARDS = R(P.view_scorecards)


def _local(minutes):
    return (dt.datetime.now(LOCAL_TZ) + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _csv():
    n = next(_seq)
    text = ("呼叫ID,主叫号码,振铃时间,应答时间,结束时间,坐席工号\n"
            f"matrix-{n}-{dt.datetime.now().timestamp():.0f},13800138{n % 1000:03d},2026-01-05 09:00:00,"
            "2026-01-05 09:00:02,2026-01-05 09:05:00,S000\n")
    return io.BytesIO(text.encode("utf-8"))


def _caller():
    return f"139{next(_seq):08d}"  # a new number each time: no repeat-caller warnings


def _day():
    """A past day of its own: a sample drawn over it holds exactly the call made on it."""
    return dt.date(2022, 1, 1) + dt.timedelta(days=next(_seq))


# --------------------------------------------------------------------------- builders
def new_import(b):
    from app.consultations import cdr
    from app.extensions import db
    from tests.support import user
    b.dirty = True
    with b.app.app_context():
        imp = cdr.create_import("m.csv", b"x", user(b.app, "admin1"))
        db.session.commit()
        return imp.id


def new_call(b, by="duty1", citizen_id=None, ring=None):
    """An answered call logged through the service; logged by duty1 it is duty1's call, logged by the
    manager it has no duty lawyer (so duty1 may not see it)."""
    from app.consultations import service as calls
    from tests.support import user
    b.dirty = True
    ring = ring or (utcnow() - dt.timedelta(hours=1))
    with b.app.app_context():
        return calls.record_call(user(b.app, by), {
            "caller": _caller(), "ring_at": ring, "answered_at": ring + dt.timedelta(seconds=3),
            "ended_at": ring + dt.timedelta(minutes=5), "topic": "劳动争议", "summary": "咨询欠薪",
            "outcome": "answered", "citizen_id": citizen_id}).id


def new_task(b):
    """An open callback task, opened the real way: a citizen rates a call of theirs one star."""
    from app.auth.models import Citizen
    from app.extensions import db
    from app.ratings import service as ratings
    from app.callbacks.models import CallbackTask
    b.dirty = True
    with b.app.app_context():
        citizen = Citizen(openid=f"openid-matrix-{next(_seq)}-{utcnow().timestamp()}")
        db.session.add(citizen)
        db.session.commit()
        citizen_id = citizen.id
    call_id = new_call(b, citizen_id=citizen_id)
    with b.app.app_context():
        rating = ratings.rate_consultation(db.session.get(Citizen, citizen_id), call_id, {"stars": 1})
        task = db.session.scalar(sa.select(CallbackTask).where(CallbackTask.rating_id == rating.id))
        assert task is not None and task.status == "open"
        return task.id


def _sample_with_review(b) -> tuple[int, int]:
    """A sample drawn by the supervisor over a day of its own, holding one pending review of duty1's call."""
    from app.extensions import db
    from app.supervision import service as supervision
    from app.supervision.models import Review
    from tests.support import user
    day = _day()
    call_id = new_call(b, ring=dt.datetime.combine(day, dt.time(10), LOCAL_TZ))
    with b.app.app_context():
        batch, created = supervision.create_sample(user(b.app, "supervisor1"), day, day, 1.0, 1, f"matrix-{day}")
        assert created
        review_id = db.session.scalar(sa.select(Review.id).where(Review.sample_id == batch.id,
                                                                 Review.consultation_id == call_id))
        assert review_id is not None
        return batch.id, review_id


def new_sample(b):
    return _sample_with_review(b)[0]


def new_review(b):
    return _sample_with_review(b)[1]


def citizen_call(b):
    """A call linked to the citizen the matrix logs in with (b.citizen_id)."""
    return new_call(b, citizen_id=b.citizen_id)


def draw_form(b):
    day = _day()
    new_call(b, ring=dt.datetime.combine(day, dt.time(10), LOCAL_TZ))  # a period without calls gives no sample
    return {"period_start": day.isoformat(), "period_end": day.isoformat(), "rate": "0.5", "min_per_lawyer": "1",
            "seed": f"draw-{next(_seq)}"}  # a new seed: a new batch (same parameters would reopen the old one)


SCORES = {"attitude": 20, "professionalism": 21, "language": 22, "accuracy": 23}


# --------------------------------------------------------------------------- console pages
def console_cases(Case, builder, staff):  # noqa: N803, ARG001
    c = "/console"
    h = "console"
    return [
        # dashboard, calls, CDR import
        Case(f"{h}.dashboard", "GET", VIEWERS, lambda b: f"{c}/dashboard", fresh=False),
        Case(f"{h}.dashboard_data", "GET", VIEWERS, lambda b: f"{c}/dashboard/data/topics", fresh=False),
        Case(f"{h}.dashboard_export", "GET", EXPORTERS, lambda b: f"{c}/dashboard/export?format=csv", fresh=False),
        Case(f"{h}.calls_page", "GET", LOGGERS, lambda b: f"{c}/calls", fresh=False),
        Case(f"{h}.calls_page", "POST", LOGGERS, lambda b: f"{c}/calls",
             lambda b: {"caller": _caller(), "ring_at": _local(-10), "wait_seconds": "2",
                        "duration_seconds": "180", "topic": "劳动争议", "outcome": "answered", "summary": "咨询"}),
        Case(f"{h}.reveal_number", "POST", LOGGERS, lambda b: f"{c}/calls/{new_call(b)}/number",
             lambda b: {"back": "/console/callbacks"}),
        Case(f"{h}.import_page", "GET", IMPORTERS, lambda b: f"{c}/calls/import", fresh=False),
        Case(f"{h}.import_page", "POST", IMPORTERS, lambda b: f"{c}/calls/import",
             lambda b: {"file": (_csv(), "cdr.csv")}),
        Case(f"{h}.import_status", "GET", IMPORTERS, lambda b: f"{c}/calls/import/{new_import(b)}.json", fresh=False),
        Case(f"{h}.import_statuses", "GET", IMPORTERS, lambda b: f"{c}/calls/import/status.json?ids={new_import(b)}",
             fresh=False),
        Case(f"{h}.call_detail", "GET", LOGGERS, lambda b: f"{c}/calls/{new_call(b)}", fresh=False),
        Case("console.call_do_not_call", "POST", LOGGERS, lambda b: f"{c}/calls/{new_call(b)}/do-not-call",
             lambda b: {"do_not_call": "1", "note": "本人要求不再回拨"}),
        Case(f"{h}.call_detail", "GET", {"manager"}, lambda b: f"{c}/calls/{new_call(b, by='manager1')}", fresh=False),
        # callbacks 回访
        Case(f"{h}.callbacks_page", "GET", CALLBACK_VIEWERS, lambda b: f"{c}/callbacks?filter=all", fresh=False),
        Case(f"{h}.callback_detail", "GET", CALLBACK_VIEWERS, lambda b: f"{c}/callbacks/{new_task(b)}", fresh=False),
        Case(f"{h}.callback_attempt", "POST", WORKERS, lambda b: f"{c}/callbacks/{new_task(b)}/attempts",
             lambda b: {"result": "busy", "note": "占线"}),
        Case(f"{h}.callback_close", "POST", CLOSERS, lambda b: f"{c}/callbacks/{new_task(b)}/satisfied",
             lambda b: {"note": "群众表示满意"}),
        Case(f"{h}.callback_close", "POST", CLOSERS, lambda b: f"{c}/callbacks/{new_task(b)}/escalate",
             lambda b: {"note": "转中心处理"}),
        # supervision 质量监管
        Case(f"{h}.supervision_page", "GET", SUPERVISION, lambda b: f"{c}/supervision", fresh=False),
        Case(f"{h}.supervision_draw", "POST", SCORERS, lambda b: f"{c}/supervision/samples", draw_form),
        Case(f"{h}.supervision_sample", "GET", SUPERVISION, lambda b: f"{c}/supervision/samples/{new_sample(b)}",
             fresh=False),
        Case(f"{h}.supervision_review", "GET", SUPERVISION, lambda b: f"{c}/supervision/reviews/{new_review(b)}",
             fresh=False),
        Case(f"{h}.supervision_score", "POST", SCORERS,
             lambda b: f"{c}/supervision/reviews/{new_review(b)}/score",
             lambda b: {k: str(v) for k, v in SCORES.items()} | {"comment": "用语规范"}),
        Case(f"{h}.supervision_scorecards", "GET", SCORECARDS, lambda b: f"{c}/supervision/scorecards", fresh=False),
    ]


# --------------------------------------------------------------------------- staff JSON API (+ citizen rating)
def api_cases(Case, builder, staff):  # noqa: N803, ARG001
    from app.analytics.queries import CHARTS

    c = "/api/v1/consultations"
    k = "/api/v1/callbacks"
    s = "/api/v1/supervision"
    a = "/api/v1/analytics"

    def call_body(b):  # noqa: ARG001
        ring = utcnow() - dt.timedelta(minutes=30)
        return {"caller": _caller(), "ring_at": ring.isoformat(),
                "answered_at": (ring + dt.timedelta(seconds=4)).isoformat(),
                "ended_at": (ring + dt.timedelta(minutes=6)).isoformat(), "summary": "拖欠工资怎么办"}

    cases = [
        # calls 来电
        Case("consultations.create_consultation", "POST", LOGGERS, lambda b: c, call_body),
        Case("consultations.list_consultations", "GET", READERS, lambda b: c, fresh=False),
        Case("consultations.get_consultation", "GET", READERS, lambda b: f"{c}/{new_call(b)}", fresh=False),
        Case("consultations.get_consultation", "GET", READERS - {"duty_lawyer"},  # not duty1's call
             lambda b: f"{c}/{new_call(b, by='manager1')}", fresh=False),
        Case("consultations.update_consultation", "PATCH", LOGGERS, lambda b: f"{c}/{new_call(b)}",
             lambda b: {"summary": f"补充说明 {next(_seq)}", "topic": "婚姻家庭"}),
        Case("consultations.update_consultation", "PATCH", {"manager"}, lambda b: f"{c}/{new_call(b, by='manager1')}",
             lambda b: {"summary": f"补充说明 {next(_seq)}"}),
        Case("consultations.reveal_number", "GET", LOGGERS, lambda b: f"{c}/{new_call(b)}/caller-number", fresh=False),
        Case("consultations.reveal_number", "GET", {"manager"},
             lambda b: f"{c}/{new_call(b, by='manager1')}/caller-number", fresh=False),
        Case("consultations.list_topics", "GET", READERS, lambda b: f"{c}/topics", fresh=False),
        Case("consultations.suggest_topic", "POST", LOGGERS, lambda b: f"{c}/suggest-topic",
             lambda b: {"summary": "老板拖欠工资三个月"}, changes=False),  # a pure suggestion: writes nothing
        Case("consultations.upload_cdr", "POST", IMPORTERS, lambda b: f"{c}/imports",
             lambda b: {"file": (_csv(), "cdr.csv")}),
        Case("consultations.list_imports", "GET", IMPORTERS, lambda b: f"{c}/imports", fresh=False),
        Case("consultations.get_import", "GET", IMPORTERS, lambda b: f"{c}/imports/{new_import(b)}", fresh=False),
        # a citizen rates their own call; nobody else may (staff tokens are refused, another's call is a 404)
        Case("ratings.rate_consultation", "POST", {"citizen"}, lambda b: f"{c}/{citizen_call(b)}/rating",
             lambda b: {"stars": 5}),
        Case("ratings.rate_consultation", "POST", set(), lambda b: f"{c}/{new_call(b)}/rating",
             lambda b: {"stars": 5}),
        Case("ratings.get_consultation_ratings", "GET", {"citizen"}, lambda b: f"{c}/{citizen_call(b)}/rating",
             fresh=False),
        Case("ratings.my_consultations", "GET", {"citizen"}, lambda b: f"{c}/mine", fresh=False),
        # callbacks 回访
        Case("callbacks.list_tasks", "GET", WORKERS, lambda b: k, fresh=False),
        Case("callbacks.get_task_route", "GET", WORKERS, lambda b: f"{k}/{new_task(b)}", fresh=False),
        Case("callbacks.post_attempt", "POST", WORKERS, lambda b: f"{k}/{new_task(b)}/attempts",
             lambda b: {"result": "no_answer", "note": "无人接听"}),
        Case("callbacks.post_satisfied", "POST", CLOSERS, lambda b: f"{k}/{new_task(b)}/satisfied",
             lambda b: {"note": "群众表示满意"}),
        Case("callbacks.post_escalate", "POST", CLOSERS, lambda b: f"{k}/{new_task(b)}/escalate",
             lambda b: {"note": "转中心处理"}),
        # supervision 质量监管
        Case("supervision.create_sample", "POST", SCORERS, lambda b: f"{s}/samples",
             lambda b: {**draw_form(b), "rate": 0.5, "min_per_lawyer": 1}),
        Case("supervision.list_samples", "GET", SUPERVISION, lambda b: f"{s}/samples", fresh=False),
        Case("supervision.get_sample", "GET", SUPERVISION, lambda b: f"{s}/samples/{new_sample(b)}", fresh=False),
        Case("supervision.get_review", "GET", SUPERVISION, lambda b: f"{s}/reviews/{new_review(b)}", fresh=False),
        Case("supervision.score_review", "POST", SCORERS, lambda b: f"{s}/reviews/{new_review(b)}/score",
             lambda b: {**SCORES, "comment": "用语规范"}),
        Case("supervision.get_scorecards", "GET", SCORECARDS, lambda b: f"{s}/scorecards", fresh=False),
        # analytics 大数据分析
        Case("analytics.export_charts", "GET", EXPORTERS, lambda b: f"{a}/export?format=csv", fresh=False),
    ]
    for name in CHARTS:
        cases.append(Case("analytics.chart_" + name.replace("-", "_"), "GET", VIEWERS,
                          lambda b, name=name: f"{a}/{name}", fresh=False))
    return cases
