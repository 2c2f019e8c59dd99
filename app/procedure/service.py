"""The Legal Aid Law's procedure on top of the application state machine.

- clocks in working days: review (Art. 43: 7 working days from the day after a complete
  application), stopped while a one-time notice waits; assignment (3 working days after the grant);
  the bureau's objection review (Art. 49: 5 working days); the citizen's objection period (config).
- the one-time notice of missing materials (一次性告知) with its due date; uploads tick items off;
  past the due date the periodic scan deems the application withdrawn (视为撤回).
- decisions with reasons by article, 先行提供 (Art. 44) with its ground, termination (Art. 48),
  objections decided once by the justice bureau's reviewer, and a letter for each.

The state changes go through `applications.transition`; its `before_commit` signal lands here
(`_on_transition`), so the clock fields and the letter are written in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import current_app

from app import errors
from app.alerts import service as alerts
from app.alerts.models import Alert
from app.applications import read
from app.applications import service as applications
from app.applications.models import DETAIL_HOOKS, Application, ApplicationEvent
from app.audit import record as audit
from app.auth.models import Citizen, StaffUser
from app.common.timeutil import LOCAL_TZ, local_today, utcnow
from app.documents import service as documents
from app.documents.models import KINDS, Document
from app.extensions import db
from app.notifications import service as notifications
from app.procedure import eligibility, law, letters, workdays
from app.procedure.models import LETTER_KINDS, Letter, Objection, SupplementNotice

log = logging.getLogger(__name__)

# states in which the centre still owes the review decision (a 先行提供 case is reviewed afterwards)
REVIEW_STATES = ("submitted", "under_review", "expedite_requested", "expedite_approved", "assigned", "in_progress")
NOTICE_STATES = ("submitted", "under_review", "expedite_requested")
OBJECTION_STATES = ("rejected", "terminated")
OVERRIDE_RESULTS = tuple(eligibility.RESULT_LABELS)


# --- calendar ---------------------------------------------------------------------------------

def calendar() -> workdays.Calendar:
    cal = current_app.extensions.get("workdays")
    if cal is None:
        cal = current_app.extensions["workdays"] = workdays.from_config(current_app.config)
    return cal


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(LOCAL_TZ).date() if moment else None


def calendar_warnings(today: dt.date | None = None) -> list[str]:
    """For the admin: years within the next 60 days (a clock's reach) or already used by a clock that the holiday
    package does not know (Mon–Fri fallback)."""
    today = today or local_today()
    years = {today.year, (today + dt.timedelta(days=60)).year} | calendar().fallback_used
    return [f"工作日历缺少 {y} 年的国务院节假日安排（chinese-calendar 未收录），该年暂按周一至周五计算工作日；"
            f"请升级 chinese-calendar 或通过 EXTRA_HOLIDAYS / EXTRA_WORKDAYS 配置" for y in workdays.unknown_years(years)]


# --- reading: notices, objections, deadlines ------------------------------------------------------

def open_notice(application_id: int) -> SupplementNotice | None:
    return db.session.scalar(sa.select(SupplementNotice).where(
        SupplementNotice.application_id == application_id, SupplementNotice.status == "open")
        .order_by(SupplementNotice.id.desc()).limit(1))


def notices_for(application_id: int) -> list[SupplementNotice]:
    return db.session.scalars(sa.select(SupplementNotice).where(SupplementNotice.application_id == application_id)
                              .order_by(SupplementNotice.id)).all()


def objections_for(application_id: int) -> list[Objection]:
    return db.session.scalars(sa.select(Objection).where(Objection.application_id == application_id)
                              .order_by(Objection.id)).all()


def _objection_pending_or_made(application_id: int, since: dt.datetime | None) -> bool:
    stmt = sa.select(Objection.id).where(Objection.application_id == application_id)
    if since is not None:
        stmt = stmt.where(Objection.received_at >= since)
    return db.session.scalar(stmt.limit(1)) is not None


def deadlines_from(row, *, notice_due: dt.date | None, notice_open: bool, objection_made: bool) -> dict:
    """The four dates of the spec from an application's columns (ORM object or Core row)."""
    cal, cfg = calendar(), current_app.config
    review_due = supplement_due = assign_due = objection_due = None
    if row.status in REVIEW_STATES and row.decision is None and row.review_clock_from and not notice_open:
        review_due = cal.add_workdays(row.review_clock_from, cfg["REVIEW_WORKDAYS"])
    if notice_open:
        supplement_due = notice_due
    if row.status in ("approved", "expedite_approved") and row.assign_clock_from:
        assign_due = cal.add_workdays(row.assign_clock_from, cfg["ASSIGN_WORKDAYS"])
    if row.status in OBJECTION_STATES and row.objection_due and not objection_made:
        objection_due = row.objection_due
    return {"review_due": review_due, "supplement_due": supplement_due, "assign_due": assign_due,
            "objection_due": objection_due}


def deadlines(app_: Application) -> dict:
    return deadlines_many([app_])[app_.id]


def deadlines_many(apps) -> dict[int, dict]:
    """The statutory dates of many applications (queues, the clock scan; `deadlines` for one): at most two
    statements in all, for the open notices and the objections."""
    apps = list(apps)
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
        made = a.status in OBJECTION_STATES and any(
            a.decided_at is None or at >= a.decided_at for at in received.get(a.id, ()))
        out[a.id] = deadlines_from(a, notice_due=notices.get(a.id), notice_open=a.id in notices, objection_made=made)
    return out


def deadlines_json(values: dict) -> dict:
    return {k: (v.isoformat() if v else None) for k, v in values.items()}


def nearest_due(values: dict) -> dt.date | None:
    dates = [v for v in values.values() if v]
    return min(dates) if dates else None


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


def letter_out(letter: Letter, *, iso: bool = True) -> dict:
    return {"id": letter.id, "kind": letter.kind, "kind_label": LETTER_KINDS[letter.kind], "number": letter.number,
            "issued_at": letter.issued_at.isoformat() if iso else letter.issued_at, "sha256": letter.sha256,
            "url": letters.signed_url(letter)}


def letters_out(application_id: int) -> list[dict]:
    """The application's letters with signed URLs (the same list for the citizen and the staff)."""
    return [letter_out(l) for l in letters.list_for(application_id)]


def staff_application(staff: StaffUser, application_id: int) -> Application:
    """Per-object access as the case desk has it: an aid lawyer sees only assigned cases; a citizen's
    unsent draft is theirs alone; other roles (the bureau's reviewer too) see no case here (404)."""
    app_ = db.session.get(Application, application_id)
    if app_ is None or staff.role not in ("duty_lawyer", "aid_lawyer", "supervisor", "manager") \
            or not documents.can_staff_see(staff, app_) or (app_.status == "draft" and app_.citizen_id is not None):
        raise errors.NotFound("未找到该申请")
    return app_


# --- eligibility on the application --------------------------------------------------------------

def screen_answer(app_: Application) -> dict:
    """The screen's answer kept with the application, or one derived from its category and hardship
    category; with the staff's override if any."""
    if app_.eligibility and app_.eligibility.get("answer"):
        out = {**app_.eligibility["answer"], "source": "citizen", "input": app_.eligibility.get("input"),
               "screened_at": app_.eligibility.get("screened_at")}
    else:
        out = {**eligibility.screen_from_application(app_, current_app.config), "source": "derived", "input": None,
               "screened_at": None}
    out["override"] = app_.eligibility_override
    out["effective_result"] = (app_.eligibility_override or {}).get("result") or out["result"]
    c = app_.integrity_commitment
    out["integrity_commitment"] = {"version": c.get("version"), "accepted_at": c.get("accepted_at")} if c else None
    return out


def store_screen(citizen: Citizen, app_: Application, data: dict) -> Application:
    """The citizen's screen answer and personal integrity commitment (Art. 41), kept with the draft."""
    if app_.status != "draft":
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，只有草稿可以修改资格自测")
    screen_input = {k: data.get(k) for k in ("matter", "situations", "groups", "household_size", "monthly_income")}
    try:
        answer = eligibility.screen(screen_input, current_app.config)
    except eligibility.UnknownKeys as exc:
        raise errors.ValidationFailed("资格自测内容有误", code="unknown_key", details={"fields": exc.fields}) from None
    if screen_input.get("monthly_income") is not None:
        screen_input["monthly_income"] = str(screen_input["monthly_income"])
    now = utcnow()
    app_.eligibility = {"input": screen_input, "answer": answer, "screened_at": now.isoformat()}
    commitment = data.get("integrity_commitment")
    if commitment is not None:
        version = commitment.get("version")
        if version not in eligibility.INTEGRITY_COMMITMENTS or not commitment.get("accepted"):
            raise errors.ValidationFailed("请阅读并同意现行版本的个人诚信承诺", details={"fields": {
                "integrity_commitment": [f"现行版本为 {eligibility.CURRENT_COMMITMENT}，且须同意"]}})
        app_.integrity_commitment = {"version": version, "text": eligibility.INTEGRITY_COMMITMENTS[version],
                                     "accepted_at": now.isoformat()}
    elif answer["means_test"] == "required" and not app_.integrity_commitment:
        raise errors.ValidationFailed("因经济困难申请的，需作出个人诚信承诺（法律援助法第四十一条）", details={"fields": {
            "integrity_commitment": ["请阅读并同意个人诚信承诺"]}})
    audit("application.eligibility_screen", actor=citizen, object_type="application", object_id=app_.id,
          details={"result": answer["result"], "means_test": answer["means_test"]})
    db.session.commit()
    return app_


def override_screen(staff: StaffUser, app_: Application, result: str, reason: str) -> Application:
    if staff.role not in ("duty_lawyer", "manager"):
        raise errors.Forbidden("当前角色无权调整资格审查结果")
    if result not in OVERRIDE_RESULTS:
        raise errors.ValidationFailed("结果无效", details={"fields": {"result": [f"应为：{'、'.join(OVERRIDE_RESULTS)}"]}})
    reason = _text(reason, "reason", "请填写调整理由")
    before = screen_answer(app_)["effective_result"]
    app_.eligibility_override = {"result": result, "reason": reason, "by": staff.id, "by_name": staff.display_name,
                                 "at": utcnow().isoformat()}
    applications.record_event(app_, staff, "eligibility_override",
                              f"资格审查结果调整为「{eligibility.RESULT_LABELS[result]}」：{reason}")
    audit("application.eligibility_override", actor=staff, object_type="application", object_id=app_.id,
          details={"from": before, "to": result, "reason": reason})
    db.session.commit()
    return app_


# --- decision inputs (casework.act asks before the transition) ---------------------------------------

def _text(value, field: str, message: str, required: bool = True, limit: int = 500) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else value
    value = value or None
    if required and not value:
        raise errors.ValidationFailed(message, details={"fields": {field: [message]}})
    if value and len(value) > limit:
        raise errors.ValidationFailed(f"内容过长（最多 {limit} 字）", details={"fields": {field: [f"最多 {limit} 字"]}})
    return value


def _grounds(keys, table: dict, field: str) -> list[dict]:
    keys = [k for k in (keys or []) if k]
    bad = [k for k in keys if k not in table]
    if bad:
        raise errors.ValidationFailed("理由依据无效", code="unknown_key",
                                      details={"fields": {field: [f"未知：{'、'.join(bad)}；应为：{'、'.join(table)}"]}})
    return [{"key": k, "article": table[k][0], "text": table[k][1]} for k in dict.fromkeys(keys)]


def expedite_grounds_applicable(app_: Application, today: dt.date | None = None) -> list[str]:
    """The 先行提供 grounds the console may suggest: the deadline ground only when fewer than 7 days remain."""
    today = today or local_today()
    out = []
    if app_.legal_deadline and 0 <= (app_.legal_deadline - today).days < current_app.config["EXPEDITE_DEADLINE_DAYS"]:
        out.append("deadline_within_7_days")
    return out


DECISIONS = ("reject", "request_expedite", "terminate")  # the decisions whose input this package governs


def prepare(app_: Application, action: str, data: dict, actor=None) -> tuple[str | None, dict]:
    """(note, changes) for the decisions this package governs; raises 422 on bad input (after the
    role and state checks when the actor is given, so a wrong role is 403 and a wrong state 409)."""
    if actor is not None:
        applications.check_transition(actor, app_, action)
    if action == "reject":
        reason = _text(data.get("reason"), "reason", "请填写不予法律援助的理由（群众可见）")
        grounds = _grounds(data.get("grounds"), law.REFUSAL_GROUNDS, "grounds")
        if not grounds:
            raise errors.ValidationFailed("请选择不予法律援助的理由依据", details={"fields": {"grounds": ["至少选择一项"]}})
        return reason, {"decision_reason": reason, "decision_grounds": grounds}
    if action == "request_expedite":
        reason = _text(data.get("reason"), "reason", "请说明申请先行提供法律援助的理由")
        ground = data.get("ground") or None
        if ground is None and expedite_grounds_applicable(app_):
            ground = "deadline_within_7_days"
        if ground not in law.EXPEDITE_GROUNDS:
            raise errors.ValidationFailed("请选择先行提供法律援助的情形（法律援助法第四十四条）", code="unknown_key" if ground else
                                          "validation_error", details={"fields": {"ground": [f"应为：{'、'.join(law.EXPEDITE_GROUNDS)}"]}})
        if ground == "deadline_within_7_days" and "deadline_within_7_days" not in expedite_grounds_applicable(app_):
            msg = (f"法定期限（{app_.legal_deadline}）距今不少于 {current_app.config['EXPEDITE_DEADLINE_DAYS']} 日，"
                   "不符合第四十四条第（一）项" if app_.legal_deadline else "未填写法定期限，不能以期限将至为由先行提供")
            raise errors.ValidationFailed(msg, details={"fields": {"ground": [msg]}})
        return reason, {"expedite_reason": reason, "expedite_ground": ground}
    if action == "terminate":
        ground = data.get("ground")
        table = {**law.TERMINATION_GROUNDS, **law.EXPEDITE_TERMINATION}
        if ground not in table:
            raise errors.ValidationFailed("请选择终止法律援助的情形（法律援助法第四十八条）", code="unknown_key" if ground else
                                          "validation_error", details={"fields": {"ground": [f"应为：{'、'.join(table)}"]}})
        note = _text(data.get("note") or data.get("reason"), "note", "请填写终止说明（群众可见）")
        return note, {"termination_ground": ground, "decision_reason": note}
    return None, {}


DESK_ACTIONS = {"start_review": ("duty_lawyer", "manager"), "approve": ("manager",), "reject": ("manager",),
                "request_expedite": ("duty_lawyer",), "terminate": ("manager",)}


def decide(staff: StaffUser, app_: Application, action: str, data: dict) -> Application:
    """The review desk's decisions (the same transitions the case API runs through casework)."""
    if action not in DESK_ACTIONS:
        raise errors.NotFound("未知操作")
    note, changes = prepare(app_, action, data, staff)
    if action == "approve":
        note = _text(data.get("note"), "note", "", required=False)
        changes = {"decision_reason": note}
    return applications.transition(staff, app_, action, note=note, **changes)


# --- the transition hook: clocks and letters in the transition's transaction ---------------------------

@applications.before_commit.connect
def _on_transition(app_: Application, action: str, actor, from_status: str, notifications: list) -> None:
    today = local_today()
    cfg = current_app.config
    letter = None
    if action == "submit":
        app_.review_clock_from = today
    elif action == "approve":
        app_.decision, app_.decided_at = "granted", utcnow()
        app_.assign_clock_from = today
        app_.decision_grounds = [{"key": "screen", **b} for b in screen_answer(app_)["basis"]]
        letter = letters.issue(app_, "grant", _grant_content(app_), actor=actor)
    elif action == "reject":
        app_.decision, app_.decided_at = "refused", utcnow()
        app_.objection_due = today + dt.timedelta(days=cfg["OBJECTION_PERIOD_DAYS"])
        _close_notice(app_, "cancelled")
        letter = letters.issue(app_, "refusal", _refusal_content(app_), actor=actor)
    elif action == "approve_expedite":
        app_.assign_clock_from = today
        letter = letters.issue(app_, "expedite", _expedite_content(app_), actor=actor)
    elif action == "assign":
        app_.assign_clock_from = None  # the 指派通知书 is app/handling's (its wording in a template)
    elif action == "terminate":
        app_.decided_at = utcnow()
        app_.objection_due = today + dt.timedelta(days=cfg["OBJECTION_PERIOD_DAYS"])
        letter = letters.issue(app_, "termination", _termination_content(app_), actor=actor)
    elif action in ("withdraw", "deemed_withdrawn"):
        _close_notice(app_, "lapsed" if action == "deemed_withdrawn" else "cancelled")
    elif action == "reopen_review":
        app_.review_clock_from = today
        app_.decision = app_.decided_at = app_.decision_grounds = app_.objection_due = None
        app_.termination_ground = None
    if letter is not None and letter.kind != "assignment":
        notifications.append(_announce(app_, letter))


def _announce(app_: Application, letter: Letter):
    return notifications.letter_issued(app_, LETTER_KINDS[letter.kind], letter.number)


def _close_notice(app_: Application, status: str) -> None:
    notice = open_notice(app_.id)
    if notice is not None:
        notice.status = status
        notice.closed_at = utcnow()


# --- letter contents ---------------------------------------------------------------------------------

def _who(app_: Application) -> str:
    return app_.applicant_name or "申请人"


def _date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _objection_route(app_: Application, against: str) -> list[str]:
    cfg = current_app.config
    due = app_.objection_due
    return [f"如对本决定有异议，可以自收到本决定书之日起 {cfg['OBJECTION_PERIOD_DAYS']} 日内（即 {_date_cn(due)} 前）"
            f"向{cfg['BUREAU_NAME']}提出（地址：{cfg['BUREAU_ADDRESS']}），也可以通过“12348 法律援助”小程序提出。"
            f"{cfg['BUREAU_NAME']}将自收到异议之日起 {cfg['OBJECTION_DECIDE_WORKDAYS']} 个工作日内作出维持或者责令改正的决定"
            f"（《中华人民共和国法律援助法》第四十九条）。"]


def _grant_content(app_: Application) -> dict:
    basis = "；".join(f"{g['article']}（{g['text']}）" for g in app_.decision_grounds or [])
    cfg = current_app.config
    due = calendar().add_workdays(app_.assign_clock_from, cfg["ASSIGN_WORKDAYS"])
    return {"recipient": _who(app_), "grounds": app_.decision_grounds, "paragraphs": [
        f"你于 {_date_cn(local_date(app_.submitted_at) or local_today())} 提出的法律援助申请（案件类别：{app_.category or '—'}），"
        f"经审查，符合法律援助条件，依据《中华人民共和国法律援助法》{basis or '第三十一条'}的规定，决定给予法律援助。",
        f"本中心将于 {_date_cn(due)} 前指派法律援助人员为你提供法律援助，并另行通知。"
        + (f"审查意见：{app_.decision_reason}" if app_.decision_reason else "")],
        "assign_due": due.isoformat()}


def _refusal_content(app_: Application) -> dict:
    reasons = [f"{g['text']}（《中华人民共和国法律援助法》{g['article']}）" if g["article"] else g["text"]
               for g in app_.decision_grounds or []]
    return {"recipient": _who(app_), "grounds": app_.decision_grounds, "reason": app_.decision_reason,
            "objection_due": app_.objection_due.isoformat(), "bureau": current_app.config["BUREAU_NAME"],
            "paragraphs": [
                f"你于 {_date_cn(local_date(app_.submitted_at) or local_today())} 提出的法律援助申请，经审查，决定不予法律援助。",
                "理由：" + "；".join(reasons) + "。" + (f"具体说明：{app_.decision_reason}" if app_.decision_reason else ""),
                *_objection_route(app_, "refusal")]}


def _expedite_content(app_: Application) -> dict:
    ground = law.EXPEDITE_GROUNDS.get(app_.expedite_ground or "", ("第四十四条", "先行提供法律援助的情形"))
    missing = "、".join(KINDS.get(k, k) for k in app_.backfill_kinds or []) or "无"
    due = app_.backfill_due_at.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M") if app_.backfill_due_at else "—"
    return {"recipient": _who(app_), "ground": {"key": app_.expedite_ground, "article": ground[0], "text": ground[1]},
            "backfill": app_.backfill_kinds or [], "paragraphs": [
                f"你申请法律援助的事项，因{ground[1]}，依据《中华人民共和国法律援助法》{ground[0]}的规定，决定先行提供法律援助。",
                f"请于 {due} 前补办有关手续、补充以下材料：{missing}。经审查不符合法律援助条件的，将终止法律援助。"
                + (f"说明：{app_.expedite_reason}" if app_.expedite_reason else "")]}


def _termination_content(app_: Application) -> dict:
    table = {**law.TERMINATION_GROUNDS, **law.EXPEDITE_TERMINATION}
    article, text = table[app_.termination_ground]
    return {"recipient": _who(app_), "ground": {"key": app_.termination_ground, "article": article, "text": text},
            "reason": app_.decision_reason, "objection_due": app_.objection_due.isoformat(),
            "bureau": current_app.config["BUREAU_NAME"], "paragraphs": [
                f"本中心为你提供的法律援助（申请编号 {app_.reference}），因{text}，依据《中华人民共和国法律援助法》{article}"
                f"的规定，决定终止法律援助。说明：{app_.decision_reason}",
                *_objection_route(app_, "termination")]}


def _notice_content(app_: Application, notice: SupplementNotice) -> dict:
    rows = [f"{i + 1}. {item['label']}" for i, item in enumerate(notice.items)]
    return {"recipient": _who(app_), "items": notice.items, "due_date": notice.due_date.isoformat(),
            "paragraphs": [
                f"你提出的法律援助申请（申请编号 {app_.reference}）材料不齐全。依据《中华人民共和国法律援助法》第四十三条的规定，"
                f"现一次性告知你需要补充的全部材料，请于 {_date_cn(notice.due_date)} 前通过小程序上传或送交本中心。",
                "逾期未补充材料或者作出说明的，视为撤回申请。补充材料期间不计入审查期限。"
                + (f"说明：{notice.note}" if notice.note else "")],
            "sections": {"需要补充的材料：": rows}}


# --- the one-time notice ------------------------------------------------------------------------------

def checklist_for(app_: Application) -> list[dict]:
    matter = (app_.eligibility or {}).get("input", {}).get("matter") if app_.eligibility else None
    matter = matter or eligibility.CATEGORY_MATTERS.get(app_.category or "")
    return law.checklist(matter)


def issue_notice(staff: StaffUser, app_: Application, item_keys, due_date: dt.date | None,
                 note: str | None = None) -> SupplementNotice:
    if staff.role not in ("duty_lawyer", "manager"):
        raise errors.Forbidden("当前角色无权发出补充材料通知")
    if app_.status not in NOTICE_STATES:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能发出补充材料通知",
                                       details={"status": app_.status, "allowed_from": list(NOTICE_STATES)})
    if open_notice(app_.id) is not None:
        raise errors.InvalidTransition("该申请已有未办结的补充材料通知（一次性告知只发一次，请等待补齐或逾期）")
    checklist = {i["key"]: i for i in checklist_for(app_)}
    keys = [k for k in (item_keys or []) if k]
    bad = [k for k in keys if k not in checklist]
    if bad:
        raise errors.ValidationFailed("材料清单有误", code="unknown_key",
                                      details={"fields": {"items": [f"未知：{'、'.join(bad)}"]}})
    if not keys:
        raise errors.ValidationFailed("请勾选需要补充的全部材料", details={"fields": {"items": ["至少勾选一项"]}})
    if due_date is None:
        raise errors.ValidationFailed("请填写补充材料的截止日期", details={"fields": {"due_date": ["必填"]}})
    if due_date <= local_today():
        raise errors.ValidationFailed("截止日期应晚于今天", details={"fields": {"due_date": ["截止日期应晚于今天"]}})
    if due_date > local_today() + dt.timedelta(days=90):
        raise errors.ValidationFailed("截止日期不应超过 90 天", details={"fields": {"due_date": ["不应超过 90 天"]}})
    note = _text(note, "note", "", required=False)
    notice = SupplementNotice(application_id=app_.id, status="open", due_date=due_date, note=note,
                              issued_at=utcnow(), issued_by_id=staff.id,
                              items=[{**checklist[k], "received_at": None} for k in dict.fromkeys(keys)])
    db.session.add(notice)
    db.session.flush()
    labels = "、".join(i["label"] for i in notice.items)
    applications.record_event(app_, staff, "supplement_notice",
                              f"一次性告知需补充：{labels}；请于 {notice.due_date} 前补充（审查期限暂停计算）")
    audit("application.supplement_notice", actor=staff, object_type="application", object_id=app_.id,
          details={"items": keys, "due_date": due_date.isoformat()})
    letter = letters.issue(app_, "supplement_notice", _notice_content(app_, notice), actor=staff)
    n = notifications.status_changed(app_, "需补充材料", f"请于{notice.due_date:%m月%d日}前补充材料")
    n2 = _announce(app_, letter)
    db.session.commit()
    notifications.dispatch([n, n2])
    return notice


def receive_items(actor, app_: Application, keys, *, when: dt.datetime | None = None) -> SupplementNotice:
    """Tick items off the open notice (staff: received at the counter or by explanation). When the last
    item arrives the notice is complete and the review clock starts again from that day."""
    notice = open_notice(app_.id)
    if notice is None:
        raise errors.InvalidTransition("该申请没有待补充的材料通知")
    known = {i["key"] for i in notice.items}
    bad = [k for k in keys or [] if k not in known]
    if bad:
        raise errors.ValidationFailed("材料清单有误", code="unknown_key", details={"fields": {"items": [f"未知：{'、'.join(bad)}"]}})
    if not keys:
        raise errors.ValidationFailed("请勾选已收到的材料", details={"fields": {"items": ["至少勾选一项"]}})
    _tick(app_, notice, set(keys), when or utcnow(), actor)
    audit("application.supplement_received", actor=actor, object_type="application", object_id=app_.id, details={"items": list(keys)})
    db.session.commit()
    return notice


def _tick(app_: Application, notice: SupplementNotice, keys: set, when: dt.datetime, actor) -> None:
    items, changed = [], []
    for item in notice.items:
        if item["key"] in keys and not item.get("received_at"):
            item = {**item, "received_at": when.isoformat()}
            changed.append(item["label"])
        items.append(item)
    if not changed:
        return
    notice.items = items  # a new list: the JSON column sees the change
    applications.record_event(app_, actor, "supplement_received", "已收到：" + "、".join(changed))
    if not notice.missing:
        notice.status = "complete"
        notice.closed_at = when
        app_.review_clock_from = local_date(when)
        applications.record_event(app_, None, "supplement_complete",
                                  f"补充材料已齐全，审查期限自 {app_.review_clock_from} 次日起重新计算")


@documents.uploaded.connect
def _on_upload(app_: Application, document: Document, actor) -> None:
    if app_.status not in NOTICE_STATES:
        return
    notice = open_notice(app_.id)
    if notice is None:
        return
    keys = {i["key"] for i in notice.missing if i.get("kind") == document.kind}
    if document.kind in ("other", "judgment", "hardship_proof"):
        # one photo of a generic kind ticks off one item of that kind, in the notice's order
        keys = set(list(sorted(keys, key=[i["key"] for i in notice.items].index))[:1])
    if keys:
        _tick(app_, notice, keys, utcnow(), actor)


# --- 先行提供: the review decision after aid was provided first ------------------------------------------

def confirm_after_expedite(staff: StaffUser, app_: Application, note: str | None) -> Application:
    """The review of a 先行提供 case finds it eligible: the grant decision and its letter (no state change)."""
    if staff.role != "manager":
        raise errors.Forbidden("当前角色无权作出给予法律援助的决定")
    if app_.status not in ("expedite_approved", "assigned", "in_progress") or app_.decision is not None \
            or not app_.expedite_ground:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能作出先行提供后的审查决定")
    app_.decision, app_.decided_at = "granted", utcnow()
    app_.decision_reason = _text(note, "note", "", required=False) or app_.decision_reason
    app_.decision_grounds = [{"key": "screen", **b} for b in screen_answer(app_)["basis"]]
    app_.assign_clock_from = local_today() if app_.status == "expedite_approved" else None
    letter = letters.issue(app_, "grant", _grant_content_after_expedite(app_), actor=staff)
    applications.record_event(app_, staff, "grant_after_expedite", "先行提供法律援助后经审查，符合法律援助条件")
    audit("application.grant_after_expedite", actor=staff, object_type="application", object_id=app_.id)
    n = _announce(app_, letter)
    db.session.commit()
    notifications.dispatch([n])
    return app_


def _grant_content_after_expedite(app_: Application) -> dict:
    basis = "；".join(f"{g['article']}（{g['text']}）" for g in app_.decision_grounds or [])
    return {"recipient": _who(app_), "grounds": app_.decision_grounds, "paragraphs": [
        "本中心已先行为你提供法律援助。经审查，你的申请符合法律援助条件，依据《中华人民共和国法律援助法》"
        f"{basis or '第三十一条'}的规定，决定给予法律援助。" + (f"审查意见：{app_.decision_reason}" if app_.decision_reason else "")]}


# --- objections (Art. 49) ----------------------------------------------------------------------------------

def lodge_objection(citizen: Citizen, app_: Application, reasons: str, document_ids=None) -> Objection:
    if app_.citizen_id != citizen.id:
        raise errors.NotFound("未找到该申请")
    if app_.status not in OBJECTION_STATES:
        raise errors.InvalidTransition(
            f"申请当前状态为「{app_.status_label}」，只有对不予法律援助或终止法律援助的决定才能提出异议",
            details={"status": app_.status, "allowed_from": list(OBJECTION_STATES)})
    if _objection_pending_or_made(app_.id, app_.decided_at):
        raise errors.InvalidTransition("已对该决定提出过异议，请等待或查看司法局的审查结果")
    if app_.objection_due and local_today() > app_.objection_due:
        raise errors.InvalidTransition(f"提出异议的期限已于 {app_.objection_due} 届满")
    reasons = _text(reasons, "reasons", "请填写异议的理由", limit=2000)
    ids = [int(i) for i in (document_ids or [])]
    if ids:
        found = set(db.session.scalars(sa.select(Document.id).where(
            Document.id.in_(ids), Document.application_id == app_.id, Document.status != "superseded")).all())
        missing = [i for i in ids if i not in found]
        if missing:
            raise errors.ValidationFailed("照片无效", details={"fields": {"document_ids": [f"未找到：{missing}"]}})
    now = utcnow()
    against = "refusal" if app_.status == "rejected" else "termination"
    letter_id = db.session.scalar(sa.select(Letter.id).where(
        Letter.application_id == app_.id, Letter.kind == against).order_by(Letter.id.desc()).limit(1))
    obj = Objection(application_id=app_.id, citizen_id=citizen.id, against=against, against_letter_id=letter_id,
                    reasons=reasons, document_ids=ids or None, status="open", received_at=now,
                    decide_by=calendar().add_workdays(local_date(now), current_app.config["OBJECTION_DECIDE_WORKDAYS"]))
    db.session.add(obj)
    db.session.flush()
    applications.record_event(app_, citizen, "objection_lodged",
                              f"申请人向{current_app.config['BUREAU_NAME']}提出异议，应于 {obj.decide_by} 前审查决定")
    audit("objection.lodge", actor=citizen, object_type="objection", object_id=obj.id,
          details={"application_id": app_.id, "against": against})
    db.session.commit()
    return obj


def get_objection_for_citizen(citizen: Citizen, objection_id: int) -> Objection:
    obj = db.session.get(Objection, objection_id)
    if obj is None or obj.citizen_id != citizen.id:
        raise errors.NotFound("未找到该异议")
    return obj


def get_objection(staff: StaffUser, objection_id: int) -> Objection:
    obj = db.session.get(Objection, objection_id)
    if obj is None or staff.role not in ("bureau_reviewer", "manager"):
        raise errors.NotFound("未找到该异议")
    return obj


def objections_stmt(staff: StaffUser, status: str | None = "open") -> sa.Select:
    if staff.role not in ("bureau_reviewer", "manager"):
        raise errors.Forbidden("当前角色无权查看异议")
    stmt = sa.select(Objection)
    if status:
        stmt = stmt.where(Objection.status == status)
    return stmt.order_by(Objection.status != "open", Objection.decide_by, Objection.id)


def decide_objection(reviewer: StaffUser, obj: Objection, decision: str, note: str | None) -> Objection:
    """司法局审查人员 decides once: uphold, or order the centre to correct (the application goes back to
    review with the instruction, and the review clock starts again)."""
    if reviewer.role != "bureau_reviewer":
        raise errors.Forbidden("只有司法局审查人员可以对异议作出决定")
    if decision not in ("uphold", "correct"):
        raise errors.ValidationFailed("决定无效", details={"fields": {"decision": ["应为 uphold（维持）或 correct（责令改正）"]}})
    if obj.status != "open":
        raise errors.InvalidTransition(f"该异议已审查（{obj.status_label}），不能再次决定",
                                       details={"status": obj.status})
    note = _text(note, "note", "请填写审查意见（申请人可见）" if decision == "correct" else "请填写维持的理由（申请人可见）",
                 limit=2000)
    app_ = db.session.get(Application, obj.application_id)
    obj.status = "upheld" if decision == "uphold" else "corrected"
    obj.decided_at, obj.decided_by_id, obj.decision_note = utcnow(), reviewer.id, note
    audit("objection.decide", actor=reviewer, object_type="objection", object_id=obj.id,
          details={"decision": obj.status, "application_id": app_.id})
    bureau = current_app.config["BUREAU_NAME"]
    if decision == "correct":
        applications.transition(reviewer, app_, "reopen_review", note=f"{bureau}责令改正：{note}")
    else:
        applications.record_event(app_, reviewer, "objection_upheld", f"{bureau}维持原决定：{note}")
        n = notifications.status_changed(app_, "异议已审查", "司法局维持原决定")
        db.session.commit()
        notifications.dispatch([n])
    return obj


def objection_out(obj: Objection) -> dict:
    return {"id": obj.id, "application_id": obj.application_id, "against": obj.against,
            "against_label": obj.against_label, "reasons": obj.reasons, "document_ids": obj.document_ids or [],
            "status": obj.status, "status_label": obj.status_label, "received_at": obj.received_at.isoformat(),
            "decide_by": obj.decide_by.isoformat(), "decided_at": obj.decided_at.isoformat() if obj.decided_at else None,
            "decision_note": obj.decision_note}


# --- the periodic scan (registered with the alerts scan) -----------------------------------------------------

def scan(now: dt.datetime, raise_alert) -> dict:
    today = now.astimezone(LOCAL_TZ).date()
    out = {"deemed_withdrawn": 0, "resolved": 0}
    # 视为撤回: open notices past their due date
    lapsed = db.session.scalars(sa.select(SupplementNotice).where(
        SupplementNotice.status == "open", SupplementNotice.due_date < today)).all()
    for notice in lapsed:
        app_ = db.session.get(Application, notice.application_id)
        if app_.status in NOTICE_STATES:
            missing = "、".join(i["label"] for i in notice.missing)
            applications.transition(None, app_, "deemed_withdrawn",
                                    note=f"未在 {notice.due_date} 前补充材料（{missing}），依法视为撤回申请")
            out["deemed_withdrawn"] += 1
        else:
            notice.status, notice.closed_at = "lapsed", now
    live = set()
    apps = db.session.scalars(sa.select(Application).where(Application.status.in_(
        REVIEW_STATES + ("approved",)))).all()
    found = deadlines_many(apps)
    for app_ in apps:
        d = found[app_.id]
        ref = app_.reference or app_.id
        for clock, due, label in (("review", d["review_due"], "审查决定"), ("assign", d["assign_due"], "指派律师")):
            state = due_state(due, today)
            if state == "overdue":
                key = f"{clock}_overdue:{app_.id}:{due}"
                raise_alert(f"{clock}_overdue", severity="critical", application_id=app_.id, commit=False, dedupe_key=key,
                            message=f"申请 {ref} 的{label}已超过法定期限（应于 {due} 前完成）", details={"due": due.isoformat()})
                live.add(key)
            elif state == "near":
                key = f"{clock}_due_soon:{app_.id}:{due}"
                raise_alert(f"{clock}_due_soon", severity="warning", application_id=app_.id, commit=False, dedupe_key=key,
                            message=f"申请 {ref} 的{label}期限将至（{due}）", details={"due": due.isoformat()})
                live.add(key)
    for obj in db.session.scalars(sa.select(Objection).where(Objection.status == "open")).all():
        state = due_state(obj.decide_by, today)
        if state in ("overdue", "near"):
            kind = "objection_overdue" if state == "overdue" else "objection_due_soon"
            key = f"{kind}:{obj.id}:{obj.decide_by}"
            raise_alert(kind, severity="critical" if state == "overdue" else "warning", application_id=obj.application_id,
                        commit=False, dedupe_key=key, details={"objection_id": obj.id},
                        message=f"异议 #{obj.id} 应于 {obj.decide_by} 前审查决定" + ("，已超期" if state == "overdue" else ""))
            live.add(key)
    kinds = ("review_overdue", "review_due_soon", "assign_overdue", "assign_due_soon", "objection_overdue",
             "objection_due_soon")
    for alert in db.session.scalars(sa.select(Alert).where(Alert.kind.in_(kinds),
                                                           Alert.status.in_(("open", "acknowledged")))).all():
        if alert.dedupe_key not in live:
            alert.status, alert.resolved_at = "resolved", now
            out["resolved"] += 1
    return out


# --- hooks into the other domains (they never import this package) ----------------------------------------

def _detail_columns(t):
    notice_due = (sa.select(SupplementNotice.due_date).where(SupplementNotice.application_id == t.c.id,
                                                             SupplementNotice.status == "open")
                  .order_by(SupplementNotice.id.desc()).limit(1).scalar_subquery())
    objection_made = sa.exists().where(Objection.application_id == t.c.id, Objection.received_at >= t.c.decided_at)
    has_letters = sa.exists().where(Letter.application_id == t.c.id)
    return [t.c.review_clock_from.label("pr_review_clock_from"), t.c.decision.label("pr_decision"),
            t.c.assign_clock_from.label("pr_assign_clock_from"), t.c.objection_due.label("pr_objection_due"),
            notice_due.label("pr_notice_due"), objection_made.label("pr_objection_made"),
            has_letters.label("pr_has_letters")]


class _Row:
    __slots__ = ("status", "decision", "review_clock_from", "assign_clock_from", "objection_due")

    def __init__(self, row):
        self.status, self.decision = row.status, row.pr_decision
        self.review_clock_from, self.assign_clock_from = row.pr_review_clock_from, row.pr_assign_clock_from
        self.objection_due = row.pr_objection_due


def _detail_fill(row, out: dict) -> None:
    notice_open = row.pr_notice_due is not None and row.status in NOTICE_STATES
    values = deadlines_from(_Row(row), notice_due=row.pr_notice_due if notice_open else None,
                            notice_open=notice_open, objection_made=bool(row.pr_objection_made))
    out["deadlines"] = deadlines_json(values)
    out["letters"] = letters_out(row.id) if row.pr_has_letters else []


def _register_hooks() -> None:
    alerts.register_scanner(scan)
    if not any(fill is _detail_fill for _, fill in read.DETAIL_EXTENSIONS):
        read.DETAIL_EXTENSIONS.append((_detail_columns, _detail_fill))
    DETAIL_HOOKS["deadlines"] = deadlines
    DETAIL_HOOKS["letters"] = lambda app_: [letter_out(l, iso=False) for l in letters.list_for(app_.id)]


_register_hooks()


def events_for(application_id: int) -> list:
    return db.session.scalars(sa.select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
                              .order_by(ApplicationEvent.id)).all()
