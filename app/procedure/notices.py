"""The one-time notice of missing materials (一次性告知, Art. 43): once per application, with its period in
日 that runs from the day after the notice is delivered (its due date is known then); the review clock
pauses with the days it has used and resumes with those left when the last item arrives (staff tick items
off, uploads tick them off). Past a delivered notice's due date the scan deems the application withdrawn
(app.procedure.scan); an undelivered notice never withdraws anything."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import errors
from app.applications import service as applications
from app.applications.models import Application
from app.audit import record as audit
from app.auth.models import StaffUser
from app.common.timeutil import local_today, utcnow
from app.documents.models import Document
from app.extensions import db
from flask import current_app

from app.common.permissions import P
from app.procedure import clocks, eligibility, law
from app.procedure.clocks import NOTICE_STATES, local_date
from app.common.inputs import text
from app.procedure.models import SupplementNotice, read_state, state

def open_notice(application_id: int) -> SupplementNotice | None:
    return db.session.scalar(sa.select(SupplementNotice).where(
        SupplementNotice.application_id == application_id, SupplementNotice.status == "open")
        .order_by(SupplementNotice.id.desc()).limit(1))


def notices_for(application_id: int) -> list[SupplementNotice]:
    return db.session.scalars(sa.select(SupplementNotice).where(SupplementNotice.application_id == application_id)
                              .order_by(SupplementNotice.id)).all()


def checklist_for(app_: Application) -> list[dict]:
    ps = read_state(app_)
    matter = (ps.eligibility or {}).get("input", {}).get("matter") if ps.eligibility else None
    matter = matter or eligibility.CATEGORY_MATTERS.get(app_.category or "")
    return law.checklist(matter)


def issue(staff: StaffUser, app_: Application, item_keys, due_date: dt.date | None = None,
          note: str | None = None, days: int | None = None) -> SupplementNotice:
    """The notice with its items and its period (`days`, SUPPLEMENT_DAYS by default; a legacy `due_date` is
    taken as its distance from today), its timeline entry and audit; the review clock pauses (the flow adds
    the letter and commits). One notice per application: a second one is refused."""
    if not P.review_case.allows(staff):
        raise errors.Forbidden("当前角色无权发出补充材料通知")
    if app_.status not in NOTICE_STATES:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能发出补充材料通知",
                                       details={"status": app_.status, "allowed_from": list(NOTICE_STATES)})
    earlier = db.session.scalar(sa.select(SupplementNotice).where(SupplementNotice.application_id == app_.id)
                                .order_by(SupplementNotice.id).limit(1))
    if earlier is not None:
        raise errors.InvalidTransition(
            f"该申请已于 {local_date(earlier.issued_at)} 发出补充材料通知书：一次性告知只能发出一次，需要补充的材料应当一次告知",
            details={"notice_id": earlier.id})
    checklist = {i["key"]: i for i in checklist_for(app_)}
    keys = [k for k in (item_keys or []) if k]
    bad = [k for k in keys if k not in checklist]
    if bad:
        raise errors.ValidationFailed("材料清单有误", code="unknown_key",
                                      details={"fields": {"items": [f"未知：{'、'.join(bad)}"]}})
    if not keys:
        raise errors.ValidationFailed("请勾选需要补充的全部材料", details={"fields": {"items": ["至少勾选一项"]}})
    today = local_today()
    if days is None and due_date is not None:
        if due_date <= today:
            raise errors.ValidationFailed("截止日期应晚于今天", details={"fields": {"due_date": ["截止日期应晚于今天"]}})
        days = (due_date - today).days
    days = days if days is not None else current_app.config["SUPPLEMENT_DAYS"]
    if not 1 <= days <= 90:
        field = "due_date" if due_date is not None else "days"
        raise errors.ValidationFailed("补充材料的期限应为 1 至 90 日", details={"fields": {field: ["应为 1 至 90 日"]}})
    note = text(note, "note", "", required=False)
    left = clocks.pause_review(app_)
    notice = SupplementNotice(application_id=app_.id, status="open", days=days, due_date=None, note=note,
                              issued_at=utcnow(), issued_by_id=staff.id,
                              items=[{**checklist[k], "received_at": None} for k in dict.fromkeys(keys)])
    db.session.add(notice)
    db.session.flush()
    labels = "、".join(i["label"] for i in notice.items)
    applications.record_event(app_, staff, "supplement_notice",
                              f"一次性告知需补充：{labels}；自通知书送达次日起 {days} 日内补充（审查期限暂停计算，尚余 {left} 日）")
    audit("application.supplement_notice", actor=staff, object_type="application", object_id=app_.id,
          details={"items": keys, "days": days})
    return notice


def request_explanation(staff: StaffUser, app_: Application, note: str) -> str:
    """A manager's request that the applicant explain something further — the way to ask again once the one
    notice has gone (a second notice is refused): it neither pauses nor restarts the review clock, which the
    citizen is told. Recorded in
    the timeline (the citizen sees it) and the audit log; the flow commits and sends the message."""
    if not P.request_explanation.allows(staff):
        raise errors.Forbidden("当前角色无权要求补充说明")
    if app_.status not in NOTICE_STATES:
        raise errors.InvalidTransition(f"申请当前状态为「{app_.status_label}」，不能要求补充说明",
                                       details={"status": app_.status, "allowed_from": list(NOTICE_STATES)})
    note = text(note, "note", "请写明需要申请人补充说明的事项", required=True)
    applications.record_event(app_, staff, "explanation_requested", f"请补充说明：{note}（不影响审查期限的计算）")
    audit("application.explanation_request", actor=staff, object_type="application", object_id=app_.id)
    return note


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
    ps = state(app_)
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
        clocks.resume_review(app_, local_date(when))
        applications.record_event(app_, None, "supplement_complete",
                                  f"补充材料已齐全，审查期限自 {ps.review_clock_from} 次日起继续计算，尚余 {ps.review_days} 日")


def tick_for_upload(app_: Application, document: Document, actor) -> None:
    """An uploaded photo ticks off the open notice's item of its kind (in the upload's transaction)."""
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


def close_open(app_: Application, status: str) -> None:
    notice = open_notice(app_.id)
    if notice is not None:
        notice.status = status
        notice.closed_at = utcnow()
