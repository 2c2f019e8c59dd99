"""The due dates stored per open case (applications.next_due, urgent_due, clock_due; app/procedure/due.py,
migration 0017): right after each transition, with a frozen clock and literal dates; the queues' SQL order
is the order the queue rows' own clocks give; the scan reads only the cases that are due."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import time_machine

from app.applications.models import Application
from app.extensions import db
from tests.support import make_case, user

UTC = dt.timezone.utc


def at(y, m, d, hh=10):
    """A moment in Beijing (UTC+8), as a time-machine destination."""
    return dt.datetime(y, m, d, hh - 8, 0, tzinfo=UTC)


def stored(app_id):
    db.session.expire_all()
    a = db.session.get(Application, app_id)
    return a.next_due, a.urgent_due, a.clock_due


def eod(y, m, d):
    """The end of a local day (23:59:59 in Beijing) in UTC, how a statutory date sorts."""
    return dt.datetime(y, m, d, 15, 59, 59, tzinfo=UTC)


def test_the_stored_dates_follow_each_transition(app, staff):
    from app.casework import cases
    from app.procedure import delivery, flows, notices
    from app.procedure.models import Letter
    with time_machine.travel(at(2026, 3, 9), tick=False):  # Mon
        app_id = make_case(app, "under_review", by_phone=True)
    with app.app_context():
        # submitted Mon 03-09: 七日 from the day after → Mon 03-16; no SLA target, no legal deadline
        assert stored(app_id) == (eod(2026, 3, 16), None, dt.date(2026, 3, 16))

        with time_machine.travel(at(2026, 3, 12), tick=False):  # Thu: the one-time notice pauses the review
            a = db.session.get(Application, app_id)
            flows.notice(user(app, "duty1"), a, ["hukou_home"], days=10)
            # paused, and the notice's period runs only once it is delivered: nothing is due
            assert stored(app_id) == (None, None, None)
            letter = db.session.scalar(sa.select(Letter).where(Letter.application_id == app_id,
                                                               Letter.kind == "supplement_notice"))
            delivery.record_by_staff(user(app, "duty1"), db.session.get(Application, app_id), letter, "in_person",
                                     dt.date(2026, 3, 12))
            db.session.commit()
            # delivered Thu 03-12: 10 日 → Sun 03-22 → Mon 03-23; the review stays paused
            assert stored(app_id) == (eod(2026, 3, 23), None, None)

        with time_machine.travel(at(2026, 3, 25), tick=False):  # Wed: the materials arrive, the review resumes
            notices.receive_items(user(app, "duty1"), db.session.get(Application, app_id), ["hukou_home"])
            # 2 days were used (03-10, 03-11), 5 left from Thu 03-26 → Mon 03-30
            assert stored(app_id) == (eod(2026, 3, 30), None, dt.date(2026, 3, 30))

        with time_machine.travel(at(2026, 3, 30), tick=False):  # Mon: granted, the assignment clock starts
            flows.grant(user(app, "manager1"), db.session.get(Application, app_id), "符合条件")
            # 三日 → Thu 04-02
            assert stored(app_id) == (eod(2026, 4, 2), None, dt.date(2026, 4, 2))

        with time_machine.travel(at(2026, 3, 31), tick=False):  # Tue: assigned, no clock left
            cases.act(user(app, "manager1"), db.session.get(Application, app_id), "assign",
                      {"lawyer_id": user(app, "aid1").id})
            assert stored(app_id) == (None, None, None)


def test_expedite_with_a_legal_deadline(app, staff):
    from app.casework import cases
    with time_machine.travel(at(2026, 3, 9), tick=False):  # Mon 10:00 = 02:00 UTC
        app_id = make_case(app, "submitted", by_phone=True, legal_deadline=dt.date(2026, 3, 13))
        with app.app_context():
            # the legal deadline (end of Fri 03-13) comes before the review date (Mon 03-16); once urgent
            # (within 72 h of it) the SLA's urgent target, 60 minutes from submission, comes first
            assert stored(app_id) == (eod(2026, 3, 13), dt.datetime(2026, 3, 9, 3, 0, tzinfo=UTC), dt.date(2026, 3, 16))
            cases.act(user(app, "duty1"), db.session.get(Application, app_id), "request_expedite",
                      {"reason": "周五上诉期届满", "ground": "other"})
            # an expedite request has the 60-minute SLA target whether urgent or not
            sla_due = dt.datetime(2026, 3, 9, 3, 0, tzinfo=UTC)
            assert stored(app_id) == (sla_due, sla_due, dt.date(2026, 3, 16))
            cases.act(user(app, "manager1"), db.session.get(Application, app_id), "approve_expedite",
                      {"backfill_kinds": ["hukou_home"],
                       "backfill_due_at": dt.datetime(2026, 3, 11, 2, 0, tzinfo=UTC)})
            # 先行提供: 三日 from today → Thu 03-12, and no later than the day before the limitation date (03-12)
            next_due, urgent_due, clock_due = stored(app_id)
            assert (next_due, urgent_due) == (sla_due, sla_due) and clock_due == dt.date(2026, 3, 12)


def test_a_bulk_update_is_followed(app, staff):
    """A bulk UPDATE of the procedure's rows (no flush of objects) recomputes the cases it touched."""
    from app.procedure.models import ApplicationProcedure
    with time_machine.travel(at(2026, 3, 9), tick=False):
        app_id = make_case(app, "under_review", by_phone=True)
        with app.app_context():
            db.session.execute(sa.update(ApplicationProcedure).where(ApplicationProcedure.application_id == app_id)
                               .values(review_clock_from=dt.date(2026, 3, 2)))
            db.session.commit()
            assert stored(app_id) == (eod(2026, 3, 9), None, dt.date(2026, 3, 9))


def test_the_queue_order_is_the_order_of_each_rows_clocks(app, staff):
    """Cases in every kind of clock: the page read in SQL is the page the rows' own clocks sort into."""
    from app.casework import queues
    with time_machine.travel(at(2026, 3, 2), tick=False):
        early = make_case(app, "under_review", by_phone=True)  # review due Mon 03-09
    with time_machine.travel(at(2026, 3, 5), tick=False):
        later = make_case(app, "under_review", by_phone=True)  # review due Thu 03-12
        deadline = make_case(app, "under_review", by_phone=True, legal_deadline=dt.date(2026, 3, 20))
        urgent = make_case(app, "submitted", by_phone=True, legal_deadline=dt.date(2026, 3, 7))
    with time_machine.travel(at(2026, 3, 6), tick=False), app.app_context():
        q = queues.queue_for(user(app, "manager1"), "review")
        ids = [it["id"] for it in q["items"]]
        # urgent first (its SLA's urgent target: Thu 03-05 11:00), then Mon 03-09, Thu 03-12, the
        # deadline case's review date Thu 03-12 too (after by id), nothing of the legal deadline 03-20 first
        assert ids == [urgent, early, later, deadline] and q["total"] == 4
        assert ids == [it["id"] for it in sorted(q["items"], key=queues._sort_key)]
        assert q["items"][0]["urgent"] and not q["items"][1]["urgent"]
        page2 = queues.queue_for(user(app, "manager1"), "review", limit=2, offset=2)
        assert [it["id"] for it in page2["items"]] == [later, deadline] and page2["total"] == 4


def test_the_scan_reads_only_the_cases_that_are_due(app, staff):
    from app.procedure import scan
    with time_machine.travel(at(2026, 3, 2), tick=False):
        overdue = make_case(app, "under_review", by_phone=True)  # review due Mon 03-09
    with time_machine.travel(at(2026, 3, 10), tick=False):
        fresh = [make_case(app, "under_review", by_phone=True) for _ in range(3)]  # due Tue 03-17
        with app.app_context():
            today = dt.date(2026, 3, 10)
            sql = str(scan.due_stmt(today).compile(compile_kwargs={"literal_binds": True}))
            # near = CLOCK_NEAR_DAYS (1): the 2nd working day after Tue 03-10 is Thu 03-12
            assert "applications.clock_due <= '2026-03-12'" in sql
            read, raised = [], []

            def loaded(obj, _ctx):
                read.append(obj.id)
            db.session.expunge_all()  # every case read by the scan is loaded from its row
            sa.event.listen(Application, "load", loaded)
            try:
                scan.scan(dt.datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
                          lambda kind, **kw: raised.append((kind, kw["application_id"])))
            finally:
                sa.event.remove(Application, "load", loaded)
            assert read == [overdue] and raised == [("review_overdue", overdue)]
            assert all(f not in read for f in fresh)


def test_the_cli_recomputes_every_open_cases_dates(app, staff):
    """After a configuration change the stored dates are recomputed by `flask procedure recompute-due`."""
    import sqlalchemy as sa

    from app.applications.models import Application
    from app.extensions import db
    from tests.support import make_case
    app_id = make_case(app, "under_review")
    with app.app_context():
        kept = db.session.scalar(sa.select(Application.clock_due).where(Application.id == app_id))
        db.session.execute(sa.text("UPDATE applications SET clock_due = NULL, next_due = NULL WHERE id = :i"),
                           {"i": app_id})
        db.session.commit()
    r = app.test_cli_runner().invoke(args=["procedure", "recompute-due"])
    assert r.exit_code == 0 and "已重新计算 1 件" in r.output, r.output
    with app.app_context():
        assert kept is not None
        assert db.session.scalar(sa.select(Application.clock_due).where(Application.id == app_id)) == kept
