"""The Legal Aid Law's clocks, in 日 counted as the Civil Code says (Art. 201: from the day after; Art. 203:
a last day on a statutory holiday or rest day moves to the next working day) or in working days where a
province counts so — each clock's rule is configuration (`workdays.rule_for`), one rule used everywhere:
review (Art. 43: 七日 from the day after submission; paused while the one-time notice waits and resumed
with the days left), assignment (三日 from the grant; after 先行提供 no later than the day before the
limitation date), the bureau's decision (Art. 49: 五日), the province's objection period (from the day
after the decision was delivered, when set). The dates of the spec are read here, for one application or
many at once."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.applications.models import Application
from app.common.timeutil import LOCAL_TZ, local_today
from app.extensions import db
from app.procedure import workdays
from app.procedure.models import ApplicationProcedure, Letter, Objection, SupplementNotice, state
from app.centres import service as centres

REVIEW_STATES = ("submitted", "under_review", "expedite_requested", "expedite_approved", "assigned", "in_progress")

NOTICE_STATES = ("submitted", "under_review", "expedite_requested")

OBJECTION_STATES = ("rejected", "terminated")


def calendar() -> workdays.Calendar:
    cal = current_app.extensions.get("workdays")
    if cal is None:
        cal = current_app.extensions["workdays"] = workdays.from_config(current_app.config)
    return cal


def rule(clock: str) -> str:
    """The configured rule of a clock: `calendar` | `workdays`."""
    return workdays.rule_for(current_app.config, clock)


def due(clock: str, event: dt.date, n: int) -> dt.date:
    """The last day of a period of n 日 after `event`, by the clock's rule."""
    return calendar().periods.due(rule(clock), event, n)


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(LOCAL_TZ).date() if moment else None


def settings_warnings() -> list[str]:
    """For the admin: settings the letters need and that are not set."""
    cfg = current_app.config
    if not (cfg.get("BUREAU_ADDRESS") or "").strip():
        return [f"未配置{cfg['BUREAU_NAME']}的地址（BUREAU_ADDRESS）：决定书只写明向{cfg['BUREAU_NAME']}提出异议，不写地址"]
    return []


def calendar_warnings(today: dt.date | None = None) -> list[str]:
    """For the admin: years within the next 60 days (a clock's reach) or already used by a clock that the holiday
    package does not know (Mon–Fri fallback)."""
    today = today or local_today()
    years = {today.year, (today + dt.timedelta(days=60)).year} | calendar().fallback_used
    return [f"工作日历缺少 {y} 年的国务院节假日安排（chinese-calendar 未收录），该年暂按周一至周五计算工作日；"
            f"请升级 chinese-calendar 或通过 EXTRA_HOLIDAYS / EXTRA_WORKDAYS 配置" for y in workdays.unknown_years(years)]


def review_clock(status: str, ps, *, paused: bool, today: dt.date | None = None) -> tuple[dt.date | None, int | None]:
    """(review_due, review_days_left). Paused by the one-time notice: no due date, and the days still left.
    Running: the due date of the days left from review_clock_from, and the days until it."""
    if status not in REVIEW_STATES or getattr(ps, "decision", None) is not None:
        return None, None
    review_from = getattr(ps, "review_clock_from", None)
    days = getattr(ps, "review_days", None)
    n = days if days is not None else current_app.config["REVIEW_DAYS"]
    if paused:
        return None, n
    if not review_from:
        return None, None
    periods, r = calendar().periods, rule("review")
    review_due = periods.resumed_due(r, review_from, n)
    return review_due, periods.days_left(r, today or local_today(), review_due)


def assign_due_of(status: str, ps, legal_deadline: dt.date | None = None) -> dt.date | None:
    """Art. 43: 三日 from the grant; after 先行提供 (Art. 44), no later than the day before the limitation date
    that justified it."""
    assign_from = getattr(ps, "assign_clock_from", None)
    if status not in ("approved", "expedite_approved") or not assign_from:
        return None
    out = due("assign", assign_from, current_app.config["ASSIGN_DAYS"])
    if status == "expedite_approved" and legal_deadline:
        out = min(out, legal_deadline - dt.timedelta(days=1))
    return out


def deadlines_from(status: str, ps, *, notice_due: dt.date | None, notice_open: bool, objection_made: bool,
                   legal_deadline: dt.date | None = None) -> dict:
    """The dates of the spec from an application's status and its procedure state (an ApplicationProcedure,
    or any object with its clock fields; None: nothing recorded yet), with the rule they are counted by."""
    review_due, days_left = review_clock(status, ps, paused=notice_open)
    objection_until = getattr(ps, "objection_due", None)
    objection_open = status in OBJECTION_STATES and not objection_made
    objection_due = objection_until if objection_open else None
    return {"review_due": review_due, "review_days_left": days_left,
            "supplement_due": notice_due if notice_open else None,
            "assign_due": assign_due_of(status, ps, legal_deadline), "objection_due": objection_due,
            "objection_open": objection_open, "rule": rule("review")}


def deadlines(app_: Application) -> dict:
    return deadlines_many([app_])[app_.id]


def deadlines_many(apps, session=None, *, scoped: bool = True) -> dict[int, dict]:
    """The statutory dates of many applications (queues, the clock scan; `deadlines` for one): at most three
    statements in all, for the procedure states, the open notices and the objections (read with `session`,
    default the app's: the stored due dates are computed inside a flush or a migration)."""
    apps = list(apps)
    session = session if session is not None else db.session
    opts = {} if scoped else {"centre_scope": False}  # the stored due dates are the case's, whoever flushed
    states: dict[int, ApplicationProcedure] = {}
    if apps:
        states = {ps.application_id: ps for ps in session.scalars(sa.select(ApplicationProcedure).where(
            ApplicationProcedure.application_id.in_([a.id for a in apps])).execution_options(**opts))}
    notice_ids = [a.id for a in apps if a.status in NOTICE_STATES]
    objection_ids = [a.id for a in apps if a.status in OBJECTION_STATES]
    notices: dict[int, dt.date | None] = {}
    if notice_ids:
        for app_id, due in session.execute(
                sa.select(SupplementNotice.application_id, SupplementNotice.due_date)
                .where(SupplementNotice.application_id.in_(notice_ids), SupplementNotice.status == "open")
                .order_by(SupplementNotice.id).execution_options(**opts)):
            notices[app_id] = due  # the newest open notice wins, as in `open_notice`
    received: dict[int, list[dt.datetime]] = {}
    if objection_ids:
        for app_id, at in session.execute(sa.select(Objection.application_id, Objection.received_at)
                                             .where(Objection.application_id.in_(objection_ids))
                                             .execution_options(**opts)):
            received.setdefault(app_id, []).append(at)
    out = {}
    for a in apps:
        ps = states.get(a.id)
        decided_at = getattr(ps, "decided_at", None)
        made = a.status in OBJECTION_STATES and any(
            decided_at is None or at >= decided_at for at in received.get(a.id, ()))
        out[a.id] = deadlines_from(a.status, ps, notice_due=notices.get(a.id), notice_open=a.id in notices,
                                   objection_made=made, legal_deadline=a.legal_deadline)
    return out


def deadlines_json(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


def nearest_due(values: dict) -> dt.date | None:
    dates = [v for v in values.values() if isinstance(v, dt.date)]
    return min(dates) if dates else None


# Each statutory date named by its step, wherever it is shown (queues, the desk): never two dates both
# called "法定期限" (that name belongs to the applicant's own legal deadline, e.g. the last day to appeal).
DUE_LABELS = {"review_due": "审查期限", "supplement_due": "补正期限", "assign_due": "指派期限",
              "objection_due": "异议期限", "decide_by": "异议审查期限"}


def nearest_due_named(values: dict) -> tuple[str | None, dt.date | None]:
    """The nearest statutory date and the name of its step ("审查期限" …)."""
    found = [(v, k) for k, v in values.items() if isinstance(v, dt.date)]
    if not found:
        return None, None
    due_on, key = min(found)
    return DUE_LABELS.get(key), due_on


def due_state(due_on: dt.date | None, today: dt.date | None = None, clock: str = "review") -> str | None:
    """none | ok | near (due within CLOCK_NEAR_DAYS days by the clock's rule, or today) | overdue."""
    if due_on is None:
        return None
    today = today or local_today()
    if due_on < today:
        return "overdue"
    near = current_app.config["CLOCK_NEAR_DAYS"]
    if due_on == today or calendar().periods.days_left(rule(clock), today, due_on) <= near:
        return "near"
    return "ok"


# --- starting and stopping the clocks (the flows call these, app/procedure/flows.py) ----------------------


def start_review(app_: Application) -> None:
    """The review clock counts 七日 from the day after today (submission)."""
    ps = state(app_)
    ps.review_clock_from, ps.review_days = local_today(), current_app.config["REVIEW_DAYS"]


def pause_review(app_: Application) -> int:
    """The one-time notice: the days of the review period used before today are kept, the rest wait for the
    materials (returns the days left)."""
    ps = state(app_)
    n = ps.review_days if ps.review_days is not None else current_app.config["REVIEW_DAYS"]
    if ps.review_clock_from:
        used = calendar().periods.used_before(rule("review"), ps.review_clock_from, local_today())
        ps.review_days = max(n - used, 0)
    return ps.review_days if ps.review_days is not None else n


def resume_review(app_: Application, on: dt.date) -> None:
    """The materials arrived on `on`: the days left run again from the day after (never from the start)."""
    ps = state(app_)
    ps.review_clock_from = on


def start_assignment(app_: Application) -> None:
    ps = state(app_)
    ps.assign_clock_from = local_today()


def stop_assignment(app_: Application) -> None:
    ps = state(app_)
    ps.assign_clock_from = None


def open_objection_period(app_: Application) -> None:
    """A refusal or termination: the province's objection period (if it sets one) runs from the day after the
    letter is delivered (`_on_delivered`), not from today; until then there is no deadline."""
    ps = state(app_)
    ps.objection_due = None


def on_delivered(letter: Letter, delivered_on: dt.date) -> None:
    """A letter was delivered (送达): the periods that run from it start — the supplement notice's due date, and
    the objection period when the application's centre (or the province) sets one."""
    app_ = db.session.get(Application, letter.application_id)
    cfg = centres.config_of(app_.centre_id)
    if letter.kind == "supplement_notice":
        notice = db.session.scalar(sa.select(SupplementNotice).where(SupplementNotice.application_id == app_.id)
                                   .order_by(SupplementNotice.id.desc()).limit(1))
        if notice is not None and notice.due_date is None:
            notice.due_date = due("supplement", delivered_on, notice.days or cfg["SUPPLEMENT_DAYS"])
    elif letter.kind in ("refusal", "termination") and cfg["OBJECTION_PERIOD_DAYS"] and app_.status in OBJECTION_STATES:
        state(app_).objection_due = due("objection_period", delivered_on, int(cfg["OBJECTION_PERIOD_DAYS"]))

