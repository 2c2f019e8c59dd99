"""Inputs of a case after assignment: the staff API and the console's forms load these same schemas
(app/handling/routes.py, app/handling/console.py)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.applications.actions import said
from app.handling import service
from app.handling.models import OUTCOMES

# the refusals the service gives for the same fields (app/handling/service.py), so the page's words stay
_OUTCOME = f"应为：{'、'.join(OUTCOMES)}"
_GROUND = f"应为：{'、'.join(service.TERMINATION_GROUNDS)}"
_ENDED = "请填写办理结束日期（YYYY-MM-DD）"
_REPORT = "办理情况报告至少 20 字"


def _one_of(choices: list[str], message: str):
    return fields.String(required=True, validate=validate.OneOf(choices, error=message),
                         error_messages={"required": message, "null": message})


class ReasonsInput(ma.Schema):
    reasons = said("请说明理由", 1000)


class ProgressInput(ma.Schema):
    note = said("请填写进展内容", 1000)
    visible = fields.Boolean(load_default=False, metadata={"description": "true：受援人可见；false：内部记录"})


class ChangeDecisionInput(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "refuse"]))
    note = fields.String(load_default=None, validate=validate.Length(max=500))
    lawyer_id = fields.Integer(load_default=None, metadata={"description": "同意更换时可立即指派的新律师"})


class TerminationReportInput(ma.Schema):
    ground = _one_of(list(service.TERMINATION_GROUNDS), _GROUND)
    facts = said("请说明发现的事实", 2000)


class ReportDecisionInput(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["terminate", "dismiss"]))
    ground = fields.String(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class ClosingInput(ma.Schema):
    outcome = _one_of(list(OUTCOMES), _OUTCOME)
    outcome_detail = fields.String(load_default=None, validate=validate.Length(max=500, error="最多 500 字"))
    matter_ended_on = fields.Date(required=True, error_messages={"required": _ENDED, "null": _ENDED, "invalid": _ENDED})
    report = fields.String(required=True, validate=[validate.Length(min=1, error=_REPORT),
                                                    validate.Length(max=5000, error="办理情况报告最多 5000 字")],
                           error_messages={"required": _REPORT, "null": _REPORT}, metadata={"description": "办理情况报告"})
    document_ids = fields.List(fields.Integer(), load_default=list)
    stage = fields.String(required=True, metadata={"description": "补贴标准中的办理阶段"})
    confirm_incomplete = fields.Boolean(load_default=False, metadata={
        "description": "尚有补交材料未交时须为 true：确认结案后不再跟踪补交"})


class ReviewInput(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "return"]))
    scores = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    reasons = fields.String(load_default=None, validate=validate.Length(max=2000))


class BatchInput(ma.Schema):
    month = fields.String(required=True, validate=validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="应为 YYYY-MM（2000–2099 年）"))


class ExportArgs(ma.Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class ClosingDocumentInput(ma.Schema):
    """The form beside a copy of a legal document the lawyer uploads on the case page (the file is apart)."""
    kind = fields.String(load_default="judgment", validate=validate.OneOf(list(service.CLOSING_DOCUMENT_KINDS),
                                                                          error="材料类型无效"))
