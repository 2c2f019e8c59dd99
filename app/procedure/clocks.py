"""The Legal Aid Law's clocks in working days: review (Art. 43: 7 working days from the day after a
complete application), stopped while a one-time notice waits; assignment (3 working days after the
grant); the citizen's objection period (config). The dates of the spec are read here, for one
application or many at once."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.applications.models import Application
from app.common.timeutil import LOCAL_TZ, local_today
from app.extensions import db
from app.procedure import workdays
from app.procedure.models import ApplicationProcedure, Objection, SupplementNotice, state
from app.centres import service as centres

REVIEW_STATES = ("submitted", "under_review", "expedite_requested", "expedite_approved", "assigned", "in_progress")

NOTICE_STATES = ("submitted", "under_review", "expedite_requested")

OBJECTION_STATES = ("rejected", "terminated")


def calendar() -> workdays.Calendar:
    cal = current_app.extensions.get("workdays")
    if cal is None:
        cal = current_app.extensions["workdays"] = workdays.from_config(current_app.config)
    return cal


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


def deadlines_from(status: str, ps, *, notice_due: dt.date | None, notice_open: bool, objection_made: bool) -> dict:
    """The four dates of the spec from an application's status and its procedure state (an
    ApplicationProcedure, or any object with its clock fields; None: nothing recorded yet)."""
    cal, cfg = calendar(), current_app.config
    review_from = getattr(ps, "review_clock_from", None)
    assign_from = getattr(ps, "assign_clock_from", None)
    objection_until = getattr(ps, "objection_due", None)
    review_due = supplement_due = assign_due = objection_due = None
    if status in REVIEW_STATES and getattr(ps, "decision", None) is None and review_from and not notice_open:
        review_due = cal.add_workdays(review_from, cfg["REVIEW_WORKDAYS"])
    if notice_open:
        supplement_due = notice_due
    if status in ("approved", "expedite_approved") and assign_from:
        assign_due = cal.add_workdays(assign_from, cfg["ASSIGN_WORKDAYS"])
    if status in OBJECTION_STATES and objection_until and not objection_made:
        objection_due = objection_until
    return {"review_due": review_due, "supplement_due": supplement_due, "assign_due": assign_due,
            "objection_due": objection_due}


def deadlines(app_: Application) -> dict:
    return deadlines_many([app_])[app_.id]


def deadlines_many(apps) -> dict[int, dict]:
    """The statutory dates of many applications (queues, the clock scan; `deadlines` for one): at most three
    statements in all, for the procedure states, the open notices and the objections."""
    apps = list(apps)
    states: dict[int, ApplicationProcedure] = {}
    if apps:
        states = {ps.application_id: ps for ps in db.session.scalars(sa.select(ApplicationProcedure).where(
            ApplicationProcedure.application_id.in_([a.id for a in apps])))}
    notice_ids = [a.id for a in apps if a.status in NOTICE_STATES]
    objection_ids = [a.id for a in apps if a.status in OBJECTION_STATES]
    notices: dict[int, dt.date] = {}
    if notice_ids:
        for app_id, due in db.session.execute(
                sa.select(SupplementNotice.application_id, SupplementNotice.due_date)
                .where(SupplementNotice.application_id.in_(notice_ids), SupplementNotice.status == "open")
                .order_by(SupplementNotice.id)):
            notices[app_id] = due  # the newest open notice wins, as in `open_notice`
    received: dict[int, list[dt.datetime]] = {}
    if objection_ids:
        for app_id, at in db.session.execute(sa.select(Objection.application_id, Objection.received_at)
                                             .where(Objection.application_id.in_(objection_ids))):
            received.setdefault(app_id, []).append(at)
    out = {}
    for a in apps:
        ps = states.get(a.id)
        decided_at = getattr(ps, "decided_at", None)
        made = a.status in OBJECTION_STATES and any(
            decided_at is None or at >= decided_at for at in received.get(a.id, ()))
        out[a.id] = deadlines_from(a.status, ps, notice_due=notices.get(a.id), notice_open=a.id in notices,
                                   objection_made=made)
    return out


def deadlines_json(values: dict) -> dict:
    return {k: (v.isoformat() if v else None) for k, v in values.items()}


def nearest_due(values: dict) -> dt.date | None:
    dates = [v for v in values.values() if v]
    return min(dates) if dates else None


# Each statutory date named by its step, wherever it is shown (queues, the desk): never two dates both
# called "法定期限" (that name belongs to the applicant's own legal deadline, e.g. the last day to appeal).
DUE_LABELS = {"review_due": "审查期限", "supplement_due": "补正期限", "assign_due": "指派期限",
              "objection_due": "异议期限", "decide_by": "异议审查期限"}


def nearest_due_named(values: dict) -> tuple[str | None, dt.date | None]:
    """The nearest statutory date and the name of its step ("审查期限" …)."""
    found = [(v, k) for k, v in values.items() if v]
    if not found:
        return None, None
    due, key = min(found)
    return DUE_LABELS.get(key), due


def due_state(due: dt.date | None, today: dt.date | None = None) -> str | None:
    """none | ok | near (due within CLOCK_NEAR_WORKDAYS working days, or today) | overdue."""
    if due is None:
        return None
    today = today or local_today()
    if due < today:
        return "overdue"
    near = current_app.config["CLOCK_NEAR_WORKDAYS"]
    if due == today or calendar().workdays_between(today, due) <= near:
        return "near"
    return "ok"


# --- starting and stopping the clocks (the flows call these, app/procedure/flows.py) ----------------------


def start_review(app_: Application) -> None:
    """The review clock counts from the day after today (submission, or the bureau's order to correct)."""
    ps = state(app_)
    ps.review_clock_from = local_today()


def start_assignment(app_: Application) -> None:
    ps = state(app_)
    ps.assign_clock_from = local_today()


def stop_assignment(app_: Application) -> None:
    ps = state(app_)
    ps.assign_clock_from = None


def open_objection_period(app_: Application) -> None:
    """The citizen may object within OBJECTION_PERIOD_DAYS days of a refusal or termination (Art. 49)."""
    ps = state(app_)
    ps.objection_due = local_today() + dt.timedelta(days=int(centres.settings(app_.centre_id)["OBJECTION_PERIOD_DAYS"]))
