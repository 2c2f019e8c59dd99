"""The audit log's vocabulary: every action and object type written to `audit_log`, with its Chinese
label. One place; a test checks that every action the code writes and every object type is here."""
from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "document_view": "查看材料",
    "document_verify": "材料审核通过", "document_reject": "材料退回", "export": "导出",
    "lawyer_assigned": "指派律师", "application_note": "记录进展", "alert_acknowledge": "确认预警",
    "alert_resolve": "解除预警", "roster_update": "调整名册", "home_visit_request": "申请上门服务",
    "home_visit_schedule": "安排上门服务", "home_visit_done": "完成上门服务", "staff_create": "新建账号",
    "staff_update": "修改账号",
    "application_submit": "申请：提交申请", "application_withdraw": "申请：撤回申请",
    "application_start_review": "申请：开始审查", "application_approve": "申请：批准援助",
    "application_reject": "申请：不予批准", "application_request_expedite": "申请：申请特事特办",
    "application_approve_expedite": "申请：批准特事特办", "application_deny_expedite": "申请：驳回特事特办",
    "application_assign": "申请：指派律师", "application_start_work": "申请：开始办理", "application_close": "申请：结案",
}
