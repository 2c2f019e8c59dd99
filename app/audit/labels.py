"""The audit log's one vocabulary: every action (`<object>.<verb>`) and object type written to
`audit_log`, each with its Chinese label, for the audit page, its export and sentences such as
"张三 查看材料 材料 #12". A test checks that every action the code writes and every object type is here.
Imports only the permission table (its citizen)."""
from __future__ import annotations

from app.common.permissions import CITIZEN

ACTION_LABELS: dict[str, str] = {
    # staff accounts and sessions
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.logout": "退出登录",
    "auth.staff_create": "新建账号", "auth.staff_update": "修改账号",
    # applications: the state changes (app.applications.actions) and staff handling
    "application.submit": "提交申请", "application.withdraw": "撤回申请", "application.start_review": "开始审查",
    "application.approve": "批准援助", "application.reject": "不予法律援助",
    "application.request_expedite": "申请先行提供（特事特办）", "application.approve_expedite": "批准先行提供（特事特办）", "application.deny_expedite": "驳回特事特办",
    "application.assign": "指派律师", "application.start_work": "开始办理", "application.close": "结案",
    "application.lawyer_choice": "选定指派律师（推荐或调整）", "application.note": "记录办理进展",
    "application.reveal_phone": "查看完整联系电话",
    "application.transfer": "移送其他法律援助中心",
    "centres.create": "新建法律援助中心", "centres.update": "修改法律援助中心设置",
    "centres.scope_bypass": "跨中心查询（系统任务或市级权限，已记录原因）",
    # the Legal Aid Law's procedure (app/procedure)
    "application.terminate": "终止法律援助", "application.deemed_withdrawn": "视为撤回申请",
    "application.reopen_review": "责令改正，重新审查", "application.eligibility_screen": "援助条件自助测评",
    "application.eligibility_override": "调整援助条件审查结论", "application.supplement_notice": "一次性告知补充材料",
    "application.explanation_request": "要求申请人补充说明",
    "application.supplement_received": "收到补充材料", "application.grant_after_expedite": "先行提供后审查给予援助",
    "application.correct_refusal": "责令改正：给予法律援助", "application.resume_aid": "责令改正：恢复法律援助",
    "application.resume_aid_unassigned": "责令改正：恢复法律援助",
    "objection.lodge": "提出异议", "objection.decide": "审查异议", "letter.view": "查看法律文书",
    "letter.delivery_recorded": "登记文书送达",
    "home_visit.request": "申请上门服务", "home_visit.schedule": "安排上门服务", "home_visit.done": "完成上门服务",
    "roster.update": "调整律师名册",
    # after assignment (app/handling, app/subsidy)
    "application.submit_closing": "提交结案材料", "application.return_closing": "结案审查：退回补正",
    "application.change_lawyer": "更换法律援助人员", "application.archive": "归档",
    "lawyer_change.request": "申请更换法律援助人员", "lawyer_change.decide": "决定更换法律援助人员",
    "termination_report.create": "报告终止情形", "termination_report.decide": "决定终止情形报告",
    "closing.submit": "提交结案材料", "closing.review": "结案审查", "archive.create": "归档", "archive.view": "查看归档案卷",
    "subsidy_batch.create": "生成补贴批次", "subsidy_batch.approve": "审批补贴批次", "subsidy_batch.export": "导出补贴批次",
    # documents
    "document.view": "查看材料", "document.verify": "材料审核通过", "document.reject": "材料退回重拍",
    # alerts
    "alert.acknowledge": "确认预警", "alert.resolve": "解除预警",
    # hotline
    "consultation.create": "登记来电", "consultation.update": "修改来电记录",
    "consultation.reveal_number": "查看完整来电号码", "consultation.recording_view": "收听通话录音",
    "consultation.import": "导入话单", "telephony.do_not_call": "设置勿回拨",
    "callback.attempt": "记录回访", "callback.satisfied": "记录群众满意", "callback.escalated": "回访升级处理",
    "supervision.sample": "抽取质检样本", "supervision.score": "质检评分",
    # the citizen's own data (app/privacy)
    "citizen.consent_grant": "同意处理敏感个人信息", "citizen.consent_withdraw": "撤回敏感个人信息同意",
    "citizen.data_export": "导出本人数据副本", "citizen.delete": "注销账号",
    # exports
    "analytics.export": "导出数据分析", "audit.export": "导出审计日志",
}

OBJECT_LABELS: dict[str, str] = {
    "staff_user": "工作人员账号", "application": "法律援助申请", "document": "申请材料", "home_visit": "上门服务",
    "alert": "预警", "audit_log": "审计日志", "analytics": "数据分析", "call_import": "话单导入", "centre": "法律援助中心",
    "consultation": "热线来电", "callback_task": "回访任务", "supervision_sample": "质检抽样批次",
    "supervision_review": "质检评分", "letter": "法律文书", "objection": "异议",
    CITIZEN.value: "群众账号",
    "lawyer_change": "更换法律援助人员申请", "termination_report": "终止情形报告", "closing_file": "结案材料",
    "archive": "归档案卷", "subsidy_batch": "补贴批次",
}



def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def object_label(object_type: str | None) -> str:
    return OBJECT_LABELS.get(object_type or "", object_type or "")
