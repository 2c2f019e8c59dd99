"""Every case action, declared once: who may take it, the states it may start from and where it goes,
its input (the API schema; the console's form posts the same fields), whether a note is required and
which field carries it, the timeline event it writes, and whether the citizen sees that note.

The state machine (`service.transition`), the staff API (one route per action, built from this table),
the console's action forms and the templates all read these declarations; pages ask
`allowed_actions(staff, application)` what to show rather than restating roles or states.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import marshmallow as ma
from marshmallow import fields, validate

from app.applications.models import FINAL_STATUSES, STATUSES
from app.common.permissions import SYSTEM, P, Permission
from app.common.taxonomy import DOCUMENT_KINDS
from app.common.timeutil import UTC

OPEN_STATUSES = tuple(s for s in STATUSES if s not in FINAL_STATUSES and s != "draft")


# --- inputs -------------------------------------------------------------------------------

class StaffNoteInput(ma.Schema):
    note = fields.String(validate=validate.Length(max=500), load_default=None)


def said(message: str, max_len: int = 500):
    """A required free-text field whose refusal says what is missing (the API's field error, the page's message)."""
    return fields.String(required=True, validate=validate.Length(min=1, max=max_len, error=message),
                         error_messages={"required": message, "null": message})


class RequiredStaffNoteInput(ma.Schema):
    note = said("请填写进展内容")


class DecisionReasonInput(ma.Schema):
    reason = said("请说明驳回特事特办的理由")


class ConfirmIncompleteInput(ma.Schema):
    """An action that would leave work undone (backfill still owed, a returned photo not yet re-taken)
    is refused unless this is ticked; the refusal says what is left (app.casework.cases)."""
    confirm_incomplete = fields.Boolean(load_default=False, metadata={"description": "确认：仍有未完成事项时继续"})


class ApproveInput(StaffNoteInput, ConfirmIncompleteInput):
    pass


class ApproveExpediteInput(ConfirmIncompleteInput):
    backfill_kinds = fields.List(fields.String(validate=validate.OneOf(list(DOCUMENT_KINDS))), load_default=list,
                                 metadata={"description": "需补交的材料类型"})
    backfill_due_at = fields.AwareDateTime(default_timezone=UTC, load_default=None)
    note = fields.String(validate=validate.Length(max=500), load_default=None)


class AssignInput(ma.Schema):
    lawyer_id = fields.Integer(required=True)
    note = fields.String(validate=validate.Length(max=500), load_default=None)


class CloseCaseInput(ConfirmIncompleteInput):
    outcome = said("请填写办理结果")


class WithdrawInput(ma.Schema):
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


# --- declarations ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    name: str
    label: str                      # Chinese, for buttons, the timeline and messages
    permission: Permission | None   # who may (app.common.permissions); citizen: the owning one; None: the system only
    sources: tuple[str, ...]        # states it may start from
    target: str | None              # state it leads to; None: no change of state (a note)
    input: type[ma.Schema]          # what the API takes (the console form posts the same fields)
    note_field: str | None = "note"  # which input field is the timeline note
    note_required: str | None = None  # Chinese message when the note is required and missing
    citizen_sees_note: bool = True  # False: the note stays internal (never in the citizen API or a message)
    api_path: str | None = None     # staff API: POST /api/v1/staff/applications/<id>/<api_path>
    danger: bool = False            # a refusal: the console shows it as such
    summary: str | None = None      # the API operation's description (default: the label)

    @property
    def roles(self) -> frozenset[str]:
        return self.permission.roles if self.permission is not None else frozenset()

    def allows(self, role: str) -> bool:
        """`role`: app.common.permissions.role_of(actor), "system" for the system itself."""
        return role == SYSTEM if self.permission is None else self.permission.allows(role)

    @property
    def event(self) -> str:
        """The timeline event it writes (the state change's, or the note's)."""
        return self.name

    def __post_init__(self):
        assert all(s in STATUSES for s in self.sources), self.name
        assert self.target is None or self.target in STATUSES, self.name


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("submit", "提交申请", P.submit_application, ("draft",), "submitted", StaffNoteInput),
    Action("withdraw", "撤回申请", P.withdraw_application, ("draft", "submitted", "under_review", "expedite_requested"),
           "withdrawn", WithdrawInput, note_field="reason"),
    Action("start_review", "开始审查", P.review_case, ("submitted",), "under_review", StaffNoteInput,
           citizen_sees_note=False, api_path="start-review"),
    Action("approve", "批准援助", P.decide_case, ("under_review",), "approved", ApproveInput,
           citizen_sees_note=False, api_path="approve"),
    Action("reject", "不予法律援助", P.decide_case, ("submitted", "under_review", "expedite_requested"), "rejected",
           DecisionReasonInput, note_field="reason", note_required="请填写不予法律援助的理由（群众可见）", api_path="reject",
           danger=True),
    Action("request_expedite", "申请先行提供（特事特办）", P.request_expedite, ("submitted", "under_review"), "expedite_requested",
           DecisionReasonInput, note_field="reason", note_required="请说明申请特事特办的理由", citizen_sees_note=False,
           api_path="request-expedite"),
    Action("approve_expedite", "批准先行提供（特事特办）", P.decide_expedite, ("expedite_requested",), "expedite_approved",
           ApproveExpediteInput, api_path="approve-expedite", summary="批准特事特办：列出需补交的材料与截止时间，随后可立即指派"),
    Action("deny_expedite", "驳回特事特办", P.decide_expedite, ("expedite_requested",), "under_review", DecisionReasonInput,
           note_field="reason", note_required="请说明驳回特事特办的理由", citizen_sees_note=False,
           api_path="deny-expedite", danger=True),
    Action("assign", "指派律师", P.assign_lawyer, ("approved", "expedite_approved"), "assigned", AssignInput,
           citizen_sees_note=False, api_path="assign"),
    Action("start_work", "开始办理", P.work_case, ("assigned",), "in_progress", StaffNoteInput,
           citizen_sees_note=False, api_path="start-work"),
    # after assignment (app/handling takes these with its own inputs): the lawyer's closing file (Art. 50),
    # the centre's closing review (accept = 结案, or return with reasons), the archive (归档)
    Action("submit_closing", "提交结案材料", P.report_as_lawyer, ("assigned", "in_progress"), "closing_review",
           StaffNoteInput, citizen_sees_note=False),
    Action("return_closing", "结案审查：退回补正", P.decide_after_assignment, ("closing_review",), "in_progress", StaffNoteInput,
           citizen_sees_note=False),
    Action("close", "结案", P.decide_after_assignment, ("closing_review",), "closed", CloseCaseInput, note_field="outcome",
           note_required="请填写办理结果"),
    # Art. 55: the manager approves a change of lawyer; the case goes back to assignment (a new 3-日 clock)
    Action("change_lawyer", "更换法律援助人员", P.decide_after_assignment, ("assigned", "in_progress"), "approved", StaffNoteInput),
    Action("archive", "归档", P.decide_after_assignment, ("closed",), "archived", StaffNoteInput, citizen_sees_note=False),
    # the Legal Aid Law's procedure (app/procedure takes these with its own inputs): termination
    # (Art. 48), the periodic scan's 视为撤回 after an unanswered notice (Art. 43), the bureau's order to
    # correct (Art. 49); their notes are the reasons the citizen is given
    Action("terminate", "终止法律援助", P.decide_case, ("approved", "expedite_approved", "assigned", "in_progress"),
           "terminated", StaffNoteInput, api_path="terminate", danger=True),
    Action("deemed_withdrawn", "视为撤回申请", None, ("submitted", "under_review", "expedite_requested"),
           "withdrawn", StaffNoteInput),
    Action("reopen_review", "责令改正，重新审查", P.decide_objection, ("rejected", "terminated"), "under_review",
           StaffNoteInput),
    # the bureau orders the centre to correct (Art. 49): a refusal becomes a grant; a termination is undone
    # and aid resumes with the same lawyer (or awaits assignment when none was assigned yet)
    Action("correct_refusal", "责令改正：给予法律援助", P.decide_objection, ("rejected",), "approved", StaffNoteInput),
    Action("resume_aid", "责令改正：恢复法律援助", P.decide_objection, ("terminated",), "assigned", StaffNoteInput),
    Action("resume_aid_unassigned", "责令改正：恢复法律援助", P.decide_objection, ("terminated",), "approved",
           StaffNoteInput),
    # a progress note: no change of state; the manager may still add one after the case ended
    Action("progress_note", "办理进展", P.record_progress, OPEN_STATUSES, None,
           RequiredStaffNoteInput, note_required="请填写进展内容", citizen_sees_note=False),
)}
# the staff's state changes (submit and withdraw are the citizen's; a phone intake submits on its own)
STAFF_TRANSITIONS = tuple(n for n, a in ACTIONS.items() if a.target and a.api_path)

# Timeline events that are not actions, and whether the citizen sees them
OTHER_EVENTS = {
    "create": ("创建申请", True), "document_uploaded": ("上传材料", True),
    "document_verified": ("材料审核通过", True), "document_rejected": ("材料退回重拍", True),
    "home_visit_requested": ("申请上门服务", True), "home_visit_scheduled": ("安排上门服务", True),
    "home_visit_done": ("完成上门服务", True), "linked_to_citizen": ("关联申请人", True),
    "internal_note": ("内部备注", False),
    # the Legal Aid Law's procedure (app/procedure)
    "supplement_notice": ("补充材料通知", True), "supplement_received": ("收到补充材料", True),
    "supplement_complete": ("材料已补齐", True), "explanation_requested": ("要求补充说明", True), "grant_after_expedite": ("先行提供后审查符合条件", True),
    "objection_lodged": ("提出异议", True), "objection_upheld": ("异议审查：维持原决定", True),
    "letter_delivered": ("文书已送达", True), "letter_sms": ("短信通知文书", True),
    "eligibility_override": ("调整援助条件审查结论", False), "home_visit_cancelled": ("取消上门服务", True),
    # after assignment (app/handling): progress the aided person sees (Art. 46), change of lawyer (Art. 55),
    # the lawyer's report of a termination situation (Art. 48 last paragraph)
    "progress_update": ("办理进展", True), "lawyer_change_requested": ("申请更换法律援助人员", True),
    "lawyer_changed": ("更换法律援助人员", True), "lawyer_change_refused": ("不予更换法律援助人员", True),
    "termination_reported": ("律师报告终止情形", False), "termination_report_dismissed": ("终止情形报告：继续援助", False),
    # many centres (Art. 38): sent to the competent centre
    "transferred": ("移送其他法律援助机构", True),
}
EVENT_LABELS = {name: a.label for name, a in ACTIONS.items()} | {k: v[0] for k, v in OTHER_EVENTS.items()}


def event_label(action: str) -> str:
    """The Chinese name of a timeline event, as the console and the mini-program show it."""
    return EVENT_LABELS.get(action, "办理进展")


def citizen_sees(event: str) -> bool:
    """Whether the citizen sees a timeline event of this kind (actions: whether they see the note)."""
    if event in ACTIONS:
        return ACTIONS[event].citizen_sees_note
    return OTHER_EVENTS.get(event, ("", False))[1]


def can(role: str, action: str, status: str) -> bool:
    a = ACTIONS[action]
    if not a.allows(role):
        return False
    if action == "progress_note":  # the manager may still record progress once a case has ended
        return status not in FINAL_STATUSES or P.note_after_end.allows(role)
    return status in a.sources


def allowed_actions(staff, app_) -> list[str]:
    """The staff state changes this person may take on this application now (the console's buttons)."""
    return [name for name in STAFF_TRANSITIONS if can(staff.role, name, app_.status)]


# --- what the citizen may do now (the mini-program shows a button only for these) ----------------------

RATEABLE_STATUSES = ("assigned", "in_progress", "closed")  # app/ratings refuses a rating in any other
OBJECTION_STATUSES = ("rejected", "terminated")  # Art. 49: an objection to a refusal or a termination


@dataclass(frozen=True)
class CitizenAction:
    name: str
    label: str
    sources: tuple[str, ...]


# The citizen's own state changes come from ACTIONS (submit, withdraw); the rest are declared here.
CITIZEN_ACTIONS: dict[str, CitizenAction] = {a.name: a for a in (
    CitizenAction("edit", "修改草稿", ("draft",)),
    CitizenAction("submit", ACTIONS["submit"].label, ACTIONS["submit"].sources),
    CitizenAction("withdraw", ACTIONS["withdraw"].label, ACTIONS["withdraw"].sources),
    CitizenAction("upload", "上传或补交材料", OPEN_STATUSES),
    CitizenAction("rate", "评价服务", RATEABLE_STATUSES),
    CitizenAction("object", "提出异议", OBJECTION_STATUSES),
)}


def citizen_allowed_actions(status: str, deadlines: dict | None, today) -> list[str]:
    """What the owning citizen may do with the application now, by the declarations above. An objection
    also needs no objection yet to this decision (`deadlines["objection_open"]`) and, where the province sets
    a period, its last day (`deadlines["objection_due"]`, a date or ISO text) not passed."""
    out = []
    for name, a in CITIZEN_ACTIONS.items():
        if status not in a.sources:
            continue
        if name == "object":
            # open while no objection was made to this decision; the national law sets no period, so
            # `objection_due` is a date only where a province sets one (from the letter's delivery)
            if not (deadlines or {}).get("objection_open"):
                continue
            due = (deadlines or {}).get("objection_due")
            if isinstance(due, str):
                due = dt.date.fromisoformat(due)
            if due is not None and today > due:
                continue
        out.append(name)
    return out
