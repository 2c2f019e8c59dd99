import marshmallow as ma
from marshmallow import fields, validate

from app.applications import actions
from app.applications.actions import said
from app.common.permissions import CITIZEN
from app.applications.schemas import DeadlinesOut, LetterOut
from app.procedure import eligibility, law

# Enumerations the OpenAPI document states (the service checks the same tables, with its own codes)
REFUSAL_GROUND_KEYS = list(law.REFUSAL_GROUNDS)
EXPEDITE_GROUND_KEYS = list(law.EXPEDITE_GROUNDS)
TERMINATION_GROUND_KEYS = list(law.TERMINATION_GROUNDS) + list(law.EXPEDITE_TERMINATION)
NOTICE_ITEM_KEYS = list(dict.fromkeys([k for k, _, _ in law.COMMON_ITEMS]
                                      + [k for items in law.MATTER_ITEMS.values() for k, _, _ in items]))
RESULTS = list(eligibility.RESULT_LABELS)
MEANS_TESTS = list(eligibility.MEANS_TEST_LABELS)


def _enum(keys) -> dict:
    return {"enum": list(keys)}


def openapi_enums(config) -> dict:
    """The enumerations that follow the configuration (the province adds matters, situations and groups):
    {schema component: {property: values}}; create_app writes them into the OpenAPI document."""
    matters, situations, groups = eligibility.rules(config)
    lists = {"matter": list(matters), "situations": list(situations), "groups": list(groups)}
    return {name: lists for name in ("EligibilityInput", "ApplicationEligibilityInput")}


class EligibilityInput(ma.Schema):
    """资格自测：事项、无需经济困难条件的情形、免予核查经济困难的人员、家庭人口与月收入"""

    matter = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "事项（第三十一条、第三十三条），如 labour_relation_or_pay"})
    situations = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                             validate=validate.Length(max=10), metadata={"description": "第三十二条情形"})
    groups = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                         validate=validate.Length(max=10), metadata={"description": "第四十二条人员"})
    household_size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=50),
                                    metadata={"description": "家庭人口数"})
    monthly_income = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True,
                                    validate=validate.Range(min=0, max=100_000_000),
                                    metadata={"description": "家庭月收入合计（元）"})
    injury = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(eligibility.INJURY_KINDS)),
                           metadata={"description": "人身损害赔偿的事故类型：work 工伤 | traffic 交通 | food_drug 食品药品 | medical 医疗"
                                                    "（进城务工人员仅工伤免予核查经济困难，第四十二条第（三）项）"})
    retrial = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(eligibility.RETRIAL_STAGES)),
                            metadata={"description": "申诉或申请再审：court_decided 法院已决定、裁定再审 | procuratorate_protest "
                                                     "检察院已抗诉 | none 都没有（第三十三条）"})


class BasisOut(ma.Schema):
    article = fields.String(metadata={"description": "条款，如 第三十一条第（五）项"})
    text = fields.String()


class EligibilityOut(ma.Schema):
    result = fields.String(metadata={"description": "初步结论：" + "、".join(f"{k}（{v}）" for k, v in eligibility.RESULT_LABELS.items()),
                                     **_enum(RESULTS)})
    means_test = fields.String(metadata={"description": "经济困难审查：" + "、".join(f"{k}（{v}）" for k, v in eligibility.MEANS_TEST_LABELS.items()),
                                         **_enum(MEANS_TESTS)})
    basis = fields.List(fields.Nested(BasisOut))
    documents = fields.List(fields.String(), metadata={"description": "需携带或上传的材料"})


class RuleOut(ma.Schema):
    key = fields.String()
    label = fields.String()
    article = fields.String()
    text = fields.String()


class CommitmentOut(ma.Schema):
    version = fields.String()
    text = fields.String()


class EligibilityRulesOut(ma.Schema):
    matters = fields.List(fields.Nested(RuleOut))
    situations = fields.List(fields.Nested(RuleOut))
    groups = fields.List(fields.Nested(RuleOut))
    hardship_standard = fields.String(metadata={"description": "本地经济困难标准（第三十四条）"})
    integrity_commitment = fields.Nested(CommitmentOut)


class CommitmentInput(ma.Schema):
    version = fields.String(required=True, validate=validate.Length(max=16))
    accepted = fields.Boolean(required=True)


class ApplicationEligibilityInput(EligibilityInput):
    integrity_commitment = fields.Nested(CommitmentInput, load_default=None, allow_none=True,
                                         metadata={"description": "个人诚信承诺（第四十一条）"})


class AcceptedCommitmentOut(ma.Schema):
    version = fields.String()
    accepted_at = fields.String(metadata={"description": "同意承诺的时间（ISO 8601）"})


class ScreenOut(EligibilityOut):
    source = fields.String(metadata={"description": "citizen（申请人自测）| derived（按案件类别推定）", **_enum([CITIZEN.value, "derived"])})
    integrity_commitment = fields.Nested(AcceptedCommitmentOut, allow_none=True,
                                         metadata={"description": "已作出的个人诚信承诺（版本与时间）；未作出为 null"})
    input = fields.Dict(allow_none=True)
    screened_at = fields.String(allow_none=True)
    override = fields.Dict(allow_none=True, metadata={"description": "工作人员调整：result、reason、by_name、at"})
    effective_result = fields.String(metadata=_enum(RESULTS))


class LetterDetailOut(LetterOut):
    data = fields.Dict(metadata={"description": "文书的结构化内容（标题、编号、理由、条款、异议途径等）"})


class ObjectionInput(ma.Schema):
    reasons = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    document_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=9),
                               metadata={"description": "异议照片（先以 kind=other 上传）"})


class ObjectionOut(ma.Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    against = fields.String(metadata={"description": "refusal | termination", **_enum(["refusal", "termination"])})
    against_label = fields.String()
    reasons = fields.String()
    document_ids = fields.List(fields.Integer())
    status = fields.String(metadata={"description": "open | upheld | corrected", **_enum(["open", "upheld", "corrected"])})
    status_label = fields.String()
    received_at = fields.String()
    decide_by = fields.String(metadata={"description": "司法局应作出决定的最后一日（5 个工作日）"})
    decided_at = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True)


class ObjectionDecisionInput(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["uphold", "correct"]),
                             error_messages={"required": "请选择维持原决定或责令改正"})
    note = said("请填写审查意见（申请人可见）", 2000)


class ObjectionListArgs(ma.Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "upheld", "corrected", "all"]))


class OverrideInput(ma.Schema):
    result = fields.String(required=True, validate=validate.Length(max=20))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class NoticeInput(ma.Schema):
    items = fields.List(fields.String(validate=validate.Length(max=64), metadata=_enum(NOTICE_ITEM_KEYS)), required=True,
                        validate=validate.Length(min=1, max=30),
                        metadata={"description": "需补充的材料（一次性告知，第四十三条）：GET /api/v1/eligibility/checklist 按事项给出"})
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=90),
                          metadata={"description": "补充期限（日），自通知书送达次日起算；默认 SUPPLEMENT_DAYS（15 日）"})
    due_date = fields.Date(load_default=None, allow_none=True,
                           metadata={"description": "（兼容）截止日：按距今天的日数折算为补充期限"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ReceiveInput(ma.Schema):
    items = fields.List(fields.String(validate=validate.Length(max=64), metadata=_enum(NOTICE_ITEM_KEYS)), required=True,
                        validate=validate.Length(min=1, max=30))


GROUNDS_MISSING = "请至少选择一项不予法律援助的理由依据"


class RefuseInput(ma.Schema):
    reason = said("请填写不予法律援助的理由（群众可见）")
    grounds = fields.List(fields.String(validate=validate.Length(max=40), metadata=_enum(REFUSAL_GROUND_KEYS)), required=True,
                          validate=[validate.Length(min=1, error=GROUNDS_MISSING), validate.Length(max=len(REFUSAL_GROUND_KEYS))],
                          error_messages={"required": GROUNDS_MISSING, "null": GROUNDS_MISSING},
                          metadata={"description": "不予援助的理由依据（至少一项）：" + "、".join(
                              f"{k}（{a}）" if a else k for k, (a, _) in law.REFUSAL_GROUNDS.items())})


class ExpediteRequestInput(ma.Schema):
    reason = said("请说明申请特事特办的理由")
    ground = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                           metadata={"description": "先行提供的情形（第四十四条）；不填时，距法定期限不足 7 日的按第（一）项："
                                                    + "、".join(f"{k}（{a}）" for k, (a, _) in law.EXPEDITE_GROUNDS.items()),
                                     **_enum(EXPEDITE_GROUND_KEYS + [None])})


class TerminateInput(ma.Schema):
    ground = fields.String(required=True, validate=validate.Length(max=40),
                           metadata={"description": "终止情形（第四十八条）：" + "、".join(
                               f"{k}（{a}）" for k, (a, _) in {**law.TERMINATION_GROUNDS, **law.EXPEDITE_TERMINATION}.items()),
                                     **_enum(TERMINATION_GROUND_KEYS)})
    note = said("请填写终止说明（群众可见）")


class ExplanationInput(ma.Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "需要申请人补充说明的事项（申请人可见；不暂停审查期限）"})


class NoteInput(ma.Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class NoticeItemOut(ma.Schema):
    key = fields.String()
    label = fields.String()
    kind = fields.String(allow_none=True)
    received_at = fields.String(allow_none=True)


class NoticeOut(ma.Schema):
    id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    items = fields.List(fields.Nested(NoticeItemOut))
    days = fields.Integer(allow_none=True, metadata={"description": "补充期限（日），自通知书送达次日起算"})
    due_date = fields.Date(allow_none=True, metadata={"description": "补充材料截止日（通知书送达后确定；未送达为 null）"})
    note = fields.String(allow_none=True)
    issued_at = fields.DateTime()


class ProcedureOut(ma.Schema):
    """The review desk's data for staff."""

    deadlines = fields.Nested(DeadlinesOut)
    eligibility = fields.Nested(ScreenOut)
    integrity_commitment = fields.Dict(allow_none=True)
    checklist = fields.List(fields.Nested(NoticeItemOut))
    notices = fields.List(fields.Nested(NoticeOut))
    objections = fields.List(fields.Nested(ObjectionOut))
    letters = fields.List(fields.Nested(LetterOut))
    expedite_grounds_applicable = fields.List(fields.String())
    decision = fields.String(allow_none=True)
    decision_grounds = fields.List(fields.Dict(), allow_none=True)


# The law's decisions take these inputs (the staff API builds their routes with them, app/staff/routes.py):
# action -> (schema, summary)
DECISION_INPUTS = {
    "reject": (RefuseInput, "不予法律援助：理由与法律依据（群众可见），生成不予法律援助决定书（载明异议途径和期限）"),
    "request_expedite": (ExpediteRequestInput, "申请先行提供法律援助（第四十四条，特事特办；值班律师）：情形与理由"),
    "terminate": (TerminateInput, "终止法律援助（第四十八条的情形与说明），生成终止法律援助决定书"),
}


def action_input(action: str) -> type[ma.Schema]:
    """The input schema of a staff action: the one the staff API loads, and the one the case page's and the
    review desk's forms are loaded with (the law's decisions take this package's inputs)."""
    return DECISION_INPUTS.get(action, (actions.ACTIONS[action].input, None))[0]


class ChecklistArgs(ma.Schema):
    matter = fields.String(load_default=None, validate=validate.Length(max=64),
                           metadata={"description": "事项（GET /api/v1/eligibility/rules 的 matters 键）；不填：各事项通用的材料"})


class ChecklistItemOut(ma.Schema):
    key = fields.String(required=True, metadata=_enum(NOTICE_ITEM_KEYS))
    label = fields.String(required=True)
    kind = fields.String(required=True, allow_none=True, metadata={"description": "上传后可勾销此项的材料类型"})


class ChecklistOut(ma.Schema):
    matter = fields.String(required=True, allow_none=True)
    items = fields.List(fields.Nested(ChecklistItemOut), required=True)
