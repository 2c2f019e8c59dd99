"""The procedure's part of an application's detail (the deadlines and the letters), for the citizen's
read path (app.applications.read) and the staff's ApplicationOut."""
from __future__ import annotations

import sqlalchemy as sa

from app.procedure import letters
from app.procedure.clocks import NOTICE_STATES, deadlines_from, deadlines_json
from app.procedure.models import ApplicationProcedure, Letter, Objection, SupplementNotice

_P = ApplicationProcedure.__table__


def join(from_, t):
    """The citizen's detail statement joins the application's procedure state (one-to-one)."""
    return from_.outerjoin(_P, _P.c.application_id == t.c.id)


def columns(t):
    """The extra columns of the citizen's detail statement, given the applications table."""
    notice_due = (sa.select(SupplementNotice.due_date).where(SupplementNotice.application_id == t.c.id,
                                                             SupplementNotice.status == "open")
                  .order_by(SupplementNotice.id.desc()).limit(1).scalar_subquery())
    notice_open = sa.exists().where(SupplementNotice.application_id == t.c.id, SupplementNotice.status == "open")
    objection_made = sa.exists().where(Objection.application_id == t.c.id, Objection.received_at >= _P.c.decided_at)
    has_letters = sa.exists().where(Letter.application_id == t.c.id)
    return [_P.c.review_clock_from.label("pr_review_clock_from"), _P.c.decision.label("pr_decision"),
            _P.c.review_days.label("pr_review_days"), t.c.legal_deadline.label("pr_legal_deadline"),
            notice_open.label("pr_notice_open"),
            _P.c.assign_clock_from.label("pr_assign_clock_from"), _P.c.objection_due.label("pr_objection_due"),
            notice_due.label("pr_notice_due"), objection_made.label("pr_objection_made"),
            has_letters.label("pr_has_letters")]


class _State:
    __slots__ = ("decision", "review_clock_from", "assign_clock_from", "objection_due", "review_days")

    def __init__(self, row):
        self.decision, self.review_days = row.pr_decision, row.pr_review_days
        self.review_clock_from, self.assign_clock_from = row.pr_review_clock_from, row.pr_assign_clock_from
        self.objection_due = row.pr_objection_due


def fill(row, out: dict) -> None:
    """The detail's deadlines and letters from those columns."""
    notice_open = bool(row.pr_notice_open) and row.status in NOTICE_STATES
    values = deadlines_from(row.status, _State(row), notice_due=row.pr_notice_due if notice_open else None,
                            notice_open=notice_open, objection_made=bool(row.pr_objection_made),
                            legal_deadline=row.pr_legal_deadline)
    out["deadlines"] = deadlines_json(values)
    out["letters"] = letters.letters_out(row.id) if row.pr_has_letters else []


def letters_of(app_) -> list[dict]:
    """The staff's ApplicationOut.letters."""
    return [letters.letter_out(l, iso=False) for l in letters.list_for(app_.id)]
