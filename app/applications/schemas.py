import marshmallow as ma
from marshmallow import fields, validate

from app.centres import service as centres
from app.applications.actions import CITIZEN_ACTIONS, citizen_allowed_actions, event_label
from app.applications.models import CATEGORIES, HARDSHIP_CATEGORIES, SERVICE_TYPES, STATUSES
from app.applications.service import backfill_status
from app.common.pagination import PageArgs, page_schema
from app.common.timeutil import local_today
from ocr import idnumber


class ApplicationInput(ma.Schema):
    """Every field optional: a draft fills in over time; submit checks completeness."""

    applicant_name = fields.String(allow_none=True, validate=validate.Length(max=64), metadata={"description": "申请人姓名"})
    sex = fields.String(allow_none=True, validate=validate.OneOf(["男", "女"]))
    ethnicity = fields.String(allow_none=True, validate=validate.Length(max=32))
    birth_date = fields.Date(allow_none=True)
    id_number = fields.String(allow_none=True, validate=validate.Length(max=32), metadata={
        "format": "gb11643", "pattern": "^([0-9]{17}[0-9Xx])?$",
        "description": "公民身份号码（GB 11643，末位校验码须正确）；需先单独同意（consent_required）"})
    phone = fields.String(allow_none=True, validate=validate.Length(max=20), metadata={
        "pattern": "^(1[3-9][0-9]{9})?$", "description": "大陆手机号（11 位）"})
    hukou_address = fields.String(allow_none=True, validate=validate.Length(max=255))
    current_address = fields.String(allow_none=True, validate=validate.Length(max=255))
    occupation = fields.String(allow_none=True, validate=validate.Length(max=64))
    mobility_impaired = fields.Boolean()
    category = fields.String(allow_none=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    opposing_party = fields.String(allow_none=True, validate=validate.Length(max=255))
    court = fields.String(allow_none=True, validate=validate.Length(max=128))
    case_number = fields.String(allow_none=True, validate=validate.Length(max=64))
    legal_deadline = fields.Date(allow_none=True, metadata={"description": "法定期限（如上诉期最后一日）"})
    urgency_reason = fields.String(allow_none=True, validate=validate.Length(max=500))
    hardship_category = fields.String(allow_none=True, validate=validate.OneOf(HARDSHIP_CATEGORIES))
    hardship_statement = fields.String(allow_none=True, validate=validate.Length(max=2000))
    service_type = fields.String(allow_none=True, validate=validate.OneOf(list(SERVICE_TYPES)))
    home_visit_requested = fields.Boolean()
    home_visit_address = fields.String(allow_none=True, validate=validate.Length(max=255))
    home_visit_reason = fields.String(allow_none=True, validate=validate.Length(max=500))
    place_district = fields.String(allow_none=True, validate=validate.Length(equal=6), metadata={
        "description": "确定受理机构的地点（第三十八条）：办案机关所在地，或争议处理机关所在地、事由发生地的区县代码（GB/T 2260）；"
                       "可选值见 GET /api/v1/centres/districts"})
    place_basis = fields.String(allow_none=True, validate=validate.OneOf(["organ", "event"]))


class EventOut(ma.Schema):
    id = fields.Integer()
    action = fields.String()
    action_label = fields.Function(lambda e: event_label(e.action),
                                   metadata={"description": "事件名称（中文，与控制台一致）"})
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    actor_type = fields.String()
    actor_name = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class StaffEventOut(EventOut):
    citizen_visible = fields.Boolean(metadata={"description": "群众是否可见（内部备注为 false）"})


class LawyerOut(ma.Schema):
    id = fields.Integer()
    name = fields.String(attribute="display_name")
    phone = fields.String(allow_none=True)
    law_firm = fields.String(allow_none=True, metadata={"description": "承办律师所在律师事务所"})


class ApplicationSummaryOut(ma.Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    status_label = fields.String()
    applicant_name = fields.String(allow_none=True)
    id_number_masked = fields.Function(lambda a: idnumber.mask(a.id_number))
    category = fields.String(allow_none=True)
    service_type = fields.String(allow_none=True)
    legal_deadline = fields.Date(allow_none=True)
    is_urgent = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DeadlinesOut(ma.Schema):
    """法定期限：按 `rule` 计算（calendar：自次日起算的日，最后一日为法定节假日或休息日的顺延至其后第一个工作日，
    民法典第二百零一条、第二百零三条；workdays：工作日）；不适用或计时暂停时为 null"""

    review_due = fields.Date(allow_none=True, metadata={"description": "审查决定期限（收到申请次日起 7 日，法律援助法第四十三条）；"
                                                                      "补充材料期间暂停，为 null"})
    review_days_left = fields.Integer(allow_none=True, metadata={"description": "审查期限尚余的日数（暂停时为补齐材料后仍可用的日数）"})
    supplement_due = fields.Date(allow_none=True, metadata={"description": "补充材料截止日（自补充材料通知书送达次日起算）"})
    assign_due = fields.Date(allow_none=True, metadata={"description": "指派期限（决定给予援助次日起 3 日）"})
    objection_due = fields.Date(allow_none=True, metadata={"description": "提出异议的最后一日（仅当本省规定了异议期限；自决定书送达次日起算）"})
    objection_open = fields.Boolean(metadata={"description": "可以对不予或终止的决定提出异议（尚未提出；本省规定期限的，未届满）"})
    rule = fields.String(metadata={"description": "calendar | workdays：计算期限的规则"})


class LetterOut(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "grant | refusal | supplement_notice | expedite | termination | assignment"})
    kind_label = fields.String()
    number = fields.String(metadata={"description": "文书编号，如 武法援决字〔2026〕第0012号"})
    issued_at = fields.DateTime()
    sha256 = fields.String()
    url = fields.String(metadata={"description": "带签名的下载地址（PDF，限时有效）"})
    delivered_at = fields.DateTime(allow_none=True, metadata={"description": "送达时间；未送达为 null"})
    delivered_by = fields.String(allow_none=True, metadata={"description": "送达方式：opened 小程序内查看 | wechat_deemed "
                                 "订阅消息通知满两日 | sms_link 短信链接查看 | post 邮寄 | in_person 直接送达 | internal 系统内"})


def _centre_of(a) -> dict | None:
    c = centres.get(a.centre_id)
    return None if c is None else {"code": c.code, "name": c.name}


class ApplicationOut(ApplicationInput, ApplicationSummaryOut):
    citizen_id = fields.Integer(allow_none=True)
    centre_id = fields.Integer(allow_none=True)
    centre = fields.Function(_centre_of, metadata={"description": "受理的法律援助机构（第三十八条），提交前即已确定"})
    submitted_at = fields.DateTime(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    assigned_lawyer = fields.Nested(LawyerOut, allow_none=True)
    backfill = fields.Method("get_backfill")
    deadlines = fields.Nested(DeadlinesOut, attribute="procedure_deadlines", allow_none=True)
    letters = fields.List(fields.Nested(LetterOut), attribute="procedure_letters")
    timeline = fields.Method("get_timeline")
    allowed_actions = fields.Method(
        "get_allowed_actions",
        metadata={"type": "array", "items": {"type": "string", "enum": list(CITIZEN_ACTIONS)},
                  "description": "申请人现在可以进行的操作（小程序据此显示按钮）：" + "、".join(
                      f"{n}（{a.label}）" for n, a in CITIZEN_ACTIONS.items())})

    def get_allowed_actions(self, obj):
        return citizen_allowed_actions(obj.status, obj.procedure_deadlines, local_today())

    def get_timeline(self, obj):
        """The citizen's timeline: only the events the citizen sees (internal notes stay internal)."""
        events = self.context_events(obj)
        return EventOut(many=True).dump([e for e in events if e.citizen_visible]) if events is not None else None

    @staticmethod
    def context_events(obj):
        from sqlalchemy.orm import attributes
        state = attributes.instance_state(obj)
        return obj.events if "events" not in state.unloaded else None

    def get_backfill(self, obj):
        if not obj.backfill_kinds:
            return None
        return backfill_status(obj)


class ApplicationListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))


ApplicationPageOut = page_schema(ApplicationSummaryOut, "ApplicationPage")


class ReasonInput(ma.Schema):
    reason = fields.String(validate=validate.Length(max=500), load_default=None)
